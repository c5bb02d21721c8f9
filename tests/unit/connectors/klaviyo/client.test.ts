import { inspect } from "node:util";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createKlaviyoCall,
  KLAVIYO_MAX_RETRY_AFTER_MS,
  KLAVIYO_REVISION,
  KLAVIYO_WINDOW_SLACK,
  klaviyoLimiters,
  readKlaviyoRateHeaders,
  type KlaviyoAuth,
} from "../../../../src/connectors/klaviyo/client.js";
import type { KlaviyoApis } from "../../../../src/connectors/klaviyo/klaviyo-call.js";
import { KLAVIYO_RATE_LIMITS } from "../../../../src/connectors/klaviyo/rate-limits.js";
import { EspError } from "../../../../src/connectors/shared/esp-error.js";
import { defaultRetryPolicy } from "../../../../src/connectors/shared/retry.js";
import { checkKlaviyoRequests, checkKlaviyoResponse, klaviyoSpec, recordRequests } from "../../../contract/klaviyo-spec.js";
import { FAKE_KEY, fixture, KLAVIYO, testCall } from "./test-call.js";

const klaviyo = () => nock(KLAVIYO);
const readAccounts = (apis: KlaviyoApis) => apis.accounts.getAccounts();
const ACCOUNTS = fixture("client-accounts.json") as nock.Body;
const THROTTLED = fixture("client-error-429-throttled.json") as nock.Body;
const INVALID = fixture("client-error-400-invalid.json") as nock.Body;
const UNAUTHENTICATED = fixture("client-error-401-not-authenticated.json") as nock.Body;
const SERVER = fixture("client-error-500.json") as nock.Body;

/** nock 14 hangs axios on a plain-object replyWithError (nock/nock#2789, fix in #2899): an Error object works. */
const socketError = (code: string, message: string): Error => Object.assign(new Error(message), { code });

/** Everything an error could show a log or a debugger: message, stack, cause, every own field. */
const everythingIn = (error: unknown): string => inspect(error, { depth: 20, showHidden: true });

/** A clock whose sleep moves time on at once: sequential callers never really wait. */
function instantClock() {
  let time = 0;
  const sleeps: number[] = [];
  return {
    now: () => time,
    sleep: (ms: number) => { sleeps.push(ms); time += ms; return Promise.resolve(); },
    advance: (ms: number) => { time += ms; },
    sleeps,
  };
}

describe("Klaviyo client fixtures", () => {
  it("match the spec's response schemas", () => {
    expect(checkKlaviyoResponse("get_accounts", 200, ACCOUNTS)).toEqual([]);
    for (const [status, body] of [[429, THROTTLED], [400, INVALID], [401, UNAUTHENTICATED], [500, SERVER]] as const) {
      expect(checkKlaviyoResponse("get_accounts", status, body)).toEqual([]);
    }
  });
});

describe("createKlaviyoCall", () => {
  beforeEach(() => { nock.disableNetConnect(); });
  afterEach(() => { nock.cleanAll(); nock.enableNetConnect(); });

  it("sends a private key as Klaviyo-API-Key with the SDK's revision, and returns the SDK's answer", async () => {
    const scope = klaviyo().get("/api/accounts").matchHeader("authorization", `Klaviyo-API-Key ${FAKE_KEY}`).matchHeader("revision", KLAVIYO_REVISION).reply(200, ACCOUNTS);
    const sent = recordRequests(scope);
    const { call } = testCall();
    const { body } = await call("get_accounts", "read accounts", readAccounts);
    expect(body.data.map((a) => a.id)).toEqual(["AbC123"]);
    expect(scope.isDone()).toBe(true);
    expect(checkKlaviyoRequests(sent)).toEqual([]);
  });

  it("sends an OAuth access token as Bearer", async () => {
    const scope = klaviyo().get("/api/accounts").matchHeader("authorization", "Bearer oauth_fake_token").matchHeader("revision", KLAVIYO_REVISION).reply(200, ACCOUNTS);
    const { call } = testCall({}, { auth: () => Promise.resolve({ scheme: "oauth", token: "oauth_fake_token" }) });
    await call("get_accounts", "read accounts", readAccounts);
    expect(scope.isDone()).toBe(true);
  });

  it("pins the revision the SDK sends to the revision of the vendored spec", () => {
    expect(KLAVIYO_REVISION).toBe(klaviyoSpec.info.version);
  });

  it("follows the credentials as they change: new token, or the same text under another scheme", async () => {
    let auth: KlaviyoAuth = { scheme: "private", token: "pk_test_fake_one" };
    const scope = klaviyo()
      .get("/api/accounts").matchHeader("authorization", "Klaviyo-API-Key pk_test_fake_one").times(2).reply(200, ACCOUNTS)
      .get("/api/accounts").matchHeader("authorization", "Klaviyo-API-Key pk_test_fake_two").reply(200, ACCOUNTS)
      .get("/api/accounts").matchHeader("authorization", "Bearer pk_test_fake_two").reply(200, ACCOUNTS);
    const { call } = testCall({}, { auth: () => Promise.resolve(auth) });
    await call("get_accounts", "a", readAccounts);
    await call("get_accounts", "b", readAccounts);
    auth = { scheme: "private", token: "pk_test_fake_two" };
    await call("get_accounts", "c", readAccounts);
    auth = { scheme: "oauth", token: "pk_test_fake_two" };
    await call("get_accounts", "d", readAccounts);
    expect(scope.isDone()).toBe(true);
  });

  it("talks to another API root when given one", async () => {
    const scope = nock("http://127.0.0.1:4010").get("/api/accounts").reply(200, ACCOUNTS);
    const { call } = testCall({}, { basePath: "http://127.0.0.1:4010/" });
    await call("get_accounts", "read accounts", readAccounts);
    expect(scope.isDone()).toBe(true);
  });

  it("hands a 429 to our code after exactly one HTTP request: the SDK retries nothing", async () => {
    klaviyo().get("/api/accounts").reply(429, THROTTLED, { "Retry-After": "3" });
    const spare = klaviyo().get("/api/accounts").reply(200, ACCOUNTS);
    const { call } = testCall({ maxAttempts: 1 });
    await expect(call("get_accounts", "read accounts", readAccounts)).rejects.toMatchObject({
      name: "EspError", kind: "rate_limited", status: 429, retryAfterMs: 3000,
      message: "Klaviyo read accounts: HTTP 429 throttled: Request was throttled. Expected available in 3 seconds.",
    });
    expect(spare.isDone()).toBe(false);
  });

  it("waits out a 429's Retry-After once, then succeeds", async () => {
    const scope = klaviyo().get("/api/accounts").reply(429, THROTTLED, { "Retry-After": "3" }).get("/api/accounts").reply(200, ACCOUNTS);
    const { call, sleeps, limiters } = testCall();
    await expect(call("get_accounts", "read accounts", readAccounts)).resolves.toMatchObject({ body: { data: [{ id: "AbC123" }] } });
    expect(scope.isDone()).toBe(true);
    expect(sleeps).toEqual([3000]);
    expect(limiters.of.get("get_accounts")?.taken).toBe(2);
  });

  it("does not wait in-process for a Retry-After longer than a steady window (a daily limit), and says how long", async () => {
    klaviyo().get("/api/accounts").reply(429, THROTTLED, { "Retry-After": "67608" });
    const told: unknown[] = [];
    const { call, sleeps } = testCall({ onRetry: (e) => { told.push(e); } });
    await expect(call("get_accounts", "read accounts", readAccounts)).rejects.toMatchObject({ kind: "rate_limited", retryAfterMs: 67_608_000 });
    expect(sleeps).toEqual([]);
    expect(told).toEqual([]);
    expect(KLAVIYO_MAX_RETRY_AFTER_MS).toBeGreaterThanOrEqual(60_000);
  });

  it("retries a 5xx with our policy and gives up after its attempts with Klaviyo's detail", async () => {
    const scope = klaviyo().get("/api/accounts").times(3).reply(500, SERVER);
    const { call, sleeps } = testCall();
    await expect(call("get_accounts", "read accounts", readAccounts)).rejects.toMatchObject({
      name: "EspError", kind: "server", status: 500, message: "Klaviyo read accounts: HTTP 500 error: A server error occurred.",
    });
    expect(scope.isDone()).toBe(true);
    expect(sleeps).toHaveLength(2);
  });

  it("turns a 400 into a client EspError with the JSON:API code and detail, without retrying", async () => {
    klaviyo().get("/api/accounts").reply(400, INVALID);
    const { call, sleeps } = testCall();
    const error = await call("get_accounts", "read accounts", readAccounts).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EspError);
    expect(error).toMatchObject({ kind: "client", status: 400, retryAfterMs: null, message: "Klaviyo read accounts: HTTP 400 invalid: 'fields[account]' is not a valid field for the resource 'account'." });
    expect(sleeps).toEqual([]);
  });

  it("says how many more errors Klaviyo listed, and reads a body that is not JSON:API", async () => {
    const two = { errors: [{ id: "1", code: "invalid", title: "Invalid input.", detail: "first" }, { id: "2", code: "invalid", title: "Invalid input.", detail: "second" }] };
    klaviyo().get("/api/accounts").reply(422, two).get("/api/accounts").reply(404, "Not Found", { "Content-Type": "text/plain" });
    const { call } = testCall();
    await expect(call("get_accounts", "a", readAccounts)).rejects.toMatchObject({ message: "Klaviyo a: HTTP 422 invalid: first (and 1 more)" });
    await expect(call("get_accounts", "b", readAccounts)).rejects.toMatchObject({ kind: "client", message: "Klaviyo b: HTTP 404: Not Found" });
  });

  it("turns 401 and 403 into auth errors, without retrying", async () => {
    klaviyo().get("/api/accounts").reply(401, UNAUTHENTICATED).get("/api/accounts").reply(403, { errors: [{ id: "x", code: "permission_denied", title: "Permission denied", detail: "Missing scope accounts:read." }] });
    const { call, sleeps } = testCall();
    await expect(call("get_accounts", "a", readAccounts)).rejects.toMatchObject({ kind: "auth", status: 401, message: "Klaviyo a: HTTP 401 not_authenticated: Missing or invalid private key." });
    await expect(call("get_accounts", "b", readAccounts)).rejects.toMatchObject({ kind: "auth", status: 403, message: "Klaviyo b: HTTP 403 permission_denied: Missing scope accounts:read." });
    expect(sleeps).toEqual([]);
  });

  it("turns connection failures into network errors and retries them", async () => {
    const scope = klaviyo().get("/api/accounts").replyWithError(socketError("ECONNRESET", "socket hang up")).get("/api/accounts").reply(200, ACCOUNTS);
    const { call, sleeps } = testCall();
    await call("get_accounts", "read accounts", readAccounts);
    expect(scope.isDone()).toBe(true);
    expect(sleeps).toHaveLength(1);

    klaviyo().get("/api/accounts").replyWithError(socketError("ENOTFOUND", "getaddrinfo ENOTFOUND a.klaviyo.com"));
    await expect(testCall({ maxAttempts: 1 }).call("get_accounts", "read accounts", readAccounts)).rejects.toMatchObject({ name: "EspError", kind: "network", status: null });
  });

  it("gives every request a timeout and reports it as a timeout", async () => {
    klaviyo().get("/api/accounts").delay(2_000).reply(200, ACCOUNTS);
    const { call } = testCall({ maxAttempts: 1 }, { requestTimeoutMs: 30 });
    await expect(call("get_accounts", "read accounts", readAccounts)).rejects.toMatchObject({ name: "EspError", kind: "timeout" });
    klaviyo().get("/api/accounts").replyWithError(socketError("ETIMEDOUT", "connect ETIMEDOUT"));
    await expect(testCall({ maxAttempts: 1 }).call("get_accounts", "x", readAccounts)).rejects.toMatchObject({ kind: "timeout" });
  });

  it("never lets the key out: not in a message, a stack, a cause, or any field", async () => {
    const echo = { errors: [{ id: "1", code: "invalid", title: "Invalid", detail: `Key ${FAKE_KEY} is malformed` }] };
    klaviyo().get("/api/accounts").reply(400, echo)
      .get("/api/accounts").reply(401, UNAUTHENTICATED)
      .get("/api/accounts").reply(429, THROTTLED, { "Retry-After": "1" })
      .get("/api/accounts").replyWithError(socketError("ECONNRESET", `reset while sending ${FAKE_KEY}`))
      .get("/api/accounts").replyWithError(socketError("ERR_SOMETHING_ELSE", "odd"));
    const { call } = testCall({ maxAttempts: 1 });
    const errors: unknown[] = [];
    for (let i = 0; i < 5; i++) errors.push(await call("get_accounts", "read accounts", readAccounts).catch((e: unknown) => e));
    expect(errors.slice(0, 4).every((e) => e instanceof EspError)).toBe(true);
    expect((errors[0] as EspError).message).toBe("Klaviyo read accounts: HTTP 400 invalid: Key [token] is malformed");
    // An axios failure that is not about Klaviyo is our bug: it passes, as a plain Error without the request config.
    expect(errors[4]).toBeInstanceOf(Error);
    expect(errors[4]).not.toBeInstanceOf(EspError);
    for (const error of errors) expect(everythingIn(error)).not.toContain(FAKE_KEY);
  });

  it("passes errors that are not about Klaviyo through untouched, without retrying", async () => {
    const bug = new TypeError("cannot read properties of undefined");
    const { call, sleeps } = testCall();
    await expect(call("get_accounts", "read accounts", () => Promise.reject(bug))).rejects.toBe(bug);
    expect(sleeps).toEqual([]);
  });

  it("runs each operation under its own limiter, once per attempt", async () => {
    klaviyo().get("/api/metrics").reply(503, SERVER).get("/api/metrics").reply(200, { data: [], links: { self: `${KLAVIYO}/api/metrics/` } });
    klaviyo().get("/api/accounts").reply(200, ACCOUNTS);
    const { call, limiters } = testCall();
    await call("get_metrics", "read metrics", (apis) => apis.metrics.getMetrics());
    await call("get_accounts", "read accounts", readAccounts);
    expect(limiters.of.get("get_metrics")?.taken).toBe(2);
    expect(limiters.of.get("get_accounts")?.taken).toBe(1);
    expect([...limiters.of.keys()].sort()).toEqual(["get_accounts", "get_metrics"]);
  });

  it("feeds Klaviyo's RateLimit headers to the operation's limiter, from answers and from failures", async () => {
    const rate = (remaining: string) => ({ "RateLimit-Limit": "15", "RateLimit-Remaining": remaining, "RateLimit-Reset": "42" });
    klaviyo().get("/api/accounts").reply(200, ACCOUNTS, rate("14")).get("/api/accounts").reply(400, INVALID, rate("13"));
    const { call, limiters } = testCall();
    // Only the body is returned here: the headers are still seen, at the session.
    await call("get_accounts", "a", async (apis) => (await apis.accounts.getAccounts()).body);
    await call("get_accounts", "b", readAccounts).catch(() => undefined);
    expect(limiters.of.get("get_accounts")?.observed).toEqual([
      { max: 15, remaining: 14, resetMs: 43_000 },
      { max: 15, remaining: 13, resetMs: 43_000 },
    ]);
  });

  it("tells the limiter a 429 spent the budget until its Retry-After, so other callers hold back too", async () => {
    klaviyo().get("/api/accounts").reply(429, THROTTLED, { "Retry-After": "3" }).get("/api/accounts").reply(200, ACCOUNTS);
    const { call, limiters } = testCall();
    await call("get_accounts", "a", readAccounts);
    expect(limiters.of.get("get_accounts")?.observed).toEqual([{ remaining: 0, resetMs: 3000 }]);
  });

  it("after a 429 waits its Retry-After once, not again at the limiter", async () => {
    const clock = instantClock();
    const call = createKlaviyoCall({ auth: () => Promise.resolve({ scheme: "private", token: FAKE_KEY }), basePath: KLAVIYO, limiters: klaviyoLimiters(clock.now, clock.sleep), retry: defaultRetryPolicy({ sleep: clock.sleep, random: () => 0 }), now: clock.now });
    klaviyo().get("/api/metrics").reply(429, THROTTLED, { "Retry-After": "3" }).get("/api/metrics").reply(200, { data: [], links: { self: `${KLAVIYO}/api/metrics/` } });
    await call("get_metrics", "read metrics", (apis) => apis.metrics.getMetrics());
    expect(clock.sleeps).toEqual([3000]);
  });

  it("slows the real limiter down when Klaviyo says others spent the budget", async () => {
    const clock = instantClock();
    const limiters = klaviyoLimiters(clock.now, clock.sleep);
    const call = createKlaviyoCall({ auth: () => Promise.resolve({ scheme: "private", token: FAKE_KEY }), basePath: KLAVIYO, limiters, retry: defaultRetryPolicy({ sleep: clock.sleep }), now: clock.now });
    // get_accounts allows 15 a minute; after our first call Klaviyo says none remain, and the window resets in 5 s.
    klaviyo().get("/api/accounts").reply(200, ACCOUNTS, { "RateLimit-Limit": "15", "RateLimit-Remaining": "0", "RateLimit-Reset": "5" }).get("/api/accounts").reply(200, ACCOUNTS);
    await call("get_accounts", "a", readAccounts);
    const before = clock.now();
    await call("get_accounts", "b", readAccounts);
    // Not a whole minute: the calls others made leave with Klaviyo's window (5 s and a second's margin).
    expect(clock.now() - before).toBe(6_000);
  });
});

describe("klaviyoLimiters", () => {
  const run = async (limiters: ReturnType<typeof klaviyoLimiters>, clock: ReturnType<typeof instantClock>, operation: "get_accounts" | "get_metrics" | "get_profiles", n: number): Promise<number[]> => {
    const starts: number[] = [];
    for (let i = 0; i < n; i++) {
      const limiter = limiters.for(operation);
      if (!("run" in limiter)) throw new Error("a Klaviyo limiter settles");
      await (limiter as { run<T>(f: () => Promise<T>): Promise<T> }).run(() => { starts.push(clock.now()); return Promise.resolve(); });
    }
    return starts;
  };
  const slack = (ms: number) => ms * (1 + KLAVIYO_WINDOW_SLACK);

  it("enforces the burst window", async () => {
    const clock = instantClock();
    const limiters = klaviyoLimiters(clock.now, clock.sleep, { get_profiles: { burst: 2, steady: 100 } });
    expect(await run(limiters, clock, "get_profiles", 5)).toEqual([0, 0, slack(1000), slack(1000), slack(2000)]);
  });

  it("enforces the steady window", async () => {
    const clock = instantClock();
    const limiters = klaviyoLimiters(clock.now, clock.sleep, { get_profiles: { burst: 10, steady: 3 } });
    expect(await run(limiters, clock, "get_profiles", 4)).toEqual([0, 0, 0, slack(60_000)]);
  });

  it("uses the spec's figures by default: get_accounts is 1/s and 15/min", async () => {
    const clock = instantClock();
    const limiters = klaviyoLimiters(clock.now, clock.sleep);
    const starts = await run(limiters, clock, "get_accounts", 16);
    expect(KLAVIYO_RATE_LIMITS.get_accounts).toMatchObject({ burst: 1, steady: 15 });
    expect(starts.slice(0, 15)).toEqual(Array.from({ length: 15 }, (_, i) => i * slack(1000)));
    expect(starts[15]).toBe(slack(60_000));
  });

  it("gives two operations separate budgets", async () => {
    const clock = instantClock();
    const limiters = klaviyoLimiters(clock.now, clock.sleep, { get_accounts: { burst: 1, steady: 1 }, get_metrics: { burst: 1, steady: 1 } });
    await run(limiters, clock, "get_accounts", 1);
    expect(await run(limiters, clock, "get_metrics", 1)).toEqual([0]);
    expect(clock.sleeps).toEqual([]);
  });

  it("counts a call from when it settled", async () => {
    const clock = instantClock();
    const limiters = klaviyoLimiters(clock.now, clock.sleep, { get_metrics: { burst: 1, steady: 100 } });
    const limiter = limiters.for("get_metrics") as ReturnType<typeof limiters.for> & { run<T>(f: () => Promise<T>): Promise<T> };
    await limiter.run(() => { clock.advance(400); return Promise.resolve(); });
    const starts = await run(limiters, clock, "get_metrics", 1);
    expect(starts).toEqual([400 + slack(1000)]);
  });

  it("builds each operation's limiter once, and new ones for another installation", () => {
    const clock = instantClock();
    const one = klaviyoLimiters(clock.now, clock.sleep);
    const two = klaviyoLimiters(clock.now, clock.sleep);
    expect(one.for("get_events")).toBe(one.for("get_events"));
    expect(one.for("get_events")).not.toBe(one.for("get_profiles"));
    expect(one.for("get_events")).not.toBe(two.for("get_events"));
  });
});

describe("readKlaviyoRateHeaders", () => {
  const read = (headers: Record<string, string>) => readKlaviyoRateHeaders((name) => headers[name]);

  it("reads Limit, Remaining and Reset (a second's margin on Reset)", () => {
    expect(read({ "ratelimit-limit": "750", "ratelimit-remaining": "749", "ratelimit-reset": "12" })).toEqual({ max: 750, remaining: 749, resetMs: 13_000 });
  });

  it("reads the first item of an IETF-draft list, with its window", () => {
    expect(read({ "ratelimit-limit": "750;w=60, 75;w=1", "ratelimit-remaining": "700", "ratelimit-reset": "30" })).toEqual({ max: 750, intervalMs: 60_000, remaining: 700, resetMs: 31_000 });
  });

  it("leaves out absent and unreadable values", () => {
    expect(read({})).toEqual({});
    expect(read({ "ratelimit-limit": "many", "ratelimit-remaining": "-1", "ratelimit-reset": "soon" })).toEqual({});
  });
});
