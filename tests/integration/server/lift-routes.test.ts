import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContactSchema } from "../../../src/domain/index.js";
import type { EventOf } from "../../../src/domain/index.js";
import type { LiftReport } from "../../../src/engine/experiments/lift.js";
import { createMemoryStore } from "../../../src/store/memory-store.js";
import { openPanel, type PanelClient } from "../../helpers/panel-client.js";

const DAY = 86_400_000;
// The route's window ends at the app's clock, pinned here.
const NOW = Date.parse("2025-03-01T12:00:00.000Z");
const daysAgo = (days: number): Date => new Date(NOW - days * DAY);
const placed = (contactId: string, at: Date, value: number): EventOf<"placed_order"> => ({
  id: `o-${contactId}-${at.getTime()}`, contactId, at, type: "placed_order", orderId: `o-${contactId}-${at.getTime()}`, value, discount: 0, items: [{ productId: "p1", quantity: 1, price: value }],
});

let panel: PanelClient;

beforeAll(async () => {
  const store = createMemoryStore();
  await store.saveInstallation({ id: "shop-1", esp: "files", name: "Shop", createdAt: "2025-01-01T00:00:00.000Z", propertiesDefined: [] });
  const ids = Array.from({ length: 50 }, (_, i) => `c${i}`);
  await store.commitPage("shop-1", "run-1", {
    stream: "contacts",
    contacts: ids.map((id) => ContactSchema.parse({ id, createdAt: "2024-01-01T00:00:00Z" })),
    products: [],
    // Every contact ordered 10 two days ago and 1000 forty days ago: only the window decides revenue.
    events: ids.flatMap((id) => [placed(id, daysAgo(2), 10), placed(id, daysAgo(40), 1000)]),
    quarantine: [],
    cleanState: null,
    cursor: "1",
  });
  await store.saveInstallation({ id: "shop-2", esp: "files", name: "Other", createdAt: "2025-01-01T00:00:00.000Z", propertiesDefined: [] });
  panel = await openPanel(store, "shop-1", { now: () => NOW });
});

afterAll(() => panel.close());

const get = (path: string) => panel.get(path, { accept: "application/json" });
const revenueOf = (report: LiftReport): number | undefined =>
  report.comparisons.find((c) => c.name === "global")?.metrics.find((m) => m.name === "revenue_per_recipient")?.treated;

describe("GET /installations/:id/lift.json", () => {
  it("serves the lift report over the last 28 days by default", async () => {
    const res = await get("/installations/shop-1/lift.json");
    const report = (await res.json()) as LiftReport;
    const days = (Date.parse(report.window.to) - Date.parse(report.window.from)) / DAY;
    expect([res.status, days, report.comparisons.map((c) => c.name), revenueOf(report)]).toEqual([200, 28, ["global", "send_time", "recommendations", "segments"], 10]);
  });

  it("widens the window with ?days", async () => {
    const report = (await (await get("/installations/shop-1/lift.json?days=60")).json()) as LiftReport;
    expect(revenueOf(report)).toBe(1010);
  });

  it("counts every contact in an arm", async () => {
    const report = (await (await get("/installations/shop-1/lift.json?days=1")).json()) as LiftReport;
    const global = report.comparisons.find((c) => c.name === "global");
    expect([(global?.treated.contacts ?? 0) + (global?.holdout.contacts ?? 0), revenueOf(report)]).toEqual([50, 0]);
  });

  it("keeps the report out of shared caches", async () => {
    expect((await get("/installations/shop-1/lift.json")).headers.get("cache-control")).toBe("private, no-store");
  });

  it.each(["days=0", "days=366", "days=abc", "days=2.5", "days=-3"])("answers 400 to %s, naming the rule", async (query) => {
    const res = await get(`/installations/shop-1/lift.json?${query}`);
    const body = (await res.json()) as { error: string; issues: { message: string }[] };
    expect([res.status, body.error, body.issues[0]?.message]).toEqual([400, "invalid_request", "days must be a whole number from 1 to 365"]);
  });

  it.each(["days=1", "days=365"])("accepts the bound %s", async (query) => {
    expect((await get(`/installations/shop-1/lift.json?${query}`)).status).toBe(200);
  });

  it("ends the window at the app's clock", async () => {
    const report = (await (await get("/installations/shop-1/lift.json?days=7")).json()) as LiftReport;
    expect(report.window).toEqual({ from: new Date(NOW - 7 * DAY).toISOString(), to: new Date(NOW).toISOString() });
  });

  it("answers 403 in JSON for another installation's report", async () => {
    const res = await get("/installations/shop-2/lift.json");
    expect([res.status, ((await res.json()) as { error: string }).error]).toEqual([403, "forbidden"]);
  });
});
