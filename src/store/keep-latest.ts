/**
 * A contact's kept list after adding one item: oldest first by `at` (an item added later goes
 * after one with the same `at`), only the newest `limit` remaining. Always a new array, never
 * `kept` changed in place, so a list handed out earlier never changes. Slot exposures and the
 * guard log are both kept this way.
 */
export function keepLatest<T extends { readonly at: number }>(kept: readonly T[], item: T, limit: number): readonly T[] {
  let at = kept.length;
  while (at > 0 && (kept[at - 1]?.at ?? -Infinity) > item.at) at--;
  const first = Math.max(0, kept.length + 1 - limit);
  // Walks the merged list (kept with the item at `at`) from the first index that stays, into one
  // array of exactly its size: a million contacts' lists are held at once, and push would
  // reserve 17 slots for a list of 2.
  const next = new Array<T>(kept.length + 1 - first);
  for (let i = first; i <= kept.length; i++) {
    const e = i === at ? item : kept[i < at ? i : i - 1];
    if (e !== undefined) next[i - first] = e;
  }
  return next;
}
