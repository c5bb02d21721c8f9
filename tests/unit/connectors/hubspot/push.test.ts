import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pushChanges, toHubSpotValue } from "../../../../src/connectors/hubspot/push.js";
import type { PropertyChange } from "../../../../src/domain/index.js";
import { fixture, HUBSPOT, testCall } from "./test-call.js";

const UPDATE = "/crm/v3/objects/contacts/batch/update";
const hubspot = () => nock(HUBSPOT);
const ok = (ids: readonly string[]) => ({
  status: "COMPLETE",
  results: ids.map((id) => ({ id, properties: {}, createdAt: "2025-03-02T10:11:12.000Z", updatedAt: "2026-11-01T08:00:00.000Z", archived: false })),
  startedAt: "2026-11-01T08:00:00.000Z",
  completedAt: "2026-11-01T08:00:00.100Z",
});
const change = (contactId: string, espId: string, set: PropertyChange["set"]): PropertyChange => ({ contactId, espId, set });
type Body = { inputs: { id: string; properties: Record<string, string> }[] };

describe("toHubSpotValue", () => {
  it.each([
    ["string", "Win-back", "Win-back"],
    ["string", 42, "42"],
    ["number", 0.87, "0.87"],
    ["number", 12, "12"],
    ["number", 1e-7, "0.0000001"],
    ["number", 1e21, "1000000000000000000000"],
    ["boolean", true, "true"],
    ["boolean", false, "false"],
    ["date", "2015-05-01", "1430438400000"],
    ["datetime", "2026-11-01T08:30:00.000Z", "1793521800000"],
    ["enumeration", "lapsing", "lapsing"],
    ["number", null, ""],
    ["date", null, ""],
    ["string", "", ""],
  ] as const)("writes a %s %j as %j", (type, value, expected) => {
    expect(toHubSpotValue(type, value, type === "enumeration" ? ["new_lead", "lapsing"] : undefined)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ["number", Number.NaN, "expected a finite number"],
    ["number", "12", "expected a finite number"],
    ["boolean", "yes", "expected true or false"],
    ["date", "2026-02-30", "not a calendar date"],
    ["date", "01/05/2015", "expected a YYYY-MM-DD date"],
    ["date", 1_430_438_400_001, "not midnight UTC"],
    ["datetime", "next tuesday", "expected an ISO 8601 datetime"],
    ["enumeration", "gone", "\"gone\" is not one of new_lead, lapsing"],
  ] as const)("refuses a %s %j: %s", (type, value, reason) => {
    const checked = toHubSpotValue(type, value, ["new_lead", "lapsing"]);
    expect(checked.ok).toBe(false);
    expect(checked.ok ? "" : checked.reason).toContain(reason);
  });
});

describe("pushChanges", () => {
  beforeEach(() => { nock.disableNetConnect(); });
  afterEach(() => { nock.cleanAll(); nock.enableNetConnect(); });

  it("sends one batch with only the changed properties, as HubSpot's strings", async () => {
    const api = hubspot().post(UPDATE, {
      inputs: [
        { id: "101", properties: { tailor_lifecycle: "lapsing", tailor_churn_risk: "0.81" } },
        { id: "102", properties: { tailor_fatigued: "true", tailor_next_order_date: "1795046400000", tailor_segment: "" } },
      ],
    }).reply(200, ok(["101", "102"]));
    const report = await pushChanges(testCall().call, [
      change("c1", "101", { tailor_lifecycle: "lapsing", tailor_churn_risk: 0.81 }),
      change("c2", "102", { tailor_fatigued: true, tailor_next_order_date: "2026-11-19", tailor_segment: null }),
    ]);
    expect(report).toEqual({ written: 2, failed: [] });
    expect(api.isDone()).toBe(true);
  });

  it("retries a record refused in a 207 once, alone, then reports HubSpot's reason", async () => {
    const bodies: Body[] = [];
    const api = hubspot()
      .post(UPDATE).reply(207, (_p, body) => { bodies.push(body as Body); return fixture("batch-update-partial.json") as nock.Body; })
      .post(UPDATE).reply(207, (_p, body) => { bodies.push(body as Body); return { ...ok([]), numErrors: 1, errors: (fixture("batch-update-partial.json") as { errors: unknown[] }).errors }; });
    const report = await pushChanges(testCall().call, [
      change("c1", "101", { tailor_lifecycle: "lapsing" }),
      change("c2", "999", { tailor_lifecycle: "churned" }),
    ]);
    expect(bodies.map((b) => b.inputs.map((i) => i.id))).toEqual([["101", "999"], ["999"]]);
    expect(report).toEqual({
      written: 1,
      failed: [{ contactId: "c2", reason: "OBJECT_NOT_FOUND: Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.", retryable: false }],
    });
    expect(api.isDone()).toBe(true);
  });

  it("counts a refused record as written when the retry goes through", async () => {
    hubspot().post(UPDATE).reply(207, fixture("batch-update-partial.json") as nock.Body)
      .post(UPDATE, { inputs: [{ id: "999", properties: { tailor_lifecycle: "churned" } }] }).reply(200, fixture("batch-update-retry-ok.json") as nock.Body);
    const report = await pushChanges(testCall().call, [
      change("c1", "101", { tailor_lifecycle: "lapsing" }),
      change("c2", "999", { tailor_lifecycle: "churned" }),
    ]);
    expect(report).toEqual({ written: 2, failed: [] });
    expect(nock.isDone()).toBe(true);
  });

  it("pins an error that names no ids on the records missing from the results", async () => {
    const partial = fixture("batch-update-partial.json") as { errors: { context?: unknown }[] };
    const unnamed = { ...partial, errors: partial.errors.map((e) => ({ ...e, context: {} })) };
    hubspot().post(UPDATE).times(2).reply(207, unnamed);
    const report = await pushChanges(testCall().call, [change("c1", "101", { tailor_orders: 2 }), change("c2", "999", { tailor_orders: 1 })]);
    expect(report.written).toBe(1);
    expect(report.failed.map((f) => f.contactId)).toEqual(["c2"]);
  });

  it("fails every record of a batch HubSpot refuses whole with a 4xx, without retrying it", async () => {
    const api = hubspot().post(UPDATE).reply(400, fixture("error-validation.json") as nock.Body);
    const report = await pushChanges(testCall().call, [change("c1", "101", { tailor_orders: 2 }), change("c2", "102", { tailor_orders: 3 })]);
    expect(report.written).toBe(0);
    expect(report.failed).toHaveLength(2);
    expect(report.failed[0]).toMatchObject({ contactId: "c1", retryable: false, reason: expect.stringContaining("VALIDATION_ERROR") as unknown });
    expect(api.isDone()).toBe(true);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("waits out a 429 with Retry-After and then writes", async () => {
    hubspot().post(UPDATE).reply(429, fixture("rate-limit-ten-secondly.json") as nock.Body, { "Retry-After": "3" })
      .post(UPDATE).reply(200, ok(["101"]));
    const { call, sleeps } = testCall();
    await expect(pushChanges(call, [change("c1", "101", { tailor_orders: 2 })])).resolves.toEqual({ written: 1, failed: [] });
    expect(sleeps).toEqual([3000]);
  });

  it("waits out a 429 without Retry-After for the 10-second window and then writes", async () => {
    hubspot().post(UPDATE).reply(429, fixture("rate-limit-ten-secondly.json") as nock.Body)
      .post(UPDATE).reply(200, ok(["101"]));
    const { call, sleeps } = testCall();
    await expect(pushChanges(call, [change("c1", "101", { tailor_orders: 2 })])).resolves.toEqual({ written: 1, failed: [] });
    expect(sleeps).toEqual([10_000]);
  });

  it("retries a 5xx and then writes", async () => {
    hubspot().post(UPDATE).reply(500, { status: "error", message: "internal error", category: "INTERNAL_ERROR" })
      .post(UPDATE).reply(200, ok(["101"]));
    await expect(pushChanges(testCall().call, [change("c1", "101", { tailor_orders: 2 })])).resolves.toEqual({ written: 1, failed: [] });
    expect(nock.isDone()).toBe(true);
  });

  it("throws when 429s outlast the retries: nothing was written", async () => {
    hubspot().post(UPDATE).times(3).reply(429, fixture("rate-limit-ten-secondly.json") as nock.Body);
    await expect(pushChanges(testCall().call, [change("c1", "101", { tailor_orders: 2 })])).rejects.toMatchObject({ name: "EspError", kind: "rate_limited" });
  });

  it("throws on an auth failure so the run stops", async () => {
    hubspot().post(UPDATE).reply(401, { status: "error", message: "Authentication credentials not found.", category: "INVALID_AUTHENTICATION" });
    await expect(pushChanges(testCall().call, [change("c1", "101", { tailor_orders: 2 })])).rejects.toMatchObject({ kind: "auth", status: 401 });
  });

  it("marks retried records retryable when the retry call itself keeps failing with 5xx", async () => {
    hubspot().post(UPDATE).reply(207, fixture("batch-update-partial.json") as nock.Body)
      .post(UPDATE).times(3).reply(503, { status: "error", message: "unavailable" });
    const report = await pushChanges(testCall().call, [change("c1", "101", { tailor_orders: 2 }), change("c2", "999", { tailor_orders: 1 })]);
    expect(report.written).toBe(1);
    expect(report.failed).toEqual([{ contactId: "c2", reason: expect.stringContaining("HTTP 503") as unknown, retryable: true }]);
  });

  it("sends at most 100 contacts per call", async () => {
    const sizes: number[] = [];
    hubspot().post(UPDATE).times(3).reply(200, (_p, body) => { const ids = (body as Body).inputs.map((i) => i.id); sizes.push(ids.length); return ok(ids); });
    const changes = Array.from({ length: 250 }, (_, i) => change(`c${i}`, String(1000 + i), { tailor_orders: i }));
    await expect(pushChanges(testCall().call, changes)).resolves.toEqual({ written: 250, failed: [] });
    expect(sizes).toEqual([100, 100, 50]);
  });

  it("never puts one contact id twice in a batch", async () => {
    const batches: string[][] = [];
    hubspot().post(UPDATE).times(2).reply(200, (_p, body) => { const ids = (body as Body).inputs.map((i) => i.id); batches.push(ids); return ok(ids); });
    await pushChanges(testCall().call, [change("c1", "101", { tailor_orders: 1 }), change("c2", "101", { tailor_revenue: 5 }), change("c3", "102", { tailor_orders: 2 })]);
    expect(batches).toEqual([["101", "102"], ["101"]]);
  });

  it("reports a value HubSpot would refuse without sending it, and still writes the rest", async () => {
    hubspot().post(UPDATE, { inputs: [{ id: "102", properties: { tailor_orders: "2" } }] }).reply(200, ok(["102"]));
    const report = await pushChanges(testCall().call, [
      change("c1", "101", { tailor_lifecycle: "retired", tailor_nope: 1 }),
      change("c2", "102", { tailor_orders: 2 }),
      change("c3", "", { tailor_orders: 2 }),
    ]);
    expect(report.written).toBe(1);
    expect(report.failed).toEqual([
      { contactId: "c1", reason: "tailor_lifecycle: \"retired\" is not one of new_lead, new_customer, active_customer, lapsing, churned; tailor_nope: not a declared Tailor property", retryable: false },
      { contactId: "c3", reason: "no HubSpot contact id for this contact", retryable: false },
    ]);
    expect(nock.isDone()).toBe(true);
  });

  it("makes no call when there is nothing to write", async () => {
    const { call, limiters } = testCall();
    await expect(pushChanges(call, [])).resolves.toEqual({ written: 0, failed: [] });
    expect(limiters.standard.taken).toBe(0);
  });
});
