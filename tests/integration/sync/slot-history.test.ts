import { beforeEach, describe, expect, it } from "vitest";
import type { PropertyChange, Store } from "../../../src/domain/index.js";
import { createMemoryStore } from "../../../src/store/memory-store.js";
import { runSync } from "../../../src/sync/run-sync.js";
import { createScriptedConnector, smallShop } from "../../helpers/scripted-connector.js";

const NOW = new Date("2026-11-01T12:00:00Z");
const ID = "shop";
const SLOT_IDS = ["tailor_rec_1", "tailor_rec_2", "tailor_rec_3", "tailor_rec_4", "tailor_rec_5", "tailor_rec_6"];

async function installed(): Promise<Store> {
  const store = createMemoryStore();
  await store.saveInstallation({ id: ID, esp: "files", name: "Shop", createdAt: NOW.toISOString(), propertiesDefined: [] });
  return store;
}

const deps = (connector: ReturnType<typeof createScriptedConnector>, store: Store, now = NOW) => ({ connector, store, now: () => now, seed: 7 });

/** The slot product ids each contact was written, as the ESP received them. */
function slotsWritten(pushes: readonly (readonly PropertyChange[])[]): Map<string, string[]> {
  const slots = new Map<string, string[]>();
  for (const change of pushes.flat()) {
    const ids = SLOT_IDS.map((name) => change.set[name]).filter((v): v is string => typeof v === "string" && v !== "");
    if (ids.length > 0) slots.set(change.contactId, ids);
  }
  return slots;
}

describe("runSync: slot history", () => {
  let store: Store;
  beforeEach(async () => { store = await installed(); });

  it("stores, after a push, what each contact's slots now show, stamped with the run's start", async () => {
    const connector = createScriptedConnector(smallShop(30, NOW));
    await runSync(deps(connector, store), ID);
    const written = slotsWritten(connector.pushes);
    const history = await store.readSlotHistory(ID);
    expect(written.size).toBeGreaterThan(0);
    expect(Object.fromEntries(history)).toEqual(Object.fromEntries([...written].map(([id, productIds]) => [id, [{ at: NOW.getTime(), productIds }]])));
  });

  it("stores nothing after a dry run", async () => {
    const connector = createScriptedConnector(smallShop(30, NOW));
    await runSync(deps(connector, store), ID, { dryRun: true });
    expect((await store.readSlotHistory(ID)).size).toBe(0);
  });

  it("stores nothing for a contact the ESP refused", async () => {
    const connector = createScriptedConnector(smallShop(30, NOW));
    connector.refuse.set("c1", { reason: "INVALID_EMAIL", retryable: false });
    await runSync(deps(connector, store), ID);
    const history = await store.readSlotHistory(ID);
    expect([history.has("c1"), history.has("c2")]).toEqual([false, true]);
  });

  it("adds no exposure when a later run writes no slot change", async () => {
    const connector = createScriptedConnector(smallShop(30, NOW));
    await runSync(deps(connector, store), ID);
    const before = Object.fromEntries(await store.readSlotHistory(ID));
    await runSync(deps(connector, store, new Date(NOW.getTime() + 60_000)), ID);
    expect(Object.fromEntries(await store.readSlotHistory(ID))).toEqual(before);
  });
});

describe("runSync: recommendation report and alerts", () => {
  let store: Store;
  beforeEach(async () => { store = await installed(); });

  it("keeps the run's recommendation report in the summary and the store", async () => {
    const connector = createScriptedConnector(smallShop(30, NOW));
    const { summary } = await runSync(deps(connector, store), ID);
    const [stored] = await store.listRuns(ID, 1);
    expect([summary.recommendations?.contacts, summary.recommendations?.leaks.inactive, summary.alerts, stored?.recommendations]).toEqual([30, 0, [], summary.recommendations]);
  });

  it("raises an alert, also in the warnings, when coverage falls by more than half since the previous run", async () => {
    const shop = smallShop(30, NOW);
    const connector = createScriptedConnector(shop);
    await runSync(deps(connector, store), ID);
    // 100 eligible products nobody bought, viewed or could be shown by category: coverage collapses.
    const old = new Date(NOW.getTime() - 2 * 365 * 86_400_000).toISOString();
    const products: unknown[] = shop.products;
    for (let i = 0; i < 100; i++) {
      products.push({ ...shop.products[0]!, id: `g${i}`, title: `Garden rake ${i}`, category: "Garden/Rakes", brand: `Rakeco ${i}`, price: 5_000, createdAt: old });
    }
    const { summary } = await runSync(deps(connector, store, new Date(NOW.getTime() + 60_000)), ID);
    const drop = summary.alerts?.find((a) => a.startsWith("Recommendation coverage fell"));
    expect([drop !== undefined, summary.warnings.includes(drop ?? "?")]).toEqual([true, true]);
  });
});
