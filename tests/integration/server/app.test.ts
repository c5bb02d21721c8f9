import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listen, type Listening } from "../../helpers/listen.js";
import type { Feed, Installation, Profile, QuarantineEntry, RunSummary, Store } from "../../../src/domain/index.js";
import { createApp } from "../../../src/server/app.js";

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
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).toContain("img-src 'self' https: data:");
    expect(csp).toContain("frame-ancestors 'self'");
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

describe("profile", () => {
  it("serves a contact's profile, ids with dots included", async () => {
    const res = await get("/installations/shop-1/contacts/c.42.json");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(profile);
  });

  it("keeps a profile out of shared caches", async () => {
    const res = await get("/installations/shop-1/contacts/c.42.json");
    expect(res.headers.get("cache-control")).toBe("private, no-store");
  });

  it("serves a contact's guard log, newest first, with ISO times", async () => {
    const res = await get("/installations/shop-1/contacts/c.42/guard-log.json");
    expect([res.status, res.headers.get("cache-control")]).toEqual([200, "private, no-store"]);
    expect(await res.json()).toEqual({ contactId: "c.42", entries: [
      { at: "2025-03-02T10:00:00.000Z", key: "cart_abandonment", on: true, reason: "carted 5 h ago, no order since", until: null },
      { at: "2025-03-01T10:00:00.000Z", key: "refund", on: true, reason: "refund on 2025-03-01: promos pause 14 days", until: "2025-03-15T10:00:00.000Z" },
    ] });
  });

  it("answers an empty guard log for a contact with none", async () => {
    expect(await (await get("/installations/shop-1/contacts/nobody/guard-log.json")).json()).toEqual({ contactId: "nobody", entries: [] });
  });

  it("answers 404 for a contact with no profile", async () => {
    const res = await get("/installations/shop-1/contacts/nobody.json");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "not_found" });
  });

  it("answers 400 with the issues for an id longer than 256 characters", async () => {
    const res = await get(`/installations/shop-1/contacts/${"x".repeat(257)}.json`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; issues: { code: string }[] };
    expect(body.error).toBe("invalid_request");
    expect(body.issues.map((i) => i.code)).toEqual(["too_big"]);
  });
});

describe("installation page", () => {
  it("redirects the home page to the configured installation", async () => {
    const res = await get("/", { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/installations/shop-1");
  });

  it("shows the last run's counts with thousands separators", async () => {
    const html = await (await get("/installations/shop-1")).text();
    expect(html).toContain('<td class="num">1,234</td>');
    expect(html).toContain('<td class="num">90,001</td>');
    expect(html).toContain('<td class="num">2,468</td>');
  });

  it("shows how long the last run took", async () => {
    const html = await (await get("/installations/shop-1")).text();
    expect(html).toContain("<td>12.3 s</td>");
  });

  it("lists quarantine reasons with their counts", async () => {
    const html = await (await get("/installations/shop-1")).text();
    expect(html).toContain('<tr><td>email: invalid email address</td><td class="num">78</td></tr>');
  });

  it("lists merged categories raw to canonical", async () => {
    const html = await (await get("/installations/shop-1")).text();
    expect(html).toContain("<tr><td>Sneakers/Men</td><td>footwear/sneakers</td></tr>");
  });

  it("lists earlier runs below the last one", async () => {
    const html = await (await get("/installations/shop-1")).text();
    expect(html).toContain('<td>2025-02-28T10:00:00.000Z</td><td class="status-failed">failed</td><td class="num">1 min 01 s</td><td class="num">1,000</td>');
  });

  it("shows quarantined records with their reason", async () => {
    const html = await (await get("/installations/shop-1")).text();
    expect(html).toContain("<td>price: expected number</td>");
    expect(html).toContain("Showing 1 of 79 records");
  });

  it("escapes HTML inside a quarantined raw record", async () => {
    const html = await (await get("/installations/shop-1")).text();
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).not.toContain("<script>");
  });

  it("serves the page as HTML titled Tailor", async () => {
    const res = await get("/installations/shop-1");
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await res.text()).toContain("<title>Tailor</title>");
  });

  it("tells a new installation how to run its first sync", async () => {
    const html = await (await get("/installations/shop-quiet")).text();
    expect(html).toContain("No sync has run yet — run <code>npm run sync</code>.");
    expect(html).not.toContain("Quarantine");
  });

  it("answers 404 with a page for an unknown installation", async () => {
    const res = await get("/installations/nope");
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("There is no installation &quot;nope&quot; here.");
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
