import { describe, expect, it } from "vitest";
import { expectedSpend, fitGammaGamma } from "../../../../src/engine/btyd/gamma-gamma.js";
import { cdnowCalibration } from "./cdnow.js";

// lifetimes' documented CDNOW Gamma-Gamma fit (p = 6.25, q = 3.74, v = 15.44) is reproduced by the
// calibration period (to 1997-09-30) with monetary value = mean value of the *repeat* purchase days,
// the first purchase left out; whole-period or all-purchase means give p = 4.68 / 9.91 / 14.34 instead.
const PUBLISHED = { p: 6.25, q: 3.74, gamma: 15.44 };
const mean = (values: readonly number[]): number => values.reduce((s, v) => s + v, 0) / values.length;

describe("fitGammaGamma", () => {
  const customers = cdnowCalibration().map((c) => ({ frequency: c.rft.frequency, meanValue: c.values.length > 1 ? mean(c.values.slice(1)) : 0 }));

  it.each(Object.entries(PUBLISHED))("reproduces the published CDNOW %s within 2 %", (name, published) => {
    const { params, converged } = fitGammaGamma(customers);
    expect(converged).toBe(true);
    expect(Math.abs(params[name as keyof typeof PUBLISHED] / published - 1)).toBeLessThan(0.02);
  });

  it("ignores one-time buyers", () => {
    const repeatOnly = customers.filter((c) => c.frequency > 0);
    expect(fitGammaGamma(customers).params).toEqual(fitGammaGamma(repeatOnly).params);
  });

  it("says it did not converge when there is no repeat customer", () => {
    expect(fitGammaGamma([{ frequency: 0, meanValue: 20 }]).converged).toBe(false);
  });
});

describe("expectedSpend", () => {
  it("is the posterior mean p(gamma + m x)/(p x + q - 1)", () => {
    // 6.25 * (15.44 + 2 * 30) / (6.25 * 2 + 3.74 - 1) = 471.5 / 15.24 = 30.938320...
    expect(expectedSpend(PUBLISHED, 2, 30)).toBeCloseTo(30.9383202, 6);
  });

  it("is the population mean p gamma/(q - 1) for a customer without repeat orders", () => {
    // 6.25 * 15.44 / 2.74 = 35.218978...
    expect(expectedSpend(PUBLISHED, 0, 99)).toBeCloseTo(35.2189781, 6);
  });
});
