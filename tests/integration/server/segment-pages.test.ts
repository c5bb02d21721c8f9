import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPanel, type PanelClient } from "../../helpers/panel-client.js";
import { emptyIngestReport, SettingsSchema } from "../../../src/domain/index.js";
import type { Contact, Installation, Profile, RunSummary } from "../../../src/domain/index.js";
import { createMemoryStore } from "../../../src/store/memory-store.js";
import { runSync } from "../../../src/sync/run-sync.js";
import { createScriptedConnector, smallShop } from "../../helpers/scripted-connector.js";

const shop: Installation = { id: "shop-1", esp: "hubspot", name: "Acme Outdoor", createdAt: "2025-01-01T00:00:00.000Z", propertiesDefined: [] };
const fresh: Installation = { id: "shop-fresh", esp: "files", name: "Fresh Shop", createdAt: "2025-01-01T00:00:00.000Z", propertiesDefined: [] };

const member = (contactId: string, segment: string, clv: number): Profile => ({
  contactId,
  properties: {
    tailor_lifecycle: { value: "active_customer", why: "last order 12 days ago" },
    tailor_clv_12m: { value: clv, why: "BG/NBD x Gamma-Gamma over 12 months" },
    tailor_clv_tier: { value: "high", why: "top 30 %" },
    tailor_churn_risk: { value: 0.25, why: "25 % chance of no order in 90 days" },
    tailor_segment: { value: segment, why: "first segment whose guards hold" },
    tailor_segment_why: { value: `orders >= 2 (is 3); daysSinceLastOrder <= 90 (is 12); consent == subscribed (is ${contactId})`, why: `"${segment}" is the first segment` },
  },
});
const active = Array.from({ length: 40 }, (_, i) => member(`a${String(i).padStart(2, "0")}`, "Active repeat buyer", 100 + i * 7 % 40));
const lapsing = Array.from({ length: 3 }, (_, i) => member(`l${i}`, "Lapsing", 50));

const contact = (id: string, email: string): Contact => ({ id, espIds: {}, email, createdAt: new Date("2025-01-01T00:00:00Z"), consent: "subscribed", preferences: {} });

const DAY_MS = 86_400_000;
/** A run on day `day` of the history; `counted: false` is a run saved before segments were counted. */
const run = (day: number, over: Partial<RunSummary> = {}, counted = true): RunSummary => ({
  runId: `run-${day}`, installationId: "shop-1", status: "succeeded",
  startedAt: new Date(Date.parse("2025-03-01T06:00:00Z") + day * DAY_MS).toISOString(), finishedAt: null, dryRun: false,
  ingest: emptyIngestReport(), quarantined: 0, contactsScored: 43, contactsChanged: 0, propertiesChanged: 0, written: 0,
  writeFailures: 0, writeCalls: 0, durationMs: 1000, warnings: [],
  ...(counted ? { segments: { "Active repeat buyer": 30 + day, Lapsing: 3 } } : {}),
  ...over,
});

// 32 counted runs (days 0..31, so the chart keeps days 2..31), plus runs the chart must skip.
const runs: RunSummary[] = [
  ...Array.from({ length: 32 }, (_, day) => run(day)),
  run(32, { runId: "dry", dryRun: true, segments: { "Active repeat buyer": 999 } }),
  run(33, { runId: "failed", status: "failed", segments: { "Active repeat buyer": 998 } }),
  run(34, { runId: "before-counting" }, false),
];

type ChartConfig = { type: string; data: { labels: string[]; datasets: { label: string; data: number[] }[] } };

let panel: PanelClient;
let freshPanel: PanelClient;

beforeAll(async () => {
  const store = createMemoryStore();
  for (const installation of [shop, fresh]) await store.saveInstallation(installation);
  const settings = SettingsSchema.parse({});
  const segments = settings.segments.segments.map((s) => (s.name === "Win-back" ? { ...s, description: "Gone <b>quiet</b> for 180 days" } : s));
  await store.saveSettings("shop-1", { ...settings, segments: { segments } }, { by: "test", at: "2025-03-01T00:00:00.000Z", note: "" });
  await store.saveProfiles("shop-1", [...active, ...lapsing]);
  await store.commitPage("shop-1", "run-0", {
    stream: "contacts", contacts: [contact("a00", "first@acme.test"), ...lapsing.map((p) => contact(p.contactId, `<i>${p.contactId}</i>@acme.test`))],
    products: [], events: [], quarantine: [], cleanState: null, cursor: "1",
  });
  for (const r of runs) await store.saveRun(r);
  panel = await openPanel(store, "shop-1");
  freshPanel = await openPanel(store, "shop-fresh");
});

afterAll(async () => {
  await panel.close();
  await freshPanel.close();
});

const html = async (client: PanelClient, path: string): Promise<{ status: number; html: string }> => {
  const res = await client.get(path);
  return { status: res.status, html: await res.text() };
};
/** Body rows of the table with this caption (or the first table when none is named), as cell texts. */
const tableRows = (page: string, caption?: string): string[][] => {
  const table = caption === undefined ? page.split("<table")[1] ?? "" : page.slice(page.indexOf(`<caption>${caption}`)).split("</table>")[0] ?? "";
  return [...(table.split("<tbody>")[1] ?? "").matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) =>
    [...(m[1] ?? "").matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => (c[1] ?? "").replace(/<\/li><li>/g, " | ").replace(/<br>/g, " ").replace(/<[^>]+>/g, "").trim()));
};
const chartOf = (page: string): ChartConfig => {
  const json = /<script type="application\/json" id="segment-sizes-chart">([\s\S]*?)<\/script>/.exec(page)?.[1];
  if (json === undefined) throw new Error("no chart config on the page");
  return JSON.parse(json) as ChartConfig;
};
const memberIds = (page: string): string[] => [...page.matchAll(/<th scope="row"><a href="\/installations\/shop-1\/contacts\/([^"]+)"><code>/g)].map((m) => m[1] ?? "");
const seedOf = (page: string): string | undefined => /<strong>Seed (-?\d+)<\/strong>/.exec(page)?.[1];
const reseedOf = (page: string): string | undefined => /<input type="hidden" name="seed" value="(\d+)">/.exec(page)?.[1];

describe("segments page", () => {
  it("lists the named segments with description, readable guards, ranking and the latest counted size", async () => {
    const { status, html: page } = await html(panel, "/installations/shop-1/segments");
    expect([status, page.includes("<h1>Segments</h1>")]).toEqual([200, true]);
    expect(tableRows(page)[1]).toEqual([
      "Active repeat buyer", "Two or more orders, the latest within 90 days: loyal and buying; reward, cross-sell, no discounts needed.",
      "orders &gt;&#x3D; 2 · daysSinceLastOrder &lt;&#x3D; 90 · consent &#x3D;&#x3D; subscribed", "predicted 12-month CLV", "61",
    ]);
    expect(page).toContain('<a href="/installations/shop-1/segments/active-repeat-buyer">Active repeat buyer</a>');
  });

  it("counts a segment the latest run did not name as 0", async () => {
    expect(tableRows((await html(panel, "/installations/shop-1/segments")).html).map((r) => r[4])).toEqual(["0", "61", "0", "0", "3", "0", "0"]);
  });

  it("shows a dash for every size before any run", async () => {
    const { html: page } = await html(freshPanel, "/installations/shop-fresh/segments");
    expect(tableRows(page).map((r) => r[4])).toEqual(["—", "—", "—", "—", "—", "—", "—"]);
    expect([page.includes("data-chart="), page.includes("No sync has counted segment members yet")]).toEqual([false, true]);
  });

  it("charts the last 30 succeeded, non-dry runs that counted segments, oldest first, one line per segment", async () => {
    const page = (await html(panel, "/installations/shop-1/segments")).html;
    const chart = chartOf(page);
    expect([chart.type, chart.data.labels.length, chart.data.labels[0], chart.data.labels.at(-1)]).toEqual(["line", 30, "2025-03-03 06:00 UTC", "2025-04-01 06:00 UTC"]);
    expect(chart.data.datasets.map((d) => d.label)).toEqual(["New customer", "Active repeat buyer", "High-value at risk", "Discount-driven", "Lapsing", "Win-back", "Browsers who never bought"]);
    expect(chart.data.datasets[1]?.data.slice(0, 3)).toEqual([32, 33, 34]);
    expect(page).toMatch(/<canvas data-chart="segment-sizes-chart" role="img" aria-label="[^"]+"><\/canvas>/);
    expect([page.includes('<script src="/static/vendor/chart.umd.min.js" defer></script>'), page.includes('<script src="/static/charts.js" defer></script>')]).toEqual([true, true]);
  });

  it("repeats the chart's figures in a table captioned Segment sizes by run", async () => {
    const rows = tableRows((await html(panel, "/installations/shop-1/segments")).html, "Segment sizes by run");
    expect([rows.length, rows[0]]).toEqual([30, ["2025-03-03 06:00 UTC", "0", "32", "0", "0", "3", "0", "0"]]);
  });

  it("escapes HTML in a segment's description", async () => {
    const page = (await html(panel, "/installations/shop-1/segments")).html;
    expect([page.includes("Gone &lt;b&gt;quiet&lt;/b&gt; for 180 days"), page.includes("<b>quiet")]).toEqual([true, false]);
  });
});

describe("segment page", () => {
  it("shows the segment's name, description and guards", async () => {
    const { status, html: page } = await html(panel, "/installations/shop-1/segments/active-repeat-buyer");
    expect([status, page.includes("<h1>Active repeat buyer</h1>"), page.includes("loyal and buying"), page.includes("orders &gt;&#x3D; 2 · daysSinceLastOrder")]).toEqual([200, true, true, true]);
  });

  it("draws 20 members with seed 1 by default, each with the segment's reasons, lifecycle, CLV and churn risk", async () => {
    const page = (await html(panel, "/installations/shop-1/segments/active-repeat-buyer")).html;
    const rows = tableRows(page, "20 of 40 members");
    expect([seedOf(page), rows.length]).toEqual(["1", 20]);
    const row = rows.find((r) => r[0]?.startsWith("a00 ")) ?? rows[0];
    expect(row?.slice(1)).toEqual([
      `orders &gt;&#x3D; 2 (is 3) | daysSinceLastOrder &lt;&#x3D; 90 (is 12) | consent &#x3D;&#x3D; subscribed (is ${row?.[0]?.split(" ")[0] ?? ""})`,
      "active_customer last order 12 days ago", expect.stringMatching(/^\d+ \(high\) BG\/NBD x Gamma-Gamma over 12 months$/), "25 % 25 % chance of no order in 90 days",
    ]);
  });

  it("links each member to its contact page and shows its email when known", async () => {
    const page = (await html(panel, "/installations/shop-1/segments/lapsing")).html;
    expect(memberIds(page).sort()).toEqual(["l0", "l1", "l2"]);
    expect(page).toContain('<span class="muted">&lt;i&gt;l0&lt;/i&gt;@acme.test</span>');
  });

  it("ranks the drawn members by the segment's rankBy, highest first", async () => {
    const page = (await html(panel, "/installations/shop-1/segments/active-repeat-buyer?seed=5")).html;
    const clvs = tableRows(page, "20 of 40").map((r) => Number(r[3]?.split(" ")[0]));
    expect(clvs).toEqual([...clvs].sort((a, b) => b - a));
  });

  it("draws the same members for the same seed, and others for another", async () => {
    const one = memberIds((await html(panel, "/installations/shop-1/segments/active-repeat-buyer?seed=7")).html);
    const again = memberIds((await html(panel, "/installations/shop-1/segments/Active%20repeat%20buyer?seed=7")).html);
    const other = memberIds((await html(panel, "/installations/shop-1/segments/active-repeat-buyer?seed=8")).html);
    expect([one.length, again]).toEqual([20, one]);
    expect(other.slice().sort()).not.toEqual(one.slice().sort());
  });

  it("says which seed drew the sample and offers a Reseed form carrying a new seed", async () => {
    const page = (await html(panel, "/installations/shop-1/segments/active-repeat-buyer?seed=7")).html;
    expect(seedOf(page)).toBe("7");
    expect(page).toMatch(/<form method="get" action="\/installations\/shop-1\/segments\/active-repeat-buyer">\s*<input type="hidden" name="seed" value="\d+">\s*<button type="submit">Reseed<\/button>/);
    const next = Number(reseedOf(page));
    expect([Number.isInteger(next), next >= 1, next < 2 ** 31, next !== 7]).toEqual([true, true, true, true]);
  });

  it("links to the same sample as CSV and JSON", async () => {
    const page = (await html(panel, "/installations/shop-1/segments/active-repeat-buyer?seed=7")).html;
    expect(page).toContain('href="/installations/shop-1/segments/active-repeat-buyer/sample.csv?seed&#x3D;7"');
    const json = (await (await panel.get("/installations/shop-1/segments/active-repeat-buyer/sample.json?seed=7")).json()) as Profile[];
    expect(json.map((p) => p.contactId).sort()).toEqual(memberIds(page).sort());
  });

  it("says so when the segment has no members", async () => {
    const { status, html: page } = await html(panel, "/installations/shop-1/segments/win-back");
    expect([status, page.includes("No contact is in this segment"), seedOf(page)]).toEqual([200, true, "1"]);
  });

  it("answers an unknown segment with a 404 page", async () => {
    const { status, html: page } = await html(panel, "/installations/shop-1/segments/nope");
    expect([status, page.includes("<h1>Not found</h1>")]).toEqual([404, true]);
  });

  it("answers 400 to a seed that is not a 32-bit integer", async () => {
    expect((await panel.get("/installations/shop-1/segments/lapsing?seed=4294967296")).status).toBe(400);
  });
});

describe("segments after a real sync", () => {
  let synced: PanelClient;
  let sizes: Readonly<Record<string, number>>;
  beforeAll(async () => {
    const store = createMemoryStore();
    const now = new Date("2026-11-01T12:00:00Z");
    await store.saveInstallation({ id: "shop", esp: "files", name: "Shop", createdAt: now.toISOString(), propertiesDefined: [] });
    const { summary } = await runSync({ connector: createScriptedConnector(smallShop(40, now)), store, now: () => now, seed: 7 }, "shop");
    sizes = summary.segments ?? {};
    synced = await openPanel(store, "shop");
  });
  afterAll(() => synced.close());

  it("shows the run's count per segment and draws that many members (at most 20) with their reasons", async () => {
    const [name, size] = Object.entries(sizes).sort((a, b) => b[1] - a[1])[0] ?? ["", 0];
    expect(size).toBeGreaterThan(0);
    const list = await (await synced.get("/installations/shop/segments")).text();
    expect(tableRows(list).find((r) => r[0] === name)?.[4]).toBe(String(size));
    const href = /<a href="([^"]+)">/.exec(list.slice(list.indexOf(`>${name}</a>`) - 120))?.[1] ?? "";
    const page = await (await synced.get(href)).text();
    const rows = tableRows(page, `${Math.min(size, 20)} of ${size} members`);
    expect(rows).toHaveLength(Math.min(size, 20));
    expect(rows.every((r) => (r[1] ?? "").split(" | ").includes("subscribed"))).toBe(true);
  });
});
