import { spyLimiter, type SpyLimiter } from "../../../helpers/spy-limiter.js";
import { readFileSync } from "node:fs";
import { createKlaviyoCall, type KlaviyoCallOptions, type KlaviyoLimiters } from "../../../../src/connectors/klaviyo/client.js";
import type { KlaviyoCall } from "../../../../src/connectors/klaviyo/klaviyo-call.js";
import type { KlaviyoOperation } from "../../../../src/connectors/klaviyo/rate-limits.js";
import { defaultRetryPolicy, type RetryPolicy } from "../../../../src/connectors/shared/retry.js";

/** Obviously fake; tests assert it never appears in an error. */
export const FAKE_KEY = "pk_test_fake_0000000000000000000000";
export const KLAVIYO = "https://a.klaviyo.com";

export const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../../fixtures/klaviyo/${name}`, import.meta.url), "utf8")) as unknown;

export { spyLimiter, type SpyLimiter };

/** Spy limiters, one per operation, built on first use like klaviyoLimiters. */
export function spyLimiters(): KlaviyoLimiters & { readonly of: Map<KlaviyoOperation, SpyLimiter> } {
  const of = new Map<KlaviyoOperation, SpyLimiter>();
  return {
    of,
    for(operation) {
      const limiter = of.get(operation) ?? spyLimiter();
      of.set(operation, limiter);
      return limiter;
    },
  };
}

export type TestCall = { readonly call: KlaviyoCall; readonly sleeps: number[]; readonly limiters: ReturnType<typeof spyLimiters> };

/**
 * A real createKlaviyoCall on a private key against https://a.klaviyo.com, with no-wait limiters and
 * a retry policy that records its sleeps instead of waiting. Errors are real EspErrors.
 */
export function testCall(retry: Partial<RetryPolicy> = {}, options: Partial<KlaviyoCallOptions> = {}): TestCall {
  const sleeps: number[] = [];
  const limiters = spyLimiters();
  const policy = defaultRetryPolicy({ maxAttempts: 3, baseDelayMs: 100, sleep: (ms) => { sleeps.push(ms); return Promise.resolve(); }, random: () => 0.5, ...retry });
  const call = createKlaviyoCall({
    auth: () => Promise.resolve({ scheme: "private", token: FAKE_KEY }),
    basePath: KLAVIYO,
    limiters,
    retry: policy,
    now: () => Date.parse("2026-11-01T08:00:00Z"),
    ...options,
  });
  return { call, sleeps, limiters };
}
