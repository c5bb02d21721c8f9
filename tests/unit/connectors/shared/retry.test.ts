import { describe, expect, it } from "vitest";
import { EspError } from "../../../../src/connectors/shared/esp-error.js";
import { backoffMs, defaultRetryPolicy, withRetry, type RetryPolicy } from "../../../../src/connectors/shared/retry.js";

/** A policy whose sleeps are recorded, never waited, and whose jitter is a fixed fraction. */
function recording(overrides: Partial<RetryPolicy> = {}) {
  const slept: number[] = [];
  const retries: { attempt: number; delayMs: number; error: unknown }[] = [];
  const policy = defaultRetryPolicy({
    sleep: (ms) => { slept.push(ms); return Promise.resolve(); },
    random: () => 0.5,
    onRetry: (e) => { retries.push(e); },
    ...overrides,
  });
  return { policy, slept, retries };
}

/** Fails with the given errors in turn, then returns "ok"; counts the calls. */
function failing(...errors: Error[]) {
  let calls = 0;
  const fn = () => {
    const error = errors[calls++];
    return error === undefined ? Promise.resolve("ok") : Promise.reject(error);
  };
  return { fn, calls: () => calls };
}

const limited = (retryAfterMs?: number) => new EspError("rate_limited", "HubSpot: 429", { status: 429, retryAfterMs: retryAfterMs ?? null });
const serverError = () => new EspError("server", "HubSpot: 502", { status: 502 });

describe("withRetry", () => {
  it("calls once and does not sleep when the first attempt succeeds", async () => {
    const { policy, slept } = recording();
    const call = failing();
    await expect(withRetry(call.fn, policy)).resolves.toBe("ok");
    expect(call.calls()).toBe(1);
    expect(slept).toEqual([]);
  });

  it("retries retryable errors with full-jitter exponential backoff", async () => {
    const { policy, slept } = recording();
    const call = failing(serverError(), limited(), new EspError("network", "ECONNRESET"), new EspError("timeout", "timed out"));
    await expect(withRetry(call.fn, policy)).resolves.toBe("ok");
    expect(call.calls()).toBe(5);
    // random() = 0.5 of the caps 500, 1000, 2000, 4000
    expect(slept).toEqual([250, 500, 1000, 2000]);
  });

  it("never lets the backoff cap exceed maxDelayMs", async () => {
    const { policy, slept } = recording({ maxAttempts: 8, baseDelayMs: 1000, maxDelayMs: 5000, random: () => 0.999 });
    const call = failing(...Array.from({ length: 7 }, serverError));
    await withRetry(call.fn, policy);
    expect(Math.max(...slept)).toBeLessThan(5000);
    expect(slept.slice(3)).toEqual([4995, 4995, 4995, 4995]);
  });

  it("waits at least the ESP's Retry-After even when the jitter draws less", async () => {
    const { policy, slept } = recording({ random: () => 0 });
    await withRetry(failing(limited(2000)).fn, policy);
    expect(slept).toEqual([2000]);
  });

  it("keeps the jittered delay when it is longer than Retry-After", async () => {
    const { policy, slept } = recording({ random: () => 0.9, baseDelayMs: 10_000 });
    await withRetry(failing(limited(1000)).fn, policy);
    expect(slept).toEqual([9000]);
  });

  it("rethrows a non-retryable EspError at once, unchanged", async () => {
    const { policy, slept } = recording();
    const denied = new EspError("auth", "HubSpot: 401", { status: 401 });
    const call = failing(denied);
    await expect(withRetry(call.fn, policy)).rejects.toBe(denied);
    expect(call.calls()).toBe(1);
    expect(slept).toEqual([]);
  });

  it("does not retry errors that are not EspErrors", async () => {
    const { policy } = recording();
    const bug = new TypeError("cannot read properties of undefined");
    const call = failing(bug);
    await expect(withRetry(call.fn, policy)).rejects.toBe(bug);
    expect(call.calls()).toBe(1);
  });

  it("makes exactly maxAttempts attempts and rethrows the last error unchanged", async () => {
    const { policy, slept } = recording({ maxAttempts: 3 });
    const errors = [serverError(), serverError(), serverError(), serverError()];
    const call = failing(...errors);
    await expect(withRetry(call.fn, policy)).rejects.toBe(errors[2]);
    expect(call.calls()).toBe(3);
    expect(slept).toHaveLength(2);
  });

  it("tells onRetry which attempt failed and how long it will wait", async () => {
    const { policy, retries } = recording();
    const first = serverError();
    const second = limited(3000);
    await withRetry(failing(first, second).fn, policy);
    expect(retries).toEqual([
      { attempt: 1, delayMs: 250, error: first },
      { attempt: 2, delayMs: 3000, error: second },
    ]);
  });

  it("with maxAttempts 1 never retries", async () => {
    const { policy } = recording({ maxAttempts: 1 });
    const error = serverError();
    const call = failing(error);
    await expect(withRetry(call.fn, policy)).rejects.toBe(error);
    expect(call.calls()).toBe(1);
  });

  it.each([0, -1, 2.5, Number.NaN])("refuses maxAttempts %s", async (maxAttempts) => {
    const { policy } = recording({ maxAttempts });
    await expect(withRetry(failing().fn, policy)).rejects.toThrow(RangeError);
  });
});

describe("defaultRetryPolicy", () => {
  it("uses 5 attempts, 500 ms base and 30 s cap", () => {
    expect(defaultRetryPolicy()).toMatchObject({ maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 });
  });

  it("lets every field be overridden", () => {
    const random = () => 0.1;
    expect(defaultRetryPolicy({ maxAttempts: 2, random })).toMatchObject({ maxAttempts: 2, baseDelayMs: 500, random });
  });

  it("sleeps on real timers by default", async () => {
    const started = performance.now();
    await defaultRetryPolicy().sleep(20);
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
  });
});

describe("backoffMs", () => {
  it.each([
    [1, 0.5, 250],
    [2, 0.5, 500],
    [7, 0.5, 15_000],
    [8, 0.5, 15_000],
    [3, 0, 0],
  ])("attempt %i with random %d waits %d ms", (attempt, r, expected) => {
    expect(backoffMs(attempt, serverError(), { baseDelayMs: 500, maxDelayMs: 30_000, random: () => r })).toBe(expected);
  });
});
