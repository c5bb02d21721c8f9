import type { Confidence } from "../../domain/decided.js";
import type { PredictionSettings } from "../../domain/prediction-settings.js";
import { fitBgNbd, type BgNbdParams } from "./bg-nbd.js";
import { fitGammaGamma, type GammaGammaParams } from "./gamma-gamma.js";
import type { Rft } from "./rft.js";

/** One customer as the models see it: (x, t_x, T) in days and the mean order value (of repeat orders, or of all orders when only one). */
export type CustomerHistory = { readonly rft: Rft; readonly meanValue: number };

/** Gamma-Gamma models repeat orders, so the first order's value is left out (FHL 2005b) unless it is the only one. */
export function meanRepeatValue(orderValues: readonly number[]): number {
  const values = orderValues.length > 1 ? orderValues.slice(1) : orderValues;
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/** The installation's fitted (or borrowed) BTYD models, in days and the store's currency, with how far to trust them. */
export type BtydModel = {
  readonly bgNbd: BgNbdParams;
  readonly gammaGamma: GammaGammaParams;
  readonly source: "fit" | "shrunk" | "prior";
  readonly confidence: Confidence;
  readonly why: string;
  readonly repeatCustomers: number;
  readonly converged: boolean;
};

// A converged fit that ran off to e^±20 is a flat likelihood, not an estimate (e.g. every repeat order the same value).
const LOG_PARAM_LIMIT = 20;
const sane = (values: readonly number[]): boolean => values.every((v) => Number.isFinite(v) && v > 0 && Math.abs(Math.log(v)) < LOG_PARAM_LIMIT);

/** Fits BG/NBD and Gamma-Gamma for one installation; below `minRepeatCustomers` it leans on the priors, and it never throws. */
export function fitBtyd(customers: readonly CustomerHistory[], settings: PredictionSettings): BtydModel {
  const repeat = customers.filter((c) => c.rft.frequency > 0);
  const n = repeat.length;
  const priorBg: BgNbdParams = { r: settings.priorR, alpha: settings.priorAlphaDays, a: settings.priorA, b: settings.priorB };
  const priorGg = spendPrior(customers, settings);
  const prior = (why: string, converged: boolean): BtydModel =>
    ({ bgNbd: priorBg, gammaGamma: priorGg, source: "prior", confidence: "low", why, repeatCustomers: n, converged });

  if (n < settings.priorOnlyBelow || n === 0) {
    return prior(`only ${n} repeat customers (fewer than ${settings.priorOnlyBelow}); predictions use the priors`, false);
  }
  const bg = fitBgNbd(customers.map((c) => c.rft));
  // a -> 0 is a real boundary optimum, not a runaway: almost nobody drops out, and BG/NBD
  // becomes the NBD (the full Online Retail export fits a of about 4e-11). Only a huge a is suspect.
  if (!bg.converged || !sane([bg.params.r, bg.params.alpha, bg.params.b]) || !(bg.params.a > 0) || Math.log(bg.params.a) >= LOG_PARAM_LIMIT) {
    return prior(`the purchase model did not converge on ${n} repeat customers; predictions use the priors`, false);
  }
  const gg = fitGammaGamma(repeat.map((c) => ({ frequency: c.rft.frequency, meanValue: c.meanValue })));
  // q <= 1 gives customers an infinite mean spend: unusable even if the optimiser stopped there.
  const ggUsable = gg.converged && sane([gg.params.p, gg.params.q, gg.params.gamma]) && gg.params.q > 1;
  const spendNote = ggUsable ? "" : "; the spend model did not converge, so spend uses the prior";
  const ggFitted = ggUsable ? gg.params : priorGg;

  if (n < settings.minRepeatCustomers) {
    // Linear ramp from the priors to the store's own fit, reaching it exactly at the threshold (no jump there).
    const w = n / settings.minRepeatCustomers;
    return {
      bgNbd: { r: blend(bg.params.r, priorBg.r, w), alpha: blend(bg.params.alpha, priorBg.alpha, w), a: blend(bg.params.a, priorBg.a, w), b: blend(bg.params.b, priorBg.b, w) },
      gammaGamma: { p: blend(ggFitted.p, priorGg.p, w), q: blend(ggFitted.q, priorGg.q, w), gamma: blend(ggFitted.gamma, priorGg.gamma, w) },
      source: "shrunk",
      confidence: "medium",
      why: `only ${n} repeat customers (fewer than ${settings.minRepeatCustomers}); predictions lean on the prior (${Math.round(w * 100)} % own data)${spendNote}`,
      repeatCustomers: n,
      converged: true,
    };
  }
  return {
    bgNbd: bg.params,
    gammaGamma: ggFitted,
    source: "fit",
    confidence: ggUsable ? "high" : "medium",
    why: `fitted on ${n} repeat customers of ${customers.length}${spendNote}`,
    repeatCustomers: n,
    converged: true,
  };
}

// Weighted average of log-parameters: a geometric blend, so a scale parameter cannot turn negative.
const blend = (fitted: number, prior: number, w: number): number => Math.exp(w * Math.log(fitted) + (1 - w) * Math.log(prior));

// The prior's p and q keep their shape; gamma is rescaled so the prior mean spend p·gamma/(q−1) is the store's own
// mean order value (CDNOW's dollars mean nothing to a store selling in yen).
function spendPrior(customers: readonly CustomerHistory[], settings: PredictionSettings): GammaGammaParams {
  let total = 0;
  let count = 0;
  for (const c of customers) {
    if (c.meanValue > 0 && Number.isFinite(c.meanValue)) { total += c.meanValue; count++; }
  }
  const { priorP: p, priorQ: q } = settings;
  return { p, q, gamma: count === 0 ? settings.priorGamma : ((total / count) * (q - 1)) / p };
}
