import { describe, expect, it } from "vitest";
import type { Installation, RunSummary } from "../../../../src/domain/index.js";
import { formatDuration, toInstallationPage, toRunDetail, toRunRow } from "../../../../src/server/routes/to-installation-page.js";

const installation: Installation = { id: "shop-1", esp: "hubspot", name: "Acme", createdAt: "2025-01-01T00:00:00.000Z", propertiesDefined: [] };

const run: RunSummary = {
  runId: "run-1",
  installationId: "shop-1",
  status: "running",
  startedAt: "2025-03-01T10:00:00+02:00",
  finishedAt: null,
  dryRun: true,
  ingest: {
    received: { contacts: 3, products: 2, events: 1 },
    accepted: { contacts: 3, products: 2, events: 1 },
    quarantinedByReason: { "b: bad": 2, "a: bad": 2, "c: worse": 5 },
    identitiesMerged: 0,
    ordersDeduped: { sameOrderId: 0, sameContents: 0 },
    eventsRepeated: 0,
    categoriesMerged: { sneaker: "footwear/sneakers", Boots: "footwear/boots" },
  },
  quarantined: 9,
  contactsScored: 0,
  contactsChanged: 0,
  propertiesChanged: 0,
  written: 0,
  writeFailures: 0,
  writeCalls: 0,
  durationMs: 0,
  warnings: [],
};

describe("formatDuration", () => {
  it.each([
    [0, "0 ms"],
    [999, "999 ms"],
    [1000, "1.0 s"],
    [12_345, "12.3 s"],
    [59_949, "59.9 s"],
    [60_000, "1 min 00 s"],
    [61_000, "1 min 01 s"],
    [3_725_000, "62 min 05 s"],
  ])("shows %i ms as %s", (ms, shown) => {
    expect(formatDuration(ms)).toBe(shown);
  });
});

describe("toRunDetail", () => {
  it("shows how predictions were fitted and the share of machine opens", () => {
    const detail = toRunDetail({ ...run, model: { source: "shrunk", confidence: "medium", why: "only 120 repeat customers", repeatCustomers: 120 }, machineOpenShare: 0.6904 });
    expect([detail.predictions, detail.machineOpenShare]).toEqual(["medium confidence: only 120 repeat customers", 0.6904]);
  });

  it("leaves out what runs recorded before predictions, monitoring and segments did not measure", () => {
    expect(toRunDetail(run)).toMatchObject({ predictions: null, machineOpenShare: null, recommendations: null, guardrails: null, segments: [], alertTexts: [] });
    expect(toRunDetail(run).taxonomy.unknownProductLines).toBeNull();
  });

  it("orders quarantine reasons by count, then by name, each linking to the browser filtered by it", () => {
    expect(toRunDetail(run).quarantineReasons).toEqual([
      { reason: "c: worse", count: 5, href: "/installations/shop-1/quarantine?reason=c%3A+worse" },
      { reason: "a: bad", count: 2, href: "/installations/shop-1/quarantine?reason=a%3A+bad" },
      { reason: "b: bad", count: 2, href: "/installations/shop-1/quarantine?reason=b%3A+bad" },
    ]);
  });

  it("lists merged categories by raw name", () => {
    expect(toRunDetail(run).taxonomy.merged).toEqual([
      { raw: "Boots", canonical: "footwear/boots" },
      { raw: "sneaker", canonical: "footwear/sneakers" },
    ]);
  });

  it("shows alerts apart from the other warnings", () => {
    const detail = toRunDetail({ ...run, warnings: ["slow ESP", "coverage fell"], alerts: ["coverage fell"] });
    expect([detail.alertTexts, detail.warnings, detail.alerts]).toEqual([["coverage fell"], ["slow ESP"], 1]);
  });

  it("lists every leak rule, zeros included, with its examples linking to the contact", () => {
    const leaks = { unknown_product: 0, inactive: 2, out_of_stock: 0, excluded: 0, below_margin_floor: 0, already_bought_not_replenishable: 0, outside_price_band: 0, repeated: 0 };
    const detail = toRunDetail({
      ...run,
      recommendations: {
        contacts: 3, slotsFilled: 5, slotsEmpty: 1, productsRecommended: 4, productsEligible: 8, coverage: 0.5, diversity: 1, fallbackShare: 0.2, explorationShare: 0,
        bySource: { personal: 2, bestsellers: 3 }, catalog: { products: 9, withoutPrice: 1, withoutCategory: 0 }, leaks,
        leakExamples: [{ leak: "inactive", contactId: "c/1", productId: "p9" }],
      },
    });
    expect(detail.recommendations?.leaks.length).toBe(8);
    expect(detail.recommendations?.leaks.find((l) => l.leak === "inactive")).toEqual({ leak: "inactive", count: 2, examples: [{ contactId: "c/1", productId: "p9", href: "/installations/shop-1/contacts/c%2F1" }] });
    expect([detail.recommendations?.leaksTotal, detail.recommendations?.bySource]).toEqual([2, [{ label: "bestsellers", count: 3 }, { label: "personal", count: 2 }]]);
  });
});

describe("toRunRow", () => {
  it("shows times as UTC ISO", () => {
    expect(toRunRow(run).startedAt).toBe("2025-03-01T08:00:00.000Z");
  });

  it("keeps a time it cannot parse as it was stored", () => {
    expect(toRunRow({ ...run, startedAt: "yesterday" }).startedAt).toBe("yesterday");
  });

  it("sums records in over the streams and keeps the top three reasons", () => {
    const row = toRunRow({ ...run, ingest: { ...run.ingest, quarantinedByReason: { ...run.ingest.quarantinedByReason, "d: rare": 1 } } });
    expect([row.recordsIn, row.topReasons.map((r) => r.reason)]).toEqual([6, ["c: worse", "a: bad", "b: bad"]]);
  });

  it("links to the run's page, its id encoded", () => {
    expect(toRunRow({ ...run, runId: "run-2025-03-01T10:00:00.000Z" }).href).toBe("/installations/shop-1/runs/run-2025-03-01T10%3A00%3A00.000Z");
  });
});

describe("toInstallationPage", () => {
  it("has no last run before the first sync", () => {
    expect(toInstallationPage(installation, [], 0).lastRun).toBeNull();
  });

  it("puts every run but the newest in the history", () => {
    const page = toInstallationPage(installation, [run, { ...run, runId: "run-0" }], 0);
    expect([page.lastRun?.runId, page.earlierRuns.map((r) => r.runId)]).toEqual(["run-1", ["run-0"]]);
  });

  it("carries the latest run's alerts and the quarantine total", () => {
    const page = toInstallationPage(installation, [{ ...run, alerts: ["leak: inactive product in 2 slots"] }], 79);
    expect([page.lastRun?.alertTexts, page.quarantineTotal]).toEqual([["leak: inactive product in 2 slots"], 79]);
  });
});
