/** Percent of `sorted` (ascending) at or below `value`, 0-100 in whole numbers so the diff stays quiet. */
export function percentileOf(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] ?? 0) <= value) lo = mid + 1;
    else hi = mid;
  }
  return sorted.length === 0 ? 0 : Math.round((100 * lo) / sorted.length);
}
