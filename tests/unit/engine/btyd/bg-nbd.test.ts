import { describe, expect, it } from "vitest";
import { bgNbdLogLikelihood, expectedOrders, fitBgNbd, medianTimeToNextOrder, pAlive, pNoOrder, timeToLikelyOrder } from "../../../../src/engine/btyd/bg-nbd.js";
import { cdnowCalibration } from "./cdnow.js";

// Fader, Hardie & Lee (2005), table/section 4: the CDNOW calibration estimates, in weeks.
const FHL = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

// Hand-computed with mpmath (30 digits) straight from FHL eq. 10/11 at the FHL parameters:
//   palive = 1/(1 + a/(b+x-1) * ((al+T)/(al+tx))**(r+x))            (1 when x = 0)
//   E(t)   = (a+b+x-1)/(a-1) * (1 - ((al+T)/(al+T+t))**(r+x) * hyp2f1(r+x, b+x, a+b+x-1, t/(al+T+t))) * palive
// The first row is FHL's worked example (customer 0001): E[Y(39)] = 1.226 in the paper.
const HAND = [
  { x: 2, tx: 30.43, T: 38.86, alive: 0.726578570081, e1: 0.0374479697417, e39: 1.22602817477 },
  { x: 7, tx: 29.43, T: 35.14, alive: 0.774523770836, e1: 0.140695532911, e39: 4.33191863965 },
  { x: 1, tx: 2, T: 38, alive: 0.22620848404, e1: 0.00659668515828, e39: 0.220509089035 },
  { x: 0, tx: 0, T: 38.86, alive: 1, e1: 0.00559565788948, e39: 0.195098052011 },
];

describe("fitBgNbd", () => {
  const customers = cdnowCalibration().map((c) => c.rft);

  it("reads 2,357 CDNOW customers from the vendored sample", () => {
    expect(customers).toHaveLength(2357);
  });

  it.each(Object.entries(FHL))("reproduces the published CDNOW %s within 1 %", (name, published) => {
    const { params } = fitBgNbd(customers);
    expect(Math.abs(params[name as keyof typeof FHL] / published - 1)).toBeLessThan(0.01);
  });

  it("reaches the published log-likelihood of -9582.4 and says it converged", () => {
    const fit = fitBgNbd(customers);
    expect(fit.converged).toBe(true);
    expect(fit.logLikelihood).toBeCloseTo(-9582.43, 1);
  });
});

describe("bgNbdLogLikelihood", () => {
  it("folds identical customers without changing the sum", () => {
    const one = { frequency: 3, recency: 20, T: 30 };
    const other = { frequency: 0, recency: 0, T: 12 };
    const twice = bgNbdLogLikelihood(FHL, [one, other, one]);
    expect(twice).toBeCloseTo(2 * bgNbdLogLikelihood(FHL, [one]) + bgNbdLogLikelihood(FHL, [other]), 10);
  });

  it("matches FHL eq. 6 by hand for one repeat buyer", () => {
    // mpmath: loggamma(r+2)-loggamma(r)+r*log(al)+log(beta(a,b+2)/beta(a,b))
    //         + log(((al+38.86)**-(r+2)) + a/(b+1)*(al+30.43)**-(r+2)) = -9.45860630707
    expect(bgNbdLogLikelihood(FHL, [{ frequency: 2, recency: 30.43, T: 38.86 }])).toBeCloseTo(-9.45860630707, 8);
  });
});

describe("pAlive", () => {
  it.each(HAND)("is $alive for x=$x, t_x=$tx, T=$T", ({ x, tx, T, alive }) => {
    expect(pAlive(FHL, { frequency: x, recency: tx, T })).toBeCloseTo(alive, 9);
  });
});

describe("expectedOrders", () => {
  it.each(HAND)("is $e39 in the next 39 weeks for x=$x, t_x=$tx, T=$T", ({ x, tx, T, e39 }) => {
    expect(expectedOrders(FHL, { frequency: x, recency: tx, T }, 39)).toBeCloseTo(e39, 8);
  });

  it.each(HAND)("is $e1 in the next week for x=$x, t_x=$tx, T=$T", ({ x, tx, T, e1 }) => {
    expect(expectedOrders(FHL, { frequency: x, recency: tx, T }, 1)).toBeCloseTo(e1, 9);
  });

  it("is 0 over an empty horizon", () => {
    expect(expectedOrders(FHL, { frequency: 2, recency: 30.43, T: 38.86 }, 0)).toBe(0);
  });

  it("stays finite and continuous when a is exactly 1", () => {
    const c = { frequency: 2, recency: 30.43, T: 38.86 };
    const atOne = expectedOrders({ ...FHL, a: 1 }, c, 39);
    expect(atOne).toBeCloseTo(expectedOrders({ ...FHL, a: 1.001 }, c, 39), 2);
  });
});

describe("pNoOrder", () => {
  it("is 1 - P(alive) + P(alive) * ((alpha+T)/(alpha+T+t))^(r+x)", () => {
    // 1 - 0.726578570081 + 0.726578570081 * (43.274/82.274)^2.243; mpmath: 0.445372862083
    expect(pNoOrder(FHL, { frequency: 2, recency: 30.43, T: 38.86 }, 39)).toBeCloseTo(0.445372862083, 9);
  });

  it("grows with the horizon", () => {
    const c = { frequency: 2, recency: 30.43, T: 38.86 };
    expect(pNoOrder(FHL, c, 10)).toBeGreaterThan(pNoOrder(FHL, c, 39));
  });
});

describe("medianTimeToNextOrder", () => {
  it("halves the chance of silence given alive: (alpha+T)(2^(1/(r+x)) - 1)", () => {
    // (4.414 + 38.86) * (2 ** (1 / 2.243) - 1) ; mpmath: 15.6694684761
    expect(medianTimeToNextOrder(FHL, { frequency: 2, recency: 30.43, T: 38.86 })).toBeCloseTo(15.6694684761, 8);
  });
});

describe("timeToLikelyOrder", () => {
  it("is the horizon at which the churn risk reaches one half", () => {
    const c = { frequency: 2, recency: 30.43, T: 38.86 };
    const t = timeToLikelyOrder(FHL, c);
    expect(t).not.toBeNull();
    expect(pNoOrder(FHL, c, t ?? NaN)).toBeCloseTo(0.5, 12);
  });

  it("is null when the customer is more likely gone than alive", () => {
    expect(timeToLikelyOrder(FHL, { frequency: 1, recency: 2, T: 38 })).toBeNull();
  });
});
