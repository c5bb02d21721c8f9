import { DAY_MS, utcDayOf } from "../utc-day.js";

/** frequency = repeat purchase periods (distinct order days - 1), recency = first->last order, T = first order->now; in `unitMs` units (default one day). */
export type Rft = { readonly frequency: number; readonly recency: number; readonly T: number };

/** A customer's (frequency, recency, T) from order times (epoch ms, any order); null when no order is before `now`. */
export function rftOf(orderTimes: readonly number[], now: Date, unitMs: number = DAY_MS): Rft | null {
  const nowMs = now.getTime();
  let first = Infinity;
  let last = -Infinity;
  // Several orders on one UTC day are one purchase occasion, as in Fader, Hardie & Lee (2005).
  const days = new Set<number>();
  for (const at of orderTimes) {
    if (!(at < nowMs)) continue;
    if (at < first) first = at;
    if (at > last) last = at;
    days.add(utcDayOf(at));
  }
  if (days.size === 0) return null;
  return { frequency: days.size - 1, recency: (last - first) / unitMs, T: (nowMs - first) / unitMs };
}
