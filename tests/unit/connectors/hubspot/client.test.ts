import type { Client } from "@hubspot/api-client";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EspError } from "../../../../src/connectors/shared/esp-error.js";
import { FAKE_TOKEN, fixture, HUBSPOT, testCall } from "./test-call.js";

const hubspot = () => nock(HUBSPOT);
const readGroups = (sdk: Client) => sdk.crm.properties.groupsApi.getAllWithHttpInfo("contacts");
const GROUPS = { results: [fixture("property-group.json")] };

describe("createHubSpotCall", () => {
  beforeEach(() => { nock.disableNetConnect(); });
  afterEach(() => { nock.cleanAll(); nock.enableNetConnect(); });

  it("sends the current token as a Bearer header and returns the SDK's answer", async () => {
    const api = hubspot().get("/crm/v3/properties/contacts/groups").matchHeader("authorization", `Bearer ${FAKE_TOKEN}`).reply(200, GROUPS);
    const { call } = testCall();
    const response = await call("standard", "read groups", readGroups);
    expect(response.data.results.map((g) => g.name)).toEqual(["tailor"]);
    expect(api.isDone()).toBe(true);
  });

  it("keeps one SDK client while the token is unchanged and builds a new one for a new token", async () => {
    let token = "pat-fake-one";
    const { call } = testCall({}, { accessToken: () => Promise.resolve(token) });
    const seen: Client[] = [];
    const grab = (sdk: Client) => { seen.push(sdk); return Promise.resolve(); };
    await call("standard", "a", grab);
    await call("standard", "b", grab);
    token = "pat-fake-two";
    await call("standard", "c", grab);
    expect(seen[0]).toBe(seen[1]);
    expect(seen[2]).not.toBe(seen[1]);
  });

  it("takes the limiter of the budget it is given, once per attempt", async () => {
    hubspot().get("/crm/v3/properties/contacts/groups").reply(502, { status: "error", message: "Bad gateway" }).get("/crm/v3/properties/contacts/groups").reply(200, GROUPS);
    const { call, limiters } = testCall();
    await call("search", "read groups", readGroups);
    expect(limiters.search.taken).toBe(2);
    expect(limiters.standard.taken).toBe(0);
  });

  it("retries a 5xx with our policy and then succeeds", async () => {
    const api = hubspot().get("/crm/v3/properties/contacts/groups").reply(503, { status: "error", message: "Service unavailable", category: "INTERNAL_ERROR" })
      .get("/crm/v3/properties/contacts/groups").reply(200, GROUPS);
    const { call, sleeps } = testCall();
    await expect(call("standard", "read groups", readGroups)).resolves.toMatchObject({ httpStatusCode: 200 });
    expect(api.isDone()).toBe(true);
    expect(sleeps).toHaveLength(1);
  });

  it("retries an answer the SDK cannot read, such as a proxy's 502 without Content-Type", async () => {
    const api = hubspot().get("/crm/v3/properties/contacts/groups").reply(502, "bad gateway").get("/crm/v3/properties/contacts/groups").reply(200, GROUPS);
    const { call, sleeps } = testCall();
    await expect(call("standard", "read groups", readGroups)).resolves.toMatchObject({ httpStatusCode: 200 });
    expect(api.isDone()).toBe(true);
    expect(sleeps).toHaveLength(1);
  });

  it("makes exactly the attempts our policy allows: the SDK adds none of its own", async () => {
    const api = hubspot().get("/crm/v3/properties/contacts/groups").times(2).reply(500, { status: "error", message: "boom", category: "INTERNAL_ERROR" });
    const { call } = testCall({ maxAttempts: 2 });
    await expect(call("standard", "read groups", readGroups)).rejects.toMatchObject({ name: "EspError", kind: "server", status: 500 });
    expect(api.isDone()).toBe(true);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("turns a 429 with Retry-After into a rate_limited EspError that waits that long", async () => {
    hubspot().get("/crm/v3/properties/contacts/groups").reply(429, fixture("rate-limit-ten-secondly.json") as nock.Body, { "Retry-After": "2" });
    const { call } = testCall({ maxAttempts: 1 });
    await expect(call("standard", "read groups", readGroups)).rejects.toMatchObject({ name: "EspError", kind: "rate_limited", status: 429, retryAfterMs: 2000 });
  });

  it("waits out the 10-second window on a TEN_SECONDLY_ROLLING 429 without Retry-After, then succeeds", async () => {
    hubspot().get("/crm/v3/properties/contacts/groups").reply(429, fixture("rate-limit-ten-secondly.json") as nock.Body)
      .get("/crm/v3/properties/contacts/groups").reply(200, GROUPS);
    const { call, sleeps } = testCall();
    await call("standard", "read groups", readGroups);
    expect(sleeps).toEqual([10_000]);
  });

  it("takes the window from X-HubSpot-RateLimit-Interval-Milliseconds when the 429 carries it", async () => {
    hubspot().get("/crm/v3/properties/contacts/groups").reply(429, fixture("rate-limit-ten-secondly.json") as nock.Body, { "X-HubSpot-RateLimit-Interval-Milliseconds": "1000", "X-HubSpot-RateLimit-Remaining": "0" });
    const { call } = testCall({ maxAttempts: 1 });
    await expect(call("standard", "read groups", readGroups)).rejects.toMatchObject({ kind: "rate_limited", retryAfterMs: 1000 });
  });

  it("waits one second on a secondly 429", async () => {
    hubspot().get("/crm/v3/properties/contacts/groups").reply(429, { status: "error", message: "You have reached your secondly limit.", errorType: "RATE_LIMIT", policyName: "SECONDLY" });
    const { call } = testCall({ maxAttempts: 1 });
    await expect(call("standard", "read groups", readGroups)).rejects.toMatchObject({ kind: "rate_limited", retryAfterMs: 1000 });
  });

  it("gives a DAILY 429 no wait: the limit resets at the portal's midnight, past any retry", async () => {
    hubspot().get("/crm/v3/properties/contacts/groups").reply(429, fixture("rate-limit-daily.json") as nock.Body);
    const { call } = testCall({ maxAttempts: 1 });
    const error = await call("standard", "read groups", readGroups).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "rate_limited", retryAfterMs: null });
    expect((error as Error).message).toContain("daily limit");
  });

  it.each([
    [401, "auth"],
    [403, "auth"],
    [400, "client"],
    [404, "client"],
  ] as const)("maps a %i to kind %s and does not retry it", async (status, kind) => {
    const api = hubspot().get("/crm/v3/properties/contacts/groups").reply(status, { status: "error", message: "no", category: "X" });
    const { call, sleeps } = testCall();
    await expect(call("standard", "read groups", readGroups)).rejects.toMatchObject({ kind, status });
    expect(api.isDone()).toBe(true);
    expect(sleeps).toEqual([]);
  });

  it("feeds X-HubSpot-RateLimit headers of a success to the standard limiter, whatever the budget", async () => {
    hubspot().get("/crm/v3/properties/contacts/groups").reply(200, GROUPS, {
      "X-HubSpot-RateLimit-Max": "100", "X-HubSpot-RateLimit-Remaining": "97", "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
    });
    const { call, limiters } = testCall();
    await call("search", "read groups", readGroups);
    expect(limiters.standard.observed).toEqual([{ max: 100, remaining: 97, intervalMs: 10_000 }]);
    expect(limiters.search.observed).toEqual([]);
  });

  it("feeds the headers of a 429 to the limiter too", async () => {
    hubspot().get("/crm/v3/properties/contacts/groups").reply(429, fixture("rate-limit-ten-secondly.json") as nock.Body, { "X-HubSpot-RateLimit-Remaining": "0" });
    const { call, limiters } = testCall({ maxAttempts: 1 });
    await expect(call("standard", "read groups", readGroups)).rejects.toBeInstanceOf(EspError);
    expect(limiters.standard.observed).toEqual([{ remaining: 0 }]);
  });

  it("fails an apiRequest that HubSpot refused, though the SDK resolves it", async () => {
    hubspot().get("/email/public/v1/events").query(true).reply(403, { status: "error", message: "This app hasn't been granted all required scopes", category: "MISSING_SCOPES" });
    const { call } = testCall();
    await expect(call("standard", "read email events", (sdk) => sdk.apiRequest({ method: "GET", path: "/email/public/v1/events", qs: { limit: 10 } })))
      .rejects.toMatchObject({ kind: "auth", status: 403, message: expect.stringContaining("MISSING_SCOPES") as unknown });
  });

  it("returns an apiRequest's successful response untouched and reads its rate headers", async () => {
    hubspot().get("/email/public/v1/events").query(true).reply(200, { events: [], hasMore: false }, { "X-HubSpot-RateLimit-Remaining": "42" });
    const { call, limiters } = testCall();
    const response = await call("standard", "read email events", (sdk) => sdk.apiRequest({ method: "GET", path: "/email/public/v1/events", qs: { limit: 10 } }));
    await expect(response.json()).resolves.toEqual({ events: [], hasMore: false });
    expect(limiters.standard.observed).toEqual([{ remaining: 42 }]);
  });

  it("never puts the token in an error message, not even when the failure quotes the request", async () => {
    // No interceptor matches: nock's error lists the request headers, Authorization included.
    hubspot().get("/something-else").reply(200, {});
    const { call } = testCall({ maxAttempts: 1 });
    const error = await call("standard", "read groups", readGroups).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "EspError", kind: "network" });
    expect((error as Error).message).not.toContain(FAKE_TOKEN);
    expect(JSON.stringify(error)).not.toContain(FAKE_TOKEN);
    const cause = (error as Error).cause;
    expect(cause instanceof Error ? `${cause.message}\n${cause.stack ?? ""}` : "").not.toContain(FAKE_TOKEN);
  });

  it("redacts the token when HubSpot's own message echoes it", async () => {
    hubspot().get("/crm/v3/properties/contacts/groups").reply(401, { status: "error", message: `The OAuth token used to make this call expired: ${FAKE_TOKEN}`, category: "EXPIRED_AUTHENTICATION" });
    const { call } = testCall();
    const error = await call("standard", "read groups", readGroups).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "auth", status: 401 });
    expect((error as Error).message).toContain("EXPIRED_AUTHENTICATION");
    expect((error as Error).message).not.toContain(FAKE_TOKEN);
  });

  it("lets an error that is not about HubSpot through unchanged, unretried", async () => {
    const bug = new TypeError("cannot read properties of undefined");
    const { call, sleeps } = testCall();
    await expect(call("standard", "buggy", () => Promise.reject(bug))).rejects.toBe(bug);
    expect(sleeps).toEqual([]);
  });
});
