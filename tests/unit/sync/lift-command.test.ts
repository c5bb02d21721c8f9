import { describe, expect, it } from "vitest";
import { ContactSchema, defaultSettings } from "../../../src/domain/index.js";
import type { Event, Store } from "../../../src/domain/index.js";
import { assignContact } from "../../../src/engine/experiments/assign.js";
import type { LiftReport } from "../../../src/engine/experiments/lift.js";
import { createMemoryStore } from "../../../src/store/memory-store.js";
import { buildLiftReport, liftCommand } from "../../../src/sync/lift-command.js";
import { DAY, NOW, item, order } from "../engine/fixtures.js";

const CONTACTS = 300;
const ids = Array.from({ length: CONTACTS }, (_, i) => `c${i}`);

/** 300 contacts, a 20 % global holdout salted "spring", and one order of 10 per contact at the given days before NOW. */
async function storeWith(orderDaysAgo: readonly number[], salt = "spring"): Promise<Store> {
  const store = createMemoryStore();
  await store.saveInstallation({ id: "shop", esp: "files", name: "Shop", createdAt: "2025-01-01T00:00:00.000Z", propertiesDefined: [] });
  const settings = defaultSettings();
  await store.saveSettings("shop", { ...settings, experiments: { ...settings.experiments, holdoutShare: 0.2, salt } }, { by: "test", at: "2025-01-01T00:00:00.000Z", note: "" });
  const events: Event[] = ids.flatMap((id) => orderDaysAgo.map((days) => order(id, new Date(NOW.getTime() - days * DAY), 10, [item("p1")])));
  await store.commitPage("shop", "run-1", {
    stream: "contacts", contacts: ids.map((id) => ContactSchema.parse({ id, createdAt: "2024-01-01T00:00:00Z" })), products: [], events, quarantine: [], cleanState: null, cursor: "1",
  });
  return store;
}

const global = (report: LiftReport) => report.comparisons.find((c) => c.name === "global");

describe("buildLiftReport", () => {
  it("assigns every stored contact with the settings' salt, as the sync does", async () => {
    const report = await buildLiftReport(await storeWith([1]), "shop", { days: 28, to: NOW });
    const settings = { ...defaultSettings().experiments, holdoutShare: 0.2 };
    const held = ids.filter((id) => assignContact(id, "spring", settings).globalHoldout).length;
    expect([global(report)?.treated.contacts, global(report)?.holdout.contacts]).toEqual([CONTACTS - held, held]);
  });

  it("salts with the installation id when the settings leave the salt empty", async () => {
    const report = await buildLiftReport(await storeWith([1], ""), "shop", { days: 28, to: NOW });
    const settings = { ...defaultSettings().experiments, holdoutShare: 0.2 };
    const held = ids.filter((id) => assignContact(id, "shop", settings).globalHoldout).length;
    expect(global(report)?.holdout.contacts).toBe(held);
  });

  it("reads the `days` days before `to`: an order exactly `days` days back counts, one a millisecond older does not", async () => {
    const report = await buildLiftReport(await storeWith([28, 28 + 1 / DAY]), "shop", { days: 28, to: NOW });
    const revenue = global(report)?.metrics.find((m) => m.name === "revenue_per_recipient");
    expect([report.window, revenue?.treated]).toEqual([{ from: new Date(NOW.getTime() - 28 * DAY).toISOString(), to: NOW.toISOString() }, 10]);
  });

  it("leaves out an order at `to` itself", async () => {
    const report = await buildLiftReport(await storeWith([0]), "shop", { days: 28, to: NOW });
    expect(global(report)?.metrics.find((m) => m.name === "revenue_per_recipient")?.treated).toBe(0);
  });

  it("refuses an unknown installation", async () => {
    await expect(buildLiftReport(await storeWith([1]), "nope", { days: 28, to: NOW })).rejects.toThrow('unknown installation "nope"');
  });
});

describe("liftCommand", () => {
  it("prints the report as JSON the panel can read back", async () => {
    const store = await storeWith([1]);
    const json = JSON.parse(await liftCommand(store, "shop", { days: 28, to: NOW, format: "json" })) as LiftReport;
    expect(json).toEqual(await buildLiftReport(store, "shop", { days: 28, to: NOW }));
  });

  it("prints a table per comparison as text", async () => {
    const text = await liftCommand(await storeWith([1]), "shop", { days: 7, to: NOW, format: "text" });
    const titles = text.split("\n").filter((l) => / \d+ treated, \d+ holdout$/.test(l)).map((l) => l.split(":")[0]);
    expect([text.split("\n")[0], titles]).toEqual([
      "Lift: 2024-06-23T12:00:00.000Z to 2024-06-30T12:00:00.000Z (7 days), 95 % intervals, 80 % power",
      ["Global holdout (all of Tailor)", "Send time pilot", "Recommendations pilot", "Predictive segments pilot"],
    ]);
  });
});
