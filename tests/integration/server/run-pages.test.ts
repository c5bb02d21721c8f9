import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Quarantined, RunSummary, Store } from "../../../src/domain/index.js";
import { createMemoryStore } from "../../../src/store/memory-store.js";
import { openPanel, type PanelClient } from "../../helpers/panel-client.js";

const ID = "shop-1";

/** A run report with every section filled, numbers chosen to be told apart on the page. */
const fullRun = (over: Partial<RunSummary> = {}): RunSummary => ({
  runId: "run-2025-03-01T10:00:00.000Z",
  installationId: ID,
  status: "succeeded",
  startedAt: "2025-03-01T10:00:00.000Z",
  finishedAt: "2025-03-01T10:00:12.300Z",
  dryRun: false,
  ingest: {
    received: { contacts: 5678, products: 12, events: 90_001 },
    accepted: { contacts: 5600, products: 11, events: 90_000 },
    quarantinedByReason: { "email: invalid email address": 78, "price: expected number": 1, "at: not a valid date": 3, "id: missing": 2 },
    identitiesMerged: 17,
    ordersDeduped: { sameOrderId: 41, sameContents: 37 },
    eventsRepeated: 29,
    categoriesMerged: { "Sneakers/Men": "footwear/sneakers", "Trail & <Run>": "footwear/trail" },
    unknownProductLines: 23,
  },
  quarantined: 84,
  contactsScored: 1234,
  contactsChanged: 321,
  propertiesChanged: 2468,
  written: 320,
  writeFailures: 1,
  writeCalls: 4,
  durationMs: 12_300,
  warnings: ["klaviyo: events older than 2 years were not pulled", "Slot leak: 2 slots recommend an inactive product (e.g. contact c-7, product p-9)"],
  model: { source: "fit", confidence: "high", why: "fitted on 508 repeat customers of 824", repeatCustomers: 508 },
  machineOpenShare: 0.632,
  recommendations: {
    contacts: 1234,
    slotsFilled: 6100,
    slotsEmpty: 70,
    productsRecommended: 88,
    productsEligible: 110,
    coverage: 0.8,
    diversity: 0.654,
    fallbackShare: 0.125,
    explorationShare: 0.05,
    bySource: { personal: 4000, bestsellers: 1500, exploration: 600 },
    catalog: { products: 120, withoutPrice: 6, withoutCategory: 9 },
    leaks: { unknown_product: 0, inactive: 2, out_of_stock: 0, excluded: 0, below_margin_floor: 0, already_bought_not_replenishable: 0, outside_price_band: 0, repeated: 0 },
    leakExamples: [{ leak: "inactive", contactId: "c-7", productId: "p-9" }],
  },
  guardrails: {
    contacts: 1234,
    suppressed: 144,
    suppressedBy: { unsubscribed: 101, refund: 43 },
    fatigued: 57,
    flows: { welcome: 11, browse_abandonment: 12, cart_abandonment: 13, post_purchase: 14, replenishment: 15, winback: 16 },
    abandonmentHeldBack: 5,
    sendTime: { ownHour: 345, populationHour: "Tuesday 10:00", priorStrength: 4, why: "own hour for contacts with 5+ human opens" },
    holdout: 123,
    arms: {
      send_time: { treated: 500, holdout: 55, off: 556 },
      recommendations: { treated: 1111, holdout: 0, off: 0 },
      segments: { treated: 0, holdout: 0, off: 1111 },
    },
    logEntries: 66,
  },
  segments: { "Win-back": 400, "Active repeat buyer": 834 },
  alerts: ["Slot leak: 2 slots recommend an inactive product (e.g. contact c-7, product p-9)"],
  ...over,
});

const earlier = fullRun({ runId: "run-old", status: "failed", dryRun: true, startedAt: "2025-02-28T10:00:00.000Z", durationMs: 61_000, alerts: [], error: "HubSpot: 503" });

/** 130 quarantined records: 60 bad emails (contacts), 60 bad dates (events), 9 bad prices (products), 1 refused push. */
async function withQuarantine(store: Store): Promise<void> {
  const records = (stream: Quarantined["stream"], reason: string, n: number, from: number): Quarantined[] =>
    Array.from({ length: n }, (_, i) => ({ stream, reason, raw: { id: `${stream}-${from + i}` } }));
  await store.commitPage(ID, "run-old", {
    stream: "contacts", cursor: "1", contacts: [], products: [], events: [], cleanState: null,
    quarantine: [...records("contacts", "email: invalid email address", 60, 1), ...records("products", "price: expected number", 9, 1)],
  });
  await store.commitPage(ID, fullRun().runId, {
    stream: "events", cursor: "2", contacts: [], products: [], events: [], cleanState: null,
    quarantine: [
      ...records("events", "at: not a valid date", 59, 1),
      { stream: "events", reason: "at: not a valid date", raw: { id: "events-60", note: "</pre><script>alert(1)</script>" } },
    ],
  });
  await store.checkpointPush(ID, fullRun().runId, [], [{ stream: "push", reason: "INVALID_EMAIL: the ESP refused it", raw: { contactId: "c-99" } }]);
}

let panel: PanelClient;

beforeAll(async () => {
  const store = createMemoryStore();
  await store.saveInstallation({ id: ID, esp: "klaviyo", name: "Acme Outdoor", createdAt: "2025-01-01T00:00:00.000Z", propertiesDefined: [] });
  await store.saveInstallation({ id: "shop-2", esp: "files", name: "Other", createdAt: "2025-01-01T00:00:00.000Z", propertiesDefined: [] });
  await store.saveRun(earlier);
  await store.saveRun(fullRun());
  await withQuarantine(store);
  panel = await openPanel(store, ID);
});

afterAll(() => panel.close());

/** The page as HTML; handlebars writes "=" in attribute values as &#x3D;, which browsers read as "=". */
const html = async (path: string): Promise<{ status: number; text: string }> => {
  const res = await panel.get(path);
  return { status: res.status, text: (await res.text()).replaceAll("&#x3D;", "=") };
};
/** The page's text with tags and repeated whitespace gone, for assertions about what a person reads. */
const visible = (page: string): string => page.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ");
const runUrl = `/installations/${ID}/runs/${encodeURIComponent(fullRun().runId)}`;

describe("runs page", () => {
  it("lists the runs newest first in a table captioned Sync history, each linking to its report", async () => {
    const { status, text } = await html(`/installations/${ID}/runs`);
    expect(status).toBe(200);
    expect(text).toContain("<h1>Runs</h1>");
    expect(text).toContain("<caption>Sync history</caption>");
    const links = [...text.matchAll(/<a href="(\/installations\/shop-1\/runs\/[^"]+)">([^<]+)<\/a>/g)].map((m) => [m[1], m[2]]);
    expect(links).toEqual([[runUrl, "2025-03-01T10:00:00.000Z"], ["/installations/shop-1/runs/run-old", "2025-02-28T10:00:00.000Z"]]);
  });

  it("shows each run's status, duration, records in per stream, changes, writes, failures and alerts", async () => {
    const row = visible((await html(`/installations/${ID}/runs`)).text.split("<tbody>")[1]?.split("</tr>")[0] ?? "");
    expect(row).toBe(" 2025-03-01T10:00:00.000Z succeeded 12.3 s 5,678 12 90,001 84 email: invalid email address (78) at: not a valid date (3) id: missing (2) 321 320 1 1 ");
  });

  it("marks a dry run and a failed one", async () => {
    expect(visible((await html(`/installations/${ID}/runs`)).text)).toContain("failed (dry run) 1 min 01 s");
  });

  it("tells a fresh installation no sync has run yet", async () => {
    await panel.signIn("shop-2");
    try {
      expect((await html("/installations/shop-2/runs")).text).toContain("No sync has run yet");
    } finally {
      await panel.signIn(ID);
    }
  });
});

describe("run page", () => {
  it("shows the summary, the alerts first and the other warnings last", async () => {
    const text = visible((await html(runUrl)).text);
    expect(text).toContain("Alerts Slot leak: 2 slots recommend an inactive product (e.g. contact c-7, product p-9)");
    expect(text).toContain("Warnings klaviyo: events older than 2 years were not pulled");
    expect(text.match(/Slot leak/g)?.length).toBe(1);
    expect(text).toContain("Status succeeded Started 2025-03-01T10:00:00.000Z Finished 2025-03-01T10:00:12.300Z Duration 12.3 s");
  });

  it("lists records received and accepted per stream", async () => {
    expect(visible((await html(runUrl)).text)).toContain("contacts 5,678 5,600 products 12 11 events 90,001 90,000");
  });

  it("links every quarantine reason to the browser filtered by it", async () => {
    const { text } = await html(runUrl);
    expect(text).toContain('<tr><td><a href="/installations/shop-1/quarantine?reason=email%3A+invalid+email+address">email: invalid email address</a></td><td class="num">78</td></tr>');
    expect(visible(text)).toContain("Quarantined by reason 84 records kept out of scoring");
  });

  it("shows the taxonomy merge report, escaped, with the unknown product lines", async () => {
    const { text } = await html(runUrl);
    expect(text).toContain("<tr><td>Sneakers/Men</td><td>footwear/sneakers</td></tr>");
    expect(text).toContain("<tr><td>Trail &amp; &lt;Run&gt;</td><td>footwear/trail</td></tr>");
    expect(visible(text)).toContain("Order lines naming a product the catalog lacks (orders kept, lines counted): 23");
  });

  it("shows the purchase dedupe report", async () => {
    expect(visible((await html(runUrl)).text)).toContain("Purchase dedupe report Orders dropped: same order id 41 Orders dropped: same contents 37 Events pulled again 29 Identities merged 17");
  });

  it("shows scoring, write-back, predictions and machine opens", async () => {
    expect(visible((await html(runUrl)).text)).toContain(
      "Contacts scored 1,234 Contacts changed 321 Properties changed 2,468 Contacts written 320 Write failures 1 Write calls 4 Predictions high confidence: fitted on 508 repeat customers of 824 Machine opens (Apple MPP) 63.2 % of opens, never counted as engagement",
    );
  });

  it("shows recommendation monitoring: coverage, diversity, shares, sources, catalog gaps and leaks with examples", async () => {
    const text = visible((await html(runUrl)).text);
    expect(text).toContain("Coverage (eligible products shown) 80.0 % Diversity (slot pairs in different categories) 65.4 % Fallback share 12.5 % Exploration share 5.0 %");
    expect(text).toContain("Catalog products without a price 6 Catalog products without a category 9");
    expect(text).toContain("personal 4,000 bestsellers 1,500 exploration 600");
    expect(text).toContain("Leaks by rule (2 in all; every count must be 0)");
    expect((await html(runUrl)).text).toContain('<a href="/installations/shop-1/contacts/c-7">c-7</a>: p-9');
  });

  it("shows guardrails: suppressions by reason, fatigue, flows, send time and holdout arms", async () => {
    const text = visible((await html(runUrl)).text);
    expect(text).toContain("Promos suppressed 144 Fatigued 57 Abandonment flows held back by the gap 5");
    expect(text).toContain("345 contacts on their own hour, the rest on the store's (Tuesday 10:00)");
    expect(text).toContain("unsubscribed 101 refund 43");
    expect(text).toContain("welcome 11 browse_abandonment 12 cart_abandonment 13 post_purchase 14 replenishment 15 winback 16");
    expect(text).toContain("send_time 500 55 556");
  });

  it("shows contacts per segment", async () => {
    expect(visible((await html(runUrl)).text)).toContain("Active repeat buyer 834 Win-back 400");
  });

  it("says what a run saved before monitoring did not measure", async () => {
    const text = visible((await html("/installations/shop-1/runs/run-old")).text);
    expect(text).toContain("HubSpot: 503");
    expect(text).not.toContain("Alerts");
  });

  it("answers 404 with a page for an unknown run", async () => {
    const { status, text } = await html(`/installations/${ID}/runs/run-nope`);
    expect([status, text.includes("There is no run with this id here.")]).toEqual([404, true]);
  });
});

describe("quarantine browser", () => {
  const Q = `/installations/${ID}/quarantine`;
  const rows = (page: string): string[][] =>
    [...page.matchAll(/<tr><td>([^<]*)<\/td><td>([^<]*)<\/td><td><a href="[^"]*"><code>([^<]*)<\/code><\/a><\/td>/g)].map((m) => [m[1] ?? "", m[2] ?? "", m[3] ?? ""]);

  it("shows 50 records per page, newest first, with a Next link", async () => {
    const { status, text } = await html(Q);
    expect([status, text.includes("<h1>Quarantine</h1>"), visible(text).includes("Showing 1–50 of 130")]).toEqual([200, true, true]);
    expect(rows(text).length).toBe(50);
    expect(rows(text)[0]).toEqual(["push", "INVALID_EMAIL: the ESP refused it", fullRun().runId]);
    expect(text).toContain(`<a href="${Q}?page=2" rel="next">Next</a>`);
    expect(text).not.toContain('rel="prev"');
  });

  it("pages on with Previous and Next, and shows the last page's range", async () => {
    const second = await html(`${Q}?page=2`);
    const third = await html(`${Q}?page=3`);
    expect(visible(second.text)).toContain("Showing 51–100 of 130");
    expect(second.text).toContain(`<a href="${Q}" rel="prev">Previous</a>`);
    expect(second.text).toContain(`<a href="${Q}?page=3" rel="next">Next</a>`);
    expect([visible(third.text).includes("Showing 101–130 of 130"), third.text.includes('rel="next"'), rows(third.text).at(-1)]).toEqual([true, false, ["contacts", "email: invalid email address", "run-old"]]);
  });

  it("filters by stream, keeping the filter in the paging links", async () => {
    const { text } = await html(`${Q}?stream=contacts`);
    expect(visible(text)).toContain("Showing 1–50 of 60");
    expect(new Set(rows(text).map((r) => r[0]))).toEqual(new Set(["contacts"]));
    expect(text).toContain(`<a href="${Q}?stream=contacts&amp;page=2" rel="next">Next</a>`);
    expect(text).toContain('<option value="contacts" selected>contacts</option>');
  });

  it("filters by a reason substring, ignoring case", async () => {
    const { text } = await html(`${Q}?reason=${encodeURIComponent("EXPECTED number")}`);
    expect(visible(text)).toContain("Showing 1–9 of 9");
    expect(rows(text).map((r) => r[0])).toEqual(Array(9).fill("products"));
    expect(text).toContain('name="reason" value="EXPECTED number"');
  });

  it("combines stream and reason filters", async () => {
    const { text } = await html(`${Q}?stream=push&reason=invalid`);
    expect(rows(text)).toEqual([["push", "INVALID_EMAIL: the ESP refused it", fullRun().runId]]);
  });

  it("says when nothing matches", async () => {
    expect(visible((await html(`${Q}?reason=zzz`)).text)).toContain("No quarantined records match this filter.");
  });

  it("pretty-prints each raw record, escaped", async () => {
    const { text } = await html(`${Q}?stream=events&reason=valid`);
    expect(text).toContain("<pre>{\n  &quot;id&quot;: &quot;events-60&quot;,\n  &quot;note&quot;: &quot;&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;&quot;\n}</pre>");
    expect(text).not.toContain("<script>alert(1)");
  });

  it.each(["page=0", "page=abc", "page=1.5", "stream=orders", "page=-2"])("answers %s with a 400 page naming the problem", async (query) => {
    const { status, text } = await html(`${Q}?${query}`);
    expect([status, text.includes("<h1>Quarantine</h1>"), text.includes("The filter was not applied")]).toEqual([400, true, true]);
  });

  it("answers a page past the end with no records and a way back", async () => {
    const { status, text } = await html(`${Q}?page=9`);
    expect([status, visible(text).includes("Page 9 is past the end: there are 130 records."), text.includes(`<a href="${Q}?page=3" rel="prev">Previous</a>`)]).toEqual([200, true, true]);
  });
});

describe("overview", () => {
  it("shows the latest run's alerts prominently", async () => {
    const { text } = await html(`/installations/${ID}`);
    expect(text).toContain('<p class="alert">Slot leak: 2 slots recommend an inactive product (e.g. contact c-7, product p-9)</p>');
  });

  it("links to the run's report, the quarantine and lift", async () => {
    const { text } = await html(`/installations/${ID}`);
    expect(text).toContain(`<a href="${runUrl}">Full report of this run</a>`);
    expect(text).toContain('<a href="/installations/shop-1/quarantine">Quarantined records</a> <span class="muted">(130 kept out of scoring)</span>');
    expect(text).toContain('<a href="/installations/shop-1/lift">');
  });
});

describe("another installation's pages", () => {
  it.each(["/runs", "/quarantine", `/runs/${encodeURIComponent(fullRun().runId)}`])("refuses %s with 403", async (path) => {
    expect((await panel.get(`/installations/shop-2${path}`)).status).toBe(403);
  });
});
