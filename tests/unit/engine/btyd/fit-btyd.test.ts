import { describe, expect, it } from "vitest";
import { PredictionSettingsSchema } from "../../../../src/domain/prediction-settings.js";
import { fitBgNbd } from "../../../../src/engine/btyd/bg-nbd.js";
import { fitBtyd, meanRepeatValue, type CustomerHistory } from "../../../../src/engine/btyd/fit-btyd.js";
import { cdnowCalibration } from "./cdnow.js";

// Defaults: minRepeatCustomers 200, priorOnlyBelow 20, priors = CDNOW in days.
const settings = PredictionSettingsSchema.parse({});
const mean = (values: readonly number[]): number => values.reduce((s, v) => s + v, 0) / values.length;

// CDNOW in days (weeks x 7), mean value of repeat purchase days (of the one purchase for one-time buyers).
const cdnow: CustomerHistory[] = cdnowCalibration().map(({ rft, values }) => ({
  rft: { frequency: rft.frequency, recency: rft.recency * 7, T: rft.T * 7 },
  meanValue: values.length > 1 ? mean(values.slice(1)) : (values[0] ?? 0),
}));
const repeatOnly = cdnow.filter((c) => c.rft.frequency > 0);
const oneTime = cdnow.filter((c) => c.rft.frequency === 0);

describe("fitBtyd", () => {
  it("uses the priors with low confidence for an empty installation", () => {
    const model = fitBtyd([], settings);
    expect(model).toMatchObject({
      bgNbd: { r: 0.243, alpha: 30.898, a: 0.793, b: 2.426 },
      gammaGamma: { p: 6.25, q: 3.74, gamma: 15.44 },
      source: "prior", confidence: "low", repeatCustomers: 0, converged: false,
      why: "only 0 repeat customers (fewer than 20); predictions use the priors",
    });
  });

  it.each([
    { repeaters: 19, source: "prior", confidence: "low" },
    { repeaters: 20, source: "shrunk", confidence: "medium" },
    { repeaters: 199, source: "shrunk", confidence: "medium" },
    { repeaters: 200, source: "fit", confidence: "high" },
  ])("calls $repeaters repeat customers a $source model with $confidence confidence", ({ repeaters, source, confidence }) => {
    const model = fitBtyd([...repeatOnly.slice(0, repeaters), ...oneTime.slice(0, 300)], settings);
    expect({ source: model.source, confidence: model.confidence, repeatCustomers: model.repeatCustomers }).toEqual({ source, confidence, repeatCustomers: repeaters });
  });

  it("blends log-parameters n/minRepeatCustomers of the way from the prior to the fit", () => {
    const sample = [...repeatOnly.slice(0, 50), ...oneTime.slice(0, 60)];
    const fitted = fitBgNbd(sample.map((c) => c.rft)).params;
    const model = fitBtyd(sample, settings);
    // 50 of 200 repeat customers: a quarter own data.
    expect(model.bgNbd.r).toBeCloseTo(Math.exp(0.25 * Math.log(fitted.r) + 0.75 * Math.log(0.243)), 10);
    expect(model.bgNbd.alpha).toBeCloseTo(Math.exp(0.25 * Math.log(fitted.alpha) + 0.75 * Math.log(30.898)), 8);
  });

  it("says how little data the shrunk model rests on", () => {
    const model = fitBtyd([...repeatOnly.slice(0, 50), ...oneTime.slice(0, 60)], settings);
    expect(model.why).toBe("only 50 repeat customers (fewer than 200); predictions lean on the prior (25 % own data)");
  });

  it("reproduces FHL's CDNOW parameters in days on the whole sample", () => {
    const { bgNbd, source, why } = fitBtyd(cdnow, settings);
    expect(source).toBe("fit");
    expect(why).toBe(`fitted on ${repeatOnly.length} repeat customers of 2357`);
    expect(Math.abs(bgNbd.alpha / (4.414 * 7) - 1)).toBeLessThan(0.01);
    expect(Math.abs(bgNbd.r / 0.243 - 1)).toBeLessThan(0.01);
  });

  it("rescales the prior gamma so the prior mean spend is the store's mean order value", () => {
    const customers = [{ rft: { frequency: 0, recency: 0, T: 10 }, meanValue: 100 }, { rft: { frequency: 0, recency: 0, T: 5 }, meanValue: 300 }];
    const { gammaGamma } = fitBtyd(customers, settings);
    // p gamma / (q - 1) = 200  =>  gamma = 200 * 2.74 / 6.25 = 87.68
    expect(gammaGamma.gamma).toBeCloseTo(87.68, 10);
  });

  it("falls back to the priors and says so when the purchase fit runs off to a degenerate optimum", () => {
    // Everyone still buying at the end, at one rate: the likelihood is flattest with no dropout at all (a -> 0).
    const noDropout = Array.from({ length: 60 }, () => ({ rft: { frequency: 3, recency: 100, T: 100 }, meanValue: 20 }));
    const model = fitBtyd(noDropout, settings);
    expect(model).toMatchObject({ source: "prior", confidence: "low", converged: false, why: "the purchase model did not converge on 60 repeat customers; predictions use the priors" });
  });

  it("keeps the purchase fit but borrows the spend prior when every repeat order has the same value", () => {
    const flat = cdnow.map((c) => ({ ...c, meanValue: 25 }));
    const model = fitBtyd(flat, settings);
    expect({ source: model.source, confidence: model.confidence }).toEqual({ source: "fit", confidence: "medium" });
    expect(model.why).toContain("the spend model did not converge, so spend uses the prior");
  });
});

describe("meanRepeatValue", () => {
  it.each([
    [[], 0],
    [[40], 40],
    [[100, 20, 30], 25],
  ])("averages the orders after the first of %j (the only one when there is one): %d", (values, mean) => {
    expect(meanRepeatValue(values)).toBe(mean);
  });
});
