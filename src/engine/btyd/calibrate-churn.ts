import type { PredictionSettings } from "../../domain/prediction-settings.js";
import { DAY_MS } from "../utc-day.js";
import { fitBgNbd, pNoOrder, type BgNbdParams } from "./bg-nbd.js";
import { rftOf, type Rft } from "./rft.js";

// BG/NBD lets a customer drop out only after a repeat order, so every one-time buyer looks alive and
// ranks as less likely to churn than a lapsed repeat buyer. This corrects the ranking with the store's
// own history: an inner backtest inside the calibration period (fit before an inner cutoff, watch the
// next h_in days) teaches a small logistic regression how BG/NBD's churn risk, being a one-time buyer
// and the time since the last order translate into "no order". Nothing at or after the cutoff is read.

/** A logistic regression on BG/NBD churn features, learned from an inner backtest before the cutoff. */
export type ChurnCalibration = {
  /** Intercept first, then one weight per feature of `churnFeatures`. */
  readonly weights: readonly number[];
  /** The inner horizon the regression was learned on, in days. */
  readonly innerHorizonDays: number;
  /** Customers known before the inner cutoff, and how many of them did not order in the inner horizon. */
  readonly customers: number;
  readonly churned: number;
};

// Too few customers or a single label gives a regression that only memorises; these floors are a
// judgement call (50 customers, 10 of each label), not a published figure.
const MIN_CUSTOMERS = 50;
const MIN_PER_LABEL = 10;
// logit(p) is clamped to p in [1e-9, 1 - 1e-9]: a churn risk of exactly 0 or 1 would be an infinite feature.
const P_CLAMP = 1e-9;

/**
 * Learns the churn calibration from orders before `cutoff` only. The inner horizon is
 * min(horizonDays, half the span from the first order's UTC day to the cutoff) in whole days, so the inner fit
 * keeps at least as much history as it is asked to predict. Null below 50 customers known at the
 * inner cutoff, with fewer than 10 of either label, with too few repeat customers to fit
 * (settings.priorOnlyBelow), or when the inner fit does not converge.
 */
export function fitChurnCalibration(customers: readonly { orderTimes: readonly number[] }[], cutoff: Date, horizonDays: number, settings: PredictionSettings): ChurnCalibration | null {
  const cutoffMs = cutoff.getTime();
  let first = Infinity;
  for (const c of customers) for (const at of c.orderTimes) if (at < cutoffMs && at < first) first = at;
  if (!Number.isFinite(first)) return null;
  // The span counts from the start of the first order's UTC day, so an order at 01:00 does not cost a day.
  const spanDays = (cutoffMs - Math.floor(first / DAY_MS) * DAY_MS) / DAY_MS;
  const innerHorizonDays = Math.floor(Math.min(horizonDays, spanDays / 2));
  if (innerHorizonDays < 1) return null;
  const inner = new Date(cutoffMs - innerHorizonDays * DAY_MS);
  const innerMs = inner.getTime();

  const rfts: Rft[] = [];
  const labels: boolean[] = [];
  for (const c of customers) {
    const rft = rftOf(c.orderTimes, inner);
    if (rft === null) continue;
    rfts.push(rft);
    // Orders at or after the real cutoff never reach the label: the window ends where the cutoff is.
    labels.push(!c.orderTimes.some((at) => at >= innerMs && at < cutoffMs));
  }
  const churned = labels.filter(Boolean).length;
  if (rfts.length < MIN_CUSTOMERS || churned < MIN_PER_LABEL || rfts.length - churned < MIN_PER_LABEL) return null;
  const repeat = rfts.filter((r) => r.frequency > 0).length;
  if (repeat < Math.max(settings.priorOnlyBelow, 1)) return null;
  const fit = fitBgNbd(rfts);
  if (!fit.converged) return null;

  const rows = rfts.map((rft) => churnFeatures(fit.params, rft, innerHorizonDays));
  const weights = fitLogistic(rows, labels);
  if (weights === null) return null;
  return { weights, innerHorizonDays, customers: rfts.length, churned };
}

/** Calibrated P(no order within horizonDays) from the real cutoff's BG/NBD fit and the customer's (x, t_x, T) in days. */
export function calibratedChurn(calibration: ChurnCalibration, bgNbdParams: BgNbdParams, rft: Rft, horizonDays: number): number {
  return sigmoid(linear(calibration.weights, churnFeatures(bgNbdParams, rft, horizonDays)));
}

/**
 * The regression's features: logit of BG/NBD's P(no order in h), whether the customer bought once, and
 * log(1 + days since the last order / h), with its one-time-buyer interaction. Measuring the gap in
 * horizons lets a regression learned on the inner horizon carry over to the real one.
 */
export function churnFeatures(params: BgNbdParams, rft: Rft, horizonDays: number): number[] {
  const p = Math.min(1 - P_CLAMP, Math.max(P_CLAMP, pNoOrder(params, rft, horizonDays)));
  const oneTime = rft.frequency === 0 ? 1 : 0;
  const gap = Math.log1p(Math.max(0, rft.T - rft.recency) / horizonDays);
  return [Math.log(p / (1 - p)), oneTime, gap, oneTime * gap];
}

// A ridge this small only keeps Newton's step finite on separable data; it barely moves a real estimate.
const RIDGE = 1e-4;
const MAX_ITERATIONS = 50;
// Newton converges quadratically near the optimum, so a 1e-10 change in the log-likelihood is the optimum.
const TOLERANCE = 1e-10;

/**
 * Logistic regression by Newton's method (IRLS) with an L2 ridge of 1e-4 on the weights (not the
 * intercept). Returns [intercept, ...weights], or null when the system is singular or does not settle.
 */
export function fitLogistic(rows: readonly (readonly number[])[], labels: readonly boolean[], ridge: number = RIDGE): number[] | null {
  if (rows.length !== labels.length) throw new Error(`fitLogistic: ${rows.length} rows for ${labels.length} labels`);
  const k = (rows[0]?.length ?? 0) + 1;
  const w = new Array<number>(k).fill(0);
  let previous = -Infinity;
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    const gradient = new Array<number>(k).fill(0);
    const hessian = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    let logLikelihood = 0;
    rows.forEach((row, i) => {
      const x = [1, ...row];
      const eta = linear(w, row);
      const mu = sigmoid(eta);
      const y = labels[i] === true ? 1 : 0;
      // log σ(η) and log(1 − σ(η)) without overflow for large |η|.
      logLikelihood += y * -softplus(-eta) + (1 - y) * -softplus(eta);
      const v = mu * (1 - mu);
      for (let a = 0; a < k; a++) {
        const xa = x[a] ?? 0;
        gradient[a] = (gradient[a] ?? 0) + (y - mu) * xa;
        const hRow = hessian[a] as number[];
        for (let b = 0; b < k; b++) hRow[b] = (hRow[b] ?? 0) + v * xa * (x[b] ?? 0);
      }
    });
    for (let a = 1; a < k; a++) {
      logLikelihood -= (ridge / 2) * (w[a] ?? 0) ** 2;
      gradient[a] = (gradient[a] ?? 0) - ridge * (w[a] ?? 0);
      const hRow = hessian[a] as number[];
      hRow[a] = (hRow[a] ?? 0) + ridge;
    }
    const step = solve(hessian, gradient);
    if (step === null) return null;
    for (let a = 0; a < k; a++) w[a] = (w[a] ?? 0) + (step[a] ?? 0);
    if (Math.abs(logLikelihood - previous) < TOLERANCE * Math.max(1, Math.abs(logLikelihood))) return w;
    previous = logLikelihood;
  }
  return w.every(Number.isFinite) ? w : null;
}

// Gaussian elimination with partial pivoting; null for a singular system.
function solve(matrix: readonly (readonly number[])[], rhs: readonly number[]): number[] | null {
  const n = rhs.length;
  const m = matrix.map((row, i) => [...row, rhs[i] ?? 0]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]?.[col] ?? 0) > Math.abs(m[pivot]?.[col] ?? 0)) pivot = r;
    const top = m[pivot] as number[];
    if (!(Math.abs(top[col] ?? 0) > 1e-300)) return null;
    m[pivot] = m[col] as number[];
    m[col] = top;
    for (let r = col + 1; r < n; r++) {
      const row = m[r] as number[];
      const f = (row[col] ?? 0) / (top[col] ?? 1);
      for (let c = col; c <= n; c++) row[c] = (row[c] ?? 0) - f * (top[c] ?? 0);
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    const row = m[r] as number[];
    let s = row[n] ?? 0;
    for (let c = r + 1; c < n; c++) s -= (row[c] ?? 0) * (x[c] ?? 0);
    x[r] = s / (row[r] ?? 1);
  }
  return x;
}

function linear(weights: readonly number[], features: readonly number[]): number {
  let eta = weights[0] ?? 0;
  for (let i = 0; i < features.length; i++) eta += (weights[i + 1] ?? 0) * (features[i] ?? 0);
  return eta;
}

const sigmoid = (eta: number): number => (eta >= 0 ? 1 / (1 + Math.exp(-eta)) : Math.exp(eta) / (1 + Math.exp(eta)));
// log(1 + e^t), stable for either sign.
const softplus = (t: number): number => (t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t)));
