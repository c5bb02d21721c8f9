import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContactSchema, defaultSettings } from "../../../src/domain/index.js";
import type { Event, Store } from "../../../src/domain/index.js";
import type { LiftReport } from "../../../src/engine/experiments/lift.js";
import { createMemoryStore } from "../../../src/store/memory-store.js";
import { buildLiftReport } from "../../../src/sync/lift-command.js";
import { openPanel, type PanelClient } from "../../helpers/panel-client.js";

const ID = "shop-1";
const NOW = Date.parse("2025-03-01T12:00:00.000Z");
const DAY = 86_400_000;
const CONTACTS = 400;

/**
 * 400 contacts, a 20 % global holdout; every third contact ordered 30 five days ago (one order
 * of 500 sixty days ago too, outside the default window), and 12 machine opens against 7 human
 * ones: 63.2 % machine opens.
 */
async function shop(): Promise<Store> {
  const store = createMemoryStore();
  await store.saveInstallation({ id: ID, esp: "klaviyo", name: "Acme Outdoor", createdAt: "2025-01-01T00:00:00.000Z", propertiesDefined: [] });
  const settings = defaultSettings();
  await store.saveSettings(ID, { ...settings, experiments: { ...settings.experiments, holdoutShare: 0.2, salt: "spring" } }, { by: "test", at: "2025-01-01T00:00:00.000Z", note: "" });
  const ids = Array.from({ length: CONTACTS }, (_, i) => `c${i}`);
  const at = (days: number): Date => new Date(NOW - days * DAY);
  const events: Event[] = [
    ...ids.filter((_, i) => i % 3 === 0).map((id): Event => ({ id: `o-${id}`, contactId: id, at: at(5), type: "placed_order", orderId: `o-${id}`, value: 30, discount: 0, items: [{ productId: "p1", quantity: 1, price: 30 }] })),
    { id: "o-old", contactId: "c1", at: at(60), type: "placed_order", orderId: "o-old", value: 500, discount: 0, items: [{ productId: "p1", quantity: 1, price: 500 }] },
    ...ids.slice(0, 19).map((id, i): Event => ({ id: `open-${id}`, contactId: id, at: at(3), type: "email_opened", campaignId: "spring", machineOpen: i < 12 })),
  ];
  await store.commitPage(ID, "run-1", {
    stream: "contacts", cursor: "1", products: [], quarantine: [], cleanState: null, events,
    contacts: ids.map((id) => ContactSchema.parse({ id, createdAt: "2024-01-01T00:00:00Z" })),
  });
  return store;
}

let store: Store;
let panel: PanelClient;
let report: LiftReport;

beforeAll(async () => {
  store = await shop();
  report = await buildLiftReport(store, ID, { days: 28, to: new Date(NOW) });
  panel = await openPanel(store, ID, { now: () => NOW });
});

afterAll(() => panel.close());

const page = async (query = ""): Promise<{ status: number; text: string }> => {
  const res = await panel.get(`/installations/${ID}/lift${query}`);
  return { status: res.status, text: (await res.text()).replaceAll("&#x3D;", "=") };
};
/** What a person reads: tags gone, whitespace collapsed, handlebars' entities decoded. */
const visible = (html: string): string =>
  html.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").replaceAll("&#x27;", "'").replaceAll("&quot;", '"').replaceAll("&#x60;", "`").replaceAll("&amp;", "&");
type ChartConfig = { type: string; data: { labels: string[]; datasets: { type: string; label: string; data: unknown[] }[] } };
const chartOf = (html: string): ChartConfig => {
  const json = /<script type="application\/json" id="lift-chart">([^<]*)<\/script>/.exec(html)?.[1];
  if (json === undefined) throw new Error("no chart config on the page");
  return JSON.parse(json) as ChartConfig;
};
const conversion = (name: string) => report.comparisons.find((c) => c.name === name)?.metrics.find((m) => m.name === "conversion_rate");

describe("lift page", () => {
  it("is titled Lift and draws one chart, with Chart.js and charts.js from our own origin", async () => {
    const { status, text } = await page();
    expect(status).toBe(200);
    expect(text).toContain("<h1>Lift</h1>");
    expect(text).toMatch(/<canvas data-chart="lift-chart" role="img" aria-label="[^"]+">/);
    expect(text).toContain('<script src="/static/vendor/chart.umd.min.js" defer></script>');
    expect(text).toContain('<script src="/static/charts.js" defer></script>');
  });

  it("builds the chart as floating interval bars plus an estimate per comparison, in percent of the holdout's conversion", async () => {
    const chart = chartOf((await page()).text);
    const global = conversion("global");
    if (global?.ci == null || global.relativeLift === null) throw new Error("the fixture should give the global holdout an interval");
    const [bars, estimates] = chart.data.datasets;
    expect([chart.type, chart.data.labels, bars?.type, estimates?.type]).toEqual(["bar", ["Global holdout (all of Tailor)", "Send time pilot", "Recommendations pilot", "Predictive segments pilot"], "bar", "line"]);
    const round = (v: number) => Math.round(v * 10_000) / 100;
    expect(bars?.data[0]).toEqual([round(global.ci[0] / global.holdout), round(global.ci[1] / global.holdout)]);
    expect(estimates?.data[0]).toBe(round(global.relativeLift));
    expect(bars?.label).toBe("95 % interval");
  });

  it("tabulates every comparison and metric under a caption naming the interval", async () => {
    const { text } = await page();
    expect(text).toContain("<caption>Lift with 95 % intervals</caption>");
    expect(text.match(/<th scope="rowgroup"/g)?.length).toBe(4);
    expect(text.match(/<th scope="row">Conversion rate<\/th>/g)?.length).toBe(4);
    expect(text.match(/<th scope="row">[^<]+<\/th>/g)?.length).toBe(24);
  });

  it("shows arm sizes, rates, the difference with its interval and the verdict's reason from the report", async () => {
    const text = visible((await page()).text);
    const global = report.comparisons.find((c) => c.name === "global");
    const m = conversion("global");
    if (global === undefined || m?.ci == null) throw new Error("no global conversion interval");
    const pts = (v: number) => `${v > 0 ? "+" : v < 0 ? "−" : ""}${Math.abs(v * 100).toFixed(2)} pts`;
    expect(text).toContain(`Global holdout (all of Tailor): ${global.treated.contacts} treated, ${global.holdout.contacts} holdout`);
    expect(global.treated.contacts + global.holdout.contacts).toBe(CONTACTS);
    expect(text).toContain(`Conversion rate ${(m.treated * 100).toFixed(2)} % ${(m.holdout * 100).toFixed(2)} % ${pts(m.difference)} ${pts(m.ci[0])} to ${pts(m.ci[1])}`);
    expect(text).toContain(m.why);
  });

  it("shows the share of machine opens, never counted as engagement", async () => {
    expect(visible((await page()).text)).toContain("Machine opens (Apple MPP): 63.2 % of opens, never counted as engagement");
  });

  it("lists the report's notes", async () => {
    const text = visible((await page()).text);
    for (const note of report.notes) expect(text).toContain(note);
  });

  it("offers the 7, 28, 90 and 365 day windows with the current one selected", async () => {
    const { text } = await page("?days=90");
    expect([...text.matchAll(/<option value="(\d+)"( selected)?>/g)].map((m) => `${m[1] ?? ""}${m[2] ?? ""}`)).toEqual(["7", "28", "90 selected", "365"]);
  });

  it("widens the window with ?days, taking in the older order", async () => {
    const wide = visible((await page("?days=90")).text);
    const from = new Date(NOW - 90 * DAY).toISOString();
    expect(wide).toContain(`events from ${from} to ${new Date(NOW).toISOString()}`);
  });

  it.each(["days=0", "days=366", "days=abc"])("answers %s with a 400 page naming the rule", async (query) => {
    const { status, text } = await page(`?${query}`);
    expect([status, text.includes("<h1>Lift</h1>"), text.includes("days must be a whole number from 1 to 365")]).toEqual([400, true, true]);
  });

  it("says so when the window saw no opens", async () => {
    expect(visible((await page("?days=1")).text)).toContain("Machine opens (Apple MPP): no opens in the window");
  });

  it("links to the same report as JSON", async () => {
    expect((await page("?days=7")).text).toContain(`<a href="/installations/${ID}/lift.json?days=7">`);
  });
});
