/**
 * A full sync against a fake Klaviyo account, through the production composition: the token
 * provider refreshing OAuth tokens by expiry, the installation's per-operation limiters and our one
 * retry policy, the real SDK, the connector, runSync and the memory store. Klaviyo answers with the
 * spec's shapes (fixtures in tests/fixtures/klaviyo/); only the clock and the sleeps are fake, so a
 * run takes milliseconds and every wait is visible. Every API request any test here sends is
 * checked against Klaviyo's OpenAPI spec, each test for its own and the last one for all of them.
 */
import { readFileSync } from "node:fs";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createKlaviyoCall, klaviyoLimiters } from "../../../src/connectors/klaviyo/client.js";
import { createKlaviyoConnector, WEB_FEED_NAME } from "../../../src/connectors/klaviyo/connector.js";
import { klaviyoAuthOf, refreshCredentials, type KlaviyoOAuthApp } from "../../../src/connectors/klaviyo/oauth.js";
import { PROFILE_FIELDS, PROFILES_OVERLAP_MS } from "../../../src/connectors/klaviyo/pull-profiles.js";
import { EVENTS_OVERLAP_MS, unmappedWarning } from "../../../src/connectors/klaviyo/pull-events.js";
import { ITEM_FIELDS, VARIANT_FIELDS } from "../../../src/connectors/klaviyo/pull-catalog.js";
import { defaultRetryPolicy } from "../../../src/connectors/shared/retry.js";
import { createTokenProvider } from "../../../src/connectors/shared/token-provider.js";
import type { OAuthCredentials, Store } from "../../../src/domain/index.js";
import { createMemoryStore } from "../../../src/store/memory-store.js";
import { runSync, type SyncResult } from "../../../src/sync/run-sync.js";
import { checkKlaviyoRequests, operationOf, recordRequests, type KlaviyoRequest } from "../../contract/klaviyo-spec.js";

const KLAVIYO = "https://a.klaviyo.com";
const T0 = Date.parse("2026-11-01T08:00:00Z");
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const ACCOUNT = "AbC123";
// Named as `tailor connect` and the OAuth callback name Klaviyo installations.
const ID = `klaviyo-${ACCOUNT}`;
// Where the CLI tells Klaviyo to fetch the shared feed (PUBLIC_URL + /feeds/<id>/shared.json).
const WEB_FEED_URL = `https://tailor.example.com/feeds/${ID}/shared.json`;
// Fake: no real secret or token ever appears in tests.
const OAUTH: KlaviyoOAuthApp = {
  clientId: "fake-klaviyo-client-id",
  clientSecret: "fake-klaviyo-client-secret-not-real",
  redirectUri: "https://tailor.example.com/oauth/klaviyo/callback",
  scopes: ["accounts:read", "catalogs:read", "catalogs:write", "events:read", "metrics:read", "profiles:read", "profiles:write", "web-feeds:read", "web-feeds:write"],
};
const OLD_TOKEN = "fake-klaviyo-access-0000";
const REFRESH_TOKEN = "fake-klaviyo-refresh-0000";
// What oauth-token.json hands out: a new access token and a rotated refresh token.
const NEW_TOKEN = "fake-klaviyo-access-0001";
const NEW_REFRESH_TOKEN = "fake-klaviyo-refresh-0001";

// The profiles of pull-profiles-page-1/-2.json: Ada (subscribed), Bob (spam complaint), a phone-only profile.
const ADA = "01JBX2Q8F9ZC4V7T3N5M6K1A2B";
const BOB = "01JBX2Q8F9ZC4V7T3N5M6K1A2C";
const PHONE_ONLY = "01JBX2Q8F9ZC4V7T3N5M6K1A2D";
const JOB = "01JD5Y1F8V3Q7M2ZKX4N6P9RTA";

const json = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../fixtures/klaviyo/${name}`, import.meta.url), "utf8"));
const fixture = (name: string): nock.Body => json(name) as nock.Body;
const THROTTLED = fixture("client-error-429-throttled.json");
const EMPTY_PAGE = { data: [], links: { self: `${KLAVIYO}/api/` } };
/** web-feed-list.json, pointing at this installation's feed URL. */
const webFeedList = (): nock.Body => {
  const list = json("web-feed-list.json") as { data: { attributes: { url: string } }[] };
  for (const feed of list.data) feed.attributes.url = WEB_FEED_URL;
  return list as nock.Body;
};

const iso = (ms: number): string => new Date(ms).toISOString().replace(".000Z", "Z");
const PROFILES_QUERY = { "additional-fields[profile]": "subscriptions", "fields[profile]": PROFILE_FIELDS.join(","), sort: "updated", "page[size]": "100" };
const PROFILES_PAGE_2 = "bmV4dDo6dXBkYXRlZDo6MTcyOTY3";
const METRICS_PAGE_2 = "bWV0cmljczo6cGFnZTo6Mg";
const PLACED_PAGE_2 = "ZXZlbnRzOjpwbGNvcmQ6OjI";
const eventsQuery = (metricId: string, since: number, cursor?: string) => ({
  filter: `and(equals(metric_id,"${metricId}"),greater-than(datetime,${iso(since)}))`,
  "fields[event]": "datetime,event_properties",
  sort: "datetime",
  "page[size]": "1000",
  ...(cursor === undefined ? {} : { "page[cursor]": cursor }),
});
const CATEGORIES_QUERY = { "fields[catalog-category]": "name", "page[size]": "100" };
const membersQuery = (category: string) => ({ filter: `equals(category.id,"$custom:::$default:::${category}")`, "fields[catalog-item]": "external_id", "page[size]": "100" });
const ITEMS_QUERY = { "fields[catalog-item]": ITEM_FIELDS.join(","), "fields[catalog-variant]": VARIANT_FIELDS.join(","), include: "variants", sort: "created", "page[size]": "100" };
const ITEMS_PAGE_2 = "Y2F0YWxvZzo6aXRlbXM6OjI";
const WEB_FEEDS_QUERY = { filter: `equals(name,'${WEB_FEED_NAME}')`, "fields[web-feed]": "name,url,request_method,content_type" };
const IMPORT_ERRORS_PAGE_2 = "c3luYzo6aWQ6OjE=";

/** The metrics a first read starts from: historyDays (730 by default) before the run. */
const HISTORY = T0 - 730 * DAY;
/** Mapped metrics of pull-metrics-page-1/-2.json, in the order the pull reads them (the settings' role order). */
const MAPPED = ["VwdPrd", "PlcOrd", "OpnEml", "ClkEml"] as const;

/** One job profile as it went out: `attributes.profiles.data[]` of the import job's body. */
type JobProfile = { type: string; id?: string; attributes: { email?: string; properties: Record<string, unknown> } };
type JobBody = { data: { type: string; attributes: { profiles: { data: JobProfile[] } } } };
/** One request the fake account answered. */
type Seen = { method: string; path: string; auth: string | undefined };

/** Every API request of every test, for the spec check at the end. */
const everyRequest: KlaviyoRequest[] = [];

const all = async <T>(chunks: AsyncIterable<readonly T[]>): Promise<T[]> => {
  const out: T[] = [];
  for await (const chunk of chunks) out.push(...chunk);
  return out;
};

/** Everything one test's fake account saw, and its clock. */
type World = {
  readonly clock: { now: number };
  readonly store: Store;
  readonly seen: Seen[];
  /** This world's API requests, decoded for the spec check (the OAuth endpoints are not in the spec). */
  readonly requests: KlaviyoRequest[];
  readonly tokenForms: URLSearchParams[];
  readonly retrySleeps: number[];
  readonly limiterWaits: number[];
  readonly pollSleeps: number[];
  readonly logs: string[];
  readonly klaviyo: () => nock.Scope;
  readonly sync: () => Promise<SyncResult>;
};

/**
 * An installed Klaviyo account with OAuth credentials, composed like openKlaviyo does it but with a
 * fake clock: the limiters', the retry's and the job polling's sleeps move the clock instead of waiting.
 */
async function world(options: { credentials?: Partial<OAuthCredentials> } = {}): Promise<World> {
  const clock = { now: T0 };
  const now = () => clock.now;
  const advance = (into: number[]) => (ms: number) => {
    into.push(ms);
    clock.now += ms;
    return Promise.resolve();
  };
  const store = createMemoryStore();
  // Klaviyo takes any custom property on a profile, so nothing is ever defined there.
  await store.saveInstallation({ id: ID, esp: "klaviyo", name: "Fake Books", createdAt: "2026-10-01T00:00:00.000Z", propertiesDefined: [], accountId: ACCOUNT, status: "active" });
  await store.saveCredentials(ID, { kind: "oauth", accessToken: OLD_TOKEN, refreshToken: REFRESH_TOKEN, expiresAt: T0 + 30 * MINUTE, scopes: OAUTH.scopes, accountId: ACCOUNT, ...options.credentials });
  const seen: Seen[] = [];
  const requests: KlaviyoRequest[] = [];
  const tokenForms: URLSearchParams[] = [];
  const retrySleeps: number[] = [];
  const pollSleeps: number[] = [];
  const limiterWaits: number[] = [];
  const logs: string[] = [];
  const tokens = createTokenProvider({ store, installationId: ID, espName: "Klaviyo", refresh: (c) => refreshCredentials(OAUTH, c, { fetch, now }), now });
  const call = createKlaviyoCall({
    auth: async () => klaviyoAuthOf(await tokens.credentials()),
    basePath: KLAVIYO,
    limiters: klaviyoLimiters(now, advance(limiterWaits)),
    // Production's policy, with a fake sleep; random 0.5 and a 1 ms base make any wait above 1 ms Klaviyo's own Retry-After.
    retry: defaultRetryPolicy({ baseDelayMs: 1, random: () => 0.5, sleep: advance(retrySleeps) }),
    now,
  });
  // As the CLI builds it (connectorFor): the installation's Klaviyo settings, its feed URL.
  const settings = (await store.getSettings(ID)).klaviyo;
  const connector = createKlaviyoConnector({ call, settings, webFeedUrl: WEB_FEED_URL, now, sleep: advance(pollSleeps), log: (m) => logs.push(m) });
  const klaviyo = () => {
    const scope = nock(KLAVIYO);
    const decoded = recordRequests(scope);
    scope.on("request", (req: { method: string; path: string; headers: Record<string, string | undefined> }, _interceptor: unknown, body: string) => {
      const path = req.path.split("?")[0] ?? req.path;
      seen.push({ method: req.method, path, auth: req.headers.authorization });
      const request = decoded.at(-1);
      if (path.startsWith("/oauth/")) tokenForms.push(new URLSearchParams(body));
      else if (request !== undefined) {
        requests.push(request);
        everyRequest.push(request);
      }
    });
    return scope;
  };
  return { clock, store, seen, requests, tokenForms, retrySleeps, limiterWaits, pollSleeps, logs, klaviyo, sync: () => runSync({ connector, store, now: () => new Date(clock.now) }, ID) };
}

/**
 * A first pull: profiles over 2 pages, the catalog (categories, their members, items over 2 pages),
 * the metrics over 2 pages and the 4 mapped ones' events, Placed Order over 2 pages (its second
 * answered 429 with Retry-After 2 first when `throttle`).
 */
function expectFirstPull(w: World, options: { throttle?: boolean } = {}): nock.Scope {
  const scope = w.klaviyo()
    .get("/api/profiles").query(PROFILES_QUERY).reply(200, fixture("pull-profiles-page-1.json"))
    .get("/api/profiles").query({ ...PROFILES_QUERY, "page[cursor]": PROFILES_PAGE_2 }).reply(200, fixture("pull-profiles-page-2.json"))
    .get("/api/catalog-categories").query(CATEGORIES_QUERY).reply(200, fixture("pull-catalog-categories.json"))
    .get("/api/catalog-items").query(membersQuery("CAT-ALL")).reply(200, fixture("pull-catalog-category-all.json"))
    .get("/api/catalog-items").query(membersQuery("CAT-FICTION")).reply(200, fixture("pull-catalog-category-fiction.json"))
    .get("/api/catalog-items").query(ITEMS_QUERY).reply(200, fixture("pull-catalog-items-page-1.json"))
    .get("/api/catalog-items").query({ ...ITEMS_QUERY, "page[cursor]": ITEMS_PAGE_2 }).reply(200, fixture("pull-catalog-items-page-2.json"))
    .get("/api/metrics").query({ "fields[metric]": "name" }).reply(200, fixture("pull-metrics-page-1.json"))
    .get("/api/metrics").query({ "fields[metric]": "name", "page[cursor]": METRICS_PAGE_2 }).reply(200, fixture("pull-metrics-page-2.json"))
    .get("/api/events").query(eventsQuery("VwdPrd", HISTORY)).reply(200, fixture("pull-events-viewed-product.json"))
    .get("/api/events").query(eventsQuery("PlcOrd", HISTORY)).reply(200, fixture("pull-events-placed-order-1.json"));
  if (options.throttle === true) scope.get("/api/events").query(eventsQuery("PlcOrd", HISTORY, PLACED_PAGE_2)).reply(429, THROTTLED, { "Retry-After": "2" });
  return scope
    .get("/api/events").query(eventsQuery("PlcOrd", HISTORY, PLACED_PAGE_2)).reply(200, fixture("pull-events-placed-order-2.json"))
    .get("/api/events").query(eventsQuery("OpnEml", HISTORY)).reply(200, fixture("pull-events-opened-email.json"))
    .get("/api/events").query(eventsQuery("ClkEml", HISTORY)).reply(200, fixture("pull-events-clicked-email.json"));
}

/**
 * The write-back: one import job, read while processing and then complete. `partial`: the job
 * completes with 2 failures, named in its import errors over 2 pages.
 */
function expectImportJob(w: World, bodies: JobBody[], options: { partial?: boolean } = {}): nock.Scope {
  const scope = w.klaviyo()
    .post("/api/profile-bulk-import-jobs").reply(202, (_uri, body) => {
      bodies.push(body as JobBody);
      return json("push-job-created.json") as nock.Body;
    })
    .get(`/api/profile-bulk-import-jobs/${JOB}`).reply(200, fixture("push-job-processing.json"))
    .get(`/api/profile-bulk-import-jobs/${JOB}`).reply(200, fixture(options.partial === true ? "push-job-complete-partial.json" : "push-job-complete.json"));
  if (options.partial !== true) return scope;
  return scope
    .get(`/api/profile-bulk-import-jobs/${JOB}/import-errors`).query({ "page[size]": "100" }).reply(200, fixture("push-import-errors-sync-page-1.json"))
    .get(`/api/profile-bulk-import-jobs/${JOB}/import-errors`).query({ "page[size]": "100", "page[cursor]": IMPORT_ERRORS_PAGE_2 }).reply(200, fixture("push-import-errors-sync-page-2.json"));
}

/** The shared web feed: looked up by name, then created (none yet) or found as it should be. */
function expectWebFeed(w: World, exists: boolean): nock.Scope {
  const scope = w.klaviyo().get("/api/web-feeds").query(WEB_FEEDS_QUERY).reply(200, exists ? webFeedList() : fixture("web-feed-list-empty.json"));
  if (exists) return scope;
  return scope.post("/api/web-feeds").reply(201, (_uri, body) => {
    const created = json("web-feed-created.json") as { data: { attributes: Record<string, unknown> } };
    created.data.attributes.url = (body as { data: { attributes: { url: string } } }).data.attributes.url;
    return created as nock.Body;
  });
}

/** A pull with nothing new: every read comes back empty, from the stored high-water marks. */
function expectQuietPull(w: World, since: { profiles: number; events: Readonly<Record<string, number>> }): nock.Scope {
  const scope = w.klaviyo()
    .get("/api/profiles").query({ ...PROFILES_QUERY, filter: `greater-than(updated,${iso(since.profiles)})` }).reply(200, EMPTY_PAGE)
    // Catalog items have no incremental filter: the whole catalog is read again.
    .get("/api/catalog-categories").query(CATEGORIES_QUERY).reply(200, fixture("pull-catalog-categories.json"))
    .get("/api/catalog-items").query(membersQuery("CAT-ALL")).reply(200, fixture("pull-catalog-category-all.json"))
    .get("/api/catalog-items").query(membersQuery("CAT-FICTION")).reply(200, fixture("pull-catalog-category-fiction.json"))
    .get("/api/catalog-items").query(ITEMS_QUERY).reply(200, fixture("pull-catalog-items-page-1.json"))
    .get("/api/catalog-items").query({ ...ITEMS_QUERY, "page[cursor]": ITEMS_PAGE_2 }).reply(200, fixture("pull-catalog-items-page-2.json"))
    .get("/api/metrics").query({ "fields[metric]": "name" }).reply(200, fixture("pull-metrics-page-1.json"))
    .get("/api/metrics").query({ "fields[metric]": "name", "page[cursor]": METRICS_PAGE_2 }).reply(200, fixture("pull-metrics-page-2.json"));
  for (const metric of MAPPED) scope.get("/api/events").query(eventsQuery(metric, since.events[metric] ?? Number.NaN)).reply(200, EMPTY_PAGE);
  return scope;
}

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("a full Klaviyo sync against a fake account", () => {
  it("first sync: pulls every stream over its pages, waits out a 429, writes back through one import job, quarantines a refused value and erases a deleted profile", async () => {
    const w = await world();
    const bodies: JobBody[] = [];
    const pull = expectFirstPull(w, { throttle: true });
    const push = expectImportJob(w, bodies, { partial: true });
    const feed = expectWebFeed(w, false);

    const { summary, changes } = await w.sync();

    expect([pull.isDone(), push.isDone(), feed.isDone()]).toEqual([true, true, true]);
    // Pulls: 3 profiles, 3 catalog items (one unpublished; categories canonicalised by ingest), and the mapped metrics' events less the
    // order without a profile and the bot click, which ingest quarantines with their reasons.
    expect(summary.ingest.received).toEqual({ contacts: 3, products: 3, events: 9 });
    expect((await all(w.store.readProducts(ID))).map((p) => [p.id, p.category, p.active])).toEqual([["1111", "fiction", true], ["1112", "fiction", true], ["1113", "all products", false]]);
    const events = await all(w.store.readEvents(ID));
    expect(events.map((e) => e.type).sort()).toEqual(["email_clicked", "email_opened", "email_opened", "email_opened", "placed_order", "placed_order", "viewed_product"]);
    expect(summary.warnings).toContain(unmappedWarning(["Received SMS", "Subscribed to Back in Stock"]));
    expect(summary.warnings).toContain('klaviyo: no metric named "Added to Cart"; no added_to_cart events read');
    // The 429 on Placed Order's second page was waited out for its Retry-After and the page read again,
    // once; a handful of calls per operation is far below every limit, so no limiter ever waited.
    expect([w.retrySleeps, w.limiterWaits]).toEqual([[2000], []]);
    expect(w.requests.filter((r) => r.query["page[cursor]"] === PLACED_PAGE_2).length).toBe(2);

    // Push: one job with every changed profile, by id only, only tailor_* properties, typed as declared.
    expect(bodies).toHaveLength(1);
    const sent = bodies[0]?.data.attributes.profiles.data ?? [];
    expect(sent.map((p) => p.id).sort()).toEqual([ADA, BOB, PHONE_ONLY]);
    for (const profile of sent) {
      const change = changes.find((c) => c.espId === profile.id);
      expect(Object.keys(profile).sort()).toEqual(["attributes", "id", "type"]);
      expect(Object.keys(profile.attributes)).toEqual(["properties"]);
      expect(Object.keys(profile.attributes.properties).sort()).toEqual(Object.keys(change?.set ?? {}).sort());
      expect(Object.keys(profile.attributes.properties).every((name) => name.startsWith("tailor_"))).toBe(true);
    }
    const ada = sent.find((p) => p.id === ADA)?.attributes.properties ?? {};
    const adaSet = changes.find((c) => c.espId === ADA)?.set ?? {};
    expect(ada.tailor_orders).toBe(adaSet.tailor_orders);
    expect(typeof ada.tailor_orders).toBe("number");
    expect(ada.tailor_lifecycle).toBe(adaSet.tailor_lifecycle);
    // Polled with a growing wait until complete, then its import errors read over both pages.
    expect(w.pollSleeps).toEqual([1000, 2000]);

    // Bob's refused value is quarantined with Klaviyo's reason; the deleted profile is erased, not quarantined.
    const quarantine = await w.store.listQuarantine(ID, { limit: 50, offset: 0 });
    expect(quarantine.items.filter((q) => q.stream === "push").map((q) => [q.reason, (q.raw as { contactId: string }).contactId])).toEqual([
      ["push: invalid: 'tailor_suppress_reason' is not a valid value.", BOB],
    ]);
    expect(await w.store.getProfile(ID, PHONE_ONLY)).toBeNull();
    expect(await w.store.getProfile(ID, ADA)).not.toBeNull();
    expect((await all(w.store.readContacts(ID))).map((c) => c.id).sort()).toEqual([ADA, BOB]);
    const written = await w.store.lastWritten(ID);
    expect([written.has(ADA), written.has(BOB), written.has(PHONE_ONLY)]).toEqual([true, false, false]);
    expect(summary.warnings).toContain("klaviyo: 1 contacts no longer exist there; erased from Tailor's store");
    expect(summary).toMatchObject({ status: "succeeded", contactsScored: 3, contactsChanged: 3, written: 1, writeFailures: 2, writeCalls: 1 });

    // Cursors: the next sweep starts a minute before the newest profile change, each metric 10 minutes
    // before its newest event, and the catalog from its first item.
    expect(JSON.parse((await w.store.getCursor(ID, "contacts")) ?? "null")).toEqual({ since: Date.parse("2026-10-31T07:30:00Z") - PROFILES_OVERLAP_MS, page: null, max: null });
    expect(JSON.parse((await w.store.getCursor(ID, "events")) ?? "null")).toEqual({
      metrics: {
        VwdPrd: { since: Date.parse("2026-10-19T18:22:40Z") - EVENTS_OVERLAP_MS, page: null, max: null },
        PlcOrd: { since: Date.parse("2026-10-22T09:00:00Z") - EVENTS_OVERLAP_MS, page: null, max: null },
        OpnEml: { since: Date.parse("2026-10-29T07:45:00Z") - EVENTS_OVERLAP_MS, page: null, max: null },
        ClkEml: { since: Date.parse("2026-10-28T10:13:01Z") - EVENTS_OVERLAP_MS, page: null, max: null },
      },
    });
    expect(JSON.parse((await w.store.getCursor(ID, "products")) ?? "null")).toEqual({ page: null, startedAt: null });

    // Publish: the catalog pulled this run already shows every feed product as Tailor would, so no
    // catalog job; the shared web feed is registered once, at the CLI's URL.
    expect(w.seen.some((s) => s.path.includes("catalog-item-bulk"))).toBe(false);
    expect(w.requests.find((r) => r.method === "POST" && r.path === "/api/web-feeds")?.body).toEqual({
      data: { type: "web-feed", attributes: { name: WEB_FEED_NAME, url: WEB_FEED_URL, request_method: "get", content_type: "json" } },
    });
    expect(w.logs).toEqual([`klaviyo: web feed "${WEB_FEED_NAME}" created (${WEB_FEED_URL})`]);
    expect(new Set(w.seen.map((s) => s.auth))).toEqual(new Set([`Bearer ${OLD_TOKEN}`]));
    expect(checkKlaviyoRequests(w.requests)).toEqual([]);
  });

  it("second sync with nothing new reads from the stored high-water marks only and creates no import job", async () => {
    const w = await world();
    expectFirstPull(w);
    expectImportJob(w, []);
    expectWebFeed(w, false);
    expect((await w.sync()).summary).toMatchObject({ status: "succeeded", written: 3, writeFailures: 0 });
    w.clock.now += 10 * MINUTE;
    w.seen.length = 0;
    w.requests.length = 0;
    const pull = expectQuietPull(w, {
      profiles: Date.parse("2026-10-31T07:30:00Z") - PROFILES_OVERLAP_MS,
      events: {
        VwdPrd: Date.parse("2026-10-19T18:22:40Z") - EVENTS_OVERLAP_MS,
        PlcOrd: Date.parse("2026-10-22T09:00:00Z") - EVENTS_OVERLAP_MS,
        OpnEml: Date.parse("2026-10-29T07:45:00Z") - EVENTS_OVERLAP_MS,
        ClkEml: Date.parse("2026-10-28T10:13:01Z") - EVENTS_OVERLAP_MS,
      },
    });
    const feed = expectWebFeed(w, true);
    const push = w.klaviyo().post("/api/profile-bulk-import-jobs").reply(500);

    const { summary } = await w.sync();

    expect([pull.isDone(), feed.isDone(), push.isDone()]).toEqual([true, true, false]);
    expect(summary).toMatchObject({ status: "succeeded", contactsScored: 3, contactsChanged: 0, written: 0, writeCalls: 0 });
    // Reads only: no job, no catalog job, and the web feed found as it should be is left alone.
    expect(new Set(w.seen.map((s) => s.method))).toEqual(new Set(["GET"]));
    expect(w.seen.filter((s) => s.path === "/api/profiles" || s.path === "/api/events").length).toBe(1 + MAPPED.length);
    expect(w.logs).toEqual([`klaviyo: web feed "${WEB_FEED_NAME}" created (${WEB_FEED_URL})`]);
    expect(checkKlaviyoRequests(w.requests)).toEqual([]);
  });

  it("refreshes an access token near its expiry once, before the first API call, saves the new tokens and sends only the new bearer", async () => {
    // 2 minutes left: inside the 5-minute refresh margin.
    const w = await world({ credentials: { expiresAt: T0 + 2 * MINUTE } });
    const token = w.klaviyo().post("/oauth/token").reply(200, fixture("oauth-token.json"));
    const pull = expectFirstPull(w);
    const push = expectImportJob(w, []);
    expectWebFeed(w, false);

    const { summary } = await w.sync();

    expect([token.isDone(), pull.isDone(), push.isDone(), summary.status]).toEqual([true, true, true, "succeeded"]);
    expect(w.seen[0]).toEqual({ method: "POST", path: "/oauth/token", auth: `Basic ${Buffer.from(`${OAUTH.clientId}:${OAUTH.clientSecret}`).toString("base64")}` });
    expect(w.tokenForms.map((f) => Object.fromEntries(f))).toEqual([{ grant_type: "refresh_token", refresh_token: REFRESH_TOKEN }]);
    const api = w.seen.slice(1);
    expect(api.length).toBeGreaterThan(15);
    expect(new Set(api.map((s) => s.auth))).toEqual(new Set([`Bearer ${NEW_TOKEN}`]));
    // Klaviyo rotated the refresh token: the new one is kept, with the granted scopes and the new expiry.
    expect(await w.store.getCredentials(ID)).toEqual({
      kind: "oauth",
      accessToken: NEW_TOKEN,
      refreshToken: NEW_REFRESH_TOKEN,
      expiresAt: T0 + 3600_000,
      scopes: ["accounts:read", "events:read", "metrics:read", "profiles:read", "profiles:write"],
      accountId: ACCOUNT,
    });
    expect(checkKlaviyoRequests(w.requests)).toEqual([]);
  });

  it("treats a refused refresh token as an uninstall: the run fails clearly, the credentials are forgotten, and later runs refuse", async () => {
    const w = await world({ credentials: { expiresAt: T0 - MINUTE } });
    const token = w.klaviyo().post("/oauth/token").reply(400, fixture("oauth-error-invalid-grant.json"));

    const failure = await w.sync().then(() => null, (error: unknown) => error);

    expect(token.isDone()).toBe(true);
    expect(failure).toMatchObject({ name: "EspError", kind: "uninstalled", message: expect.stringContaining("the app was removed from the Klaviyo account") as unknown });
    const message = (failure as Error).message;
    for (const secret of [REFRESH_TOKEN, OLD_TOKEN, OAUTH.clientSecret]) expect(message).not.toContain(secret);
    // Nothing but the token call went out.
    expect(w.seen.map((s) => s.path)).toEqual(["/oauth/token"]);
    expect((await w.store.listRuns(ID, 1))[0]).toMatchObject({ status: "failed", error: message });
    expect((await w.store.getInstallation(ID))?.status).toBe("uninstalled");
    expect(await w.store.getCredentials(ID)).toBeNull();
    await expect(w.sync()).rejects.toThrow(`Installation "${ID}" was uninstalled from klaviyo`);
    expect(w.seen).toHaveLength(1);
  });

  it("sent only requests Klaviyo's spec allows, over every test above", () => {
    // Which operations the tests above exercised: a test that stopped early would shrink this list.
    expect([...new Set(everyRequest.map((r) => operationOf(r.method, r.path)))].sort()).toEqual([
      "bulk_import_profiles",
      "create_web_feed",
      "get_bulk_import_profiles_job",
      "get_catalog_categories",
      "get_catalog_items",
      "get_errors_for_bulk_import_profiles_job",
      "get_events",
      "get_metrics",
      "get_profiles",
      "get_web_feeds",
    ]);
    expect(checkKlaviyoRequests(everyRequest)).toEqual([]);
  });
});
