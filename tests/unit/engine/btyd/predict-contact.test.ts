import { describe, expect, it } from "vitest";
import { PredictionSettingsSchema } from "../../../../src/domain/prediction-settings.js";
import { pAlive } from "../../../../src/engine/btyd/bg-nbd.js";
import type { BtydModel } from "../../../../src/engine/btyd/fit-btyd.js";
import { predictContact } from "../../../../src/engine/btyd/predict-contact.js";

const settings = PredictionSettingsSchema.parse({});
const NOW = new Date("2024-06-30T12:00:00Z");
// FHL's CDNOW estimates in days and lifetimes' CDNOW spend model.
const model: BtydModel = {
  bgNbd: { r: 0.243, alpha: 30.898, a: 0.793, b: 2.426 },
  gammaGamma: { p: 6.25, q: 3.74, gamma: 15.44 },
  source: "fit", confidence: "high", why: "fitted on 1411 repeat customers of 2357", repeatCustomers: 1411, converged: true,
};
const repeatBuyer = { rft: { frequency: 2, recency: 213, T: 272 }, meanValue: 30 };
const oneTimeBuyer = { rft: { frequency: 0, recency: 0, T: 100 }, meanValue: 40 };

// Hand-computed with mpmath (30 digits) from FHL eq. 10/11, the Gamma-Gamma posterior mean, and
// clv = sum_{m=1..12} (E(m M) - E((m-1) M)) / 1.1^(m/12) * spend with M = 365.25/12 days:
//   repeat buyer:   alive 0.72658972, churn(90) 0.67879507, E30/90/365 0.15762746 / 0.45253607 / 1.5623326,
//                   spend 30.93832021, clv 46.10157922, likely order in 206.3261568 days -> 2025-01-22
//   one-time buyer: alive 1, churn(90) 0.8805948, E30/90/365 0.053867631 / 0.15247837 / 0.51165584,
//                   spend 35.2189781 (population mean), clv 17.19601918, likely order in 2137.6 days
describe("predictContact", () => {
  it("predicts a repeat buyer's numbers, rounded to 2 decimals", () => {
    const p = predictContact(model, repeatBuyer, NOW, settings);
    expect([p.pAlive.value, p.churnRisk.value, p.expectedOrders30.value, p.expectedOrders90.value, p.expectedOrders365.value, p.expectedSpend.value, p.clv12m.value])
      .toEqual([0.73, 0.68, 0.16, 0.45, 1.56, 30.94, 46.1]);
  });

  it("dates the repeat buyer's next order on the day an order becomes more likely than not", () => {
    expect(predictContact(model, repeatBuyer, NOW, settings).nextOrderDate.value).toBe("2025-01-22");
  });

  it("predicts a one-time buyer's numbers from the population spend", () => {
    const p = predictContact(model, oneTimeBuyer, NOW, settings);
    expect([p.churnRisk.value, p.expectedOrders30.value, p.expectedOrders90.value, p.expectedOrders365.value, p.expectedSpend.value, p.clv12m.value])
      .toEqual([0.88, 0.05, 0.15, 0.51, 35.22, 17.2]);
  });

  it("flags a one-time buyer's P(alive) as a model artefact with low confidence", () => {
    expect(predictContact(model, oneTimeBuyer, NOW, settings).pAlive).toEqual({
      value: 1, confidence: "low",
      why: "one order, 100 days ago: the model cannot tell yet whether a one-time buyer is gone; see churn risk",
    });
  });

  it("leaves the next order date empty when it lies beyond nextOrderMaxDays", () => {
    expect(predictContact(model, oneTimeBuyer, NOW, settings).nextOrderDate).toEqual({ value: null, why: "no order likely within 365 days", confidence: "high" });
  });

  it("leaves the next order date empty when the customer is more likely gone than alive", () => {
    const lapsed = { rft: { frequency: 1, recency: 14, T: 266 }, meanValue: 20 };
    expect(pAlive(model.bgNbd, lapsed.rft)).toBeLessThan(0.5);
    expect(predictContact(model, lapsed, NOW, settings).nextOrderDate.value).toBeNull();
  });

  it("explains churn risk with the horizon and the history", () => {
    expect(predictContact(model, repeatBuyer, NOW, settings).churnRisk).toEqual({
      value: 0.68, confidence: "high", why: "chance of no order in the next 90 days, from 3 orders over 213 days, the last 59 days ago",
    });
  });

  it("measures churn risk over the configured horizon", () => {
    // mpmath: 1 - 0.72658972 + 0.72658972 * (302.898/332.898)^2.243 = 0.861296...
    expect(predictContact(model, repeatBuyer, NOW, { ...settings, churnHorizonDays: 30 }).churnRisk.value).toBe(0.86);
  });

  it("carries the model's caveat and confidence when the model was shrunk", () => {
    const shrunk: BtydModel = { ...model, source: "shrunk", confidence: "medium", why: "only 50 repeat customers (fewer than 200); predictions lean on the prior (25 % own data)" };
    expect(predictContact(shrunk, repeatBuyer, NOW, settings).expectedOrders90).toEqual({
      value: 0.45, confidence: "medium",
      why: "expected in the next 90 days from 3 orders over 213 days, the last 59 days ago; only 50 repeat customers (fewer than 200); predictions lean on the prior (25 % own data)",
    });
  });

  it("gives a contact who never ordered no numbers, with the reason and low confidence", () => {
    const p = predictContact(model, null, NOW, settings);
    const none = { value: null, why: "no orders yet: predictions start with the first order", confidence: "low" };
    expect(p).toEqual({ pAlive: none, churnRisk: none, expectedOrders30: none, expectedOrders90: none, expectedOrders365: none, expectedSpend: none, clv12m: none, nextOrderDate: none });
  });

  it("discounts each month's expected orders at the annual rate", () => {
    // One month at 100 % a year: E(30.4375 days) / 2^(1/12) * 30.93832021; mpmath: 4.66857325
    const p = predictContact(model, repeatBuyer, NOW, { ...settings, clvMonths: 1, annualDiscountRate: 1 });
    expect(p.clv12m.value).toBe(4.67);
  });
});
