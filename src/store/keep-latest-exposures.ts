import { SLOT_EXPOSURES_KEPT } from "../domain/index.js";
import type { SlotExposure } from "../domain/index.js";

/**
 * A contact's exposures after adding one: oldest first by `at` (an exposure appended later
 * goes after one with the same `at`), only the newest SLOT_EXPOSURES_KEPT remaining. Always a
 * new array, never `kept` changed in place, so a list handed out earlier never changes.
 */
export function keepLatestExposures(kept: readonly SlotExposure[], exposure: SlotExposure): readonly SlotExposure[] {
  let at = kept.length;
  while (at > 0 && (kept[at - 1]?.at ?? -Infinity) > exposure.at) at--;
  const next: SlotExposure[] = [];
  // One array, no intermediate slices: a million contacts go through here on every load.
  for (let i = Math.max(0, kept.length + 1 - SLOT_EXPOSURES_KEPT); i <= kept.length; i++) {
    if (i === at) next.push(exposure);
    const e = kept[i];
    if (e !== undefined) next.push(e);
  }
  return next;
}
