import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createRateLimiter,
  HUBSPOT_LIMITS,
  hubspotLimiters,
  readHubSpotRateHeaders,
  runLimited,
  type RateLimiter,
  type SettlingRateLimiter,
} from "../../../../src/connectors/shared/rate-limit.js";

/**
 * A discrete-event clock: sleep() and at() schedule timers, run() fires them in time order and lets
 * every promise settle before the clock moves again. Nothing really waits.
 */
function fakeClock() {
  let time = 0;
  let seq = 0;
  const timers: { at: number; seq: number; fire: () => void }[] = [];
  const settle = () => new Promise<void>((resolve) => { setImmediate(resolve); });
  const schedule = (at: number, fire: () => void) => { timers.push({ at, seq: seq++, fire }); };
  return {
    now: () => time,
    sleep: (ms: number) => new Promise<void>((resolve) => { schedule(time + ms, resolve); }),
    at: (at: number, fire: () => void) => { schedule(at, fire); },
    async run(): Promise<void> {
      await settle();
      for (;;) {
        timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
        const next = timers.shift();
        if (next === undefined) return;
        time = Math.max(time, next.at);
        next.fire();
        await settle();
      }
    },
  };
}

/** Schedules one take() per arrival time; returns each caller's start time, in caller order. */
async function startTimes(limiter: RateLimiter, clock: ReturnType<typeof fakeClock>, arrivals: readonly number[]): Promise<number[]> {
  const started: number[] = new Array<number>(arrivals.length).fill(Number.NaN);
  arrivals.forEach((at, i) => {
    clock.at(at, () => { void limiter.take().then(() => { started[i] = clock.now(); }); });
  });
  await clock.run();
  return started;
}

/** Most starts found in any window (s - interval, s]. */
function busiestWindow(starts: readonly number[], intervalMs: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  return Math.max(0, ...sorted.map((s) => sorted.filter((x) => x > s - intervalMs && x <= s).length));
}

describe("createRateLimiter", () => {
  it("lets max calls start at once, then the next when the oldest leaves the window", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ max: 3, intervalMs: 1000, now: clock.now, sleep: clock.sleep });
    expect(await startTimes(limiter, clock, [0, 0, 0, 0, 10, 10])).toEqual([0, 0, 0, 1000, 1000, 1000]);
  });

  it("slides the window rather than resetting it on a fixed grid", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ max: 2, intervalMs: 1000, now: clock.now, sleep: clock.sleep });
    expect(await startTimes(limiter, clock, [0, 600, 900, 1100])).toEqual([0, 600, 1000, 1600]);
  });

  it("serves concurrent callers in the order they asked", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ max: 1, intervalMs: 100, now: clock.now, sleep: clock.sleep });
    const order: number[] = [];
    const all = Array.from({ length: 6 }, (_, i) => limiter.take().then(() => { order.push(i); }));
    await clock.run();
    await Promise.all(all);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("never starts more than max calls in any window, serves callers in order, and waits no longer than it must", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 2000 }),
        fc.array(fc.integer({ min: 0, max: 6000 }), { minLength: 1, maxLength: 60 }),
        async (max, intervalMs, times) => {
          const arrivals = [...times].sort((a, b) => a - b);
          const clock = fakeClock();
          const limiter = createRateLimiter({ max, intervalMs, now: clock.now, sleep: clock.sleep });
          const starts = await startTimes(limiter, clock, arrivals);
          expect(busiestWindow(starts, intervalMs)).toBeLessThanOrEqual(max);
          // The greedy FIFO schedule: each caller starts as soon as it has arrived, its predecessor
          // has started, and the call max places earlier has left the window.
          const expected: number[] = [];
          arrivals.forEach((at, i) => {
            expected.push(Math.max(at, expected[i - 1] ?? 0, i >= max ? expected[i - max]! + intervalMs : 0));
          });
          expect(starts).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("counts calls and the time the queue was held back", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ max: 2, intervalMs: 1000, now: clock.now, sleep: clock.sleep });
    await startTimes(limiter, clock, [0, 0, 0, 0, 0]);
    expect(limiter.stats()).toEqual({ calls: 5, waitedMs: 2000 });
  });

  it("rejects waiting callers if sleeping fails, instead of leaving them hanging", async () => {
    const limiter = createRateLimiter({ max: 1, intervalMs: 1000, now: () => 0, sleep: () => Promise.reject(new Error("timer gone")) });
    await limiter.take();
    await expect(limiter.take()).rejects.toThrow("timer gone");
  });

  it.each([
    [{ max: 0, intervalMs: 1000 }],
    [{ max: 1.5, intervalMs: 1000 }],
    [{ max: 10, intervalMs: 0 }],
    [{ max: 10, intervalMs: Number.NaN }],
  ])("refuses the budget %o", (budget) => {
    expect(() => createRateLimiter({ ...budget, now: () => 0, sleep: () => Promise.resolve() })).toThrow(RangeError);
  });
});

/** Schedules one run() per arrival, each call lasting its duration; returns [start, settled] per caller. */
async function runSpans(limiter: SettlingRateLimiter, clock: ReturnType<typeof fakeClock>, calls: readonly { at: number; lasts: number }[]): Promise<[number, number][]> {
  const spans: [number, number][] = calls.map(() => [Number.NaN, Number.NaN]);
  calls.forEach(({ at, lasts }, i) => {
    clock.at(at, () => {
      void limiter.run(async () => {
        spans[i]![0] = clock.now();
        await clock.sleep(lasts);
      }).then(() => { spans[i]![1] = clock.now(); });
    });
  });
  await clock.run();
  return spans;
}

describe("createRateLimiter.run", () => {
  it("counts a call from when it settled, so the next waits for the ESP to have forgotten it", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ max: 2, intervalMs: 1000, now: clock.now, sleep: clock.sleep });
    const spans = await runSpans(limiter, clock, [{ at: 0, lasts: 300 }, { at: 0, lasts: 100 }, { at: 0, lasts: 10 }]);
    // The second call settled at 100 and leaves the window at 1100.
    expect(spans).toEqual([[0, 300], [0, 100], [1100, 1110]]);
  });

  it("holds the queue while max calls are still in flight, and goes on when one settles", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ max: 1, intervalMs: 100, now: clock.now, sleep: clock.sleep });
    expect(await runSpans(limiter, clock, [{ at: 0, lasts: 500 }, { at: 10, lasts: 0 }])).toEqual([[0, 500], [600, 600]]);
  });

  it("passes the call's result and failure through, counting a failed call too", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ max: 1, intervalMs: 1000, now: clock.now, sleep: clock.sleep });
    await expect(limiter.run(() => Promise.resolve(42))).resolves.toBe(42);
    const failure = new Error("HubSpot: 502");
    const failed = expect(limiter.run(() => Promise.reject(failure))).rejects.toBe(failure);
    await clock.run();
    await failed;
    expect(limiter.stats().calls).toBe(2);
    expect(await startTimes(limiter, clock, [1000])).toEqual([2000]);
  });

  it("loses only each call's own duration per window: 100 per 10 s with 50 ms calls runs 1,000 calls in 90.5 s", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ max: 100, intervalMs: 10_000, now: clock.now, sleep: clock.sleep });
    const spans = await runSpans(limiter, clock, Array.from({ length: 1000 }, () => ({ at: 0, lasts: 50 })));
    // 9 cycles of (10 s + 50 ms), then the last call's 50 ms: 99.4 % of the 90 s the ceiling needs.
    expect(Math.max(...spans.map(([, settled]) => settled))).toBe(9 * 10_050 + 50);
  });

  it("never lets more than max calls reach the ESP in any window, wherever in flight the ESP counts them", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 2000 }),
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 5000 }), lasts: fc.integer({ min: 0, max: 1500 }) }), { minLength: 1, maxLength: 40 }),
        async (max, intervalMs, calls) => {
          const clock = fakeClock();
          const limiter = createRateLimiter({ max, intervalMs, now: clock.now, sleep: clock.sleep });
          const spans = await runSpans(limiter, clock, calls);
          expect(spans.flat().every(Number.isFinite)).toBe(true);
          // Calls the ESP may count inside the window ending at x: started by x, settled after x - interval.
          for (const [x] of spans) {
            expect(spans.filter(([start, settled]) => start <= x && settled > x - intervalMs).length).toBeLessThanOrEqual(max);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("runLimited", () => {
  it("counts the call from when it settled on a limiter that can", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ max: 1, intervalMs: 1000, now: clock.now, sleep: clock.sleep });
    const first = runLimited(limiter, async () => { await clock.sleep(400); return "a"; });
    await clock.run();
    await expect(first).resolves.toBe("a");
    expect(await startTimes(limiter, clock, [400])).toEqual([1400]);
  });

  it("takes first on a limiter that only has take()", async () => {
    const events: string[] = [];
    const plain: RateLimiter = {
      take: () => { events.push("take"); return Promise.resolve(); },
      observe: () => undefined,
      stats: () => ({ calls: 0, waitedMs: 0 }),
    };
    await expect(runLimited(plain, () => { events.push("call"); return Promise.resolve(7); })).resolves.toBe(7);
    expect(events).toEqual(["take", "call"]);
  });
});

describe("createRateLimiter observing the ESP's headers", () => {
  it("waits for calls it did not make when Remaining is lower than it counted", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ max: 100, intervalMs: 10_000, now: clock.now, sleep: clock.sleep });
    const ours = await startTimes(limiter, clock, Array.from({ length: 10 }, () => 0));
    expect(ours.every((s) => s === 0)).toBe(true);
    // At t=1000 we think 90 remain; HubSpot says 50: 40 calls we never saw.
    clock.at(1000, () => { limiter.observe({ remaining: 50 }); });
    await clock.run();
    const next = await startTimes(limiter, clock, Array.from({ length: 61 }, () => 1000));
    expect(next.slice(0, 50).every((s) => s === 1000)).toBe(true);
    // Window now: 10 at t=0, 40 unseen + 50 ours at t=1000. Room again when the t=0 calls leave.
    expect(next.slice(50)).toEqual([...Array.from<number>({ length: 10 }).fill(10_000), 11_000]);
  });

  it("changes nothing when Remaining is at least what it counted", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ max: 3, intervalMs: 1000, now: clock.now, sleep: clock.sleep });
    limiter.observe({ remaining: 3 });
    limiter.observe({ remaining: 99 });
    expect(await startTimes(limiter, clock, [0, 0, 0, 0])).toEqual([0, 0, 0, 1000]);
  });

  it("stops at once when the ESP says nothing remains", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ max: 5, intervalMs: 1000, now: clock.now, sleep: clock.sleep });
    clock.at(200, () => { limiter.observe({ remaining: 0 }); });
    // Five calls we never saw, counted from t=200: nobody starts before they leave the window.
    expect(await startTimes(limiter, clock, [300, 300])).toEqual([1200, 1200]);
  });

  it("honours a lower Max announced by the ESP", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ max: 100, intervalMs: 10_000, now: clock.now, sleep: clock.sleep });
    limiter.observe({ max: 4, intervalMs: 10_000 });
    expect(await startTimes(limiter, clock, [0, 0, 0, 0, 0])).toEqual([0, 0, 0, 0, 10_000]);
  });

  it("never goes above the configured budget when the ESP announces a higher Max", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ max: 2, intervalMs: 1000, now: clock.now, sleep: clock.sleep });
    limiter.observe({ max: 190, intervalMs: 1000, remaining: 190 });
    expect(await startTimes(limiter, clock, [0, 0, 0])).toEqual([0, 0, 1000]);
  });

  it("honours a longer window announced by the ESP", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ max: 2, intervalMs: 1000, now: clock.now, sleep: clock.sleep });
    limiter.observe({ intervalMs: 3000 });
    expect(await startTimes(limiter, clock, [0, 0, 0])).toEqual([0, 0, 3000]);
  });

  it("keeps the configured window too when the ESP announces a shorter one", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ max: 4, intervalMs: 10_000, now: clock.now, sleep: clock.sleep });
    limiter.observe({ max: 2, intervalMs: 1000 });
    // 2 per second from the ESP, and still 4 per 10 s from the configuration.
    expect(await startTimes(limiter, clock, [0, 0, 0, 0, 0])).toEqual([0, 0, 1000, 1000, 10_000]);
  });

  it("counts Remaining against the ESP's announced window", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ max: 10, intervalMs: 1000, now: clock.now, sleep: clock.sleep });
    await startTimes(limiter, clock, [0]);
    // The ESP allows 4 per second; after our 1 call it says 1 remains, so 2 calls we did not see.
    limiter.observe({ max: 4, intervalMs: 1000, remaining: 1 });
    expect(await startTimes(limiter, clock, [0, 0])).toEqual([0, 1000]);
  });

  it("ignores unreadable values", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ max: 2, intervalMs: 1000, now: clock.now, sleep: clock.sleep });
    limiter.observe({ max: 0, intervalMs: -5, remaining: Number.NaN });
    limiter.observe({ remaining: -1 });
    expect(await startTimes(limiter, clock, [0, 0, 0])).toEqual([0, 0, 1000]);
  });

  it("adapts while callers are already waiting", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ max: 2, intervalMs: 1000, now: clock.now, sleep: clock.sleep });
    clock.at(500, () => { limiter.observe({ intervalMs: 4000 }); });
    expect(await startTimes(limiter, clock, [0, 0, 0])).toEqual([0, 0, 4000]);
  });
});

describe("createRateLimiter with more than one window", () => {
  it("makes every call fit every window: 2 per second and 3 per 10 s", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ max: 3, intervalMs: 10_000, also: [{ max: 2, intervalMs: 1000 }], now: clock.now, sleep: clock.sleep });
    expect(await startTimes(limiter, clock, [0, 0, 0, 0])).toEqual([0, 0, 1000, 10_000]);
  });

  it("never starts more than either window allows, whatever the arrivals", async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 25 }), async (arrivals) => {
      const clock = fakeClock();
      const limiter = createRateLimiter({ max: 5, intervalMs: 3000, also: [{ max: 2, intervalMs: 500 }], now: clock.now, sleep: clock.sleep });
      const starts = await startTimes(limiter, clock, arrivals);
      expect(busiestWindow(starts, 3000)).toBeLessThanOrEqual(5);
      expect(busiestWindow(starts, 500)).toBeLessThanOrEqual(2);
    }), { numRuns: 50 });
  });

  it("rejects a window it cannot keep", () => {
    const base = { max: 3, intervalMs: 1000, now: () => 0, sleep: () => Promise.resolve() };
    expect(() => createRateLimiter({ ...base, also: [{ max: 0, intervalMs: 1000 }] })).toThrow(RangeError);
    expect(() => createRateLimiter({ ...base, also: [{ max: 1, intervalMs: 0 }] })).toThrow(RangeError);
  });

  it("reads Remaining against the main window only", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ max: 10, intervalMs: 60_000, also: [{ max: 5, intervalMs: 1000 }], now: clock.now, sleep: clock.sleep });
    await startTimes(limiter, clock, [0, 0]);
    // 8 remain by our count of the minute; the ESP agrees, so nothing unseen is added.
    limiter.observe({ max: 10, remaining: 8 });
    expect(await startTimes(limiter, clock, [0, 0, 0, 0])).toEqual([0, 0, 0, 1000]);
  });
});

describe("createRateLimiter observing a fixed window's reset", () => {
  it("lets calls it did not see leave when the ESP's window resets, not a whole window later", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ max: 10, intervalMs: 60_000, now: clock.now, sleep: clock.sleep });
    clock.at(1000, () => { limiter.observe({ remaining: 0, resetMs: 5000 }); });
    expect(await startTimes(limiter, clock, [2000, 2000])).toEqual([6000, 6000]);
  });

  it("keeps its own calls for their whole window, whatever the reset", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ max: 3, intervalMs: 60_000, now: clock.now, sleep: clock.sleep });
    await startTimes(limiter, clock, [0, 0]);
    // Two of ours and one unseen fill the window; the unseen one leaves at the reset, ours at 60 s.
    clock.at(1000, () => { limiter.observe({ remaining: 0, resetMs: 4000 }); });
    expect(await startTimes(limiter, clock, [2000, 2000, 2000])).toEqual([5000, 60_000, 60_000]);
  });

  it("ignores a reset that is not within the window, counting the unseen calls from now", async () => {
    for (const resetMs of [5000, -1, Number.NaN]) {
      const clock = fakeClock();
      const limiter = createRateLimiter({ max: 2, intervalMs: 1000, now: clock.now, sleep: clock.sleep });
      clock.at(100, () => { limiter.observe({ remaining: 0, resetMs }); });
      expect(await startTimes(limiter, clock, [200])).toEqual([1100]);
    }
  });
});

describe("hubspotLimiters", () => {
  it("uses HubSpot's published figures, 100 per 10 s with a 2 % slack, and search 5 per second", async () => {
    expect(HUBSPOT_LIMITS).toEqual({ standard: { max: 100, intervalMs: 10_000 }, search: { max: 5, intervalMs: 1000 } });
    const clock = fakeClock();
    const { standard, search } = hubspotLimiters(clock.now, clock.sleep);
    const standardStarts = await startTimes(standard, clock, Array.from({ length: 101 }, () => 0));
    expect(standardStarts.at(99)).toBe(0);
    expect(standardStarts.at(100)).toBe(10_200);
    const searchStarts = await startTimes(search, clock, Array.from({ length: 6 }, () => 20_000));
    expect(searchStarts).toEqual([20_000, 20_000, 20_000, 20_000, 20_000, 21_000]);
  });

  it("builds independent limiters for each installation", async () => {
    const clock = fakeClock();
    const shopA = hubspotLimiters(clock.now, clock.sleep);
    const shopB = hubspotLimiters(clock.now, clock.sleep);
    await startTimes(shopA.search, clock, [0, 0, 0, 0, 0]);
    expect(await startTimes(shopB.search, clock, [0])).toEqual([0]);
    expect(await startTimes(shopA.search, clock, [0])).toEqual([1000]);
  });
});

describe("readHubSpotRateHeaders", () => {
  it("reads Max, Remaining and Interval-Milliseconds in any case", () => {
    expect(readHubSpotRateHeaders({
      "X-HubSpot-RateLimit-Max": "100",
      "x-hubspot-ratelimit-remaining": "37",
      "X-HUBSPOT-RATELIMIT-INTERVAL-MILLISECONDS": "10000",
      "x-hubspot-ratelimit-daily-remaining": "5",
    })).toEqual({ max: 100, remaining: 37, intervalMs: 10_000 });
  });

  it("takes the first of repeated headers", () => {
    expect(readHubSpotRateHeaders({ "x-hubspot-ratelimit-remaining": ["4", "9"] })).toEqual({ remaining: 4 });
  });

  it("leaves out absent and unreadable values", () => {
    expect(readHubSpotRateHeaders({ "x-hubspot-ratelimit-max": "abc", "x-hubspot-ratelimit-remaining": undefined, "x-hubspot-ratelimit-interval-milliseconds": "-1" })).toEqual({});
    expect(readHubSpotRateHeaders({})).toEqual({});
  });
});
