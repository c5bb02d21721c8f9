/** What an ESP's rate-limit response headers say; any field may be missing. */
export type RateLimitHeaders = {
  max?: number;
  remaining?: number;
  intervalMs?: number;
  /**
   * For an ESP that meters fixed windows: how long until its current window resets. Calls it
   * counted that we did not see then leave our window at that time, not a whole window from now.
   */
  resetMs?: number;
};

/** One installation's budget for one kind of call. */
export type RateLimiter = {
  /** Resolves when a call may start; callers are served first come, first served. Counts the call from now. */
  take(): Promise<void>;
  /** Tightens the budget from the ESP's headers; never loosens it past the configured one. */
  observe(headers: RateLimitHeaders): void;
  /** Calls started, and how long the queue was held back (clock time, not summed over callers). */
  stats(): { calls: number; waitedMs: number };
};

/** What createRateLimiter builds: a RateLimiter that can also count a call from when it settled. */
export type SettlingRateLimiter = RateLimiter & {
  /**
   * Waits like take(), runs `call`, and counts it from when it settled rather than when it started.
   * The ESP counts a request when it arrives, somewhere in between, so this never races the ESP's
   * window at its edges however long the network takes; the price is one round trip per window.
   */
  run<T>(call: () => Promise<T>): Promise<T>;
};

/** Runs `call` under `limiter`: with run() when it has it (see SettlingRateLimiter), else take() first. */
export async function runLimited<T>(limiter: RateLimiter | SettlingRateLimiter, call: () => Promise<T>): Promise<T> {
  if ("run" in limiter) return limiter.run(call);
  await limiter.take();
  return call();
}

export type RateLimiterOptions = {
  /** Calls allowed to start in any window of `intervalMs`. */
  max: number;
  intervalMs: number;
  /**
   * More windows every call must also fit, for an ESP that meters one budget over several spans
   * (Klaviyo: per second and per minute). observe() speaks of the main window (`max`, `intervalMs`).
   */
  also?: readonly { readonly max: number; readonly intervalMs: number }[];
  /** A clock that never goes backwards, in ms. */
  now: () => number;
  sleep: (ms: number) => Promise<void>;
};

type Window = { readonly max: number; readonly intervalMs: number };

/**
 * A sliding-window limiter: at most `max` calls start in any `intervalMs`. Make one per installation
 * and kind of call (each ESP account has its own budget); never share one across accounts.
 *
 * observe() adapts it to the ESP's view. When the ESP announces a window (Max, Interval), calls must
 * fit both that window and the configured one, so the ESP can lower the budget but never raise it.
 * When the ESP says fewer calls Remain than we counted (someone else spends the same budget, or a
 * call we did not see), the missing calls are recorded as if made now: the queue then waits for
 * them to leave the window, which is the longest they can still count.
 */
export function createRateLimiter(options: RateLimiterOptions): SettlingRateLimiter {
  const { now, sleep } = options;
  const configured: Window = { max: options.max, intervalMs: options.intervalMs };
  if (!isCount(configured.max) || configured.max < 1) throw new RangeError(`max must be a whole number >= 1, got ${configured.max}`);
  if (!isDuration(configured.intervalMs)) throw new RangeError(`intervalMs must be > 0, got ${configured.intervalMs}`);
  const also: readonly Window[] = (options.also ?? []).map((w) => ({ max: w.max, intervalMs: w.intervalMs }));
  for (const w of also) {
    if (!isCount(w.max) || w.max < 1) throw new RangeError(`also: max must be a whole number >= 1, got ${w.max}`);
    if (!isDuration(w.intervalMs)) throw new RangeError(`also: intervalMs must be > 0, got ${w.intervalMs}`);
  }

  let announced: Window | null = null;
  // When each counted call happened, oldest first: take() starts, run() completions, calls others made.
  const counted: number[] = [];
  // run() calls not settled yet: inside every window until they settle.
  let inFlight = 0;
  const queue: { resolve: () => void; reject: (error: unknown) => void; settles: boolean }[] = [];
  let pumping = false;
  let calls = 0;
  let waitedMs = 0;

  const windows = (): readonly Window[] => (announced === null ? [configured, ...also] : [configured, ...also, announced]);

  function forget(t: number): void {
    const horizon = t - Math.max(...windows().map((w) => w.intervalMs));
    while ((counted[0] ?? Infinity) <= horizon) counted.shift();
  }

  /** Index of the first counted call still inside window `w` at time t. */
  function firstInside(w: Window, t: number): number {
    const index = counted.findIndex((c) => c > t - w.intervalMs);
    return index === -1 ? counted.length : index;
  }

  /** How long until one more call fits every window; Infinity when only a run() settling can make room. */
  function waitAt(t: number): number {
    let wait = 0;
    for (const w of windows()) {
      const first = firstInside(w, t);
      const inside = inFlight + counted.length - first;
      if (inside < w.max) continue;
      // The counted call that must leave the window before there is room for one more.
      const leaving = counted[first + inside - w.max];
      wait = Math.max(wait, leaving === undefined ? Infinity : leaving + w.intervalMs - t);
    }
    return wait;
  }

  // One loop serves the queue in order, so callers that arrive together cannot overtake each other.
  async function pump(): Promise<void> {
    pumping = true;
    try {
      while (queue.length > 0) {
        const t = now();
        forget(t);
        const wait = waitAt(t);
        if (wait === Infinity) return; // settle() restarts the loop
        if (wait > 0) {
          await sleep(wait);
          waitedMs += Math.max(0, now() - t);
          continue;
        }
        const next = queue.shift();
        if (next === undefined) return;
        if (next.settles) inFlight++;
        else counted.push(t);
        calls++;
        next.resolve();
      }
    } catch (error) {
      for (const waiter of queue.splice(0)) waiter.reject(error);
    } finally {
      pumping = false;
    }
  }

  const acquire = (settles: boolean) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ resolve, reject, settles });
      if (!pumping) void pump();
    });

  function settle(): void {
    inFlight--;
    counted.push(now());
    if (!pumping && queue.length > 0) void pump();
  }

  return {
    take: () => acquire(false),

    async run<T>(call: () => Promise<T>): Promise<T> {
      await acquire(true);
      try {
        return await call();
      } finally {
        settle();
      }
    },

    observe({ max, remaining, intervalMs, resetMs }) {
      const announcedMax = max !== undefined && isCount(max) && max >= 1 ? max : undefined;
      const announcedInterval = intervalMs !== undefined && isDuration(intervalMs) ? intervalMs : undefined;
      if (announcedMax !== undefined || announcedInterval !== undefined) {
        const next = {
          max: announcedMax ?? announced?.max ?? configured.max,
          intervalMs: announcedInterval ?? announced?.intervalMs ?? configured.intervalMs,
        };
        announced = next.max === configured.max && next.intervalMs === configured.intervalMs ? null : next;
      }
      if (remaining === undefined || !isCount(remaining)) return;
      const t = now();
      forget(t);
      // Remaining counts in the ESP's own window when it announced one.
      const w = announced ?? configured;
      const weThinkRemain = Math.max(0, w.max - inFlight - (counted.length - firstInside(w, t)));
      const unseen = weThinkRemain - remaining;
      if (unseen <= 0) return;
      // Dated so they leave our window when the ESP's resets; never later than a call made now.
      const at = resetMs !== undefined && isDuration(resetMs) && resetMs < w.intervalMs ? t + resetMs - w.intervalMs : t;
      const index = counted.findIndex((c) => c > at);
      counted.splice(index === -1 ? counted.length : index, 0, ...Array.from<number>({ length: unseen }).fill(at));
    },

    stats: () => ({ calls, waitedMs }),
  };
}

const isCount = (n: number): boolean => Number.isInteger(n) && n >= 0;
const isDuration = (n: number): boolean => Number.isFinite(n) && n > 0;

/**
 * HubSpot's published budgets. OAuth (marketplace) apps: 100 requests per rolling 10 s per installed
 * account (developers.hubspot.com/apisbytier). CRM search: 5 requests per second per token, metered
 * apart from the 10-second bucket (the spec marks search "x-hubspot-rate-limit-exemptions: ten-secondly";
 * changelog crm-search-api-rate-limit-increase).
 */
/**
 * Our window is this much longer than HubSpot's: a call counts here when it starts but there when
 * it arrives, and with 4 calls in flight that gap alone drew 429s in bench/hubspot-push.ts.
 */
export const HUBSPOT_WINDOW_SLACK = 0.02;

export const HUBSPOT_LIMITS = {
  standard: { max: 100, intervalMs: 10_000 },
  search: { max: 5, intervalMs: 1_000 },
} as const;

/** The two limiters one HubSpot installation needs; build them once per installation. */
export function hubspotLimiters(now: () => number, sleep: (ms: number) => Promise<void>): { standard: SettlingRateLimiter; search: SettlingRateLimiter } {
  return {
    standard: createRateLimiter({ max: HUBSPOT_LIMITS.standard.max, intervalMs: HUBSPOT_LIMITS.standard.intervalMs * (1 + HUBSPOT_WINDOW_SLACK), now, sleep }),
    search: createRateLimiter({ ...HUBSPOT_LIMITS.search, now, sleep }),
  };
}

/**
 * observe() input from HubSpot's X-HubSpot-RateLimit-Max, -Remaining and -Interval-Milliseconds
 * response headers (any case; absent or unreadable values are left out). They describe the
 * 10-second bucket; the daily and deprecated secondly headers are not read.
 */
export function readHubSpotRateHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): RateLimitHeaders {
  const byName = new Map(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), Array.isArray(value) ? value[0] : value]));
  const read = (name: string): number | undefined => {
    const text = byName.get(name)?.trim();
    if (text === undefined || !/^\d+$/.test(text)) return undefined;
    return Number(text);
  };
  const max = read("x-hubspot-ratelimit-max");
  const remaining = read("x-hubspot-ratelimit-remaining");
  const intervalMs = read("x-hubspot-ratelimit-interval-milliseconds");
  return {
    ...(max === undefined ? {} : { max }),
    ...(remaining === undefined ? {} : { remaining }),
    ...(intervalMs === undefined ? {} : { intervalMs }),
  };
}
