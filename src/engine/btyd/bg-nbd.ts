import betaln from "@stdlib/math-base-special-betaln";
import gammaln from "@stdlib/math-base-special-gammaln";
import hyp2f1 from "@stdlib/math-base-special-hyp2f1";
import { minimise } from "./nelder-mead.js";
import type { Rft } from "./rft.js";

// BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way", Marketing Science 24(2)).
// While alive a customer buys at Poisson rate lambda ~ Gamma(r, alpha); after each purchase they drop
// out with probability p ~ Beta(a, b). Times are in whatever unit the Rft was built in.

/** BG/NBD parameters: purchase rate ~ Gamma(shape r, rate alpha), dropout ~ Beta(a, b); alpha is in the Rft's time unit. */
export type BgNbdParams = { readonly r: number; readonly alpha: number; readonly a: number; readonly b: number };

/** What fitBgNbd returns. */
export type BgNbdFit = { params: BgNbdParams; converged: boolean; iterations: number; logLikelihood: number };

/**
 * Customers folded into distinct (x, t_x, T) rows with counts, grouped by x for the terms that depend on x only.
 * Rows point into tables of distinct t_x and T values, so ln(alpha + t) is taken once per value, not per row.
 */
type Aggregated = {
  readonly recencies: Float64Array;
  readonly ages: Float64Array;
  readonly groups: readonly { x: number; count: number; recency: Int32Array; age: Int32Array; weight: Float64Array }[];
};

function aggregate(customers: readonly Rft[]): Aggregated {
  const recencyIndex = new Map<number, number>();
  const ageIndex = new Map<number, number>();
  const indexOf = (index: Map<number, number>, v: number): number => {
    let i = index.get(v);
    if (i === undefined) { i = index.size; index.set(v, i); }
    return i;
  };
  const byX = new Map<number, Map<number, { recency: number; age: number; count: number }>>();
  for (const c of customers) {
    const recency = indexOf(recencyIndex, c.recency);
    const age = indexOf(ageIndex, c.T);
    let rows = byX.get(c.frequency);
    if (rows === undefined) { rows = new Map(); byX.set(c.frequency, rows); }
    // Both indexes are below 2^26 for any realistic input, so one float key is exact.
    const key = recency * 67_108_864 + age;
    const row = rows.get(key);
    if (row === undefined) rows.set(key, { recency, age, count: 1 });
    else row.count++;
  }
  const groups = [...byX].map(([x, rows]) => {
    const list = [...rows.values()];
    return {
      x,
      count: list.reduce((s, row) => s + row.count, 0),
      recency: Int32Array.from(list, (row) => row.recency),
      age: Int32Array.from(list, (row) => row.age),
      weight: Float64Array.from(list, (row) => row.count),
    };
  });
  return { recencies: Float64Array.from(recencyIndex.keys()), ages: Float64Array.from(ageIndex.keys()), groups };
}

function logLikelihoodOf({ r, alpha, a, b }: BgNbdParams, data: Aggregated): number {
  const lnAlpha = Math.log(alpha);
  const lnA = Math.log(a);
  const betaAB = betaln(a, b);
  const lnRecency = data.recencies.map((v) => Math.log(alpha + v));
  const lnAge = data.ages.map((v) => Math.log(alpha + v));
  let total = 0;
  for (const g of data.groups) {
    const { x } = g;
    const rx = r + x;
    // FHL (2005) eq. 6: ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x) − ln B(a, b) + ln(A3 + A4), with
    // ln A3 = −(r+x) ln(α+T) and ln A4 = ln a − ln(b+x−1) − (r+x) ln(α+t_x) when x > 0.
    total += g.count * (gammaln(rx) - gammaln(r) + r * lnAlpha + betaln(a, b + x) - betaAB);
    const { age, recency, weight } = g;
    const n = weight.length;
    let rows = 0;
    if (x === 0) {
      for (let i = 0; i < n; i++) rows += (weight[i] as number) * (lnAge[age[i] as number] as number);
      total -= rx * rows;
      continue;
    }
    const lnA4Factor = lnA - Math.log(b + x - 1);
    // Hot loop over every distinct row: indexes are in range by construction, hence the casts.
    for (let i = 0; i < n; i++) {
      const a3 = -rx * (lnAge[age[i] as number] as number);
      const a4 = lnA4Factor - rx * (lnRecency[recency[i] as number] as number);
      // log(e^a3 + e^a4) without overflow.
      const d = a4 - a3;
      rows += (weight[i] as number) * (d > 0 ? a4 + Math.log1p(Math.exp(-d)) : a3 + Math.log1p(Math.exp(d)));
    }
    total += rows;
  }
  return total;
}

/** Sum of the BG/NBD log-likelihood over customers (FHL 2005 eq. 6). */
export function bgNbdLogLikelihood(p: BgNbdParams, customers: readonly Rft[]): number {
  return logLikelihoodOf(p, aggregate(customers));
}

/** Maximum-likelihood BG/NBD fit: Nelder-Mead on log-parameters, over identical (x, t_x, T) rows folded together. */
export function fitBgNbd(customers: readonly Rft[], options: { start?: BgNbdParams; maxIterations?: number } = {}): BgNbdFit {
  const data = aggregate(customers);
  const start = options.start ?? startingPoint(customers);
  const toParams = (v: readonly number[]): BgNbdParams =>
    ({ r: Math.exp(v[0] ?? 0), alpha: Math.exp(v[1] ?? 0), a: Math.exp(v[2] ?? 0), b: Math.exp(v[3] ?? 0) });
  const objective = (v: readonly number[]): number => -logLikelihoodOf(toParams(v), data);
  const maxIterations = options.maxIterations ?? 2000;
  let result = minimise(objective, [start.r, start.alpha, start.a, start.b].map(Math.log), { maxIterations });
  let iterations = result.iterations;
  // One restart from the optimum: a collapsed simplex can stall short of it (Press et al., Numerical Recipes §10.5).
  if (result.converged) {
    result = minimise(objective, result.x, { maxIterations });
    iterations += result.iterations;
  }
  return { params: toParams(result.x), converged: result.converged && Number.isFinite(result.value), iterations, logLikelihood: -result.value };
}

// Rate starts near the population's mean purchase rate, so the simplex begins at the right scale in any time unit.
function startingPoint(customers: readonly Rft[]): BgNbdParams {
  let x = 0;
  let T = 0;
  for (const c of customers) { x += c.frequency; T += c.T; }
  const rate = customers.length === 0 ? 1 : Math.max(x, 1) / Math.max(T, 1e-9);
  return { r: 1, alpha: 1 / rate, a: 1, b: 3 };
}

/** P(still alive | x, t_x, T) (FHL 2005 eq. 11); one-time buyers are alive by the model's construction. */
export function pAlive({ r, alpha, a, b }: BgNbdParams, c: Rft): number {
  if (c.frequency === 0) return 1;
  const x = c.frequency;
  const odds = Math.exp(Math.log(a) - Math.log(b + x - 1) + (r + x) * (Math.log(alpha + c.T) - Math.log(alpha + c.recency)));
  return 1 / (1 + odds);
}

/** Expected orders in (T, T+t] given x, t_x, T (FHL 2005 eq. 10, with the Gauss hypergeometric 2F1). */
export function expectedOrders(p: BgNbdParams, c: Rft, t: number): number {
  if (t <= 0) return 0;
  const { r, alpha, b } = p;
  // Eq. 10 divides by a − 1; at a = 1 both factors vanish, so step just off it (the limit is continuous).
  const a = Math.abs(p.a - 1) < 1e-6 ? 1 + 1e-6 : p.a;
  const x = c.frequency;
  const z = t / (alpha + c.T + t);
  const head = (a + b + x - 1) / (a - 1);
  const power = Math.exp((r + x) * (Math.log(alpha + c.T) - Math.log(alpha + c.T + t)));
  const body = 1 - power * hyp2f1(r + x, b + x, a + b + x - 1, z);
  return Math.max(0, head * body * pAlive({ r, alpha, a, b }, c));
}

/** P(no order in the next t) = 1 − P(alive) + P(alive)·((α+T)/(α+T+t))^(r+x): the churn risk for a horizon. */
export function pNoOrder(p: BgNbdParams, c: Rft, t: number): number {
  const alive = pAlive(p, c);
  const silentIfAlive = Math.exp((p.r + c.frequency) * (Math.log(p.alpha + c.T) - Math.log(p.alpha + c.T + t)));
  return 1 - alive + alive * silentIfAlive;
}

/** Median time to the next order given the customer is alive: t with ((α+T)/(α+T+t))^(r+x) = 1/2. */
export function medianTimeToNextOrder(p: BgNbdParams, c: Rft): number {
  return (p.alpha + c.T) * (Math.pow(2, 1 / (p.r + c.frequency)) - 1);
}

/** Time by which an order is more likely than not, counting the chance the customer is gone; null when P(alive) ≤ 1/2. */
export function timeToLikelyOrder(p: BgNbdParams, c: Rft): number | null {
  const alive = pAlive(p, c);
  if (alive <= 0.5) return null;
  // Solve 1 − P + P·s = 1/2 for the survival s = ((α+T)/(α+T+t))^(r+x), then for t.
  const s = 1 - 1 / (2 * alive);
  return (p.alpha + c.T) * (Math.pow(s, -1 / (p.r + c.frequency)) - 1);
}
