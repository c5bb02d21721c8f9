import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPanel, type PanelClient } from "../../helpers/panel-client.js";
import { PROPERTIES } from "../../../src/domain/index.js";
import type { Contact, Feed, GuardLogEntry, Installation, Profile } from "../../../src/domain/index.js";
import { createMemoryStore } from "../../../src/store/memory-store.js";
import { runSync } from "../../../src/sync/run-sync.js";
import { createScriptedConnector, smallShop } from "../../helpers/scripted-connector.js";

const shop: Installation = { id: "shop-1", esp: "klaviyo", name: "Acme Outdoor", createdAt: "2025-01-01T00:00:00.000Z", propertiesDefined: [] };
const other: Installation = { id: "shop-2", esp: "files", name: "Other Shop", createdAt: "2025-01-01T00:00:00.000Z", propertiesDefined: [] };

const contact = (id: string, email: string | undefined, over: Partial<Contact> = {}): Contact => ({
  id, espIds: {}, createdAt: new Date("2025-01-02T09:30:00Z"), consent: "subscribed", preferences: {},
  ...(email === undefined ? {} : { email }), ...over,
});

const contacts: Contact[] = [
  contact("c.42", "ana@acme.test", { espIds: { klaviyo: "01HXKLAVIYO" }, timezone: "Europe/Madrid" }),
  contact("c-7", "Anabel@Acme.test", { consent: "unsubscribed" }),
  contact("c-new", "new@acme.test"),
  contact("c-xss", "<b>bold</b>@evil.test"),
  contact("c-phone", undefined),
];

const feed: Feed = {
  generatedAt: "2025-03-01T10:00:00.000Z",
  products: {
    "p-1": { id: "p-1", title: "Trail <i>Shoe</i>", url: "https://acme.test/p-1", imageUrl: "https://cdn.acme.test/p-1.jpg", price: 1120.5, category: "footwear/trail", brand: "Acme" },
    "p-js": { id: "p-js", title: "Sneaky", url: "javascript:alert(1)", imageUrl: "javascript:alert(2)", price: null, category: "", brand: "" },
  },
  fallbacks: { all: ["p-1"], bySegment: {} },
};

const profile: Profile = {
  contactId: "c.42",
  properties: {
    // Not in declared order on purpose: the page sorts.
    tailor_suppress_promos: { value: true, why: "refund on 2025-03-01: promos pause 14 days" },
    tailor_lifecycle: { value: "lapsing", why: "no order for 120 days (active window is 90)" },
    tailor_churn_risk: { value: 0.73, why: "BG/NBD: 73 % chance of no order in 90 days", confidence: "medium" },
    tailor_top_category: { value: null, why: "no category activity" },
    tailor_segment: { value: "Lapsing", why: "orders >= 1 (is 3)" },
    tailor_rec_1: { value: "p-1", why: "Picked for you: bought trail gear twice" },
    tailor_rec_1_title: { value: "Trail <i>Shoe</i>", why: "Picked for you: bought trail gear twice" },
    tailor_rec_2: { value: "p-gone", why: "Goes with your last order: bought with Trail Shoe" },
    tailor_rec_2_title: { value: "Old Boot", why: "Goes with your last order" },
    tailor_rec_2_url: { value: "https://acme.test/old-boot", why: "Goes with your last order" },
    tailor_rec_2_image: { value: "https://cdn.acme.test/old-boot.jpg", why: "Goes with your last order" },
    tailor_rec_2_price: { value: 80, why: "Goes with your last order" },
    tailor_rec_3: { value: "", why: "Trending in your favourite category: nothing passes the rules" },
    tailor_rec_4: { value: "p-js", why: "New in categories you like: new this week" },
    tailor_rec_6: { value: "", why: "slot not used: the settings name fewer slots" },
  },
};

const log: GuardLogEntry[] = [
  { at: Date.parse("2025-03-01T10:00:00Z"), key: "refund", on: true, reason: "refund on 2025-03-01: promos pause 14 days", until: Date.parse("2025-03-15T10:00:00Z") },
  { at: Date.parse("2025-03-02T10:00:00Z"), key: "cart_abandonment", on: true, reason: "carted 5 h ago, no order since", until: null, ref: "cart_abandonment:1" },
];

let panel: PanelClient;

beforeAll(async () => {
  const store = createMemoryStore();
  for (const installation of [shop, other]) await store.saveInstallation(installation);
  await store.commitPage("shop-1", "run-1", { stream: "contacts", contacts, products: [], events: [], quarantine: [], cleanState: null, cursor: "1" });
  await store.saveProfiles("shop-1", [
    profile,
    { contactId: "c-7", properties: { tailor_lifecycle: { value: "active_customer", why: "last order 3 days ago" }, tailor_segment: { value: "Active repeat buyer", why: "orders >= 2 (is 4)" } } },
    { contactId: "c-xss", properties: { tailor_lifecycle: { value: "new_lead", why: "has not ordered yet" } } },
  ]);
  await store.saveFeed("shop-1", feed);
  await store.appendGuardLog("shop-1", log.map((entry) => ({ contactId: "c.42", entry })));
  panel = await openPanel(store, "shop-1");
});

afterAll(() => panel.close());

const page = async (path: string): Promise<{ status: number; html: string }> => {
  const res = await panel.get(path);
  return { status: res.status, html: await res.text() };
};
/** The HTML from an h2 up to the next h2 (or the end of main). */
const section = (html: string, heading: string): string => {
  const start = html.indexOf(`<h2>${heading}</h2>`);
  if (start < 0) throw new Error(`no h2 "${heading}"`);
  const rest = html.slice(start + heading.length + 9);
  const end = rest.search(/<h2>|<\/main>/);
  return end < 0 ? rest : rest.slice(0, end);
};
/** Each body row's cells as text. */
const rowsOf = (html: string): string[][] =>
  [...(html.split("<tbody>")[1] ?? "").matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) =>
    [...(m[1] ?? "").matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => (c[1] ?? "").replace(/<br>/g, " ").replace(/<[^>]+>/g, "").trim()));
const cardsOf = (html: string): string[] => [...section(html, "Recommendations").matchAll(/<li class="card[^"]*">([\s\S]*?)<\/li>/g)].map((m) => m[1] ?? "");

describe("contacts search", () => {
  it("shows the search form with its label, button and a hint before any search", async () => {
    const { status, html } = await page("/installations/shop-1/contacts");
    expect(status).toBe(200);
    expect(html).toMatch(/<label for="contact-q">Email or contact id<\/label>/);
    expect(html).toMatch(/<input type="search" id="contact-q" name="q" value=""/);
    expect(html).toContain('<button type="submit">Search</button>');
    expect([html.includes("<table"), html.includes("Search for a contact")]).toEqual([false, true]);
  });

  it("finds a contact by its email whatever the case, linking to its page with lifecycle and segment", async () => {
    const { html } = await page("/installations/shop-1/contacts?q=ANA%40ACME.TEST");
    expect(rowsOf(html)[0]).toEqual(["ana@acme.test", "c.42", "subscribed", "lapsing", "Lapsing"]);
    expect(html).toContain('<a href="/installations/shop-1/contacts/c.42">ana@acme.test</a>');
  });

  it("finds every contact whose email contains part of the query, the exact match first", async () => {
    const { html } = await page("/installations/shop-1/contacts?q=%20ana");
    expect(rowsOf(html).map((r) => r[1])).toEqual(["c.42", "c-7"]);
  });

  it("finds a contact by its exact id and says when it was never scored", async () => {
    const { html } = await page("/installations/shop-1/contacts?q=c-new");
    expect(rowsOf(html)).toEqual([["new@acme.test", "c-new", "subscribed", "not scored yet", "—"]]);
  });

  it("keeps the query in the search box", async () => {
    expect((await page("/installations/shop-1/contacts?q=acme")).html).toMatch(/name="q" value="acme"/);
  });

  it("says so when no contact matches", async () => {
    const { status, html } = await page("/installations/shop-1/contacts?q=nobody%40nowhere");
    expect([status, html.includes("No contact matches “nobody@nowhere”."), html.includes("<table")]).toEqual([200, true, false]);
  });

  it("escapes HTML in an email and in the query", async () => {
    const { html } = await page("/installations/shop-1/contacts?q=%3Cb%3E");
    expect(html).toContain("&lt;b&gt;bold&lt;/b&gt;@evil.test");
    expect(html).not.toContain("<b>");
  });

  it("is refused for another installation than the session's", async () => {
    expect((await page("/installations/shop-2/contacts?q=ana")).status).toBe(403);
  });
});

describe("contact page", () => {
  it("is headed by the contact's email and summarises its ids, consent, creation and time zone", async () => {
    const { status, html } = await page("/installations/shop-1/contacts/c.42");
    expect(status).toBe(200);
    expect(html).toContain("<h1>ana@acme.test</h1>");
    expect(rowsOf(html.slice(0, html.indexOf("<h2>")))).toEqual([
      ["Contact id", "c.42"], ["Email", "ana@acme.test"], ["klaviyo id", "01HXKLAVIYO"], ["Consent", "subscribed"],
      ["Created", "2025-01-02 09:30 UTC"], ["Time zone", "Europe/Madrid"],
    ]);
  });

  it("shows every tailor_* value in declared order with its why and confidence", async () => {
    const rows = rowsOf(section((await page("/installations/shop-1/contacts/c.42")).html, "Every Tailor value"));
    const declared = PROPERTIES.map((p) => p.name).filter((name) => name in profile.properties);
    expect(rows.map((r) => r[0]?.split(" ")[0])).toEqual(declared);
    expect(rows.find((r) => r[0]?.startsWith("tailor_churn_risk"))).toEqual(["tailor_churn_risk Tailor churn risk", "0.73", "BG/NBD: 73 % chance of no order in 90 days", "medium"]);
  });

  it("shows booleans as yes or no, and a dash for an empty value or a missing confidence", async () => {
    const rows = rowsOf(section((await page("/installations/shop-1/contacts/c.42")).html, "Every Tailor value"));
    expect(rows.find((r) => r[0]?.startsWith("tailor_suppress_promos"))?.slice(1)).toEqual(["yes", "refund on 2025-03-01: promos pause 14 days", "—"]);
    expect(rows.find((r) => r[0]?.startsWith("tailor_top_category"))?.slice(1)).toEqual(["—", "no category activity", "—"]);
  });

  it("shows a filled slot as a product card from the feed: image, linked title, price with 2 decimals, category and why", async () => {
    const [first = ""] = cardsOf((await page("/installations/shop-1/contacts/c.42")).html);
    expect(first).toContain('<img src="https://cdn.acme.test/p-1.jpg" alt="Trail &lt;i&gt;Shoe&lt;/i&gt;" width="192" height="192" loading="lazy">');
    expect(first).toContain('<a href="https://acme.test/p-1" rel="noopener noreferrer">Trail &lt;i&gt;Shoe&lt;/i&gt;</a>');
    expect([first.includes("1,120.50"), first.includes("footwear/trail"), first.includes("Picked for you: bought trail gear twice")]).toEqual([true, true, true]);
  });

  it("falls back to the profile's slot fields when the feed lacks the product", async () => {
    const second = cardsOf((await page("/installations/shop-1/contacts/c.42")).html)[1] ?? "";
    expect(second).toContain('<img src="https://cdn.acme.test/old-boot.jpg" alt="Old Boot"');
    expect([second.includes('href="https://acme.test/old-boot"'), second.includes("80.00"), second.includes("Goes with your last order: bought with Trail Shoe")]).toEqual([true, true, true]);
  });

  it("lists an empty slot as empty with its why, and leaves out slots the settings do not use", async () => {
    const cards = cardsOf((await page("/installations/shop-1/contacts/c.42")).html);
    expect(cards).toHaveLength(4);
    expect([cards[2]?.includes("Empty"), cards[2]?.includes("nothing passes the rules"), cards[2]?.includes("<img")]).toEqual([true, true, false]);
  });

  it("never turns a non-http product URL into a link or an image", async () => {
    const fourth = cardsOf((await page("/installations/shop-1/contacts/c.42")).html)[3] ?? "";
    expect([fourth.includes("Sneaky"), fourth.includes("javascript:"), fourth.includes("<img"), fourth.includes("<a ")]).toEqual([true, false, false, false]);
  });

  it("shows the suppressions log newest first, with when, key, state, reason and until", async () => {
    const rows = rowsOf(section((await page("/installations/shop-1/contacts/c.42")).html, "Suppressions log"));
    expect(rows).toEqual([
      ["2025-03-02 10:00 UTC", "cart_abandonment", "on", "carted 5 h ago, no order since", "—"],
      ["2025-03-01 10:00 UTC", "refund", "on", "refund on 2025-03-01: promos pause 14 days", "2025-03-15 10:00 UTC"],
    ]);
  });

  it("shows a contact that was never scored, with a note", async () => {
    const { status, html } = await page("/installations/shop-1/contacts/c-new");
    expect([status, html.includes("<h1>new@acme.test</h1>"), html.includes("Not scored yet: the next sync scores it")]).toEqual([200, true, true]);
    expect(["Recommendations", "Every Tailor value", "Suppressions log"].map((h) => html.includes(`<h2>${h}</h2>`))).toEqual([true, true, true]);
  });

  it("is headed by the id when the contact has no email", async () => {
    expect((await page("/installations/shop-1/contacts/c-phone")).html).toContain("<h1>c-phone</h1>");
  });

  it("escapes HTML in the contact's email", async () => {
    const { html } = await page("/installations/shop-1/contacts/c-xss");
    expect([html.includes("<h1>&lt;b&gt;bold&lt;/b&gt;@evil.test</h1>"), html.includes("<b>bold")]).toEqual([true, false]);
  });

  it("answers an unknown contact with a 404 page", async () => {
    const { status, html } = await page("/installations/shop-1/contacts/nobody");
    expect([status, html.includes("<h1>Not found</h1>")]).toEqual([404, true]);
  });

  it("keeps the page out of shared caches", async () => {
    expect((await panel.get("/installations/shop-1/contacts/c.42")).headers.get("cache-control")).toBe("private, no-store");
  });
});

describe("profile JSON", () => {
  it("serves a contact's profile, ids with dots included", async () => {
    const res = await panel.get("/installations/shop-1/contacts/c.42.json");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(profile);
  });

  it("keeps a profile out of shared caches", async () => {
    const res = await panel.get("/installations/shop-1/contacts/c.42.json");
    expect(res.headers.get("cache-control")).toBe("private, no-store");
  });

  it("serves a contact's guard log, newest first, with ISO times", async () => {
    const res = await panel.get("/installations/shop-1/contacts/c.42/guard-log.json");
    expect([res.status, res.headers.get("cache-control")]).toEqual([200, "private, no-store"]);
    expect(await res.json()).toEqual({ contactId: "c.42", entries: [
      { at: "2025-03-02T10:00:00.000Z", key: "cart_abandonment", on: true, reason: "carted 5 h ago, no order since", until: null },
      { at: "2025-03-01T10:00:00.000Z", key: "refund", on: true, reason: "refund on 2025-03-01: promos pause 14 days", until: "2025-03-15T10:00:00.000Z" },
    ] });
  });

  it("answers an empty guard log for a contact with none", async () => {
    expect(await (await panel.get("/installations/shop-1/contacts/nobody/guard-log.json")).json()).toEqual({ contactId: "nobody", entries: [] });
  });

  it("answers 404 for a contact with no profile", async () => {
    const res = await panel.get("/installations/shop-1/contacts/nobody.json");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "not_found" });
  });

  it("answers 400 with the issues for an id longer than 256 characters", async () => {
    const res = await panel.get(`/installations/shop-1/contacts/${"x".repeat(257)}.json`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; issues: { code: string }[] };
    expect(body.error).toBe("invalid_request");
    expect(body.issues.map((i) => i.code)).toEqual(["too_big"]);
  });

  it("never serves another installation's profile to this session", async () => {
    const res = await panel.get("/installations/shop-2/contacts/c.42.json");
    expect([res.status, ((await res.json()) as { error: string }).error]).toEqual([403, "forbidden"]);
  });
});

describe("a contact scored by a real sync", () => {
  let synced: PanelClient;
  beforeAll(async () => {
    const store = createMemoryStore();
    const now = new Date("2026-11-01T12:00:00Z");
    await store.saveInstallation({ id: "shop", esp: "files", name: "Shop", createdAt: now.toISOString(), propertiesDefined: [] });
    await runSync({ connector: createScriptedConnector(smallShop(40, now)), store, now: () => now, seed: 7 }, "shop");
    synced = await openPanel(store, "shop");
  });
  afterAll(() => synced.close());

  it("is found by its email and shows a row for every declared property and a card per filled slot", async () => {
    const search = await (await synced.get("/installations/shop/contacts?q=person3%40example.com")).text();
    expect(rowsOf(search).map((r) => r[1])).toEqual(["c3"]);
    const res = await synced.get("/installations/shop/contacts/c3");
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(rowsOf(section(html, "Every Tailor value")).map((r) => r[0]?.split(" ")[0])).toEqual(PROPERTIES.map((p) => p.name));
    const cards = cardsOf(html);
    expect(cards.length).toBeGreaterThan(0);
    expect(cards.filter((c) => c.includes("<img src=\"https://shop.example/p")).length).toBeGreaterThan(0);
  });
});
