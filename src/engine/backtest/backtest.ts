import type { Confidence } from "../../domain/decided.js";
import type { PredictionSettings } from "../../domain/prediction-settings.js";
import { DEFAULT_SEGMENTS, type Segment, type SegmentFacts } from "../../domain/segment-settings.js";
import { LifecycleThresholdsSchema, type LifecycleThresholds } from "../../domain/settings.js";
import { expectedOrders, pNoOrder, type BgNbdParams } from "../btyd/bg-nbd.js";
import { calibratedChurn, fitChurnCalibration, type ChurnCalibration } from "../btyd/calibrate-churn.js";
import { fitBtyd, meanRepeatValue, type BtydModel } from "../btyd/fit-btyd.js";
import type { GammaGammaParams } from "../btyd/gamma-gamma.js";
import { predictContact } from "../btyd/predict-contact.js";
import { rftOf, type Rft } from "../btyd/rft.js";
import { lifecycleOf } from "../lifecycle.js";
import { percentileOf } from "../percentile-of.js";
import { assignSegment } from "../segments.js";
import { DAY_MS, isoDayOf } from "../utc-day.js";
import { accuracy, areaUnderCurve, meanAbsoluteError, relativeError } from "./metrics.js";
import { naiveBaseline } from "./naive-baseline.js";
import type { CustomerSplit } from "./split-history.js";
import { topCategory } from "./top-category.js";

/** How a backtest is run: where history is cut, how far ahead it scores, and optional corrections to the model. */
export type BacktestOptions = {
  readonly cutoff: Date;
  readonly horizonDays: number;
  /** The installation's prediction settings: small stores are shrunk toward the priors exactly as in a real run. */
  readonly settings: PredictionSettings;
  /** Named segments to assign as of the cutoff (default: the playbook defaults). */
  readonly segments?: readonly Segment[];
  readonly lifecycle?: LifecycleThresholds;
};

/** One customer's prediction, as predictions.csv writes it, with what actually happened next to it. */
export type BacktestRow = {
  readonly customerId: string;
  /** BG/NBD expected orders (customer-days) within the horizon. */
  readonly expectedOrders: number;
  readonly pAlive: number;
  /** Probability of no order within the horizon: BG/NBD's, calibrated on the history before the cutoff when it can be. */
  readonly churnRisk: number;
  /** Gamma-Gamma expected value of one future order; null when the spend model has no finite mean. */
  readonly expectedSpend: number | null;
  /** The 12-month CLV Tailor writes (settings.clvMonths of expected orders x spend, discounted); null without a spend. */
  readonly clv: number | null;
  /** YYYY-MM-DD by which an order is more likely than not; "" when the customer is more likely gone. */
  readonly nextOrderDate: string;
  readonly topCategory: string;
  /**
   * The named segment as of the cutoff. An orders file carries no consent, discounts or site
   * activity, so every customer counts as subscribed and guards on those facts fail.
   */
  readonly segment: string;
  readonly actualOrders: number;
  readonly actualTopCategory: string;
  readonly baselineOrders: number;
  readonly baselineChurnRisk: number;
};

/** The figures one method scores, side by side with the other's in the report. */
export type MethodScores = {
  /** Mean over customers of |predicted - actual| orders in the horizon. */
  readonly mae: number;
  readonly predictedOrders: number;
  readonly actualOrders: number;
  /** (predicted - actual) / actual, over all customers. */
  readonly aggregateError: number;
  /** AUC of churn risk against "no order in the horizon". */
  readonly churnAuc: number;
  /** Share of customers with a known category on both sides whose top horizon category was predicted; null without categories. */
  readonly topCategoryAccuracy: number | null;
};

/** What the backtest measured, for report.md and report.json. */
export type BacktestReport = {
  readonly cutoff: string;
  readonly horizonDays: number;
  readonly customers: number;
  readonly repeatCustomers: number;
  /** Customers with no order within the horizon. */
  readonly churned: number;
  readonly model: {
    readonly bgNbd: BgNbdParams;
    readonly gammaGamma: GammaGammaParams;
    /** "fit", "shrunk" toward the priors, or the "prior" alone, and why. */
    readonly source: BtydModel["source"];
    readonly confidence: Confidence;
    readonly why: string;
    readonly converged: boolean;
  };
  /** The churn calibration learned before the cutoff; null when there was too little history for one (optional: older reports lack it). */
  readonly churnCalibration?: ChurnCalibration | null;
  /** AUC of BG/NBD's uncalibrated churn risk, to show what the calibration changed (optional: older reports lack it). */
  readonly bgNbdChurnAuc?: number;
  readonly tailor: MethodScores;
  readonly baseline: MethodScores;
};

/** Fits BG/NBD and Gamma-Gamma (fitBtyd, with its small-store priors) on the history before the cutoff, predicts each customer, and scores both Tailor and the naive baseline. */
export function backtest(customers: readonly CustomerSplit[], options: BacktestOptions): { rows: BacktestRow[]; report: BacktestReport } {
  const { cutoff, horizonDays, settings } = options;
  const histories = customers.map((c) => ({ split: c, rft: rftOfDays(c.calibrationDays, cutoff), meanValue: meanRepeatValue(c.calibrationValues) }));
  const model = fitBtyd(histories, settings);
  // Learned from calibration-period orders only: the holdout never reaches it.
  const calibration = fitChurnCalibration(customers.map((c) => ({ orderTimes: c.calibrationDays.map((d) => d * DAY_MS) })), cutoff, horizonDays, settings);
  const storeTop = topCategory(sumUnits(customers.map((c) => c.calibrationCategories)));

  const predictions = histories.map((history) => predictContact(model, history, cutoff, settings));
  const sortedClvs = predictions.map((p) => p.clv12m.value).filter((v): v is number => v !== null).sort((a, b) => a - b);
  const segments = options.segments ?? DEFAULT_SEGMENTS;
  const lifecycle = options.lifecycle ?? LifecycleThresholdsSchema.parse({});

  const bgNbdChurn = histories.map((h) => pNoOrder(model.bgNbd, h.rft, horizonDays));
  const rows = histories.map((history, i): BacktestRow => {
    const { split, rft } = history;
    // The same predictions a sync writes, except orders and churn, which are for this horizon and unrounded.
    const written = predictions[i] ?? predictContact(model, history, cutoff, settings);
    const baseline = naiveBaseline(rft.frequency, rft.T, horizonDays);
    const bgNbdChurnRisk = bgNbdChurn[i] ?? pNoOrder(model.bgNbd, rft, horizonDays);
    return {
      customerId: split.customerId,
      expectedOrders: expectedOrders(model.bgNbd, rft, horizonDays),
      pAlive: written.pAlive.value ?? 0,
      churnRisk: calibration === null ? bgNbdChurnRisk : calibratedChurn(calibration, model.bgNbd, rft, horizonDays),
      expectedSpend: written.expectedSpend.value,
      clv: written.clv12m.value,
      nextOrderDate: written.nextOrderDate.value ?? "",
      topCategory: topCategory(split.calibrationCategories),
      segment: assignSegment(factsOf(split, written, sortedClvs, lifecycle, cutoff), segments).segment.value ?? "",
      actualOrders: split.holdoutOrders,
      actualTopCategory: topCategory(split.holdoutCategories),
      baselineOrders: baseline.expectedOrders,
      baselineChurnRisk: baseline.churnRisk,
    };
  });

  const withCategories = rows.filter((r) => r.topCategory !== "" && r.actualTopCategory !== "");
  const scoresOf = (orders: (r: BacktestRow) => number, churn: (r: BacktestRow) => number, top: (r: BacktestRow) => string): MethodScores => {
    const predicted = rows.map(orders);
    const actual = rows.map((r) => r.actualOrders);
    const predictedOrders = sum(predicted);
    const actualOrders = sum(actual);
    return {
      mae: meanAbsoluteError(predicted, actual),
      predictedOrders,
      actualOrders,
      aggregateError: relativeError(predictedOrders, actualOrders),
      churnAuc: areaUnderCurve(rows.map(churn), rows.map((r) => r.actualOrders === 0)),
      topCategoryAccuracy: withCategories.length === 0 ? null : accuracy(withCategories.map(top), withCategories.map((r) => r.actualTopCategory)),
    };
  };

  return {
    rows,
    report: {
      cutoff: isoDayOf(cutoff.getTime()),
      horizonDays,
      customers: rows.length,
      repeatCustomers: model.repeatCustomers,
      churned: rows.filter((r) => r.actualOrders === 0).length,
      model: { bgNbd: model.bgNbd, gammaGamma: model.gammaGamma, source: model.source, confidence: model.confidence, why: model.why, converged: model.converged },
      churnCalibration: calibration,
      bgNbdChurnAuc: areaUnderCurve(bgNbdChurn, rows.map((r) => r.actualOrders === 0)),
      tailor: scoresOf((r) => r.expectedOrders, (r) => r.churnRisk, (r) => r.topCategory),
      baseline: scoresOf((r) => r.baselineOrders, (r) => r.baselineChurnRisk, () => storeTop),
    },
  };
}

/** What the segment guards can know from an orders file alone, as of the cutoff. */
function factsOf(split: CustomerSplit, p: ReturnType<typeof predictContact>, sortedClvs: readonly number[], thresholds: LifecycleThresholds, cutoff: Date): SegmentFacts {
  const orders = split.calibrationDays.length;
  const lastDay = split.calibrationDays[orders - 1];
  const lastOrderAt = lastDay === undefined ? null : lastDay * DAY_MS;
  const revenue = sum(split.calibrationValues);
  const clv = p.clv12m.value;
  return {
    orders,
    daysSinceLastOrder: lastOrderAt === null ? null : Math.floor((cutoff.getTime() - lastOrderAt) / DAY_MS),
    revenue,
    aov: orders === 0 ? null : revenue / orders,
    discountShare: null,
    clvPercentile: clv === null ? null : percentileOf(sortedClvs, clv),
    churnRisk: p.churnRisk.value,
    pAlive: p.pAlive.value,
    engagementScore: 0,
    views30d: 0,
    consent: "subscribed",
    lifecycle: lifecycleOf({ orders, lastOrderAt }, thresholds, cutoff).value,
  };
}

// Order days as midnight instants: recency and T come out in whole days whatever the time of day.
function rftOfDays(days: readonly number[], cutoff: Date): Rft {
  return rftOf(days.map((d) => d * DAY_MS), cutoff) ?? { frequency: 0, recency: 0, T: 0 };
}

function sumUnits(maps: readonly ReadonlyMap<string, number>[]): Map<string, number> {
  const total = new Map<string, number>();
  for (const map of maps) for (const [k, v] of map) total.set(k, (total.get(k) ?? 0) + v);
  return total;
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
