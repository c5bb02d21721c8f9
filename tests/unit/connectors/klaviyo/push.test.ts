import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IMPORT_JOB_LIMITS, pushChanges, toKlaviyoValue, type ImportProfile, type PushDeps } from "../../../../src/connectors/klaviyo/push.js";
import type { PropertyChange } from "../../../../src/domain/index.js";
import { checkKlaviyoRequests, checkKlaviyoResponse, recordRequests } from "../../../contract/klaviyo-spec.js";
import { fixture, KLAVIYO, testCall } from "./test-call.js";

const JOBS = "/api/profile-bulk-import-jobs";
const JOB = "01JD5Y1F8V3Q7M2ZKX4N6P9RTA";
const ERRORS = `${JOBS}/${JOB}/import-errors`;
const klaviyo = () => nock(KLAVIYO);
const body = (name: string) => fixture(name) as nock.Body;
const pid = (n: number) => `01TAILORFAKEPROFILE${String(n).padStart(7, "0")}`;
const change = (contactId: string, espId: string, set: PropertyChange["set"], email?: string): PropertyChange =>
  ({ contactId, espId, set, ...(email === undefined ? {} : { email }) });
type JobBody = { data: { type: string; attributes: { profiles: { data: ImportProfile[] } } } };

/** A job document like the fixtures, for another id, status or count. */
function job(id: string, status: string, total: number, failed = 0): nock.Body {
  const doc = structuredClone(fixture("push-job-complete.json")) as { data: { id: string; attributes: Record<string, unknown> } };
  doc.data.id = id;
  Object.assign(doc.data.attributes, { status, total_count: total, completed_count: status === "complete" ? total - failed : 0, failed_count: failed });
  return doc as nock.Body;
}

/** Injected time: sleep moves the clock at once and is remembered. */
function clock(extra: Partial<PushDeps> = {}) {
  let time = 0;
  const sleeps: number[] = [];
  const deps: PushDeps = { now: () => time, sleep: (ms) => { sleeps.push(ms); time += ms; return Promise.resolve(); }, ...extra };
  return { deps, sleeps };
}

const three = [
  change("c1", pid(1), { tailor_lifecycle: "lapsing", tailor_churn_risk: 0.81, tailor_fatigued: true }),
  change("c2", pid(2), { tailor_orders: 3, tailor_next_order_date: "2026-11-19", tailor_suppress_until: "2026-11-02T08:30:00.000Z" }),
  change("c3", pid(3), { tailor_lifecycle: "churned", tailor_segment: null }),
];

describe("toKlaviyoValue", () => {
  it.each([
    ["string", "Win-back", "Win-back"],
    ["string", 42, "42"],
    ["number", 0.87, 0.87],
    ["number", 1e21, 1e21],
    ["boolean", false, false],
    ["date", "2026-11-19", "2026-11-19T12:00:00Z"],
    ["datetime", "2026-11-01T08:30:00+01:00", "2026-11-01T07:30:00.000Z"],
    ["datetime", 1_793_521_800_000, "2026-11-01T08:30:00.000Z"],
    ["enumeration", "lapsing", "lapsing"],
    ["number", null, ""],
    ["string", "", ""],
  ] as const)("writes a %s %j as %j", (type, value, expected) => {
    expect(toKlaviyoValue(type, value, type === "enumeration" ? ["new_lead", "lapsing"] : undefined)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ["number", Number.NaN, "expected a finite number"],
    ["number", "12", "expected a finite number"],
    ["boolean", "yes", "expected true or false"],
    ["date", "2026-02-30", "not a calendar date"],
    ["date", "19/11/2026", "expected a YYYY-MM-DD date"],
    ["datetime", "next tuesday", "expected an ISO 8601 datetime"],
    ["enumeration", "gone", "\"gone\" is not one of new_lead, lapsing"],
  ] as const)("refuses a %s %j: %s", (type, value, reason) => {
    const checked = toKlaviyoValue(type, value, ["new_lead", "lapsing"]);
    expect(checked.ok ? "" : checked.reason).toContain(reason);
  });
});

describe("pushChanges", () => {
  beforeEach(() => { nock.disableNetConnect(); });
  afterEach(() => { nock.cleanAll(); nock.enableNetConnect(); });

  it("creates one job with only the changed properties, typed, naming each profile by id alone", async () => {
    const scope = klaviyo()
      .post(JOBS, {
        data: {
          type: "profile-bulk-import-job",
          attributes: {
            profiles: {
              data: [
                { type: "profile", id: pid(1), attributes: { properties: { tailor_lifecycle: "lapsing", tailor_churn_risk: 0.81, tailor_fatigued: true } } },
                { type: "profile", id: pid(2), attributes: { properties: { tailor_orders: 3, tailor_next_order_date: "2026-11-19T12:00:00Z", tailor_suppress_until: "2026-11-02T08:30:00.000Z" } } },
                { type: "profile", attributes: { email: "ada@example.com", properties: { tailor_lifecycle: "churned", tailor_segment: "" } } },
              ],
            },
          },
        },
      })
      .reply(202, body("push-job-created.json"))
      .get(`${JOBS}/${JOB}`).reply(200, body("push-job-processing.json"))
      .get(`${JOBS}/${JOB}`).reply(200, body("push-job-complete.json"));
    const requests = recordRequests(scope);
    const { deps, sleeps } = clock();
    const changes = [three[0]!, { ...three[1]!, email: "grace@example.com" }, change("c3", "", { tailor_lifecycle: "churned", tailor_segment: null }, "ada@example.com")];

    expect(await pushChanges(testCall().call, changes, deps)).toEqual({ written: 3, failed: [] });
    expect(scope.isDone()).toBe(true);
    expect(sleeps).toEqual([1000, 2000]);
    expect(checkKlaviyoRequests(requests)).toEqual([]);
  });

  it("packs at most 10,000 profiles into one job", async () => {
    const sizes: number[] = [];
    const scope = klaviyo()
      .post(JOBS).times(2).reply(202, (_uri, sent) => {
        const n = (sent as JobBody).data.attributes.profiles.data.length;
        sizes.push(n);
        return job(`JOB${sizes.length}`, "queued", n);
      })
      .get(`${JOBS}/JOB1`).reply(200, job("JOB1", "complete", 10_000))
      .get(`${JOBS}/JOB2`).reply(200, job("JOB2", "complete", 1));
    const changes = Array.from({ length: 10_001 }, (_, i) => change(`c${i}`, pid(i), { tailor_orders: i }));

    const report = await pushChanges(testCall().call, changes, clock().deps);

    expect(sizes).toEqual([10_000, 1]);
    expect(report).toEqual({ written: 10_001, failed: [] });
    expect(scope.isDone()).toBe(true);
  });

  it("packs by the serialized size, never past 5 MB, each job as full as it can be", async () => {
    const bodies: { bytes: number; profiles: ImportProfile[] }[] = [];
    klaviyo()
      .post(JOBS).times(3).reply(202, (_uri, sent) => {
        const profiles = (sent as JobBody).data.attributes.profiles.data;
        bodies.push({ bytes: Buffer.byteLength(JSON.stringify(sent)), profiles });
        return job(`JOB${bodies.length}`, "complete", profiles.length);
      });
    const why = "x".repeat(60_000); // about 60 KB a profile: 83 fit in 5,000,000 bytes
    const changes = Array.from({ length: 200 }, (_, i) => change(`c${i}`, pid(i), { tailor_segment_why: why }));

    const report = await pushChanges(testCall().call, changes, clock().deps);

    expect(report.written).toBe(200);
    expect(bodies.map((b) => b.profiles.length)).toEqual([83, 83, 34]);
    for (const b of bodies) expect(b.bytes).toBeLessThanOrEqual(IMPORT_JOB_LIMITS.bytes);
    // One more profile would not have fitted the first job.
    const profileBytes = Buffer.byteLength(JSON.stringify(bodies[0]!.profiles[0]));
    expect(bodies[0]!.bytes + 1 + profileBytes).toBeGreaterThan(IMPORT_JOB_LIMITS.bytes);
  });

  it("fails a change alone when it cannot be sent, and sends the others", async () => {
    let sent: ImportProfile[] = [];
    klaviyo().post(JOBS).reply(202, (_uri, b) => {
      sent = (b as JobBody).data.attributes.profiles.data;
      return job(JOB, "complete", sent.length);
    });
    const report = await pushChanges(testCall().call, [
      change("big", pid(1), { tailor_segment_why: "x".repeat(IMPORT_JOB_LIMITS.profileBytes) }),
      change("nobody", "", { tailor_orders: 1 }),
      change("undeclared", pid(2), { tailor_mood: "sunny" }),
      change("bad", pid(3), { tailor_orders: "three", tailor_fatigued: "no" }),
      change("good", pid(4), { tailor_orders: 4 }),
    ], clock().deps);

    expect(sent.map((p) => p.id)).toEqual([pid(4)]);
    expect(report.written).toBe(1);
    expect(report.failed).toEqual([
      { contactId: "big", reason: expect.stringContaining("Klaviyo takes at most 100000 per profile") as unknown, retryable: false },
      { contactId: "nobody", reason: "no Klaviyo profile id or email for this contact", retryable: false },
      { contactId: "undeclared", reason: "tailor_mood: not a declared Tailor property", retryable: false },
      { contactId: "bad", reason: "tailor_orders: expected a finite number, got \"three\"; tailor_fatigued: expected true or false, got \"no\"", retryable: false },
    ]);
  });

  it("reads the job again with a doubling wait, capped, until it completes", async () => {
    const scope = klaviyo().post(JOBS).reply(202, body("push-job-created.json"))
      .get(`${JOBS}/${JOB}`).times(6).reply(200, body("push-job-processing.json"))
      .get(`${JOBS}/${JOB}`).reply(200, body("push-job-complete.json"));
    const { deps, sleeps } = clock();

    expect(await pushChanges(testCall().call, three, deps)).toEqual({ written: 3, failed: [] });
    expect(sleeps).toEqual([1000, 2000, 4000, 8000, 15_000, 15_000, 15_000]);
    expect(scope.isDone()).toBe(true);
  });

  it("maps import errors back to their profiles across pages, and marks a profile Klaviyo no longer has as gone", async () => {
    const scope = klaviyo().post(JOBS).reply(202, body("push-job-created.json"))
      .get(`${JOBS}/${JOB}`).reply(200, body("push-job-complete-partial.json"))
      .get(ERRORS).query({ "page[size]": "100" }).reply(200, body("push-import-errors-page-1.json"))
      .get(ERRORS).query({ "page[size]": "100", "page[cursor]": "bmV4dDo6aWQ6OjE=" }).reply(200, body("push-import-errors-page-2.json"));
    const requests = recordRequests(scope);

    const report = await pushChanges(testCall().call, three, clock().deps);

    expect(report).toEqual({
      written: 1,
      failed: [
        { contactId: "c2", reason: "invalid: 'tailor_orders' must be a number.", retryable: false },
        { contactId: "c3", reason: "not_found: A profile with id '01TAILORFAKEPROFILE0000003' does not exist.", retryable: false, gone: true },
      ],
    });
    expect(scope.isDone()).toBe(true);
    expect(checkKlaviyoRequests(requests)).toEqual([]);
  });

  it("never counts a profile as written when Klaviyo refused profiles it did not name", async () => {
    const unnamed = structuredClone(fixture("push-import-errors-page-2.json")) as { data: { attributes: { original_payload: unknown } }[]; links: unknown };
    unnamed.data[0]!.attributes.original_payload = null;
    klaviyo().post(JOBS).reply(202, body("push-job-created.json"))
      .get(`${JOBS}/${JOB}`).reply(200, job(JOB, "complete", 3, 1))
      .get(ERRORS).query(true).reply(200, unnamed as nock.Body);

    const report = await pushChanges(testCall().call, three, clock().deps);

    expect(report.written).toBe(0);
    expect(report.failed.map((f) => [f.contactId, f.retryable])).toEqual([["c1", true], ["c2", true], ["c3", true]]);
    expect(report.failed[0]?.reason).toContain("did not name (failed 1, named 0: not_found: A profile with id");
  });

  it("reports the profiles of a cancelled job as retryable", async () => {
    klaviyo().post(JOBS).reply(202, body("push-job-created.json"))
      .get(`${JOBS}/${JOB}`).reply(200, body("push-job-cancelled.json"))
      .get(ERRORS).query(true).reply(200, { data: [], links: { self: `${KLAVIYO}${ERRORS}/` } });

    const report = await pushChanges(testCall().call, three, clock().deps);

    expect(report.written).toBe(0);
    expect(report.failed).toEqual(three.map((c) => ({ contactId: c.contactId, reason: `Klaviyo cancelled import job ${JOB}; sent again next run`, retryable: true })));
  });

  it("gives up on a job after maxWaitMs and leaves its profiles retryable", async () => {
    klaviyo().post(JOBS).reply(202, body("push-job-created.json"))
      .get(`${JOBS}/${JOB}`).times(5).reply(200, body("push-job-processing.json"));
    const { deps, sleeps } = clock({ maxWaitMs: 10_000 });

    const report = await pushChanges(testCall().call, three, deps);

    expect(sleeps).toEqual([1000, 2000, 4000, 3000]);
    expect(report).toEqual({ written: 0, failed: three.map((c) => ({ contactId: c.contactId, reason: `Klaviyo import job ${JOB} did not finish within 10 s; sent again next run`, retryable: true })) });
  });

  it("drops the rows a 400 points at and sends the rest once more", async () => {
    const sent: string[][] = [];
    const scope = klaviyo()
      .post(JOBS).reply(400, (_uri, b) => { sent.push((b as JobBody).data.attributes.profiles.data.map((p) => p.id ?? "")); return body("push-error-400-row.json"); })
      .post(JOBS).reply(202, (_uri, b) => { sent.push((b as JobBody).data.attributes.profiles.data.map((p) => p.id ?? "")); return job(JOB, "complete", 2); });

    const report = await pushChanges(testCall().call, three, clock().deps);

    expect(sent).toEqual([[pid(1), pid(2), pid(3)], [pid(1), pid(3)]]);
    expect(report).toEqual({ written: 2, failed: [{ contactId: "c2", reason: "invalid: not-an-email is not a valid email address. (at attributes/email)", retryable: false }] });
    expect(scope.isDone()).toBe(true);
  });

  it("fails every profile of a job Klaviyo refuses as a whole with a 4xx", async () => {
    klaviyo().post(JOBS).reply(400, body("client-error-400-invalid.json"));

    const report = await pushChanges(testCall().call, three, clock().deps);

    expect(report.written).toBe(0);
    expect(report.failed.map((f) => f.contactId)).toEqual(["c1", "c2", "c3"]);
    expect(report.failed[0]).toMatchObject({ reason: expect.stringContaining("HTTP 400 invalid") as unknown, retryable: false });
  });

  it("waits out a 429's Retry-After inside the call, then creates the job", async () => {
    const scope = klaviyo()
      .post(JOBS).reply(429, body("client-error-429-throttled.json"), { "Retry-After": "3" })
      .post(JOBS).reply(202, job(JOB, "complete", 3));
    const test = testCall();

    expect(await pushChanges(test.call, three, clock().deps)).toEqual({ written: 3, failed: [] });
    expect(test.sleeps).toEqual([3000]);
    expect(scope.isDone()).toBe(true);
  });

  it("throws when Klaviyo keeps answering 429 before anything was written", async () => {
    klaviyo().post(JOBS).times(3).reply(429, body("client-error-429-throttled.json"), { "Retry-After": "1" });

    await expect(pushChanges(testCall().call, three, clock().deps)).rejects.toMatchObject({ name: "EspError", kind: "rate_limited", retryAfterMs: 1000 });
  });

  it("keeps what was written when a later job keeps drawing 429s, and leaves that job's profiles retryable", async () => {
    klaviyo()
      .post(JOBS).reply(202, job("JOB1", "queued", 10_000))
      .post(JOBS).times(3).reply(429, body("client-error-429-throttled.json"), { "Retry-After": "1" })
      .get(`${JOBS}/JOB1`).reply(200, job("JOB1", "complete", 10_000));
    const changes = Array.from({ length: 10_001 }, (_, i) => change(`c${i}`, pid(i), { tailor_orders: i }));

    const report = await pushChanges(testCall().call, changes, clock().deps);

    expect(report.written).toBe(10_000);
    expect(report.failed).toEqual([{ contactId: "c10000", reason: expect.stringContaining("HTTP 429 throttled") as unknown, retryable: true }]);
  });

  it("writes a second change for the same profile only after the job with the first finished", async () => {
    const order: string[] = [];
    klaviyo()
      .post(JOBS).reply(202, (_uri, b) => { order.push(`create ${String((b as JobBody).data.attributes.profiles.data[0]?.attributes.properties.tailor_orders)}`); return job("JOB1", "queued", 1); })
      .get(`${JOBS}/JOB1`).reply(200, () => { order.push("read JOB1"); return job("JOB1", "complete", 1); })
      .post(JOBS).reply(202, (_uri, b) => { order.push(`create ${String((b as JobBody).data.attributes.profiles.data[0]?.attributes.properties.tailor_orders)}`); return job("JOB2", "queued", 1); })
      .get(`${JOBS}/JOB2`).reply(200, () => { order.push("read JOB2"); return job("JOB2", "complete", 1); });

    const report = await pushChanges(testCall().call, [change("c1", pid(1), { tailor_orders: 1 }), change("c1", pid(1), { tailor_orders: 2 })], clock().deps);

    expect(order).toEqual(["create 1", "read JOB1", "create 2", "read JOB2"]);
    expect(report).toEqual({ written: 2, failed: [] });
  });

  it("counts a change with nothing to set as written without calling Klaviyo", async () => {
    expect(await pushChanges(testCall().call, [change("c1", pid(1), {})], clock().deps)).toEqual({ written: 1, failed: [] });
  });
});

describe("push fixtures", () => {
  it.each([
    ["push-job-created.json", "bulk_import_profiles", 202],
    ["push-error-400-row.json", "bulk_import_profiles", 400],
    ["push-job-processing.json", "get_bulk_import_profiles_job", 200],
    ["push-job-complete.json", "get_bulk_import_profiles_job", 200],
    ["push-job-complete-partial.json", "get_bulk_import_profiles_job", 200],
    ["push-job-cancelled.json", "get_bulk_import_profiles_job", 200],
    ["push-import-errors-page-1.json", "get_errors_for_bulk_import_profiles_job", 200],
    ["push-import-errors-page-2.json", "get_errors_for_bulk_import_profiles_job", 200],
  ] as const)("%s matches the spec's %s %i response", (name, operation, status) => {
    expect(checkKlaviyoResponse(operation, status, fixture(name))).toEqual([]);
  });
});
