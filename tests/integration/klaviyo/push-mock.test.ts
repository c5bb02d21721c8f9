import { setTimeout as delay } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { createKlaviyoCall, klaviyoLimiters } from "../../../src/connectors/klaviyo/client.js";
import { pushChanges, toKlaviyoValue, type PushDeps } from "../../../src/connectors/klaviyo/push.js";
import type { KlaviyoOperation } from "../../../src/connectors/klaviyo/rate-limits.js";
import { defaultRetryPolicy } from "../../../src/connectors/shared/retry.js";
import { PROPERTIES, type PropertyChange, type PropertyValue } from "../../../src/domain/index.js";
import { checkKlaviyoResponse } from "../../contract/klaviyo-spec.js";
import { startKlaviyoMock, type KlaviyoMock, type KlaviyoMockOptions } from "../../helpers/klaviyo-mock.js";

const FAKE_KEY = "pk_test_fake_0000000000000000000000";
const now = () => performance.now();
const sleep = async (ms: number) => { await delay(ms); };
const deps: PushDeps = { now, sleep, pollIntervalMs: 20 };
const pid = (n: number) => `01TAILORFAKEPROFILE${String(n).padStart(7, "0")}`;
const stages = ["new_lead", "new_customer", "active_customer", "lapsing", "churned"] as const;

let mock: KlaviyoMock | null = null;
afterEach(async () => { await mock?.close(); mock = null; });

async function start(options: KlaviyoMockOptions = {}, overrides: Partial<Record<KlaviyoOperation, { burst: number; steady: number }>> = {}) {
  mock = await startKlaviyoMock({ processingMs: 30, ...options });
  const retries: number[] = [];
  const call = createKlaviyoCall({
    auth: () => Promise.resolve({ scheme: "private", token: FAKE_KEY }),
    basePath: mock.url,
    limiters: klaviyoLimiters(now, sleep, overrides),
    retry: defaultRetryPolicy({ maxAttempts: 4, baseDelayMs: 50, onRetry: ({ delayMs }) => { retries.push(delayMs); } }),
    now: () => Date.now(),
  });
  return { mock, call, retries };
}

/** What Klaviyo should hold once `changes` are written: the values as the import job sends them. */
function expected(change: PropertyChange): Record<string, unknown> {
  const byName = new Map(PROPERTIES.map((p) => [p.name, p]));
  return Object.fromEntries(Object.entries(change.set).map(([name, value]) => {
    const def = byName.get(name)!;
    const converted = toKlaviyoValue(def.type, value, def.options);
    return [name, converted.ok ? converted.value : undefined];
  }));
}

describe("klaviyo pushChanges against the local Klaviyo", () => {
  it("writes 20,000 profiles in 2 jobs, each profile once, exactly as changed", async () => {
    const { call } = await start();
    const changes: PropertyChange[] = Array.from({ length: 20_000 }, (_, i) => {
      const set: Record<string, PropertyValue> = {
        tailor_orders: i % 17,
        tailor_lifecycle: stages[i % stages.length]!,
        tailor_fatigued: i % 3 === 0,
        tailor_next_order_date: "2026-11-19",
        tailor_segment: i % 10 === 0 ? null : "Win-back",
      };
      return { contactId: `c${i}`, espId: pid(i), set };
    });

    const report = await pushChanges(call, changes, deps);

    expect(report).toEqual({ written: 20_000, failed: [] });
    const stats = mock!.stats();
    expect(stats).toMatchObject({ jobs: 2, profilesWritten: 20_000, duplicates: 0, throttledTotal: 0, refused: 0, profilesFailed: 0 });
    expect(stats.calls.bulk_import_profiles).toBe(2);
    expect(mock!.keys()).toHaveLength(20_000);
    const wrong = changes.filter((c) => JSON.stringify(mock!.properties(`id:${c.espId}`)) !== JSON.stringify(expected(c)));
    expect(wrong).toEqual([]);
  });

  it("maps the mock's import errors back, marks an unknown profile gone, and refuses a malformed email alone", async () => {
    const { call } = await start({
      knownIds: (id) => id !== pid(2),
      failProfile: (p) => (p.id === pid(3) ? { code: "invalid", title: "Invalid input.", detail: "'tailor_orders' is too large." } : null),
    });
    const changes: PropertyChange[] = [
      { contactId: "c1", espId: pid(1), set: { tailor_orders: 1 } },
      { contactId: "c2", espId: pid(2), set: { tailor_orders: 2 } },
      { contactId: "c3", espId: pid(3), set: { tailor_orders: 3 } },
      { contactId: "c4", espId: "", email: "not-an-email", set: { tailor_orders: 4 } },
      { contactId: "c5", espId: "", email: "Ada@Example.com", set: { tailor_orders: 5 } },
    ];

    const report = await pushChanges(call, changes, deps);

    expect(report.written).toBe(2);
    expect(report.failed).toEqual([
      { contactId: "c4", reason: "invalid: \"not-an-email\" is not a valid email address. (at attributes/email)", retryable: false },
      { contactId: "c2", reason: `not_found: A profile with id '${pid(2)}' does not exist.`, retryable: false, gone: true },
      { contactId: "c3", reason: "invalid: 'tailor_orders' is too large.", retryable: false },
    ]);
    expect(mock!.properties("email:ada@example.com")).toEqual({ tailor_orders: 5 });
    expect(mock!.stats()).toMatchObject({ jobs: 1, profilesWritten: 2, profilesFailed: 2, refused: 1 });
  });

  it("waits out the mock's 429s when the limiter allows more than the mock, and writes nothing twice", async () => {
    // The mock allows 1 status read per 200 ms; our limiter thinks 10 per second, and polls every 20 ms at first.
    const { call, retries } = await start({ processingMs: 150, limits: { get_bulk_import_profiles_job: { burst: 1, steady: 150 } }, burstMs: 200 });
    const changes: PropertyChange[] = Array.from({ length: 500 }, (_, i) => ({ contactId: `c${i}`, espId: pid(i), set: { tailor_orders: i } }));

    const report = await pushChanges(call, changes, deps);

    const stats = mock!.stats();
    expect(report).toEqual({ written: 500, failed: [] });
    expect(stats.throttled.get_bulk_import_profiles_job).toBeGreaterThan(0);
    expect(retries.length).toBe(stats.throttledTotal);
    expect(stats).toMatchObject({ jobs: 1, profilesWritten: 500, duplicates: 0 });
  });
});

describe("the local Klaviyo", () => {
  const post = (url: string, body: unknown) => fetch(`${url}/api/profile-bulk-import-jobs`, { method: "POST", headers: { "content-type": "application/vnd.api+json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
  const jobOf = (profiles: unknown[]) => ({ data: { type: "profile-bulk-import-job", attributes: { profiles: { data: profiles } } } });

  it("answers in the spec's shapes, with RateLimit headers, and completes a job after its processing time", async () => {
    mock = await startKlaviyoMock({ processingMs: 300, knownIds: () => false });
    const created = await post(mock.url, jobOf([{ type: "profile", id: pid(1), attributes: { properties: { tailor_orders: 1 } } }]));
    const createdBody = await created.json() as { data: { id: string } };
    // Read at once, before the schema checks below take their time.
    const early = await (await fetch(`${mock.url}/api/profile-bulk-import-jobs/${createdBody.data.id}`)).json() as { data: { attributes: { status: string } } };
    expect(early.data.attributes.status).not.toBe("complete");
    expect(created.status).toBe(202);
    expect(checkKlaviyoResponse("bulk_import_profiles", 202, createdBody)).toEqual([]);
    expect(created.headers.get("ratelimit-limit")).toBe("150");
    expect(created.headers.get("ratelimit-remaining")).toBe("149");

    await delay(320);
    const done = await (await fetch(`${mock.url}/api/profile-bulk-import-jobs/${createdBody.data.id}`)).json() as { data: { attributes: { status: string; failed_count: number } } };
    expect(checkKlaviyoResponse("get_bulk_import_profiles_job", 200, done)).toEqual([]);
    expect(done.data.attributes).toMatchObject({ status: "complete", failed_count: 1 });
    const errors = await (await fetch(`${mock.url}/api/profile-bulk-import-jobs/${createdBody.data.id}/import-errors?page[size]=100`)).json();
    expect(checkKlaviyoResponse("get_errors_for_bulk_import_profiles_job", 200, errors)).toEqual([]);
  });

  it("enforces the import limits: 413 over the bytes, 400 over the count or for a profile over 100 KB", async () => {
    mock = await startKlaviyoMock({ importLimits: { profiles: 2, bytes: 2_000, profileBytes: 300 } });
    const small = (n: number) => ({ type: "profile", id: pid(n), attributes: { properties: { tailor_orders: n } } });

    const tooBig = await post(mock.url, jobOf([{ ...small(1), attributes: { properties: { tailor_segment_why: "x".repeat(3_000) } } }]));
    expect(tooBig.status).toBe(413);
    const tooMany = await post(mock.url, jobOf([small(1), small(2), small(3)]));
    expect(tooMany.status).toBe(400);
    const fat = await post(mock.url, jobOf([small(1), { ...small(2), attributes: { properties: { tailor_segment_why: "x".repeat(400) } } }]));
    const fatBody = await fat.json() as { errors: { source: { pointer: string } }[] };
    expect(fat.status).toBe(400);
    expect(checkKlaviyoResponse("bulk_import_profiles", 400, fatBody)).toEqual([]);
    expect(fatBody.errors.map((e) => e.source.pointer)).toEqual(["/data/attributes/profiles/data/1"]);
    expect(mock.stats()).toMatchObject({ jobs: 0, refused: 3 });
  });

  it("answers 429 with Retry-After and the throttled error once a window is full; refused calls do not count", async () => {
    mock = await startKlaviyoMock({ limits: { bulk_import_profiles: { burst: 2, steady: 3 } } });
    const body = jobOf([{ type: "profile", id: pid(1), attributes: { properties: { tailor_orders: 1 } } }]);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(mock.url, body)).status);
    const throttled = await post(mock.url, body);
    const throttledBody = await throttled.json() as { errors: { code: string }[] };

    expect(statuses).toEqual([202, 202, 429]);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).toBe("1");
    expect(throttledBody.errors[0]?.code).toBe("throttled");
    expect(checkKlaviyoResponse("bulk_import_profiles", 429, throttledBody)).toEqual([]);
    expect(mock.stats()).toMatchObject({ jobs: 2, throttledTotal: 2 });
  });

  it("applies unset and leaves a value alone on null, as Klaviyo's bulk import does", async () => {
    mock = await startKlaviyoMock();
    await post(mock.url, jobOf([{ type: "profile", id: pid(1), attributes: { properties: { a: 1, b: 2, c: 3 } } }]));
    await post(mock.url, jobOf([{ type: "profile", id: pid(1), attributes: { properties: { a: null, b: "" } }, meta: { patch_properties: { unset: ["c"] } } }]));

    expect(mock.properties(`id:${pid(1)}`)).toEqual({ a: 1, b: "" });
    expect(mock.writes(`id:${pid(1)}`)).toBe(2);
  });
});
