/**
 * Top-k ranking metrics for the recommendation backtest, with binary gains: a recommended
 * product is relevant or not. A product listed twice gains only at its first position; the
 * repeat still takes a place in the top k, so a method cannot gain by repeating itself.
 */

/** Relevant products among the first k, over all relevant products; NaN when nothing is relevant. */
export function recallAt(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  if (relevant.size === 0) return Number.NaN;
  return gainsAt(ranked, relevant, k).filter(Boolean).length / relevant.size;
}

/**
 * NDCG@k: DCG = sum over positions r = 1..k of rel_r / log2(r + 1), divided by the DCG of an
 * ideal list, which puts min(k, relevant) relevant products first. NaN when nothing is relevant.
 */
export function ndcgAt(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  if (relevant.size === 0) return Number.NaN;
  let dcg = 0;
  gainsAt(ranked, relevant, k).forEach((gain, r) => {
    if (gain) dcg += 1 / Math.log2(r + 2);
  });
  let ideal = 0;
  for (let r = 0; r < Math.min(k, relevant.size); r++) ideal += 1 / Math.log2(r + 2);
  return dcg / ideal;
}

/** True when at least one of the first k is relevant. */
export function hitAt(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): boolean {
  return gainsAt(ranked, relevant, k).some(Boolean);
}

/** Distinct products in anyone's first k, over the products that could have been recommended; NaN for an empty catalog. */
export function catalogCoverage(lists: Iterable<readonly string[]>, catalogSize: number, k: number): number {
  if (catalogSize === 0) return Number.NaN;
  const shown = new Set<string>();
  for (const list of lists) for (const id of list.slice(0, k)) shown.add(id);
  return shown.size / catalogSize;
}

/** Per position of the top k: relevant and not listed higher up. */
function gainsAt(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): boolean[] {
  const seen = new Set<string>();
  return ranked.slice(0, k).map((id) => {
    const gain = relevant.has(id) && !seen.has(id);
    seen.add(id);
    return gain;
  });
}
