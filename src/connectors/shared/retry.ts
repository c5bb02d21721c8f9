import { setTimeout as delay } from "node:timers/promises";
import { EspError, isRetryable } from "./esp-error.js";

/** How one ESP call is retried; sleep and random are injected so tests never wait. */
export type RetryPolicy = {
  /** Attempts in total, the first included (1 = never retry). */
  maxAttempts: number;
  /** Cap of the first backoff; it doubles each attempt. */
  baseDelayMs: number;
  /** Largest backoff cap, whatever the attempt. An ESP's Retry-After may still ask for longer. */
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  /** Uniform in [0, 1). */
  random: () => number;
  /** Told before each wait; `attempt` is the 1-based attempt that just failed. */
  onRetry?: (e: { attempt: number; delayMs: number; error: unknown }) => void;
};

/** 5 attempts, 0.5 s doubling to at most 30 s, full jitter, real timers. */
export function defaultRetryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  return {
    maxAttempts: 5,
    baseDelayMs: 500,
    maxDelayMs: 30_000,
    sleep: async (ms) => { await delay(ms); },
    random: Math.random,
    ...overrides,
  };
}

/**
 * "Full jitter" backoff for the attempt that just failed: uniform in [0, min(max, base * 2^(attempt-1))),
 * so many installations retrying at once spread out instead of hitting the ESP in lockstep.
 * The ESP's own Retry-After is a floor: waking earlier would only earn another 429.
 */
export function backoffMs(attempt: number, error: unknown, policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs" | "random">): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = policy.random() * cap;
  const floor = error instanceof EspError ? (error.retryAfterMs ?? 0) : 0;
  return Math.max(jittered, floor);
}

/**
 * Runs `fn` until it succeeds, fails with an error that is not retryable (see isRetryable), or has
 * used `maxAttempts` attempts; the last error is rethrown unchanged. This is the only retry loop
 * in Tailor: SDK retries are off, so attempts never multiply.
 */
export async function withRetry<T>(fn: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new RangeError(`maxAttempts must be a whole number >= 1, got ${policy.maxAttempts}`);
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= policy.maxAttempts || !isRetryable(error)) throw error;
      const delayMs = backoffMs(attempt, error, policy);
      policy.onRetry?.({ attempt, delayMs, error });
      await policy.sleep(delayMs);
    }
  }
}
