import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listen, type Listening } from "../../helpers/listen.js";
import type { Feed, Installation, Profile, QuarantineEntry, RunSummary, Store } from "../../../src/domain/index.js";
import { createApp } from "../../../src/server/app.js";
import { openPanel, type PanelClient } from "../../helpers/panel-client.js";

/** A Store with only the methods the server should call; any other call fails the test loudly. */
function storeWith(methods: Partial<Store>): Store {
  return new Proxy(methods, {
    get(target, key) {
      if (typeof key === "string" && key in target) return target[key as keyof Store];
      throw new Error(`the server called store.${String(key)}, which it should not need`);
    },
  }) as Store;
}

const shop: Installation = { id: "shop-1", esp: "klaviyo", name: "Acme Outdoor", createdAt: "2025-01-01T00:00:00.000Z", propertiesDefined: [] };
const quiet: Installation = { id: "shop-quiet", esp: "files", name: "Quiet Shop", createdAt: "2025-01-01T00:00:00.000Z", propertiesDefined: [] };

const feed: Feed = {
  generatedAt: "2025-03-01T10:00:00.000Z",
  products: {
    "p-1": { id: "p-1", title: "Trail Shoe", url: "https://acme.test/p-1", imageUrl: "https://cdn.acme.test/p-1.jpg", price: 120, category: "footwear/trail", brand: "Acme" },
  },
  fallbacks: { all: ["p-1"], bySegment: {} },
};

const profile: Profile = {
  contactId: "c.42",
  properties: { tailor_lifecycle: { value: "lapsing", why: "no order for 120 days (active window is 90)" } },
};

const run = (over: Partial<RunSummary>): RunSummary => ({
  runId: "run-2",
  installationId: "shop-1",
  status: "succeeded",
  startedAt: "2025-03-01T10:00:00.000Z",
  finishedAt: "2025-03-01T10:00:12.300Z",
  dryRun: false,
  ingest: {
    received: { contacts: 5678, products: 12, events: 90_001 },
    accepted: { contacts: 5600, products: 12, events: 90_000 },
    quarantinedByReason: { "email: invalid email address": 78, "at: not a valid date": 1 },
    identitiesMerged: 17,
    ordersDeduped: { sameOrderId: 4, sameContents: 3 },
    eventsRepeated: 0,
    categoriesMerged: { "Sneakers/Men": "footwear/sneakers" },
  },
  quarantined: 79,
  contactsScored: 1234,
  contactsChanged: 321,
  propertiesChanged: 2468,
  written: 320,
  writeFailures: 1,
  writeCalls: 4,
  durationMs: 12_300,
  warnings: ["klaviyo: events older than 2 years were not pulled"],
  ...over,
});

const quarantined: QuarantineEntry = {
  runId: "run-2",
  at: "2025-03-01T10:00:05.000Z",
  stream: "products",
  reason: "price: expected number",
  raw: { id: "p-9", title: "<script>alert(1)</script>" },
};

const store = storeWith({
  getFeed: (id) => {
    if (id === "boom") return Promise.reject(new Error("disk on fire at /var/secret/path"));
    return Promise.resolve(id === "shop-1" ? feed : null);
  },
  getProfile: (id, contactId) => Promise.resolve(id === "shop-1" && contactId === "c.42" ? profile : null),
  getInstallation: (id) => Promise.resolve([shop, quiet].find((i) => i.id === id) ?? null),
  listRuns: (id) => Promise.resolve(id === "shop-1" ? [run({}), run({ runId: "run-1", status: "failed", startedAt: "2025-02-28T10:00:00.000Z", contactsScored: 1000, durationMs: 61_000 })] : []),
  listQuarantine: (id) => Promise.resolve(id === "shop-1" ? { total: 79, items: [quarantined] } : { total: 0, items: [] }),
  readGuardLog: (id) => Promise.resolve(new Map(id === "shop-1" ? [["c.42", [
    { at: Date.parse("2025-03-01T10:00:00Z"), key: "refund" as const, on: true, reason: "refund on 2025-03-01: promos pause 14 days", until: Date.parse("2025-03-15T10:00:00Z") },
    { at: Date.parse("2025-03-02T10:00:00Z"), key: "cart_abandonment" as const, on: true, reason: "carted 5 h ago, no order since", until: null, ref: "cart_abandonment:1" },
  ]]] : [])),
});

const logLines: string[] = [];
const logSink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logLines.push(chunk.toString());
    done();
  },
});

let running: Listening;
let base: string;

beforeAll(async () => {
  running = await listen(createApp({ store, log: pino({ level: "error" }, logSink), installationId: "shop-1" }));
  base = running.base;
});

afterAll(() => running.close());

const get = (path: string, init?: RequestInit) => fetch(`${base}${path}`, init);

describe("health", () => {
  it("answers /healthz with ok", async () => {
    const res = await get("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it("sets the basic security headers on every response", async () => {
    const res = await get("/healthz");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("style-src 'self';");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("img-src 'self' https: data:");
    expect(csp).toContain("frame-ancestors 'self' https://*.hubspot.com https://www.klaviyo.com");
    expect(res.headers.get("x-frame-options")).toBeNull();
    expect(res.headers.get("strict-transport-security")).toContain("max-age=");
    expect(res.headers.get("x-powered-by")).toBeNull();
  });
});

describe("feed", () => {
  it("serves the stored feed keyed by product id", async () => {
    const res = await get("/feeds/shop-1.json");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(feed);
  });

  it("lets caches keep the feed for five minutes", async () => {
    const res = await get("/feeds/shop-1.json");
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
  });

  it("answers 304 to a poller that already has this version", async () => {
    const etag = (await get("/feeds/shop-1.json")).headers.get("etag");
    expect(etag).toMatch(/^W\/".+"$/);
    // fetch adds "Cache-Control: no-cache" to conditional requests unless one is given, and that forces a 200.
    const res = await get("/feeds/shop-1.json", { headers: { "If-None-Match": etag!, "Cache-Control": "max-age=0" } });
    expect(res.status).toBe(304);
  });

  it("answers 404 when the installation has no feed yet", async () => {
    const res = await get("/feeds/shop-quiet.json");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "not_found" });
  });

  it("answers 404 without the .json suffix", async () => {
    const res = await get("/feeds/shop-1");
    expect(res.status).toBe(404);
  });

  it("serves the shared feed: fallbacks and only the products they name", async () => {
    const res = await get("/feeds/shop-1/shared.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    expect(await res.json()).toEqual({ generatedAt: feed.generatedAt, fallbacks: feed.fallbacks, products: { "p-1": feed.products["p-1"] }, omittedSegments: [] });
  });

  it("answers 404 for the shared feed before the first run", async () => {
    expect((await get("/feeds/shop-quiet/shared.json")).status).toBe(404);
  });
});

describe("installation page", () => {
  let panel: PanelClient;
  beforeAll(async () => {
    panel = await openPanel(store, "shop-1");
  });
  afterAll(() => panel.close());
  const overview = async (id = "shop-1") => (await panel.get(`/installations/${id}`)).text();

  it("redirects the home page to the configured installation", async () => {
    const res = await get("/", { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/installations/shop-1");
  });

  it("shows the last run's counts with thousands separators", async () => {
    const html = await overview();
    expect(html).toContain('<tr><th scope="row">Records in</th><td class="num">95,691</td></tr>');
    expect(html).toContain('<tr><th scope="row">Contacts scored</th><td class="num">1,234</td></tr>');
    expect(html).toContain('<tr><th scope="row">Properties changed</th><td class="num">2,468</td></tr>');
  });

  it("shows how long the last run took", async () => {
    expect(await overview()).toContain("<td>12.3 s</td>");
  });

  it("lists earlier runs below the last one, each linking to its report", async () => {
    expect(await overview()).toContain('<td><a href="/installations/shop-1/runs/run-1">2025-02-28T10:00:00.000Z</a></td><td class="status-failed">failed</td><td class="num">1 min 01 s</td><td class="num">1,000</td>');
  });

  it("counts the quarantined records and links to the quarantine browser", async () => {
    expect(await overview()).toContain('<a href="/installations/shop-1/quarantine">Quarantined records</a> <span class="muted">(79 kept out of scoring)</span>');
  });

  it("serves the page as HTML titled with the page and the installation, kept out of shared caches", async () => {
    const res = await panel.get("/installations/shop-1");
    expect([res.headers.get("content-type"), res.headers.get("cache-control")]).toEqual(["text/html; charset=utf-8", "private, no-store"]);
    expect(await res.text()).toContain("<title>Overview · Acme Outdoor</title>");
  });

  it("tells a new installation how to run its first sync", async () => {
    await panel.signIn("shop-quiet");
    try {
      const html = await overview("shop-quiet");
      expect(html).toContain("No sync has run yet — run <code>npm run sync</code>.");
      expect(html).not.toContain("Last sync");
    } finally {
      await panel.signIn("shop-1");
    }
  });

  it("answers 403 for another installation's page, signed in to this one", async () => {
    expect((await panel.get("/installations/shop-quiet")).status).toBe(403);
  });

  it("answers 401 without a session", async () => {
    expect((await get("/installations/shop-1", { headers: { accept: "text/html" } })).status).toBe(401);
  });
});

describe("errors", () => {
  it("answers a store failure with a bare 500 and no stack", async () => {
    const res = await get("/feeds/boom.json");
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: "internal_error" });
    expect(text).not.toContain("disk on fire");
  });

  it("logs a store failure with the request path", async () => {
    await get("/feeds/boom.json");
    const entry = JSON.parse(logLines.at(-1)!) as { msg: string; path: string; err: { message: string } };
    expect(entry).toMatchObject({ msg: "request failed", path: "/feeds/boom.json", err: { message: "disk on fire at /var/secret/path" } });
  });

  it("answers a path with broken percent-encoding with 400, not 500", async () => {
    const res = await get("/feeds/%E0%A4%A.json");
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "bad_request" });
  });
});
