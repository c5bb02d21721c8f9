import { describe, expect, it } from "vitest";
import type { Installation, RunSummary } from "../../../../src/domain/index.js";
import { formatDuration, toInstallationPage } from "../../../../src/server/routes/to-installation-page.js";

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

const empty = { total: 0, items: [] };

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

describe("toInstallationPage", () => {
  it("shows how predictions were fitted and the share of machine opens", () => {
    const page = toInstallationPage(installation, [{ ...run, model: { source: "shrunk", confidence: "medium", why: "only 120 repeat customers", repeatCustomers: 120 }, machineOpenShare: 0.6904 }], empty);
    expect(page.lastRun?.predictions).toBe("medium confidence: only 120 repeat customers");
    expect(page.lastRun?.machineOpenShare).toBe("69.0 %");
  });

  it("leaves both out for runs recorded before predictions existed", () => {
    expect(toInstallationPage(installation, [run], empty).lastRun).toMatchObject({ predictions: null, machineOpenShare: null });
  });

  it("has no last run before the first sync", () => {
    expect(toInstallationPage(installation, [], empty).lastRun).toBeNull();
  });

  it("orders quarantine reasons by count, then by name", () => {
    const page = toInstallationPage(installation, [run], empty);
    expect(page.lastRun?.quarantineReasons).toEqual([
      { reason: "c: worse", count: 5 },
      { reason: "a: bad", count: 2 },
      { reason: "b: bad", count: 2 },
    ]);
  });

  it("lists merged categories by raw name", () => {
    const page = toInstallationPage(installation, [run], empty);
    expect(page.lastRun?.categoriesMerged).toEqual([
      { raw: "Boots", canonical: "footwear/boots" },
      { raw: "sneaker", canonical: "footwear/sneakers" },
    ]);
  });

  it("shows times as UTC ISO", () => {
    expect(toInstallationPage(installation, [run], empty).lastRun?.startedAt).toBe("2025-03-01T08:00:00.000Z");
  });

  it("keeps a time it cannot parse as it was stored", () => {
    expect(toInstallationPage(installation, [{ ...run, startedAt: "yesterday" }], empty).lastRun?.startedAt).toBe("yesterday");
  });

  it("puts every run but the newest in the history", () => {
    const page = toInstallationPage(installation, [run, { ...run, runId: "run-0" }], empty);
    expect(page.earlierRuns.map((r) => r.runId)).toEqual(["run-0"]);
  });

  it("renders each quarantined record as indented JSON", () => {
    const page = toInstallationPage(installation, [], {
      total: 1,
      items: [{ runId: "run-1", at: "2025-03-01T10:00:00.000Z", stream: "contacts", reason: "email: bad", raw: { email: "x" } }],
    });
    expect(page.quarantine.items[0]?.raw).toBe('{\n  "email": "x"\n}');
  });
});
