import gammaln from "@stdlib/math-base-special-gammaln";
import { minimise } from "./nelder-mead.js";

// Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves", JMR 42;
// Colombo & Jiang 1999): each order's value ~ Gamma(p, ν), and a customer's ν ~ Gamma(q, γ).
// Values are in the store's currency; γ carries that scale.

/** Gamma-Gamma parameters: order value ~ Gamma(shape p, rate ν), ν ~ Gamma(shape q, rate gamma). */
export type GammaGammaParams = { readonly p: number; readonly q: number; readonly gamma: number };

/** One customer's spend summary: repeat orders and their mean value. */
export type SpendSummary = { frequency: number; meanValue: number };

/** Repeat customers grouped by x: Σ count·ln m̄ per group, and each row's x·m̄ for the one per-row term. */
type Grouped = readonly { x: number; count: number; sumLnMean: number; spend: Float64Array; weight: Float64Array }[];

function logLikelihood({ p, q, gamma }: GammaGammaParams, groups: Grouped): number {
  let total = 0;
  const lnGammaQ = gammaln(q);
  const lnGamma = Math.log(gamma);
  for (const g of groups) {
    // FHL (2005b) eq. 3 with the mean value m̄ of x orders, as lifetimes' GammaGammaFitter writes it:
    // ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + (px−1) ln m̄ + px ln x − (px+q) ln(γ + m̄x).
    const px = p * g.x;
    total += g.count * (gammaln(px + q) - gammaln(px) - lnGammaQ + q * lnGamma + px * Math.log(g.x)) + (px - 1) * g.sumLnMean;
    let tail = 0;
    for (let i = 0; i < g.spend.length; i++) tail += (g.weight[i] ?? 0) * Math.log(gamma + (g.spend[i] ?? 0));
    total -= (px + q) * tail;
  }
  return total;
}

function group(rows: readonly { x: number; m: number; count: number }[]): Grouped {
  const byX = new Map<number, { x: number; m: number; count: number }[]>();
  for (const row of rows) {
    const list = byX.get(row.x) ?? [];
    list.push(row);
    byX.set(row.x, list);
  }
  return [...byX].map(([x, list]) => ({
    x,
    count: list.reduce((s, row) => s + row.count, 0),
    sumLnMean: list.reduce((s, row) => s + row.count * Math.log(row.m), 0),
    spend: Float64Array.from(list, (row) => row.x * row.m),
    weight: Float64Array.from(list, (row) => row.count),
  }));
}

/** Maximum-likelihood Gamma-Gamma fit on repeat customers only (frequency > 0, meanValue > 0). */
export function fitGammaGamma(customers: readonly SpendSummary[]): { params: GammaGammaParams; converged: boolean; iterations: number } {
  const folded = new Map<string, { x: number; m: number; count: number }>();
  let spend = 0;
  for (const { frequency, meanValue } of customers) {
    if (!(frequency > 0 && meanValue > 0)) continue;
    const key = `${frequency}|${meanValue}`;
    const row = folded.get(key);
    if (row === undefined) folded.set(key, { x: frequency, m: meanValue, count: 1 });
    else row.count++;
    spend += meanValue;
  }
  const rows = [...folded.values()];
  const groups = group(rows);
  const n = rows.reduce((s, row) => s + row.count, 0);
  // Start with p = q = 2 (so q − 1 > 0) and γ set so the prior mean spend pγ/(q−1) equals the observed mean.
  const meanSpend = n === 0 ? 1 : spend / n;
  const start = [2, 2, meanSpend / 2].map(Math.log);
  const toParams = (v: readonly number[]): GammaGammaParams => ({ p: Math.exp(v[0] ?? 0), q: Math.exp(v[1] ?? 0), gamma: Math.exp(v[2] ?? 0) });
  const objective = (v: readonly number[]): number => -logLikelihood(toParams(v), groups);
  if (n === 0) return { params: toParams(start), converged: false, iterations: 0 };
  let result = minimise(objective, start);
  let iterations = result.iterations;
  if (result.converged) {
    result = minimise(objective, result.x);
    iterations += result.iterations;
  }
  return { params: toParams(result.x), converged: result.converged && Number.isFinite(result.value), iterations };
}

/** Expected value of this customer's future orders: the posterior mean (γ + m̄x)p / (px + q − 1); the population mean when x = 0. */
export function expectedSpend(params: GammaGammaParams, frequency: number, meanValue: number): number {
  const { p, q, gamma } = params;
  const x = frequency > 0 && meanValue > 0 ? frequency : 0;
  return (p * (gamma + meanValue * x)) / (p * x + q - 1);
}
