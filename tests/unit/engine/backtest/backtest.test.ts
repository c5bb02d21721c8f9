import { describe, expect, it } from "vitest";
import { PredictionSettingsSchema } from "../../../../src/domain/prediction-settings.js";
import { backtest } from "../../../../src/engine/backtest/backtest.js";
import { pNoOrder } from "../../../../src/engine/btyd/bg-nbd.js";
import { calibratedChurn } from "../../../../src/engine/btyd/calibrate-churn.js";
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

  it("keeps BG/NBD's own churn risk when too few customers to calibrate", () => {
    // 30 customers, below the calibration's floor of 50.
    const c4 = { frequency: 4, recency: 80, T: 188 };
    expect({ calibration: report.churnCalibration, churn: rows[4]?.churnRisk }).toEqual({ calibration: null, churn: pNoOrder(report.model.bgNbd, c4, 30) });
  });

  it("reports the uncalibrated churn AUC next to Tailor's", () => {
    expect(report.bgNbdChurnAuc).toBe(report.tailor.churnAuc);
  });

  describe("with enough history to calibrate churn", () => {
    // 150 customers over 300 days: every third buys every 20 to 45 days until a stop day, the rest buy once.
    const store = (holdout: (i: number) => number): CustomerSplit[] => Array.from({ length: 150 }, (_, i) => {
      const days = [300 - (i % 120)];
      if (i % 3 === 0) for (let d = (days[0] ?? 0) - 20 - (i % 26); d > 300 - 60 - ((i * 37) % 240) && d > 0; d -= 20 + (i % 26)) days.push(d);
      return customer(`s${i}`, days.sort((a, b) => b - a), holdout(i));
    });
    const run = (holdout: (i: number) => number) => backtest(store(holdout), { cutoff: CUTOFF, horizonDays: 90, settings });
    const calibrated = run((i) => (i % 3 === 0 ? 1 : 0));

    it("calibrates Tailor's churn risk on the history before the cutoff", () => {
      expect(calibrated.report.churnCalibration?.innerHorizonDays).toBe(90);
    });

    it("writes the calibrated churn risk in the churn column", () => {
      // s1 bought once, 299 days before the cutoff.
      const { report: r, rows: calibratedRows } = calibrated;
      const expected = r.churnCalibration ? calibratedChurn(r.churnCalibration, r.model.bgNbd, { frequency: 0, recency: 0, T: 299 }, 90) : Number.NaN;
      expect(calibratedRows[1]?.churnRisk).toBe(expected);
    });

    it("gives the same churn risks whatever happened in the horizon", () => {
      const other = run((i) => (i % 2 === 0 ? 2 : 0));
      expect(other.rows.map((r) => r.churnRisk)).toEqual(calibrated.rows.map((r) => r.churnRisk));
    });
  });
});
