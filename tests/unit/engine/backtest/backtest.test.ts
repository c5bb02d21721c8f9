import { describe, expect, it } from "vitest";
import { PredictionSettingsSchema } from "../../../../src/domain/prediction-settings.js";
import { backtest } from "../../../../src/engine/backtest/backtest.js";
import type { CustomerSplit } from "../../../../src/engine/backtest/split-history.js";

const settings = PredictionSettingsSchema.parse({});
const CUTOFF = new Date("2024-03-01T00:00:00Z");
const DAY = 19_783; // utcDayOf(2024-03-01)

function customer(id: string, daysAgo: readonly number[], holdoutOrders: number, categories: Record<string, number> = {}, holdout: Record<string, number> = {}): CustomerSplit {
  return {
    customerId: id,
    calibrationDays: daysAgo.map((d) => DAY - d),
    calibrationValues: daysAgo.map(() => 20),
    holdoutOrders,
    calibrationCategories: new Map(Object.entries(categories)),
    holdoutCategories: new Map(Object.entries(holdout)),
  };
}

// Thirty customers with a spread of histories, so both models have something to fit.
const customers: CustomerSplit[] = Array.from({ length: 30 }, (_, i) =>
  customer(`c${i}`, Array.from({ length: 1 + (i % 5) }, (_, k) => 200 - i * 3 - k * 20), i % 3 === 0 ? 0 : 1 + (i % 4), { [i % 2 === 0 ? "shoes" : "bags"]: 1 }, i % 3 === 0 ? {} : { shoes: 1 }));

describe("backtest", () => {
  const { rows, report } = backtest(customers, { cutoff: CUTOFF, horizonDays: 30, settings });

  it("predicts one row per customer, in input order", () => {
    expect(rows.map((r) => r.customerId)).toEqual(customers.map((c) => c.customerId));
  });

  it("gives the baseline each customer's repeat rate since the first order", () => {
    // c4: five orders, the first 188 days before the cutoff: 4 repeats / 188 days x 30 days.
    expect(rows[4]?.baselineOrders).toBeCloseTo((4 / 188) * 30, 12);
  });

  it("keeps churn risk a probability", () => {
    expect(rows.every((r) => r.churnRisk > 0 && r.churnRisk < 1)).toBe(true);
  });

  it("sums actual orders from the split", () => {
    expect(report.tailor.actualOrders).toBe(customers.reduce((s, c) => s + c.holdoutOrders, 0));
  });

  it("scores the baseline's top category as the store's bestseller", () => {
    // Calibration: 15 shoes, 15 bags, so the tie goes to "bags"; every horizon buyer bought shoes.
    expect(report.baseline.topCategoryAccuracy).toBe(0);
  });

  it("scores Tailor's top category as each customer's own most bought", () => {
    // Horizon buyers are the i % 3 != 0 customers; half of them (even i) bought shoes before.
    const buyers = customers.filter((_, i) => i % 3 !== 0);
    const shoes = buyers.filter((c) => c.calibrationCategories.has("shoes")).length;
    expect(report.tailor.topCategoryAccuracy).toBe(shoes / buyers.length);
  });

  it("reports top-category accuracy as null without categories", () => {
    const plain = customers.map((c) => ({ ...c, calibrationCategories: new Map<string, number>(), holdoutCategories: new Map<string, number>() }));
    expect(backtest(plain, { cutoff: CUTOFF, horizonDays: 30, settings }).report.tailor.topCategoryAccuracy).toBeNull();
  });

  it.each([
    ["c0", "Win-back"], // one order 200 days before the cutoff
    ["c10", "Lapsing"], // one order 170 days before
  ])("puts %s in the named segment %s as of the cutoff", (id, segment) => {
    expect(rows.find((r) => r.customerId === id)?.segment).toBe(segment);
  });
});
