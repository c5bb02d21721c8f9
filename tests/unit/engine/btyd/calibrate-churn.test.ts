import { describe, expect, it } from "vitest";
import { PredictionSettingsSchema } from "../../../../src/domain/prediction-settings.js";
import { pNoOrder } from "../../../../src/engine/btyd/bg-nbd.js";
import { calibratedChurn, churnFeatures, fitChurnCalibration, fitLogistic } from "../../../../src/engine/btyd/calibrate-churn.js";
import { DAY_MS } from "../../../../src/engine/utc-day.js";

const settings = PredictionSettingsSchema.parse({});
const START = Date.UTC(2024, 0, 1);
const CUTOFF = new Date(START + 200 * DAY_MS);

// A store of 150 customers over 200 days: every third buys every 15 to 40 days until a personal stop day,
// the rest buy once. Only days before the cutoff are generated, plus optional holdout orders after it.
function store(holdout: (i: number) => readonly number[] = () => []): { orderTimes: number[] }[] {
  return Array.from({ length: 150 }, (_, i) => {
    const first = i % 100;
    const days = [first];
    if (i % 3 === 0) {
      const gap = 15 + (i % 26);
      const stop = 60 + ((i * 37) % 140);
      for (let d = first + gap; d < Math.min(stop, 200); d += gap) days.push(d);
    }
    return { orderTimes: [...days, ...holdout(i)].map((d) => START + d * DAY_MS + 3_600_000) };
  });
}

describe("fitLogistic", () => {
  it("returns the logit of the positive share as the intercept without features", () => {
    const w = fitLogistic([[], [], [], []], [true, false, false, false], 0);
    expect(w?.[0]).toBeCloseTo(Math.log(1 / 3), 8);
  });

  it("recovers the group log-odds for one binary feature", () => {
    // x = 0: 1 of 4 positive (logit -ln 3); x = 1: 3 of 4 (logit ln 3), so the weight is 2 ln 3.
    const rows = [[0], [0], [0], [0], [1], [1], [1], [1]];
    const labels = [true, false, false, false, true, true, true, false];
    const w = fitLogistic(rows, labels, 0);
    expect(w?.[0]).toBeCloseTo(-Math.log(3), 8);
    expect(w?.[1]).toBeCloseTo(2 * Math.log(3), 8);
  });

  it("keeps the weights finite and the classes apart on separable data", () => {
    const w = fitLogistic([[-2], [-1], [1], [2]], [false, false, true, true]) ?? [];
    const positive = [-2, -1, 1, 2].map((x) => (w[0] ?? 0) + (w[1] ?? 0) * x > 0);
    expect({ finite: w.every(Number.isFinite), positive }).toEqual({ finite: true, positive: [false, false, true, true] });
  });

  it("refuses rows and labels of different lengths", () => {
    expect(() => fitLogistic([[1]], [true, false])).toThrow("1 rows for 2 labels");
  });
});

describe("calibratedChurn", () => {
  const params = { r: 0.25, alpha: 30, a: 0.8, b: 2.4 };
  const rft = { frequency: 2, recency: 40, T: 100 };

  it("gives back BG/NBD's churn risk when only the logit weighs", () => {
    const identity = { weights: [0, 1, 0, 0, 0], innerHorizonDays: 90, customers: 100, churned: 50 };
    expect(calibratedChurn(identity, params, rft, 90)).toBeCloseTo(pNoOrder(params, rft, 90), 12);
  });

  it("measures the time since the last order in horizons", () => {
    expect(churnFeatures(params, { frequency: 0, recency: 0, T: 90 }, 90).slice(1)).toEqual([1, Math.log(2), Math.log(2)]);
  });
});

describe("fitChurnCalibration", () => {
  const calibration = fitChurnCalibration(store(), CUTOFF, 273, settings);

  it("learns on an inner horizon of half the history when the horizon is longer", () => {
    // The first order is on day 0 and the cutoff on day 200: half the span is 100 days.
    expect(calibration?.innerHorizonDays).toBe(100);
  });

  it("uses the real horizon as the inner one when it fits in half the history", () => {
    expect(fitChurnCalibration(store(), CUTOFF, 60, settings)?.innerHorizonDays).toBe(60);
  });

  it("counts only customers known before the inner cutoff", () => {
    // Inner cutoff day 100: the store's 150 first orders are on days 0..99, the newcomer's on day 150.
    const newcomer = { orderTimes: [START + 150 * DAY_MS] };
    expect(fitChurnCalibration([...store(), newcomer], CUTOFF, 273, settings)?.customers).toBe(150);
  });

  it("ignores orders at or after the cutoff", () => {
    const withHoldout = fitChurnCalibration(store((i) => (i % 2 === 0 ? [200, 230] : [])), CUTOFF, 273, settings);
    expect(withHoldout).toEqual(calibration);
  });

  it("gives up below 50 customers", () => {
    expect(fitChurnCalibration(store().slice(0, 49), CUTOFF, 273, settings)).toBeNull();
  });

  it("gives up when nobody ordered in the inner horizon", () => {
    const onlyEarly = store().map((c) => ({ orderTimes: c.orderTimes.filter((t) => t < START + 100 * DAY_MS) }));
    expect(fitChurnCalibration(onlyEarly, CUTOFF, 273, settings)).toBeNull();
  });

  it("gives up without orders before the cutoff", () => {
    expect(fitChurnCalibration([{ orderTimes: [CUTOFF.getTime()] }], CUTOFF, 273, settings)).toBeNull();
  });

  it("rates a long-gone one-time buyer likelier to churn than BG/NBD does", () => {
    const params = { r: 0.25, alpha: 30, a: 0.8, b: 2.4 };
    const gone = { frequency: 0, recency: 0, T: 190 };
    expect(calibratedChurn(calibration ?? { weights: [], innerHorizonDays: 0, customers: 0, churned: 0 }, params, gone, 273)).toBeGreaterThan(pNoOrder(params, gone, 273));
  });
});
