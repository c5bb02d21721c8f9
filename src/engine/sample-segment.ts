import type { Rng } from "./rng.js";

/**
 * A uniform random sample of up to `n` members, without replacement, in draw order. The same
 * members in the same order and the same rng seed always give the same sample: a partial
 * Fisher-Yates shuffle draws exactly min(n, members) numbers and copies the list once.
 */
export function sampleSegment<T>(members: readonly T[], n: number, rng: Rng): T[] {
  const pool = members.slice();
  const take = Math.min(pool.length, Math.max(0, Math.floor(n)));
  for (let i = 0; i < take; i++) {
    // rng() is in [0, 1), so j stays within [i, pool.length).
    const j = i + Math.floor(rng() * (pool.length - i));
    const picked = pool[j] as T;
    pool[j] = pool[i] as T;
    pool[i] = picked;
  }
  return pool.slice(0, take);
}
