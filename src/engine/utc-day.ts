/** Milliseconds in one day; day arithmetic is in UTC, so no day is 23 or 25 hours. */
export const DAY_MS = 86_400_000;

/** Days since 1970-01-01 (UTC) of an epoch-ms instant: the bucket sales are counted in. */
export const utcDayOf = (ms: number): number => Math.floor(ms / DAY_MS);

/** Whole days from `then` to `now`, rounded down. */
export const daysSince = (then: number, now: Date): number => Math.floor((now.getTime() - then) / DAY_MS);

/** The `YYYY-MM-DD` (UTC) a date property holds. */
export const isoDayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
