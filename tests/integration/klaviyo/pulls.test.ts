import { readFileSync } from "node:fs";
import { ApiKeySession, RetryWithExponentialBackoff } from "klaviyo-api";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createKlaviyoApis, type KlaviyoCall } from "../../../src/connectors/klaviyo/klaviyo-call.js";
import { toCatalogEntry, type CatalogEntry } from "../../../src/connectors/klaviyo/catalog-sync.js";
import { CATALOG_UNREADABLE_WARNING, EMPTY_CATALOG_WARNING, MAX_RESUME_MS, pullCatalog, readsWholeCatalog } from "../../../src/connectors/klaviyo/pull-catalog.js";
import { EVENTS_OVERLAP_MS, pullEvents, unmappedWarning } from "../../../src/connectors/klaviyo/pull-events.js";
import { PROFILES_OVERLAP_MS, pullProfiles } from "../../../src/connectors/klaviyo/pull-profiles.js";
import type { KlaviyoOperation } from "../../../src/connectors/klaviyo/rate-limits.js";
import { KlaviyoSettingsSchema, type Page } from "../../../src/domain/index.js";
import { checkKlaviyoRequests, checkKlaviyoResponse, recordRequests } from "../../contract/klaviyo-spec.js";
import { testCall } from "../../unit/connectors/klaviyo/test-call.js";

const KLAVIYO = "https://a.klaviyo.com";
const NOW = Date.parse("2026-11-01T08:00:00Z");
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const now = () => NOW;
const fixture = (name: string): nock.Body => JSON.parse(readFileSync(new URL(`../../fixtures/klaviyo/${name}`, import.meta.url), "utf8")) as nock.Body;
const THROTTLED = fixture("client-error-429-throttled.json");

/** The SDK bare, on a fake key with its own retries off, counting the operations the pull names. */
function bareCall(): { call: KlaviyoCall; operations: KlaviyoOperation[] } {
  const apis = createKlaviyoApis(new ApiKeySession("pk_test_fake", new RetryWithExponentialBackoff({ numRetries: 0 })), KLAVIYO);
  const operations: KlaviyoOperation[] = [];
  const call: KlaviyoCall = (operation, _what, fn) => {
    operations.push(operation);
    return fn(apis);
  };
  return { call, operations };
}

async function collect(pages: AsyncIterable<Page>): Promise<Page[]> {
  const out: Page[] = [];
  for await (const page of pages) out.push(page);
  return out;
}
const recordsOf = (pages: readonly Page[]) => pages.flatMap((p) => p.records) as Record<string, unknown>[];
const idsOf = (pages: readonly Page[]) => recordsOf(pages).map((r) => r.id);
const warningsOf = (pages: readonly Page[]) => pages.flatMap((p) => p.warnings ?? []);
const cursorOf = (page: Page | undefined): unknown => JSON.parse(page?.next ?? "null");
const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");

/** A scope on Klaviyo's API root whose every request is checked against the spec after the test. */
function klaviyo() {
  const scope = nock(KLAVIYO);
  const requests = recordRequests(scope);
  return { scope, requests, problems: () => checkKlaviyoRequests(requests) };
}

type Row = { readonly id: string; readonly key: number; readonly resource: Record<string, unknown> };

/**
 * A Klaviyo collection endpoint over rows: `pick` applies the request's filter, rows come sorted
 * by key (ties in an order of its own, by descending id, so nothing may rely on it), `pageSize`
 * per page whatever was asked, and a page cursor is a place in one query: sent with another
 * filter it is refused with a 400, as a cursor from another query would be.
 */
function fakeCollection(path: string, rows: readonly Row[], pick: (filter: string, row: Row) => boolean, pageSize: number) {
  return (uri: string): nock.ReplyFnResult => {
    const url = new URL(uri, KLAVIYO);
    const filter = url.searchParams.get("filter") ?? "";
    const cursor = url.searchParams.get("page[cursor]");
    let offset = 0;
    if (cursor !== null) {
      const place = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { offset: number; filter: string };
      if (place.filter !== filter) return [400, { errors: [{ id: "e1", code: "invalid", title: "Invalid input.", detail: "The page cursor belongs to another query." }] }];
      offset = place.offset;
    }
    const matching = rows.filter((r) => pick(filter, r)).sort((a, b) => a.key - b.key || (a.id < b.id ? 1 : -1));
    const data = matching.slice(offset, offset + pageSize).map((r) => r.resource);
    const end = offset + data.length;
    const next = end < matching.length ? `${KLAVIYO}${path}/?page%5Bcursor%5D=${Buffer.from(JSON.stringify({ offset: end, filter })).toString("base64url")}` : undefined;
    return [200, { data, links: { self: `${KLAVIYO}${path}/`, ...(next === undefined ? {} : { next }) } }];
  };
}

/** The instant in `greater-than(field,…)`, or -Infinity when the filter has none. */
function after(filter: string, field: string): number {
  const match = new RegExp(`greater-than\\(${field},([^)]+)\\)`).exec(filter);
  return match?.[1] === undefined ? Number.NEGATIVE_INFINITY : Date.parse(match[1]);
}

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("klaviyo pull fixtures", () => {
  it.each([
    ["get_profiles", "pull-profiles-page-1.json"],
    ["get_profiles", "pull-profiles-page-2.json"],
    ["get_profiles", "pull-profiles-refresh.json"],
    ["get_metrics", "pull-metrics-page-1.json"],
    ["get_metrics", "pull-metrics-page-2.json"],
    ...[
      "placed-order-1", "placed-order-2", "viewed-product", "added-to-cart", "started-checkout", "refunded-order",
      "received-email", "opened-email", "clicked-email", "bounced-email", "unsubscribed", "marked-spam",
    ].map((name) => ["get_events", `pull-events-${name}.json`]),
    ["get_catalog_categories", "pull-catalog-categories.json"],
    ["get_catalog_items", "pull-catalog-category-all.json"],
    ["get_catalog_items", "pull-catalog-category-fiction.json"],
    ["get_catalog_items", "pull-catalog-items-page-1.json"],
    ["get_catalog_items", "pull-catalog-items-page-2.json"],
  ])("%s answers as the spec says: %s", (operation, name) => {
    expect(checkKlaviyoResponse(operation, 200, fixture(name))).toEqual([]);
  });
});

describe("klaviyo profiles pull", () => {
  const QUERY = {
    "additional-fields[profile]": "subscriptions",
    "fields[profile]": "email,first_name,created,updated,location.country,location.timezone,subscriptions.email.marketing",
    sort: "updated",
    "page[size]": "100",
  };
  const PAGE_2 = "bmV4dDo6dXBkYXRlZDo6MTcyOTY3";

  it("sweeps every profile by updated, following links.next, with the exact query", async () => {
    const { scope, problems } = klaviyo();
    scope
      .get("/api/profiles").query(QUERY).reply(200, fixture("pull-profiles-page-1.json"))
      .get("/api/profiles").query({ ...QUERY, "page[cursor]": PAGE_2 }).reply(200, fixture("pull-profiles-page-2.json"));
    const { call, operations } = bareCall();

    const pages = await collect(pullProfiles(call, null, [], now));

    expect(idsOf(pages)).toEqual(["01JBX2Q8F9ZC4V7T3N5M6K1A2B", "01JBX2Q8F9ZC4V7T3N5M6K1A2C", "01JBX2Q8F9ZC4V7T3N5M6K1A2D"]);
    expect(recordsOf(pages)[1]).toMatchObject({ consent: "complained", email: "bob@example.com" });
    expect(cursorOf(pages[0])).toEqual({ since: null, page: PAGE_2, max: Date.parse("2026-10-30T09:15:00Z") });
    expect(cursorOf(pages[1])).toEqual({ since: Date.parse("2026-10-31T07:30:00Z") - PROFILES_OVERLAP_MS, page: null, max: null });
    expect(operations).toEqual(["get_profiles", "get_profiles"]);
    expect(scope.isDone()).toBe(true);
    expect(problems()).toEqual([]);
  });

  it("resumes mid-sweep with the page cursor, the same filter and the newest change seen so far", async () => {
    const since = Date.parse("2026-10-20T00:00:00Z");
    const max = Date.parse("2026-10-31T07:45:00Z");
    const { scope, problems } = klaviyo();
    scope.get("/api/profiles").query({ ...QUERY, filter: "greater-than(updated,2026-10-20T00:00:00Z)", "page[cursor]": PAGE_2 }).reply(200, fixture("pull-profiles-page-2.json"));

    const pages = await collect(pullProfiles(bareCall().call, JSON.stringify({ since, page: PAGE_2, max }), [], now));

    expect(idsOf(pages)).toEqual(["01JBX2Q8F9ZC4V7T3N5M6K1A2D"]);
    expect(cursorOf(pages.at(-1))).toEqual({ since: max - PROFILES_OVERLAP_MS, page: null, max: null });
    expect(scope.isDone()).toBe(true);
    expect(problems()).toEqual([]);
  });

  it("starts the next sweep a minute before the newest change, and keeps its place when nothing changed", async () => {
    const from = JSON.stringify({ since: Date.parse("2026-10-31T07:29:00Z"), page: null, max: null });
    const { scope } = klaviyo();
    scope.get("/api/profiles").query({ ...QUERY, filter: "greater-than(updated,2026-10-31T07:29:00Z)" }).reply(200, { data: [], links: { self: `${KLAVIYO}/api/profiles/` } });

    const pages = await collect(pullProfiles(bareCall().call, from, [], now));

    expect(pages).toEqual([{ records: [], next: from }]);
    expect(scope.isDone()).toBe(true);
  });

  it("never moves the sweep past now, whatever a profile's clock said", async () => {
    const future = { type: "profile", id: "01FUTURE", attributes: { email: "f@example.com", created: "2026-01-01T00:00:00Z", updated: "2027-06-01T00:00:00Z" }, links: { self: "x" } };
    klaviyo().scope.get("/api/profiles").query(QUERY).reply(200, { data: [future], links: { self: "x" } });

    const pages = await collect(pullProfiles(bareCall().call, null, [], now));

    expect(cursorOf(pages[0])).toEqual({ since: NOW - PROFILES_OVERLAP_MS, page: null, max: null });
  });

  it("reads marked profiles first, 100 ids per request, with the incoming cursor on their pages", async () => {
    const marked = Array.from({ length: 150 }, (_, i) => `01MARKED${String(i).padStart(4, "0")}`);
    const from = JSON.stringify({ since: Date.parse("2026-10-31T07:29:00Z"), page: null, max: null });
    const anyId = (ids: readonly string[]) => `any(id,[${ids.map((id) => `"${id}"`).join(",")}])`;
    const { scope, problems } = klaviyo();
    scope
      .get("/api/profiles").query({ ...QUERY, filter: anyId(marked.slice(0, 100)) }).reply(200, fixture("pull-profiles-refresh.json"))
      .get("/api/profiles").query({ ...QUERY, filter: anyId(marked.slice(100)) }).reply(200, { data: [], links: { self: "x" } })
      .get("/api/profiles").query({ ...QUERY, filter: "greater-than(updated,2026-10-31T07:29:00Z)" }).reply(200, fixture("pull-profiles-page-2.json"));

    const pages = await collect(pullProfiles(bareCall().call, from, [...marked, marked[0] ?? "", 'no"id', "mailto:x@example.com"], now));

    expect(pages.map((p) => p.next)).toEqual([from, from, JSON.stringify({ since: Date.parse("2026-10-31T07:29:00Z"), page: null, max: null })]);
    expect(idsOf(pages)).toEqual(["01JBX2Q8F9ZC4V7T3N5M6K1A2E", "01JBX2Q8F9ZC4V7T3N5M6K1A2D"]);
    expect(recordsOf(pages)[0]).toMatchObject({ consent: "bounced" });
    expect(pages[0]?.warnings).toEqual(["klaviyo profiles: 2 refresh ids cannot be read; skipped"]);
    expect(scope.isDone()).toBe(true);
    expect(problems()).toEqual([]);
  });

  it("resumes from every cursor it gave without losing a profile, re-reading only the last minute", async () => {
    // Nine profiles, four of them changed in the same second across a page boundary.
    const at = [0, 10, 20, 20, 20, 20, 30, 95, 100].map((s) => Date.parse("2026-10-30T00:00:00Z") + s * 1000);
    const rows: Row[] = at.map((key, i) => {
      const id = `01P${i}`;
      return { id, key, resource: { type: "profile", id, attributes: { email: `p${i}@example.com`, created: "2026-01-01T00:00:00Z", updated: new Date(key).toISOString() }, links: { self: "x" } } };
    });
    klaviyo().scope.get("/api/profiles").query(true).reply(fakeCollection("/api/profiles", rows, (filter, row) => row.key > after(filter, "updated"), 3)).persist();
    const { call } = bareCall();

    const first = await collect(pullProfiles(call, null, [], now));
    expect(idsOf(first).sort()).toEqual(rows.map((r) => r.id).sort());
    const newest = Math.max(...at);

    for (let k = 0; k < first.length; k++) {
      const before = new Set(idsOf(first.slice(0, k + 1)));
      const again = idsOf(await collect(pullProfiles(call, first[k]?.next ?? null, [], now)));
      expect(new Set([...before, ...again])).toEqual(new Set(rows.map((r) => r.id)));
      const reread = again.filter((id) => before.has(id));
      const lastMinute = rows.filter((r) => r.key > newest - PROFILES_OVERLAP_MS).map((r) => r.id);
      expect(reread).toEqual(k === first.length - 1 ? lastMinute : []);
    }
  });

  it("waits out a 429 mid-sweep for its Retry-After and reads the page again", async () => {
    const { scope, problems } = klaviyo();
    scope
      .get("/api/profiles").query(QUERY).reply(200, fixture("pull-profiles-page-1.json"))
      .get("/api/profiles").query({ ...QUERY, "page[cursor]": PAGE_2 }).reply(429, THROTTLED, { "Retry-After": "2" })
      .get("/api/profiles").query({ ...QUERY, "page[cursor]": PAGE_2 }).reply(200, fixture("pull-profiles-page-2.json"));
    const { call, sleeps } = testCall();

    const pages = await collect(pullProfiles(call, null, [], now));

    expect(idsOf(pages)).toHaveLength(3);
    expect(sleeps).toEqual([2000]);
    expect(scope.isDone()).toBe(true);
    expect(problems()).toEqual([]);
  });

  it("gives up with the EspError when the 429s outlast the retries, leaving the last stored cursor valid", async () => {
    klaviyo().scope
      .get("/api/profiles").query(QUERY).reply(200, fixture("pull-profiles-page-1.json"))
      .get("/api/profiles").query({ ...QUERY, "page[cursor]": PAGE_2 }).times(3).reply(429, THROTTLED, { "Retry-After": "1" });
    const stored: string[] = [];

    const run = async () => {
      for await (const page of pullProfiles(testCall().call, null, [], now)) stored.push(page.next);
    };

    await expect(run()).rejects.toMatchObject({ name: "EspError", kind: "rate_limited", status: 429 });
    expect(stored.map((c) => JSON.parse(c) as unknown)).toEqual([{ since: null, page: PAGE_2, max: Date.parse("2026-10-30T09:15:00Z") }]);
  });

  it("starts over, and says so, when the stored cursor cannot be read", async () => {
    klaviyo().scope.get("/api/profiles").query(QUERY).reply(200, fixture("pull-profiles-page-2.json"));

    const pages = await collect(pullProfiles(bareCall().call, '{"since":"yesterday"}', [], now));

    expect(warningsOf(pages)).toEqual(["stored Klaviyo profiles cursor could not be read; pulling every profile again"]);
    expect(idsOf(pages)).toEqual(["01JBX2Q8F9ZC4V7T3N5M6K1A2D"]);
  });

  it("stops on a page it cannot read instead of guessing", async () => {
    klaviyo().scope.get("/api/profiles").query(QUERY).reply(200, { data: [], links: { self: "x", next: "https://a.klaviyo.com/api/profiles/?sort=updated" } });

    await expect(collect(pullProfiles(bareCall().call, null, [], now))).rejects.toMatchObject({ name: "EspError", kind: "server" });
  });
});

describe("klaviyo events pull", () => {
  const settings = KlaviyoSettingsSchema.parse({});
  const EVENT_QUERY = { "fields[event]": "datetime,event_properties", sort: "datetime", "page[size]": "1000" };
  const eventsQuery = (metricId: string, since: number, cursor?: string) => ({
    ...EVENT_QUERY,
    filter: `and(equals(metric_id,"${metricId}"),greater-than(datetime,${iso(since)}))`,
    ...(cursor === undefined ? {} : { "page[cursor]": cursor }),
  });
  const HISTORY = NOW - 730 * DAY;
  const PLACED_2 = "ZXZlbnRzOjpwbGNvcmQ6OjI";

  function metrics(scope: nock.Scope): nock.Scope {
    return scope
      .get("/api/metrics").query({ "fields[metric]": "name" }).reply(200, fixture("pull-metrics-page-1.json"))
      .get("/api/metrics").query({ "fields[metric]": "name", "page[cursor]": "bWV0cmljczo6cGFnZTo6Mg" }).reply(200, fixture("pull-metrics-page-2.json"));
  }

  it("lists the metrics, reads each mapped one oldest first with the exact filter, and names what it leaves out", async () => {
    const { scope, requests, problems } = klaviyo();
    metrics(scope)
      .get("/api/events").query(eventsQuery("VwdPrd", HISTORY)).reply(200, fixture("pull-events-viewed-product.json"))
      .get("/api/events").query(eventsQuery("PlcOrd", HISTORY)).reply(200, fixture("pull-events-placed-order-1.json"))
      .get("/api/events").query(eventsQuery("PlcOrd", HISTORY, PLACED_2)).reply(200, fixture("pull-events-placed-order-2.json"))
      .get("/api/events").query(eventsQuery("OpnEml", HISTORY)).reply(200, fixture("pull-events-opened-email.json"))
      .get("/api/events").query(eventsQuery("ClkEml", HISTORY)).reply(200, fixture("pull-events-clicked-email.json"));
    const { call, operations } = bareCall();

    const pages = await collect(pullEvents(call, null, settings, now));

    expect(recordsOf(pages).map((r) => r.type ?? r._malformed)).toEqual([
      "viewed_product",
      "placed_order",
      "placed_order",
      "klaviyo placed_order event 4Tq9PlcOrd03 has no profile",
      "email_opened",
      "email_opened",
      "email_opened",
      "email_clicked",
      "klaviyo click 4Tq9ClkEml02 is a bot click (Bot Click = true)",
    ]);
    expect(pages[0]?.warnings).toEqual([
      unmappedWarning(["Received SMS", "Subscribed to Back in Stock"]),
      'klaviyo: no metric named "Added to Cart"; no added_to_cart events read',
      'klaviyo: no metric named "Started Checkout" or "Checkout Started"; no started_checkout events read',
      'klaviyo: no metric named "Refunded Order" or "Cancelled Order" or "Order Refunded" or "Order Canceled"; no refunded events read',
      'klaviyo: no metric named "Received Email"; no email_sent events read',
      'klaviyo: no metric named "Bounced Email"; no email_bounced events read',
      'klaviyo: no metric named "Unsubscribed" or "Unsubscribed from Email Marketing"; no unsubscribed events read',
      'klaviyo: no metric named "Marked Email as Spam"; no complained events read',
    ]);
    expect(warningsOf(pages.slice(1))).toEqual([]);
    const viewed = { since: Date.parse("2026-10-19T18:22:40Z") - EVENTS_OVERLAP_MS, page: null, max: null };
    expect(cursorOf(pages[1])).toEqual({ metrics: { VwdPrd: viewed, PlcOrd: { since: HISTORY, page: PLACED_2, max: Date.parse("2026-10-21T09:00:00Z") }, OpnEml: { since: HISTORY, page: null, max: null }, ClkEml: { since: HISTORY, page: null, max: null } } });
    expect(cursorOf(pages.at(-1))).toEqual({
      metrics: {
        VwdPrd: viewed,
        PlcOrd: { since: Date.parse("2026-10-22T09:00:00Z") - EVENTS_OVERLAP_MS, page: null, max: null },
        OpnEml: { since: Date.parse("2026-10-29T07:45:00Z") - EVENTS_OVERLAP_MS, page: null, max: null },
        ClkEml: { since: Date.parse("2026-10-28T10:13:01Z") - EVENTS_OVERLAP_MS, page: null, max: null },
      },
    });
    expect(operations).toEqual(["get_metrics", "get_metrics", "get_events", "get_events", "get_events", "get_events", "get_events"]);
    expect(requests.filter((r) => r.path === "/api/events").map((r) => /metric_id,"(\w+)"/.exec(String(r.query.filter))?.[1])).toEqual(["VwdPrd", "PlcOrd", "PlcOrd", "OpnEml", "ClkEml"]);
    expect(scope.isDone()).toBe(true);
    expect(problems()).toEqual([]);
  });

  it("resumes a metric mid-read, continues the others where they stopped, and forgets metrics no longer mapped", async () => {
    const viewedSince = Date.parse("2026-10-30T00:00:00Z");
    const placedSince = Date.parse("2026-10-01T00:00:00Z");
    const from = JSON.stringify({
      metrics: {
        VwdPrd: { since: viewedSince, page: null, max: null },
        PlcOrd: { since: placedSince, page: PLACED_2, max: Date.parse("2026-10-21T09:00:00Z") },
        ClkEml: { since: viewedSince, page: null, max: null },
      },
    });
    const noClicks = KlaviyoSettingsSchema.parse({ metrics: { email_clicked: [] }, ignoredMetrics: ["Clicked Email", "Ordered Product"] });
    const { scope, problems } = klaviyo();
    metrics(scope)
      .get("/api/events").query(eventsQuery("VwdPrd", viewedSince)).reply(200, { data: [], links: { self: "x" } })
      .get("/api/events").query(eventsQuery("PlcOrd", placedSince, PLACED_2)).reply(200, fixture("pull-events-placed-order-2.json"))
      .get("/api/events").query(eventsQuery("OpnEml", HISTORY)).reply(200, { data: [], links: { self: "x" } });

    const pages = await collect(pullEvents(bareCall().call, from, noClicks, now));

    expect(recordsOf(pages)).toHaveLength(1);
    expect(cursorOf(pages.at(-1))).toEqual({
      metrics: {
        VwdPrd: { since: viewedSince, page: null, max: null },
        PlcOrd: { since: Date.parse("2026-10-22T09:00:00Z") - EVENTS_OVERLAP_MS, page: null, max: null },
        OpnEml: { since: HISTORY, page: null, max: null },
      },
    });
    expect(scope.isDone()).toBe(true);
    expect(problems()).toEqual([]);
  });

  it("resumes from every cursor it gave without losing an event, re-reading only each metric's overlap", async () => {
    const base = Date.parse("2026-10-31T00:00:00Z");
    const rows: Row[] = [];
    for (const [metric, seconds] of [["PlcOrd", [5, 60, 60, 60, 400, 1000, 1100]], ["OpnEml", [7, 7, 7, 8, 2000]]] as const) {
      seconds.forEach((s, i) => {
        const id = `${metric}-${i}`;
        rows.push({
          id,
          key: base + s * 1000,
          resource: {
            type: "event",
            id,
            attributes: { datetime: new Date(base + s * 1000).toISOString(), event_properties: { $event_id: id, $value: 1, Items: [{ ProductID: "1", Quantity: 1, ItemPrice: 1 }] } },
            relationships: { profile: { data: { type: "profile", id: "01P" } }, metric: { data: { type: "metric", id: metric } } },
            links: { self: "x" },
          },
        });
      });
    }
    const metricOf = (row: Row) => row.id.split("-")[0];
    const { scope } = klaviyo();
    scope.get("/api/metrics").query(true).reply(200, { data: [{ type: "metric", id: "PlcOrd", attributes: { name: "Placed Order" }, links: { self: "x" } }, { type: "metric", id: "OpnEml", attributes: { name: "Opened Email" }, links: { self: "x" } }], links: { self: "x" } }).persist();
    scope.get("/api/events").query(true).reply(fakeCollection("/api/events", rows, (filter, row) => filter.includes(`"${metricOf(row) ?? ""}"`) && row.key > after(filter, "datetime"), 2)).persist();
    const { call } = bareCall();

    const first = await collect(pullEvents(call, null, settings, now));
    const all = new Set(rows.map((r) => `klaviyo-event:${r.id}`));
    expect(new Set(idsOf(first))).toEqual(all);
    const newest = (metric: string) => Math.max(...rows.filter((r) => metricOf(r) === metric).map((r) => r.key));

    for (let k = 0; k < first.length; k++) {
      const before = new Set(idsOf(first.slice(0, k + 1)));
      const again = idsOf(await collect(pullEvents(call, first[k]?.next ?? null, settings, now)));
      expect(new Set([...before, ...again])).toEqual(all);
      // A metric read to the end is read again from its overlap only; one read part-way, from where it stopped.
      const expected = rows
        .filter((r) => before.has(`klaviyo-event:${r.id}`))
        .filter((r) => finished(first, k, metricOf(r) ?? "") && r.key > newest(metricOf(r) ?? "") - EVENTS_OVERLAP_MS)
        .map((r) => `klaviyo-event:${r.id}`);
      expect(again.filter((id) => before.has(id)).sort()).toEqual(expected.sort());
    }
  });

  /** Whether the metric's read had ended by page k of a first pull (its place moved on from the history start). */
  function finished(pages: readonly Page[], k: number, metric: string): boolean {
    const place = (cursorOf(pages[k]) as { metrics: Record<string, { since: number; page: string | null }> }).metrics[metric];
    return place !== undefined && place.page === null && place.since !== NOW - 730 * DAY;
  }

  it("tells onProduct of every product its e-commerce events describe, with the event's time, as each page is read", async () => {
    const metric = (id: string, name: string) => ({ type: "metric", id, attributes: { name }, links: { self: "x" } });
    const { scope, problems } = klaviyo();
    scope
      .get("/api/metrics").query({ "fields[metric]": "name" })
      .reply(200, { data: [metric("VwdPrd", "Viewed Product"), metric("AddCrt", "Added to Cart"), metric("StrChk", "Started Checkout"), metric("PlcOrd", "Placed Order"), metric("OpnEml", "Opened Email")], links: { self: "x" } })
      .get("/api/events").query(eventsQuery("VwdPrd", HISTORY)).reply(200, fixture("pull-events-viewed-product.json"))
      .get("/api/events").query(eventsQuery("AddCrt", HISTORY)).reply(200, fixture("pull-events-added-to-cart.json"))
      .get("/api/events").query(eventsQuery("StrChk", HISTORY)).reply(200, fixture("pull-events-started-checkout.json"))
      .get("/api/events").query(eventsQuery("PlcOrd", HISTORY)).reply(200, fixture("pull-events-placed-order-1.json"))
      .get("/api/events").query(eventsQuery("PlcOrd", HISTORY, PLACED_2)).reply(200, fixture("pull-events-placed-order-2.json"))
      .get("/api/events").query(eventsQuery("OpnEml", HISTORY)).reply(200, fixture("pull-events-opened-email.json"));
    const seen: { id: string; at: number; title: string; url: string; imageUrl: string; price: number | null; category: string; brand: string; pages: number }[] = [];
    let pagesRead = 0;

    // `pages` records how many pages had gone out when a product was told: a page's products come with it, not after the pull.
    for await (const _page of pullEvents(bareCall().call, null, settings, now, (product, at) => { seen.push({ ...product, at, pages: pagesRead }); })) pagesRead++;

    const pooh = { id: "1111", title: "Winnie the Pooh", url: "http://www.example.com/path/to/product", imageUrl: "http://www.example.com/path/to/product/image.png", price: 9.99, category: "Fiction", brand: "Kids Books" };
    const tale = { id: "1112", title: "A Tale of Two Cities", url: "http://www.example.com/path/to/product2", imageUrl: "http://www.example.com/path/to/product/image2.png", price: 19.99, category: "Fiction" };
    const bare = { url: "", imageUrl: "", category: "", brand: "" };
    expect(seen).toEqual([
      // Viewed Product: the product's own fields.
      { ...pooh, at: Date.parse("2026-10-19T18:22:40Z"), pages: 0 },
      // Added to Cart: the AddedItem* fields (no AddedItemBrand sent), then the cart's lines.
      { ...tale, brand: "", at: Date.parse("2026-10-19T18:25:02Z"), pages: 1 },
      { ...bare, id: "1111", title: "Winnie the Pooh", price: 9.99, at: Date.parse("2026-10-19T18:25:02Z"), pages: 1 },
      // Started Checkout: its lines, which carry no links.
      { ...bare, id: "1111", title: "Winnie the Pooh", price: 9.99, at: Date.parse("2026-10-19T18:30:00Z"), pages: 2 },
      { ...bare, id: "1112", title: "A Tale of Two Cities", price: 19.99, at: Date.parse("2026-10-19T18:30:00Z"), pages: 2 },
      // Placed Order: ProductURL/ImageURL per line; the gift-wrap line has no ProductID; a numeric id and a price in a string read.
      { ...pooh, at: Date.parse("2026-10-20T14:03:11Z"), pages: 3 },
      { ...tale, brand: "Harcourt Classics", at: Date.parse("2026-10-20T14:03:11Z"), pages: 3 },
      { ...bare, id: "1112", title: "A Tale of Two Cities", price: 19.99, at: Date.parse("2026-10-21T09:00:00Z"), pages: 3 },
      // placed-order-2's line has no ProductName: no title, no product. Opened Email describes none.
    ]);
    expect(scope.isDone()).toBe(true);
    expect(problems()).toEqual([]);
  });

  it("yields one page with the warnings when no metric is mapped", async () => {
    const nothing = KlaviyoSettingsSchema.parse({
      metrics: Object.fromEntries(Object.keys(settings.metrics).map((role) => [role, []])),
    });
    const { scope } = klaviyo();
    metrics(scope);

    const pages = await collect(pullEvents(bareCall().call, null, nothing, now));

    expect(pages).toEqual([
      { records: [], next: JSON.stringify({ metrics: {} }), warnings: [unmappedWarning(["Placed Order", "Opened Email", "Clicked Email", "Received SMS", "Viewed Product", "Subscribed to Back in Stock"])] },
    ]);
    expect(scope.isDone()).toBe(true);
  });

  it("waits out a 429 on an events page for its Retry-After and goes on", async () => {
    const { scope, problems } = klaviyo();
    metrics(scope)
      .get("/api/events").query(eventsQuery("VwdPrd", HISTORY)).reply(200, fixture("pull-events-viewed-product.json"))
      .get("/api/events").query(eventsQuery("PlcOrd", HISTORY)).reply(200, fixture("pull-events-placed-order-1.json"))
      .get("/api/events").query(eventsQuery("PlcOrd", HISTORY, PLACED_2)).reply(429, THROTTLED, { "Retry-After": "3" })
      .get("/api/events").query(eventsQuery("PlcOrd", HISTORY, PLACED_2)).reply(200, fixture("pull-events-placed-order-2.json"))
      .get("/api/events").query(eventsQuery("OpnEml", HISTORY)).reply(200, { data: [], links: { self: "x" } })
      .get("/api/events").query(eventsQuery("ClkEml", HISTORY)).reply(200, { data: [], links: { self: "x" } });
    const { call, sleeps, limiters } = testCall();

    const pages = await collect(pullEvents(call, null, settings, now));

    expect(recordsOf(pages)).toHaveLength(4);
    expect(sleeps).toEqual([3000]);
    expect(limiters.of.get("get_events")?.taken).toBe(6);
    expect(limiters.of.get("get_metrics")?.taken).toBe(2);
    expect(scope.isDone()).toBe(true);
    expect(problems()).toEqual([]);
  });

  it("starts over, and says so, when the stored cursor cannot be read", async () => {
    const only = KlaviyoSettingsSchema.parse({ metrics: { ...Object.fromEntries(Object.keys(settings.metrics).map((role) => [role, []])), viewed_product: ["Viewed Product"] } });
    const { scope } = klaviyo();
    metrics(scope).get("/api/events").query(eventsQuery("VwdPrd", HISTORY)).reply(200, fixture("pull-events-viewed-product.json"));

    const pages = await collect(pullEvents(bareCall().call, '{"metrics":{"VwdPrd":{"since":"today"}}}', only, now));

    expect(warningsOf(pages)[0]).toBe("stored Klaviyo events cursor could not be read; reading events again from the start of the history window");
    expect(idsOf(pages)).toEqual(["klaviyo-event:4Tq9VwdPrd01"]);
    expect(scope.isDone()).toBe(true);
  });
});

describe("klaviyo catalog pull", () => {
  const CATEGORIES = { "fields[catalog-category]": "name", "page[size]": "100" };
  const members = (category: string) => ({ filter: `equals(category.id,"$custom:::$default:::${category}")`, "fields[catalog-item]": "external_id", "page[size]": "100" });
  const ITEMS = {
    "fields[catalog-item]": "external_id,title,url,image_full_url,image_thumbnail_url,images,price,published,custom_metadata,created",
    "fields[catalog-variant]": "inventory_quantity,inventory_policy,published",
    include: "variants",
    sort: "created",
    "page[size]": "100",
  };
  const ITEMS_2 = "Y2F0YWxvZzo6aXRlbXM6OjI";

  function categories(scope: nock.Scope): nock.Scope {
    return scope
      .get("/api/catalog-categories").query(CATEGORIES).reply(200, fixture("pull-catalog-categories.json"))
      .get("/api/catalog-items").query(members("CAT-ALL")).reply(200, fixture("pull-catalog-category-all.json"))
      .get("/api/catalog-items").query(members("CAT-FICTION")).reply(200, fixture("pull-catalog-category-fiction.json"));
  }

  it("reads categories and their members, then every item with its variants, with the exact queries", async () => {
    const { scope, problems } = klaviyo();
    categories(scope)
      .get("/api/catalog-items").query(ITEMS).reply(200, fixture("pull-catalog-items-page-1.json"))
      .get("/api/catalog-items").query({ ...ITEMS, "page[cursor]": ITEMS_2 }).reply(200, fixture("pull-catalog-items-page-2.json"));
    const { call, operations } = bareCall();

    const pages = await collect(pullCatalog(call, null, now));

    expect(recordsOf(pages)).toEqual([
      expect.objectContaining({ id: "1111", category: "Fiction", inventory: 7, brand: "Kids Books", active: true }),
      // The smallest category wins over custom metadata's "Books/Classics" and over "All products".
      expect.objectContaining({ id: "1112", category: "Fiction", inventory: null, brand: "Harcourt Classics" }),
      expect.objectContaining({ id: "1113", category: "All products", active: false, price: null }),
    ]);
    expect(cursorOf(pages[0])).toEqual({ page: ITEMS_2, startedAt: NOW });
    expect(cursorOf(pages[1])).toEqual({ page: null, startedAt: null });
    expect(warningsOf(pages)).toEqual([]);
    expect(operations).toEqual(["get_catalog_categories", "get_catalog_items", "get_catalog_items", "get_catalog_items", "get_catalog_items"]);
    expect(scope.isDone()).toBe(true);
    expect(problems()).toEqual([]);
  });

  it("tells onEntry of every item as catalog-sync builds its entries: the wire values, not the product's fallbacks", async () => {
    const { scope, problems } = klaviyo();
    categories(scope)
      .get("/api/catalog-items").query(ITEMS).reply(200, fixture("pull-catalog-items-page-1.json"))
      .get("/api/catalog-items").query({ ...ITEMS, "page[cursor]": ITEMS_2 }).reply(200, fixture("pull-catalog-items-page-2.json"));
    const entries: [string, CatalogEntry][] = [];

    const pages = await collect(pullCatalog(bareCall().call, null, now, (id, entry) => { entries.push([id, entry]); }));

    expect(entries).toEqual([
      ["1111", { title: "Winnie the Pooh", url: "https://www.example.com/products/1111", imageUrl: "https://cdn.example.com/1111-full.png", price: 9.99, published: true }],
      ["1112", { title: "A Tale of Two Cities", url: "https://www.example.com/products/1112", imageUrl: "https://cdn.example.com/1112-full.png", price: 19.99, published: true }],
      // No external_id: keyed by the id inside the resource id, like the product; no full image, so none (the product shows the thumbnail).
      ["1113", { title: "Gift card", url: "https://www.example.com/products/1113", imageUrl: "", price: null, published: false }],
    ]);
    expect(recordsOf(pages)[2]).toMatchObject({ id: "1113", imageUrl: "https://cdn.example.com/1113-thumb.png" });
    expect(entries.map(([, entry]) => entry)).toEqual(
      (["pull-catalog-items-page-1.json", "pull-catalog-items-page-2.json"] as const)
        .flatMap((name) => (fixture(name) as { data: { attributes: Record<string, unknown> }[] }).data.map((item) => toCatalogEntry(item.attributes))),
    );
    expect(problems()).toEqual([]);
  });

  it("tells onEntry nothing when the catalog cannot be read (403)", async () => {
    klaviyo().scope.get("/api/catalog-categories").query(CATEGORIES).reply(403, { errors: [{ id: "e", code: "permission_denied", title: "You do not have permission to perform this action.", detail: "Missing scope catalogs:read." }] });
    const entries: string[] = [];

    const pages = await collect(pullCatalog(testCall().call, null, now, (id) => { entries.push(id); }));

    expect(entries).toEqual([]);
    expect(warningsOf(pages)).toEqual([CATALOG_UNREADABLE_WARNING]);
  });

  it("resumes an interrupted read at its page, and the next run reads the whole catalog again", async () => {
    const interrupted = JSON.stringify({ page: ITEMS_2, startedAt: NOW - MINUTE });
    const { scope, problems } = klaviyo();
    categories(scope).get("/api/catalog-items").query({ ...ITEMS, "page[cursor]": ITEMS_2 }).reply(200, fixture("pull-catalog-items-page-2.json"));

    const pages = await collect(pullCatalog(bareCall().call, interrupted, now));

    expect(idsOf(pages)).toEqual(["1113"]);
    expect(readsWholeCatalog(interrupted, NOW)).toBe(false);
    expect(readsWholeCatalog(pages.at(-1)?.next ?? null, NOW)).toBe(true);
    expect(readsWholeCatalog(null, NOW)).toBe(true);
    expect(scope.isDone()).toBe(true);
    expect(problems()).toEqual([]);
  });

  it("starts over, and says so, when the interrupted read is too old to resume", async () => {
    const stale = JSON.stringify({ page: ITEMS_2, startedAt: NOW - MAX_RESUME_MS - 1 });
    const { scope } = klaviyo();
    categories(scope)
      .get("/api/catalog-items").query(ITEMS).reply(200, fixture("pull-catalog-items-page-1.json"))
      .get("/api/catalog-items").query({ ...ITEMS, "page[cursor]": ITEMS_2 }).reply(200, fixture("pull-catalog-items-page-2.json"));

    const pages = await collect(pullCatalog(bareCall().call, stale, now));

    expect(readsWholeCatalog(stale, NOW)).toBe(true);
    expect(idsOf(pages)).toEqual(["1111", "1112", "1113"]);
    expect(warningsOf(pages)).toEqual(["klaviyo catalog: the interrupted read is too old to resume; reading the catalog again from the start"]);
  });

  it("says so when the custom catalog is empty", async () => {
    const { scope } = klaviyo();
    scope
      .get("/api/catalog-categories").query(CATEGORIES).reply(200, fixture("pull-catalog-categories-empty.json"))
      .get("/api/catalog-items").query(ITEMS).reply(200, fixture("pull-catalog-items-empty.json"));

    const pages = await collect(pullCatalog(bareCall().call, null, now));

    expect(pages).toEqual([{ records: [], next: JSON.stringify({ page: null, startedAt: null }), warnings: [EMPTY_CATALOG_WARNING] }]);
  });

  it("goes on without a catalog when the token lacks catalogs:read, keeping the cursor", async () => {
    const from = JSON.stringify({ page: ITEMS_2, startedAt: NOW - MINUTE });
    klaviyo().scope.get("/api/catalog-categories").query(CATEGORIES).reply(403, { errors: [{ id: "e", code: "permission_denied", title: "You do not have permission to perform this action.", detail: "Missing scope catalogs:read." }] });

    const pages = await collect(pullCatalog(testCall().call, from, now));

    expect(pages).toEqual([{ records: [], next: from, warnings: ["klaviyo catalog: not available (scope catalogs:read missing)"] }]);
  });

  it("waits out a 429 mid-read for its Retry-After and goes on", async () => {
    const { scope } = klaviyo();
    categories(scope)
      .get("/api/catalog-items").query(ITEMS).reply(200, fixture("pull-catalog-items-page-1.json"))
      .get("/api/catalog-items").query({ ...ITEMS, "page[cursor]": ITEMS_2 }).reply(429, THROTTLED, { "Retry-After": "1" })
      .get("/api/catalog-items").query({ ...ITEMS, "page[cursor]": ITEMS_2 }).reply(200, fixture("pull-catalog-items-page-2.json"));
    const { call, sleeps } = testCall();

    const pages = await collect(pullCatalog(call, null, now));

    expect(idsOf(pages)).toEqual(["1111", "1112", "1113"]);
    expect(sleeps).toEqual([1000]);
    expect(scope.isDone()).toBe(true);
  });
});
