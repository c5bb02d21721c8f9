import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import type { PropertyChange, Store } from "../../../src/domain/index.js";
import { defaultSettings, PROPERTIES } from "../../../src/domain/index.js";
import { createLowdbStore } from "../../../src/store/lowdb-store.js";
import { createMemoryStore } from "../../../src/store/memory-store.js";
import { runSync } from "../../../src/sync/run-sync.js";
import { createScriptedConnector, smallShop } from "../../helpers/scripted-connector.js";

const NOW = new Date("2026-11-01T12:00:00Z");
const ID = "shop";

async function installed(store: Store): Promise<Store> {
  await store.saveInstallation({ id: ID, esp: "files", name: "Shop", createdAt: NOW.toISOString(), propertiesDefined: [] });
  return store;
}

const deps = (connector: ReturnType<typeof createScriptedConnector>, store: Store) => ({ connector, store, now: () => NOW, seed: 7 });

/** Every write as "contact property=value", so lost and repeated writes both show. */
const writes = (pushes: readonly (readonly PropertyChange[])[]) =>
  pushes.flat().flatMap((c) => Object.entries(c.set).map(([k, v]) => `${c.contactId} ${k}=${String(v)}`)).sort();

describe("runSync", () => {
  let store: Store;
  beforeEach(async () => { store = await installed(createMemoryStore()); });

  it("pulls, scores and writes every contact on the first run, and defines the properties once", async () => {
    const connector = createScriptedConnector(smallShop(120, NOW));
    const { summary } = await runSync(deps(connector, store), ID);
    expect(summary.status).toBe("succeeded");
    expect(summary.ingest.received).toEqual({ contacts: 120, products: 6, events: 120 + 180 });
    expect(summary.contactsScored).toBe(120);
    expect(summary.contactsChanged).toBe(120);
    expect(summary.written).toBe(120);
    expect(summary.writeCalls).toBe(2); // batches of 100
    expect(connector.defined).toEqual(PROPERTIES.map((p) => p.name));
    expect(Object.keys(connector.feed?.products ?? {})).toHaveLength(6);
  });

  it("writes nothing on a second run over unchanged data", async () => {
    const connector = createScriptedConnector(smallShop(120, NOW));
    await runSync(deps(connector, store), ID);
    connector.pushes.length = 0;
    const { summary } = await runSync(deps(connector, store), ID);
    expect(summary.ingest.received).toEqual({ contacts: 0, products: 0, events: 0 });
    expect(summary.contactsChanged).toBe(0);
    expect(summary.writeCalls).toBe(0);
    expect(connector.pushes).toEqual([]);
    expect(connector.defined).toHaveLength(PROPERTIES.length);
  });

  it("writes only the changed properties of a contact whose data changed", async () => {
    const shop = smallShop(120, NOW);
    const connector = createScriptedConnector(shop);
    await runSync(deps(connector, store), ID);
    connector.pushes.length = 0;
    // c0 viewed a sneaker; two candle views move its top category and nothing else (views don't rank bestsellers).
    const at = new Date(NOW.getTime() - 86_400_000).toISOString();
    shop.events.push({ id: "late-1", type: "viewed_product", contactId: "c0", at, productId: "p3" }, { id: "late-2", type: "viewed_product", contactId: "c0", at, productId: "p4" });
    const { summary } = await runSync(deps(connector, store), ID);
    expect(summary.ingest.received.events).toBe(2);
    const changes = connector.pushes.flat();
    const c0 = changes.find((c) => c.contactId === "c0");
    expect(c0?.set).toMatchObject({ tailor_top_category: "home > candles" });
    // Views move intent, engagement and (through co-views) recommendations only: nothing about orders or predictions is rewritten.
    const untouched = ["tailor_lifecycle", "tailor_orders", "tailor_revenue", "tailor_p_alive", "tailor_clv_12m", "tailor_segment"];
    expect(changes.flatMap((c) => Object.keys(c.set)).filter((k) => untouched.includes(k))).toEqual([]);
    // Other contacts change only where the co-view graph moved their slots.
    const others = changes.filter((c) => c.contactId !== "c0");
    expect(others.flatMap((c) => Object.keys(c.set)).filter((k) => !k.startsWith("tailor_rec_"))).toEqual([]);
  });

  it("rewrites other contacts' slots when the bestseller ranking changes, and only the slot properties", async () => {
    const shop = smallShop(120, NOW);
    const connector = createScriptedConnector(shop);
    await runSync(deps(connector, store), ID);
    connector.pushes.length = 0;
    const at = new Date(NOW.getTime() - 86_400_000).toISOString();
    for (let k = 0; k < 40; k++) shop.events.push({ id: `bulk-${k}`, type: "placed_order", contactId: "c1", orderId: `bulk-${k}`, at, value: 15, items: [{ productId: "p5", quantity: 1, price: 15 }] });
    await runSync(deps(connector, store), ID);
    const changed = connector.pushes.flat();
    const others = changed.filter((c) => c.contactId !== "c1");
    // p5 jumps to the top seller: contacts not yet shown it get it in their bestseller slot.
    expect(others.filter((c) => Object.values(c.set).includes("p5")).length).toBeGreaterThan(10);
    // Other contacts' own history did not change: their slots (and the refitted predictions) may, their facts may not.
    const facts = ["tailor_lifecycle", "tailor_orders", "tailor_revenue", "tailor_aov", "tailor_top_category", "tailor_first_order_date", "tailor_last_order_date"];
    expect(others.flatMap((c) => Object.keys(c.set)).filter((k) => facts.includes(k))).toEqual([]);
  });

  it("prints the diff but writes nothing in a dry run", async () => {
    const connector = createScriptedConnector(smallShop(30, NOW));
    const { summary, changes } = await runSync(deps(connector, store), ID, { dryRun: true });
    expect(changes).toHaveLength(30);
    expect(summary.written).toBe(0);
    expect(connector.pushes).toEqual([]);
    expect(connector.defined).toEqual([]);
  });

  it("keeps a refused record in the quarantine with the ESP's reason and writes the rest", async () => {
    const connector = createScriptedConnector(smallShop(10, NOW));
    connector.refuse.set("c3", { reason: "INVALID_EMAIL", retryable: false });
    const { summary } = await runSync(deps(connector, store), ID);
    expect(summary.written).toBe(9);
    expect(summary.writeFailures).toBe(1);
    const { items } = await store.listQuarantine(ID, { limit: 10, offset: 0 });
    expect(items.map((q) => q.reason)).toContain("push: INVALID_EMAIL");
  });

  it("erases a contact the ESP no longer has, without quarantining its data", async () => {
    const connector = createScriptedConnector(smallShop(10, NOW));
    connector.refuse.set("c3", { reason: "profile not found", retryable: false, gone: true });
    const { summary } = await runSync(deps(connector, store), ID);
    expect(summary.warnings).toContain("files: 1 contacts no longer exist there; erased from Tailor's store");
    expect((await store.listQuarantine(ID, { limit: 10, offset: 0 })).items).toEqual([]);
    expect([summary.writeFailures, summary.quarantined]).toEqual([1, 0]);
    expect(await store.getProfile(ID, "c3")).toBeNull();
    expect(await store.getProfile(ID, "c4")).not.toBeNull();
  });

  it("sends a retryable refusal again on the next run", async () => {
    const connector = createScriptedConnector(smallShop(10, NOW));
    connector.refuse.set("c3", { reason: "busy", retryable: true });
    await runSync(deps(connector, store), ID);
    connector.refuse.clear();
    connector.pushes.length = 0;
    await runSync(deps(connector, store), ID);
    expect(connector.pushes.flat().map((c) => c.contactId)).toEqual(["c3"]);
  });
});

describe("runSync after a crash between batches", () => {
  const stores = [
    ["memory", () => { const s = createMemoryStore(); return () => Promise.resolve(s); }],
    ["lowdb", () => { const dir = mkdtempSync(join(tmpdir(), "tailor-sync-")); return () => createLowdbStore(dir); }],
  ] as const;
  const withConcurrency = async (store: Store, pushConcurrency: number) => {
    const settings = defaultSettings();
    await store.saveSettings(ID, { ...settings, sync: { ...settings.sync, pushConcurrency } }, { by: "test", at: "2025-01-01T00:00:00.000Z", note: "" });
    return store;
  };
  /** The ESP's final state: each contact's properties after every write in order. */
  const finalState = (pushes: readonly (readonly PropertyChange[])[]) => {
    const state = new Map<string, Record<string, unknown>>();
    for (const c of pushes.flat()) state.set(c.contactId, { ...state.get(c.contactId), ...c.set });
    return state;
  };

  it.each(stores)("resumes on the %s store with no lost and no repeated writes, one call at a time", async (_name, makeStore) => {
    const open = makeStore();
    const reference = createScriptedConnector(smallShop(350, NOW));
    await runSync(deps(reference, await installed(createMemoryStore())), ID);

    const connector = createScriptedConnector(smallShop(350, NOW));
    connector.crashOnPushCall = 3; // two batches of 100 land, the third call dies
    const first = await withConcurrency(await installed(await open()), 1);
    await expect(runSync(deps(connector, first), ID)).rejects.toThrow("process killed");
    expect(connector.pushes.flat()).toHaveLength(200);
    expect((await first.listRuns(ID, 1))[0]).toMatchObject({ status: "failed", error: "process killed" });

    connector.crashOnPushCall = null;
    const reopened = await open(); // a new process: only what was stored survives
    const { summary } = await runSync(deps(connector, reopened), ID);
    expect(summary.contactsChanged).toBe(150);
    expect(writes(connector.pushes)).toEqual(writes(reference.pushes));
  });

  it.each(stores)("resumes on the %s store with nothing lost and the ESP in the same state, 4 calls in flight", async (_name, makeStore) => {
    const open = makeStore();
    const reference = createScriptedConnector(smallShop(350, NOW));
    await runSync(deps(reference, await installed(createMemoryStore())), ID);

    const connector = createScriptedConnector(smallShop(350, NOW));
    connector.crashOnPushCall = 3; // batches 1, 2 and 4 land; the third dies before 4 is checkpointed
    await expect(runSync(deps(connector, await withConcurrency(await installed(await open()), 4)), ID)).rejects.toThrow("process killed");
    connector.crashOnPushCall = null;
    await runSync(deps(connector, await open()), ID);
    expect(finalState(connector.pushes)).toEqual(finalState(reference.pushes));
    // Only the batch that landed but was not checkpointed is sent again: at most concurrency - 1 batches.
    const repeated = connector.pushes.flat().length - reference.pushes.flat().length;
    expect(repeated).toBeGreaterThan(0);
    expect(repeated).toBeLessThanOrEqual(3 * 100);
  });
});
