/** Scoring functions for a backtest: plain numbers in, one figure out. */

/** Mean absolute error; NaN for no pairs (nothing to score is not a perfect score). */
export function meanAbsoluteError(predicted: readonly number[], actual: readonly number[]): number {
  if (predicted.length !== actual.length) throw new Error(`meanAbsoluteError: ${predicted.length} predictions for ${actual.length} actuals`);
  if (predicted.length === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < predicted.length; i++) sum += Math.abs((predicted[i] ?? 0) - (actual[i] ?? 0));
  return sum / predicted.length;
}

/** Signed error of a total, as a share of the actual total (0.1 = predicted 10 % too many); NaN when nothing happened. */
export function relativeError(predictedTotal: number, actualTotal: number): number {
  return actualTotal === 0 ? Number.NaN : (predictedTotal - actualTotal) / actualTotal;
}

/**
 * Area under the ROC curve by ranks (Mann-Whitney U): the probability that a random positive
 * scores above a random negative, ties counting one half (average ranks). NaN when either class
 * is empty, since the figure is then undefined.
 */
export function areaUnderCurve(scores: readonly number[], positive: readonly boolean[]): number {
  if (scores.length !== positive.length) throw new Error(`areaUnderCurve: ${scores.length} scores for ${positive.length} labels`);
  const order = scores.map((score, i) => ({ score, positive: positive[i] === true })).sort((a, b) => a.score - b.score);
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end < order.length && order[end]?.score === order[start]?.score) end++;
    // Ranks start..end-1 (1-based start+1..end) share their mean.
    const meanRank = (start + 1 + end) / 2;
    for (let i = start; i < end; i++) {
      if (order[i]?.positive === true) {
        positives += 1;
        rankSum += meanRank;
      }
    }
    start = end;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Share of pairs where the prediction equals what happened; pairs with nothing to compare are left out by the caller. NaN for none. */
export function accuracy(predicted: readonly string[], actual: readonly string[]): number {
  if (predicted.length !== actual.length) throw new Error(`accuracy: ${predicted.length} predictions for ${actual.length} actuals`);
  if (predicted.length === 0) return Number.NaN;
  let hits = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === actual[i]) hits += 1;
  return hits / predicted.length;
}
