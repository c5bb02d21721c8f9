import { spyLimiter, type SpyLimiter } from "../../../helpers/spy-limiter.js";
import { readFileSync } from "node:fs";
import { createHubSpotCall, type HubSpotCallOptions } from "../../../../src/connectors/hubspot/client.js";
import type { HubSpotCall } from "../../../../src/connectors/hubspot/hubspot-call.js";
import { defaultRetryPolicy, type RetryPolicy } from "../../../../src/connectors/shared/retry.js";

/** Obviously fake; tests assert it never appears in an error message. */
export const FAKE_TOKEN = "pat-na1-00000000-fake-test-token";
export const HUBSPOT = "https://api.hubapi.com";

export const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../../fixtures/hubspot/${name}`, import.meta.url), "utf8")) as unknown;

export { spyLimiter, type SpyLimiter };

export type TestCall = { readonly call: HubSpotCall; readonly sleeps: number[]; readonly limiters: { standard: SpyLimiter; search: SpyLimiter } };

/** A real createHubSpotCall with no-wait limiters and a retry policy that records its sleeps instead of waiting. */
export function testCall(overrides: Partial<RetryPolicy> = {}, options: Partial<HubSpotCallOptions> = {}): TestCall {
  const sleeps: number[] = [];
  const limiters = { standard: spyLimiter(), search: spyLimiter() };
  const retry = defaultRetryPolicy({ maxAttempts: 3, baseDelayMs: 100, sleep: (ms) => { sleeps.push(ms); return Promise.resolve(); }, random: () => 0.5, ...overrides });
  const call = createHubSpotCall({ accessToken: () => Promise.resolve(FAKE_TOKEN), limiters, retry, now: () => Date.parse("2026-11-01T08:00:00Z"), ...options });
  return { call, sleeps, limiters };
}
