import type { RateLimiter, RateLimitHeaders } from "../../src/connectors/shared/rate-limit.js";

/** A limiter that never waits and remembers what it was told. */
export type SpyLimiter = RateLimiter & { readonly taken: number; readonly observed: RateLimitHeaders[] };

export function spyLimiter(): SpyLimiter {
  const observed: RateLimitHeaders[] = [];
  let taken = 0;
  return {
    take: () => { taken++; return Promise.resolve(); },
    observe: (headers) => { observed.push(headers); },
    stats: () => ({ calls: taken, waitedMs: 0 }),
    get taken() { return taken; },
    observed,
  };
}
