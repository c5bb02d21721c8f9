import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createKlaviyoConnector, DISCOVERY_MAX_AGE_MS, WEB_FEED_NAME } from "../../../../src/connectors/klaviyo/connector.js";
import { EMPTY_CATALOG_WARNING } from "../../../../src/connectors/klaviyo/pull-catalog.js";
import { KlaviyoSettingsSchema, type Connector, type Feed, type FeedProduct, type Page } from "../../../../src/domain/index.js";
import { checkKlaviyoRequests, recordRequests, type KlaviyoRequest } from "../../../contract/klaviyo-spec.js";
import { FAKE_KEY, fixture, KLAVIYO, testCall, type TestCall } from "./test-call.js";

const NOW = Date.parse("2026-11-01T08:00:00Z");
const FEED_URL = "https://tailor.example.com/feeds/acct-fake/shared.json";
const CREATE = "/api/catalog-item-bulk-create-jobs";
const CREATE_JOB = "01JD6CATCREATE0000000000AA";
const DELETIONS = "/api/data-privacy-deletion-jobs";
const PROFILE = "01TAILORFAKEPROFILE0000001";
const ITEMS_2 = "Y2F0YWxvZzo6aXRlbXM6OjI";
const PLACED_2 = "ZXZlbnRzOjpwbGNvcmQ6OjI";
const body = (name: string) => fixture(name) as nock.Body;
const SCOPE_403 = body("scope-error-403.json");

type Setup = TestCall & { connector: Connector; logs: string[]; sleeps: number[]; requests: KlaviyoRequest[]; scope: nock.Scope };

/** A connector on the real createKlaviyoCall (test-call.ts), every request it makes recorded for the spec check. */
function setup(settings: Record<string, unknown> = {}, options: { webFeedUrl?: string | null; now?: number } = {}): Setup {
  const test = testCall();
  const logs: string[] = [];
  const sleeps: number[] = [];
  const connector = createKlaviyoConnector({
    call: test.call,
    settings: KlaviyoSettingsSchema.parse(settings),
    webFeedUrl: options.webFeedUrl ?? null,
    now: () => options.now ?? NOW,
    sleep: (ms) => { sleeps.push(ms); return Promise.resolve(); },
    log: (line) => { logs.push(line); },
  });
  const scope = nock(KLAVIYO);
  return { ...test, connector, logs, sleeps, requests: recordRequests(scope), scope };
}

async function collect(pages: AsyncIterable<Page>): Promise<Page[]> {
  const out: Page[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

const feedOf = (products: readonly FeedProduct[]): Feed => ({
  generatedAt: new Date(NOW).toISOString(),
  products: Object.fromEntries(products.map((p) => [p.id, p])),
  fallbacks: { all: products.map((p) => p.id), bySegment: {} },
});
const EMPTY_FEED = feedOf([]);

const metric = (id: string, name: string) => ({ type: "metric", id, attributes: { name }, links: { self: `${KLAVIYO}/api/metrics/${id}/` } });
const forMetric = (id: string, page?: string) => (q: Record<string, unknown>) =>
  String(q.filter).includes(`equals(metric_id,"${id}")`) && q["page[cursor]"] === page;

/** The account's Viewed Product and Placed Order events (products 1111 and 1112, October 2026). */
function shopEvents(scope: nock.Scope): void {
  scope
    .get("/api/metrics").query(true).reply(200, { data: [metric("VwdPrd", "Viewed Product"), metric("PlcOrd", "Placed Order")], links: { self: `${KLAVIYO}/api/metrics/` } })
    .get("/api/events").query(forMetric("VwdPrd")).reply(200, body("pull-events-viewed-product.json"))
    .get("/api/events").query(forMetric("PlcOrd")).reply(200, body("pull-events-placed-order-1.json"))
    .get("/api/events").query(forMetric("PlcOrd", PLACED_2)).reply(200, body("pull-events-placed-order-2.json"));
}

/** The catalog pull of an account whose custom catalog is empty (a Shopify store, or none). */
function emptyCatalog(scope: nock.Scope): void {
  scope
    .get("/api/catalog-categories").query(true).reply(200, body("pull-catalog-categories-empty.json"))
    .get("/api/catalog-items").query(true).reply(200, body("pull-catalog-items-empty.json"));
}

/** The catalog pull once 1111, 1112 (and the unpublished 1113) are in it. */
function fullCatalog(scope: nock.Scope): void {
  scope
    .get("/api/catalog-categories").query(true).reply(200, body("pull-catalog-categories-empty.json"))
    .get("/api/catalog-items").query((q) => q["page[cursor]"] === undefined).reply(200, body("pull-catalog-items-page-1.json"))
    .get("/api/catalog-items").query((q) => q["page[cursor]"] === ITEMS_2).reply(200, body("pull-catalog-items-page-2.json"));
}

/** A create job read back as complete, with these external ids done. */
function jobDone(ids: readonly string[]): nock.Body {
  const doc = structuredClone(fixture("catalog-sync-create-job-complete.json")) as {
    data: { attributes: Record<string, unknown>; relationships: { items: { data: { type: string; id: string }[] } } };
    included: unknown[];
  };
  Object.assign(doc.data.attributes, { total_count: ids.length, completed_count: ids.length });
  doc.data.relationships.items.data = ids.map((id) => ({ type: "catalog-item", id: `$custom:::$default:::${id}` }));
  doc.included = [];
  return doc as nock.Body;
}

type CreateBody = { data: { attributes: { items: { data: { attributes: Record<string, unknown> }[] } } } };

/** What Tailor shows for 1111 and 1112 after the catalog pull reads them (pull-catalog-items-page-1.json). */
const POOH: FeedProduct = { id: "1111", title: "Winnie the Pooh", url: "https://www.example.com/products/1111", imageUrl: "https://cdn.example.com/1111-full.png", price: 9.99, category: "fiction", brand: "Kids Books" };
const TALE: FeedProduct = { id: "1112", title: "A Tale of Two Cities", url: "https://www.example.com/products/1112", imageUrl: "https://cdn.example.com/1112-full.png", price: 19.99, category: "fiction", brand: "Harcourt Classics" };

describe("createKlaviyoConnector", () => {
  beforeEach(() => { nock.disableNetConnect(); });
  afterEach(() => { nock.cleanAll(); nock.enableNetConnect(); });

  it("is a Klaviyo connector taking 10,000 changes a push (one bulk import job) and defining nothing", async () => {
    const { connector, limiters } = setup();
    expect(connector.esp).toBe("klaviyo");
    expect(connector.maxBatch).toBe(10_000);
    await connector.defineProperties([{ name: "tailor_orders", label: "Tailor orders", type: "number", description: "Orders placed.", example: "{{ person.tailor_orders }}" }]);
    expect(limiters.of.size).toBe(0);
  });

  it("delegates the three pulls to the installation's call", async () => {
    const { connector, scope, requests, limiters } = setup();
    scope
      .get("/api/profiles").query((q) => q.filter === 'any(id,["01JBX2Q8F9ZC4V7T3N5M6K1A2E"])').reply(200, body("pull-profiles-refresh.json"))
      .get("/api/profiles").query((q) => q.filter === undefined).reply(200, body("pull-profiles-page-2.json"));
    emptyCatalog(scope);
    shopEvents(scope);

    const contacts = await collect(connector.pullContacts(null, ["01JBX2Q8F9ZC4V7T3N5M6K1A2E"]));
    const products = await collect(connector.pullProducts(null));
    const events = await collect(connector.pullEvents(null));

    expect(contacts.flatMap((p) => p.records)).toEqual([
      expect.objectContaining({ id: "01JBX2Q8F9ZC4V7T3N5M6K1A2E", consent: "bounced" }),
      expect.objectContaining({ id: "01JBX2Q8F9ZC4V7T3N5M6K1A2D" }),
    ]);
    expect(products.flatMap((p) => p.warnings ?? [])).toEqual([EMPTY_CATALOG_WARNING]);
    expect(events.flatMap((p) => p.records)).toEqual([
      expect.objectContaining({ type: "viewed_product", productId: "1111" }),
      expect.objectContaining({ type: "placed_order", orderId: "1234" }),
      expect.objectContaining({ type: "placed_order", orderId: "1235" }),
      expect.objectContaining({ _malformed: "klaviyo placed_order event 4Tq9PlcOrd03 has no profile" }),
    ]);
    expect([...limiters.of.keys()].sort()).toEqual(["get_catalog_categories", "get_catalog_items", "get_events", "get_metrics", "get_profiles"]);
    expect(scope.isDone()).toBe(true);
    expect(checkKlaviyoRequests(requests)).toEqual([]);
  });

  it("creates the products known only from events in the catalog, and a publish after the catalog has them creates nothing", async () => {
    const { connector, scope, requests, logs, sleeps, limiters } = setup();
    const sent: CreateBody[] = [];
    emptyCatalog(scope);
    shopEvents(scope);
    scope
      .post(CREATE, (b: CreateBody) => { sent.push(b); return true; }).reply(202, body("catalog-sync-create-job-queued.json"))
      .get(`${CREATE}/${CREATE_JOB}`).query({ include: "items", "fields[catalog-item]": "external_id" }).reply(200, jobDone(["1111", "1112"]));

    await collect(connector.pullProducts(null));
    await collect(connector.pullEvents(null));
    await connector.publishFeed(EMPTY_FEED);

    const common = { integration_type: "$custom", catalog_type: "$default", published: true };
    expect(sent.flatMap((b) => b.data.attributes.items.data.map((i) => i.attributes))).toEqual([
      {
        ...common, external_id: "1111", title: "Winnie the Pooh", description: "Winnie the Pooh",
        url: "http://www.example.com/path/to/product", image_full_url: "http://www.example.com/path/to/product/image.png", price: 9.99,
        custom_metadata: { category: "Fiction", brand: "Kids Books" },
      },
      {
        // The newest event (an order line with title and price only) wins; the older line fills in link, image, category and brand.
        ...common, external_id: "1112", title: "A Tale of Two Cities", description: "A Tale of Two Cities",
        url: "http://www.example.com/path/to/product2", image_full_url: "http://www.example.com/path/to/product/image2.png", price: 19.99,
        custom_metadata: { category: "Fiction", brand: "Harcourt Classics" },
      },
    ]);
    expect(logs).toEqual([
      "klaviyo: 2 products known only from events are offered to the catalog (created where it lacks them); 0 without a product link and 0 not seen for 90 days are left out",
      "Klaviyo catalog: 2 created, 0 updated, 0 unchanged, 0 refused",
    ]);
    expect(sleeps).toEqual([1000]);
    expect(scope.isDone()).toBe(true);

    // The next catalog pull reads them (with the store's own links): nothing is created or updated again.
    fullCatalog(scope);
    const pulled = await collect(connector.pullProducts(null));
    expect(pulled.flatMap((p) => p.records).map((r) => (r as { id: string }).id)).toEqual(["1111", "1112", "1113"]);
    await connector.publishFeed(feedOf([POOH, TALE]));

    expect(limiters.of.get("bulk_create_catalog_items")?.taken).toBe(1);
    expect(limiters.of.has("bulk_update_catalog_items")).toBe(false);
    expect(requests.filter((r) => r.method !== "GET")).toHaveLength(1);
    expect(scope.isDone()).toBe(true);
    expect(checkKlaviyoRequests(requests)).toEqual([]);
  });

  it("never recreates a product the merchant deleted from the catalog, though Tailor's store still has it", async () => {
    const { connector, scope, requests } = setup();
    emptyCatalog(scope);
    await collect(connector.pullProducts(null));
    // POOH came from the catalog in an earlier run and stays in the feed; this run's full read no longer has it.
    await connector.publishFeed(feedOf([POOH]));
    expect(requests.filter((r) => r.method !== "GET")).toEqual([]);
    expect(scope.isDone()).toBe(true);
  });

  it("without a whole catalog read this run, the sync reads the catalog and creates only the products it lacks", async () => {
    const { connector, scope, requests } = setup();
    const sent: CreateBody[] = [];
    shopEvents(scope);
    const inCatalog = { type: "catalog-item", id: "$custom:::$default:::1111", attributes: { external_id: "1111", title: "Pooh (store's title)", url: "https://www.example.com/products/1111", published: true }, links: { self: "x" } };
    scope
      .get("/api/catalog-items").query({ "fields[catalog-item]": "external_id,title,url,image_full_url,price,published", "page[size]": "100" })
      .reply(200, { data: [inCatalog], links: { self: `${KLAVIYO}/api/catalog-items/` } })
      .post(CREATE, (b: CreateBody) => { sent.push(b); return true; }).reply(202, body("catalog-sync-create-job-queued.json"))
      .get(`${CREATE}/${CREATE_JOB}`).query(true).reply(200, jobDone(["1112"]));

    await collect(connector.pullEvents(null));
    await connector.publishFeed(EMPTY_FEED);

    // 1111 is the store's item: neither created nor updated with what the events say.
    expect(sent.flatMap((b) => b.data.attributes.items.data.map((i) => i.attributes.external_id))).toEqual(["1112"]);
    expect(scope.isDone()).toBe(true);
    expect(checkKlaviyoRequests(requests)).toEqual([]);
  });

  it("leaves out products without a link and those not seen for 90 days", async () => {
    const checkout = setup();
    checkout.scope
      .get("/api/metrics").query(true).reply(200, { data: [metric("StrChk", "Started Checkout")], links: { self: "x" } })
      .get("/api/events").query(forMetric("StrChk")).reply(200, body("pull-events-started-checkout.json"));
    emptyCatalog(checkout.scope);
    await collect(checkout.connector.pullProducts(null));
    await collect(checkout.connector.pullEvents(null));
    await checkout.connector.publishFeed(EMPTY_FEED);
    expect(checkout.logs).toEqual(["klaviyo: 0 products known only from events are offered to the catalog (created where it lacks them); 2 without a product link and 0 not seen for 90 days are left out"]);
    expect(checkout.scope.isDone()).toBe(true);

    nock.cleanAll();
    const later = setup({}, { now: Date.parse("2026-10-20T14:03:11Z") + DISCOVERY_MAX_AGE_MS + 1 });
    const sent: CreateBody[] = [];
    emptyCatalog(later.scope);
    shopEvents(later.scope);
    later.scope
      .post(CREATE, (b: CreateBody) => { sent.push(b); return true; }).reply(202, body("catalog-sync-create-job-queued.json"))
      .get(`${CREATE}/${CREATE_JOB}`).query(true).reply(200, jobDone(["1112"]));
    await collect(later.connector.pullProducts(null));
    await collect(later.connector.pullEvents(null));
    await later.connector.publishFeed(EMPTY_FEED);
    // 1112 was last seen on 2026-10-21, within 90 days of "now"; 1111 last on 2026-10-20, just outside.
    expect(later.logs[0]).toBe("klaviyo: 1 products known only from events are offered to the catalog (created where it lacks them); 0 without a product link and 1 not seen for 90 days are left out");
    expect(sent.flatMap((b) => b.data.attributes.items.data.map((i) => i.attributes.external_id))).toEqual(["1112"]);
    expect(later.scope.isDone()).toBe(true);
  });

  it("with catalog off and the web feed off, publishing makes no catalog or web-feed call", async () => {
    const { connector, scope, requests } = setup({ catalog: "off", webFeed: false }, { webFeedUrl: FEED_URL });
    shopEvents(scope);
    await collect(connector.pullEvents(null));
    const before = requests.length;

    await connector.publishFeed(feedOf([POOH, TALE]));

    expect(requests).toHaveLength(before);
    expect(requests.map((r) => r.path).every((path) => path === "/api/metrics" || path === "/api/events")).toBe(true);
  });

  it("makes no web-feed call without a feed url", async () => {
    const { connector, limiters } = setup({}, { webFeedUrl: null });
    await connector.publishFeed(EMPTY_FEED);
    expect(limiters.of.size).toBe(0);
  });

  it("registers the shared web feed once and says so", async () => {
    const { connector, scope, requests, logs } = setup({}, { webFeedUrl: FEED_URL });
    scope
      .get("/api/web-feeds").query(true).reply(200, body("web-feed-list-empty.json"))
      .post("/api/web-feeds", { data: { type: "web-feed", attributes: { name: WEB_FEED_NAME, url: FEED_URL, request_method: "get", content_type: "json" } } })
      .reply(201, body("web-feed-created.json"));

    await connector.publishFeed(EMPTY_FEED);

    expect(logs).toEqual([`klaviyo: web feed "tailor" created (${FEED_URL})`]);
    expect(scope.isDone()).toBe(true);
    expect(checkKlaviyoRequests(requests)).toEqual([]);
  });

  it("logs a 403 on catalog sync and on the web feed, naming the scope, and does not throw", async () => {
    const { connector, scope, requests, logs } = setup({}, { webFeedUrl: FEED_URL });
    emptyCatalog(scope);
    shopEvents(scope);
    scope.post(CREATE).reply(403, SCOPE_403).get("/api/web-feeds").query(true).reply(403, SCOPE_403);
    await collect(connector.pullProducts(null));
    await collect(connector.pullEvents(null));

    await expect(connector.publishFeed(EMPTY_FEED)).resolves.toBeUndefined();

    expect(logs.slice(1)).toEqual([
      expect.stringMatching(/^klaviyo: catalog sync skipped: .*catalogs:write scope/),
      expect.stringMatching(/^klaviyo: web feed skipped: .*web-feeds:read scope/),
    ]);
    expect(logs.join("\n")).not.toContain(FAKE_KEY);
    expect(scope.isDone()).toBe(true);
    expect(checkKlaviyoRequests(requests)).toEqual([]);
  });

  it("does not take a catalog it could not read (403) for an empty one: publishing reads it, and logs its 403", async () => {
    const { connector, scope, requests, logs, limiters } = setup();
    scope.get("/api/catalog-categories").query(true).reply(403, SCOPE_403);
    shopEvents(scope);
    scope.get("/api/catalog-items").query(true).reply(403, SCOPE_403);
    await collect(connector.pullProducts(null));
    await collect(connector.pullEvents(null));

    await connector.publishFeed(EMPTY_FEED);

    // An empty pulled catalog would have sent both products to a create job instead.
    expect(limiters.of.has("bulk_create_catalog_items")).toBe(false);
    expect(logs.at(-1)).toMatch(/^klaviyo: catalog sync skipped: .*catalogs:read scope/);
    expect(scope.isDone()).toBe(true);
    expect(checkKlaviyoRequests(requests)).toEqual([]);
  });

  it("throws what is not a missing scope", async () => {
    const { connector, scope } = setup({}, { webFeedUrl: FEED_URL });
    scope.get("/api/web-feeds").query(true).reply(401, body("client-error-401-not-authenticated.json"));
    await expect(connector.publishFeed(EMPTY_FEED)).rejects.toMatchObject({ name: "EspError", status: 401 });
  });

  it("asks Klaviyo to delete a person through a data-privacy deletion job", async () => {
    const { connector, scope, requests } = setup();
    scope
      .post(DELETIONS, { data: { type: "data-privacy-deletion-job", attributes: { profile: { data: { type: "profile", id: PROFILE, attributes: {} } } } } })
      .reply(202);

    await connector.requestErasure?.({ espId: PROFILE, email: "ada@example.com" });

    expect(scope.isDone()).toBe(true);
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([`POST ${DELETIONS}`]);
    expect(checkKlaviyoRequests(requests)).toEqual([]);
  });
});
