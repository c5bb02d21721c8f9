import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CATALOG_JOB_LIMIT, catalogEntryOf, syncCatalog, toCatalogEntry, type CatalogEntry, type CatalogSyncDeps } from "../../../../src/connectors/klaviyo/catalog-sync.js";
import { EspError } from "../../../../src/connectors/shared/esp-error.js";
import type { FeedProduct } from "../../../../src/domain/index.js";
import { checkKlaviyoRequests, checkKlaviyoResponse, recordRequests } from "../../../contract/klaviyo-spec.js";
import { FAKE_KEY, fixture, KLAVIYO, testCall } from "./test-call.js";

const ITEMS = "/api/catalog-items";
const CREATE = "/api/catalog-item-bulk-create-jobs";
const UPDATE = "/api/catalog-item-bulk-update-jobs";
const CREATE_JOB = "01JD6CATCREATE0000000000AA";
const UPDATE_JOB = "01JD6CATUPDATE0000000000BB";
const klaviyo = () => nock(KLAVIYO);
const body = (name: string) => fixture(name) as nock.Body;

const product = (id: string, over: Partial<FeedProduct> = {}): FeedProduct => ({
  id,
  title: `Product ${id}`,
  url: `https://shop.example.com/p/${id.toLowerCase()}`,
  imageUrl: `https://cdn.example.com/${id.toLowerCase()}.jpg`,
  price: 10,
  category: "shoes",
  brand: "Acme",
  ...over,
});

/** The three items of catalog-sync-items-page-{1,2}.json as Tailor's feed shows them now. */
const asInCatalog = [
  product("SKU-1", { title: "Trail Runner 2", price: 89 }),
  product("SKU-2", { title: "Merino Sock", price: 12.5 }),
  product("SKU-3", { title: "Rain Shell", imageUrl: "", price: 140 }),
];

/** Injected time: sleep moves the clock at once and is remembered. */
function clock(): { deps: CatalogSyncDeps; sleeps: number[]; logs: string[] } {
  let time = 0;
  const sleeps: number[] = [];
  const logs: string[] = [];
  const deps: CatalogSyncDeps = { now: () => time, sleep: (ms) => { sleeps.push(ms); time += ms; return Promise.resolve(); }, log: (m) => { logs.push(m); } };
  return { deps, sleeps, logs };
}

/** A job document like the fixtures, for another id, status or list of done items. */
function job(kind: "create" | "update", status: string, done: readonly string[], id = kind === "create" ? CREATE_JOB : UPDATE_JOB): nock.Body {
  const doc = structuredClone(fixture(`catalog-sync-${kind}-job-complete.json`)) as {
    data: { id: string; attributes: Record<string, unknown>; relationships: { items: { data: { type: string; id: string }[] } } };
    included: unknown[];
  };
  doc.data.id = id;
  Object.assign(doc.data.attributes, { status, total_count: done.length, completed_count: done.length, failed_count: 0 });
  doc.data.relationships.items.data = done.map((e) => ({ type: "catalog-item", id: `$custom:::$default:::${e}` }));
  doc.included = [];
  return doc as nock.Body;
}

/** Replies with both pages of the catalog, checking page size, sparse fields and the cursor. */
function catalogPages(scope: nock.Scope): { queries: Record<string, string>[] } {
  const queries: Record<string, string>[] = [];
  scope
    .get(ITEMS).query((q) => { queries.push(q as Record<string, string>); return q["page[cursor]"] === undefined; })
    .reply(200, body("catalog-sync-items-page-1.json"))
    .get(ITEMS).query((q) => { queries.push(q as Record<string, string>); return q["page[cursor]"] === "bmV4dDo6aWQ6OjpTS1UtMg"; })
    .reply(200, body("catalog-sync-items-page-2.json"));
  return { queries };
}

type CreateBody = { data: { type: string; attributes: { items: { data: { type: string; attributes: Record<string, unknown> }[] } } } };

describe("syncCatalog", () => {
  beforeEach(() => { nock.disableNetConnect(); });
  afterEach(() => { nock.cleanAll(); nock.enableNetConnect(); });

  it("reads every catalog page, creates what is missing and updates only the display fields that differ", async () => {
    const scope = klaviyo();
    const { queries } = catalogPages(scope);
    scope
      .post(CREATE, {
        data: {
          type: "catalog-item-bulk-create-job",
          attributes: {
            items: {
              data: [
                {
                  type: "catalog-item",
                  attributes: {
                    external_id: "SKU-4", integration_type: "$custom", catalog_type: "$default", title: "Product SKU-4", description: "Product SKU-4",
                    url: "https://shop.example.com/p/sku-4", image_full_url: "https://cdn.example.com/sku-4.jpg", price: 10,
                    custom_metadata: { category: "shoes", brand: "Acme" }, published: true,
                  },
                },
                {
                  type: "catalog-item",
                  attributes: {
                    external_id: "SKU-5", integration_type: "$custom", catalog_type: "$default", title: "Product SKU-5", description: "Product SKU-5",
                    url: "https://shop.example.com/p/sku-5", custom_metadata: { category: "shoes", brand: "Acme" }, published: true,
                  },
                },
              ],
            },
          },
        },
      })
      .reply(202, body("catalog-sync-create-job-queued.json"))
      .post(UPDATE, {
        data: {
          type: "catalog-item-bulk-update-job",
          attributes: {
            items: {
              data: [
                { type: "catalog-item", id: "$custom:::$default:::SKU-1", attributes: { title: "Trail Runner 3" } },
                { type: "catalog-item", id: "$custom:::$default:::SKU-2", attributes: { url: "https://shop.example.com/p/merino", image_full_url: "https://cdn.example.com/merino.jpg", price: 11 } },
              ],
            },
          },
        },
      })
      .reply(202, body("catalog-sync-update-job-queued.json"))
      .get(`${CREATE}/${CREATE_JOB}`).query({ include: "items", "fields[catalog-item]": "external_id" }).reply(200, body("catalog-sync-create-job-complete.json"))
      .get(`${UPDATE}/${UPDATE_JOB}`).query({ include: "items", "fields[catalog-item]": "external_id" }).reply(200, body("catalog-sync-update-job-complete.json"));
    const requests = recordRequests(scope);
    const { deps, sleeps } = clock();

    const report = await syncCatalog(testCall().call, [
      product("SKU-1", { title: "Trail Runner 3", price: 89 }),
      product("SKU-2", { title: "Merino Sock", url: "https://shop.example.com/p/merino", imageUrl: "https://cdn.example.com/merino.jpg", price: 11 }),
      asInCatalog[2]!,
      product("SKU-4"),
      product("SKU-5", { imageUrl: "", price: null }),
    ], null, deps);

    expect(report).toEqual({ created: 2, updated: 2, unchanged: 1, failed: [] });
    expect(scope.isDone()).toBe(true);
    expect(queries[0]).toEqual({ "page[size]": "100", "fields[catalog-item]": "external_id,title,url,image_full_url,price,published" });
    expect(sleeps).toEqual([1000]);
    expect(checkKlaviyoRequests(requests)).toEqual([]);
  });

  it("never clears an image or price Tailor does not know, and leaves published and categories alone", async () => {
    const scope = klaviyo();
    catalogPages(scope);
    const { deps } = clock();
    // SKU-3 is unpublished in the catalog and has no image; Tailor knows neither image nor price of SKU-1.
    const report = await syncCatalog(testCall().call, [
      product("SKU-1", { title: "Trail Runner 2", imageUrl: "", price: null }),
      asInCatalog[1]!,
      asInCatalog[2]!,
    ], null, deps);
    expect(report).toEqual({ created: 0, updated: 0, unchanged: 3, failed: [] });
    expect(scope.isDone()).toBe(true);
  });

  it("makes only the read calls when nothing changed", async () => {
    const scope = klaviyo();
    catalogPages(scope);
    const requests = recordRequests(scope);
    expect(await syncCatalog(testCall().call, asInCatalog, null, clock().deps)).toEqual({ created: 0, updated: 0, unchanged: 3, failed: [] });
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET ${ITEMS}`, `GET ${ITEMS}`]);
  });

  it("makes no call at all when the pulled catalog is given and nothing changed", async () => {
    const existing = new Map<string, CatalogEntry>(asInCatalog.map((p) => [p.id, { title: p.title, url: p.url, imageUrl: p.imageUrl, price: p.price, published: true }]));
    const { call, limiters } = testCall();
    // Net connect is off and nothing is mocked: any request would fail the sync.
    expect(await syncCatalog(call, asInCatalog, existing, clock().deps)).toEqual({ created: 0, updated: 0, unchanged: 3, failed: [] });
    expect(limiters.of.size).toBe(0);
  });

  it("treats prices within half a cent as equal", async () => {
    const existing = new Map<string, CatalogEntry>([["SKU-1", { title: "Product SKU-1", url: "https://shop.example.com/p/sku-1", imageUrl: "https://cdn.example.com/sku-1.jpg", price: 10.004, published: true }]]);
    expect(await syncCatalog(testCall().call, [product("SKU-1")], existing, clock().deps)).toEqual({ created: 0, updated: 0, unchanged: 1, failed: [] });
  });

  it("sends one product once however often it is listed", async () => {
    const sent: CreateBody[] = [];
    klaviyo()
      .post(CREATE, (b: CreateBody) => { sent.push(b); return true; }).reply(202, body("catalog-sync-create-job-queued.json"))
      .get(`${CREATE}/${CREATE_JOB}`).query(true).reply(200, job("create", "complete", ["SKU-9"]));
    const report = await syncCatalog(testCall().call, [product("SKU-9"), product("SKU-9", { title: "later duplicate" })], new Map(), clock().deps);
    expect(report).toEqual({ created: 1, updated: 0, unchanged: 0, failed: [] });
    expect(sent[0]?.data.attributes.items.data.map((i) => i.attributes.title)).toEqual(["Product SKU-9"]);
  });

  it(`puts at most ${CATALOG_JOB_LIMIT} items in one job`, async () => {
    const ids = Array.from({ length: 250 }, (_, i) => `N-${String(i).padStart(3, "0")}`);
    const sizes: number[] = [];
    const scope = klaviyo();
    for (let j = 0; j < 3; j++) {
      const jobId = `01JD6CATCREATE00000000000${String(j)}`;
      const queued = structuredClone(fixture("catalog-sync-create-job-queued.json")) as { data: { id: string } };
      queued.data.id = jobId;
      scope
        .post(CREATE, (b: CreateBody) => { sizes.push(b.data.attributes.items.data.length); return true; }).reply(202, queued as nock.Body)
        .get(`${CREATE}/${jobId}`).query(true).reply(200, job("create", "complete", ids.slice(j * 100, j * 100 + 100), jobId));
    }
    const report = await syncCatalog(testCall().call, ids.map((id) => product(id)), new Map(), clock().deps);
    expect(sizes).toEqual([100, 100, 50]);
    expect(report).toEqual({ created: 250, updated: 0, unchanged: 0, failed: [] });
    expect(scope.isDone()).toBe(true);
  });

  it("polls an unfinished job with doubling pauses until it completes", async () => {
    const scope = klaviyo()
      .post(CREATE).reply(202, body("catalog-sync-create-job-queued.json"))
      .get(`${CREATE}/${CREATE_JOB}`).query(true).reply(200, body("catalog-sync-create-job-processing.json"))
      .get(`${CREATE}/${CREATE_JOB}`).query(true).reply(200, body("catalog-sync-create-job-processing.json"))
      .get(`${CREATE}/${CREATE_JOB}`).query(true).reply(200, body("catalog-sync-create-job-complete.json"));
    const { deps, sleeps } = clock();
    const report = await syncCatalog(testCall().call, [product("SKU-4"), product("SKU-5")], new Map(), deps);
    expect(report).toEqual({ created: 2, updated: 0, unchanged: 0, failed: [] });
    expect(sleeps).toEqual([1000, 2000, 4000]);
    expect(scope.isDone()).toBe(true);
  });

  it("reads a job once more even when its POST already says complete, to learn which items were done", async () => {
    const scope = klaviyo()
      .post(CREATE).reply(202, job("create", "complete", []))
      .get(`${CREATE}/${CREATE_JOB}`).query(true).reply(200, body("catalog-sync-create-job-complete.json"));
    const { deps, sleeps } = clock();
    expect(await syncCatalog(testCall().call, [product("SKU-4"), product("SKU-5")], new Map(), deps)).toEqual({ created: 2, updated: 0, unchanged: 0, failed: [] });
    expect(sleeps).toEqual([1000]);
    expect(scope.isDone()).toBe(true);
  });

  it("reports the items a job refused: by pointer, by the id in the detail, and none that Klaviyo lists as done", async () => {
    klaviyo()
      .post(CREATE).reply(202, body("catalog-sync-create-job-queued.json"))
      .get(`${CREATE}/${CREATE_JOB}`).query(true).reply(200, body("catalog-sync-create-job-partial.json"));
    const report = await syncCatalog(testCall().call, [product("SKU-4"), product("SKU-6", { url: "not a url" }), product("SKU-7"), product("SKU-8")], new Map(), clock().deps);
    expect(report).toEqual({
      created: 2,
      updated: 0,
      unchanged: 0,
      failed: [
        { id: "SKU-6", reason: "Invalid input.: 'url' is not a valid URL." },
        { id: "SKU-7", reason: "Conflict.: A catalog item with id '$custom:::$default:::SKU-7' already exists." },
      ],
    });
  });

  it("pins an error naming no item on the items the job does not list as done", async () => {
    const partial = structuredClone(fixture("catalog-sync-create-job-partial.json")) as { data: { attributes: { errors: { detail: string; source: { pointer: string } }[] } } };
    for (const e of partial.data.attributes.errors) { e.detail = "Something went wrong."; e.source.pointer = "/data"; }
    klaviyo()
      .post(CREATE).reply(202, body("catalog-sync-create-job-queued.json"))
      .get(`${CREATE}/${CREATE_JOB}`).query(true).reply(200, partial as nock.Body);
    const report = await syncCatalog(testCall().call, [product("SKU-4"), product("SKU-6"), product("SKU-7"), product("SKU-8")], new Map(), clock().deps);
    expect(report.created).toBe(2);
    expect(report.failed.map((f) => f.id)).toEqual(["SKU-6", "SKU-7"]);
    expect(report.failed[0]?.reason).toBe("Invalid input.: Something went wrong.; Conflict.: Something went wrong.");
  });

  it("reports every item of a job Klaviyo refused whole, and goes on with the next job", async () => {
    const scope = klaviyo()
      .post(CREATE).reply(400, body("catalog-sync-error-400-job.json"))
      .post(UPDATE).reply(202, body("catalog-sync-update-job-queued.json"))
      .get(`${UPDATE}/${UPDATE_JOB}`).query(true).reply(200, job("update", "complete", ["SKU-1"]));
    const existing = new Map<string, CatalogEntry>([["SKU-1", { title: "old", url: "", imageUrl: "", price: null, published: true }]]);
    const report = await syncCatalog(testCall().call, [product("SKU-1"), product("SKU-4"), product("SKU-5")], existing, clock().deps);
    expect(report.created).toBe(0);
    expect(report.updated).toBe(1);
    expect(report.failed.map((f) => f.id)).toEqual(["SKU-4", "SKU-5"]);
    expect(report.failed[0]?.reason).toContain("'price' must be a number.");
    expect(scope.isDone()).toBe(true);
  });

  it("reports every item of a cancelled job", async () => {
    klaviyo()
      .post(CREATE).reply(202, body("catalog-sync-create-job-queued.json"))
      .get(`${CREATE}/${CREATE_JOB}`).query(true).reply(200, body("catalog-sync-create-job-cancelled.json"));
    const report = await syncCatalog(testCall().call, [product("SKU-4"), product("SKU-5")], new Map(), clock().deps);
    expect(report).toEqual({
      created: 0, updated: 0, unchanged: 0,
      failed: [{ id: "SKU-4", reason: `Klaviyo cancelled catalog job ${CREATE_JOB}` }, { id: "SKU-5", reason: `Klaviyo cancelled catalog job ${CREATE_JOB}` }],
    });
  });

  it("stops waiting for a job after 15 minutes and reports its items", async () => {
    klaviyo()
      .post(CREATE).reply(202, body("catalog-sync-create-job-queued.json"))
      .get(`${CREATE}/${CREATE_JOB}`).query(true).times(100).reply(200, body("catalog-sync-create-job-processing.json"));
    const { deps, sleeps, logs } = clock();
    const report = await syncCatalog(testCall().call, [product("SKU-4")], new Map(), deps);
    expect(report.failed).toEqual([{ id: "SKU-4", reason: `catalog job ${CREATE_JOB} still processing when Tailor stopped waiting` }]);
    expect(sleeps.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(15 * 60_000);
    expect(sleeps.every((ms) => ms <= 30_000)).toBe(true);
    expect(logs.some((l) => l.includes("still processing"))).toBe(true);
  });

  it("ends with an auth EspError naming catalogs:write when Klaviyo refuses the write (403)", async () => {
    klaviyo().post(CREATE).reply(403, body("scope-error-403.json"));
    const run = syncCatalog(testCall().call, [product("SKU-4")], new Map(), clock().deps);
    await expect(run).rejects.toBeInstanceOf(EspError);
    await expect(run).rejects.toMatchObject({ kind: "auth", status: 403, message: expect.stringContaining("catalogs:write scope") as unknown });
    await expect(run).rejects.not.toMatchObject({ message: expect.stringContaining(FAKE_KEY) as unknown });
  });

  it("names catalogs:read when the catalog cannot be read (403)", async () => {
    klaviyo().get(ITEMS).query(true).reply(403, body("scope-error-403.json"));
    await expect(syncCatalog(testCall().call, [product("SKU-4")], null, clock().deps))
      .rejects.toMatchObject({ kind: "auth", message: expect.stringContaining("catalogs:read scope") as unknown });
  });

  it("creates products known only from events where the catalog lacks them, and never updates the store's items with them", async () => {
    const sent: CreateBody[] = [];
    const scope = klaviyo();
    catalogPages(scope);
    scope
      .post(CREATE, (b: CreateBody) => { sent.push(b); return true; }).reply(202, body("catalog-sync-create-job-queued.json"))
      .get(`${CREATE}/${CREATE_JOB}`).query(true).reply(200, job("create", "complete", ["EV-1"]));
    const requests = recordRequests(scope);

    const report = await syncCatalog(testCall().call, [asInCatalog[0]!], null, clock().deps, [
      // In the catalog with another title: the store's item, left alone.
      product("SKU-2", { title: "Sock seen on an order" }),
      // In the feed too: the feed's version rules.
      product("SKU-1", { title: "Trail Runner from an event" }),
      product("EV-1", { category: "", brand: "" }),
    ]);

    expect(report).toEqual({ created: 1, updated: 0, unchanged: 1, failed: [] });
    expect(sent.flatMap((b) => b.data.attributes.items.data.map((i) => i.attributes))).toEqual([
      expect.objectContaining({ external_id: "EV-1", title: "Product EV-1" }),
    ]);
    expect(sent[0]?.data.attributes.items.data[0]?.attributes).not.toHaveProperty("custom_metadata");
    expect(requests.map((r) => r.method)).toEqual(["GET", "GET", "POST", "GET"]);
    expect(checkKlaviyoRequests(requests)).toEqual([]);
  });

  it("makes no call for an empty feed", async () => {
    const { call, limiters } = testCall();
    expect(await syncCatalog(call, [], null, clock().deps)).toEqual({ created: 0, updated: 0, unchanged: 0, failed: [] });
    expect(limiters.of.size).toBe(0);
  });
});

describe("toCatalogEntry", () => {
  it("reads the wire (snake_case) attributes: missing fields as empty, unknown price as null, published as Klaviyo's default true", () => {
    expect(toCatalogEntry({ title: "Rain Shell", image_full_url: null })).toEqual({ title: "Rain Shell", url: "", imageUrl: "", price: null, published: true });
    expect(toCatalogEntry({ title: "x", url: "u", image_full_url: "i", price: 0, published: false })).toEqual({ title: "x", url: "u", imageUrl: "i", price: 0, published: false });
  });

  it("keeps values as Klaviyo stores them: no trimming, no thumbnail standing in for the full image", () => {
    expect(toCatalogEntry({ title: " Rain Shell ", image_full_url: null, image_thumbnail_url: "https://cdn.example.com/t.jpg", price: "12", published: null }))
      .toEqual({ title: " Rain Shell ", url: "", imageUrl: "", price: null, published: true });
  });
});

describe("catalogEntryOf", () => {
  it("keys an item by its external_id, else by the id inside its resource id", () => {
    const item = (id: unknown, attributes: Record<string, unknown>) => ({ id, type: "catalog-item", attributes, relationships: {} });
    expect(catalogEntryOf(item("$custom:::$default:::SKU-1", { external_id: "SKU-1", title: "t", url: "u", image_full_url: "i", price: 1, published: true })))
      .toEqual(["SKU-1", { title: "t", url: "u", imageUrl: "i", price: 1, published: true }]);
    expect(catalogEntryOf(item("$custom:::$default:::SKU-2", { external_id: null, title: "t" }))?.[0]).toBe("SKU-2");
    expect(catalogEntryOf(item(undefined, { title: "t" }))).toBeNull();
  });
});

describe("catalog sync fixtures", () => {
  it.each([
    ["catalog-sync-items-page-1.json", "get_catalog_items", 200],
    ["catalog-sync-items-page-2.json", "get_catalog_items", 200],
    ["catalog-sync-create-job-queued.json", "bulk_create_catalog_items", 202],
    ["catalog-sync-error-400-job.json", "bulk_create_catalog_items", 400],
    ["scope-error-403.json", "bulk_create_catalog_items", 403],
    ["catalog-sync-create-job-processing.json", "get_bulk_create_catalog_items_job", 200],
    ["catalog-sync-create-job-complete.json", "get_bulk_create_catalog_items_job", 200],
    ["catalog-sync-create-job-partial.json", "get_bulk_create_catalog_items_job", 200],
    ["catalog-sync-create-job-cancelled.json", "get_bulk_create_catalog_items_job", 200],
    ["catalog-sync-update-job-queued.json", "bulk_update_catalog_items", 202],
    ["catalog-sync-update-job-complete.json", "get_bulk_update_catalog_items_job", 200],
  ] as const)("%s matches the spec's %s %i response", (name, operation, status) => {
    expect(checkKlaviyoResponse(operation, status, fixture(name))).toEqual([]);
  });
});
