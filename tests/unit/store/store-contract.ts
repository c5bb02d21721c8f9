import { describe, expect, it } from "vitest";
import { defaultSettings, emptyIngestReport } from "../../../src/domain/index.js";
import type {
  Contact,
  Credentials,
  Event,
  Feed,
  GuardLogEntry,
  PageCommit,
  Product,
  Profile,
  PropertyChange,
  RunSummary,
  Store,
  Stream,
} from "../../../src/domain/index.js";

/** Builders for valid domain records; tests override only what they are about. */
export const contact = (id: string, email = `${id}@example.com`): Contact => ({
  id, espIds: { files: id }, email, createdAt: new Date("2024-01-02T03:04:05.000Z"), timezone: "UTC", consent: "subscribed", preferences: {},
});
export const product = (id: string, price = 10): Product => ({
  id, title: `Product ${id}`, url: `https://shop.test/${id}`, imageUrl: "", category: "shoes", brand: "", price, inventory: null, active: true,
});
export const viewed = (id: string, contactId: string, at: string): Event => ({ id, contactId, at: new Date(at), type: "viewed_product", productId: "p1" });
export const ordered = (id: string, contactId: string, at: string): Event => ({
  id, contactId, at: new Date(at), type: "placed_order", orderId: `o-${id}`, value: 30, discount: 0, items: [{ productId: "p1", quantity: 3, price: 10 }],
});
export const page = (stream: Stream, cursor: string, parts: Partial<Omit<PageCommit, "stream" | "cursor">> = {}): PageCommit => ({
  stream, cursor, contacts: [], products: [], events: [], quarantine: [], cleanState: null, ...parts,
});
const noIngest = emptyIngestReport();
export const run = (runId: string, startedAt: string, installationId = "shop", status: RunSummary["status"] = "succeeded"): RunSummary => ({
  runId, installationId, status, startedAt, finishedAt: null, dryRun: false, ingest: noIngest, quarantined: 0, contactsScored: 0,
  contactsChanged: 0, propertiesChanged: 0, written: 0, writeFailures: 0, writeCalls: 0, durationMs: 0, warnings: [],
});
const change = (contactId: string, set: PropertyChange["set"]): PropertyChange => ({ contactId, espId: `esp-${contactId}`, set });

/** Every chunk of an AsyncIterable, flattened. */
export async function all<T>(chunks: AsyncIterable<readonly T[]>): Promise<T[]> {
  const items: T[] = [];
  for await (const chunk of chunks) items.push(...chunk);
  return items;
}

/**
 * The behaviour every Store must have. `reopen` gives a fresh instance over the same data
 * (a restart); stores without persistence pass nothing and are read back as they are.
 * Quarantine is listed newest first.
 */
export function describeStoreContract(name: string, makeStore: () => Promise<Store>, reopen: (store: Store) => Promise<Store> = (s) => Promise.resolve(s)): void {
  const fresh = async (): Promise<{ store: Store; later: () => Promise<Store> }> => {
    const store = await makeStore();
    return { store, later: () => reopen(store) };
  };

  const changedBy = (by: string) => ({ by, at: "2025-01-01T00:00:00.000Z", note: "" });

  describe(`${name} (Store contract)`, () => {
    describe("settings", () => {
      it("returns the documented defaults when none were saved", async () => {
        const { store } = await fresh();
        expect(await store.getSettings("shop")).toEqual(defaultSettings());
      });

      it("returns saved settings after a restart", async () => {
        const { store, later } = await fresh();
        const settings = { ...defaultSettings(), sync: { intervalMinutes: 15, batchSize: 50, pushConcurrency: 2 } };
        await store.saveSettings("shop", settings, changedBy("ana"));
        expect(await (await later()).getSettings("shop")).toEqual(settings);
      });

      it("numbers every save as a new version, newest first, with who, when and why", async () => {
        const { store, later } = await fresh();
        const v1 = { ...defaultSettings(), sync: { intervalMinutes: 15, batchSize: 50, pushConcurrency: 2 } };
        const v2 = { ...v1, lifecycle: { newCustomerDays: 20, activeDays: 60, lapsingDays: 120 } };
        expect((await store.saveSettings("shop", v1, changedBy("ana"))).version).toBe(1);
        const saved = await store.saveSettings("shop", v2, { by: "bo", at: "2025-02-02T00:00:00.000Z", note: "shorter windows" });
        expect(saved).toEqual({ version: 2, by: "bo", at: "2025-02-02T00:00:00.000Z", note: "shorter windows", settings: v2 });
        const reopened = await later();
        expect((await reopened.listSettingsVersions("shop", 10)).map((v) => [v.version, v.by])).toEqual([[2, "bo"], [1, "ana"]]);
        expect((await reopened.listSettingsVersions("shop", 1)).map((v) => v.version)).toEqual([2]);
        expect((await reopened.getSettingsVersion("shop", 1))?.settings).toEqual(v1);
        expect(await reopened.getSettingsVersion("shop", 3)).toBeNull();
        expect(await reopened.listSettingsVersions("other", 10)).toEqual([]);
      });

      it("rolls back by saving an older version's settings as the newest: getSettings equals it exactly", async () => {
        const { store } = await fresh();
        const v1 = { ...defaultSettings(), intent: { viewWeight: 2, cartWeight: 4, orderWeight: 6, halfLifeDays: 30 } };
        await store.saveSettings("shop", v1, changedBy("ana"));
        await store.saveSettings("shop", { ...v1, intent: { ...v1.intent, viewWeight: 9 } }, changedBy("bo"));
        const old = await store.getSettingsVersion("shop", 1);
        if (old === null) throw new Error("version 1 missing");
        const rolled = await store.saveSettings("shop", old.settings, { ...changedBy("ana"), note: "rollback to version 1" });
        expect(rolled.version).toBe(3);
        expect(await store.getSettings("shop")).toEqual(v1);
      });

      it("keeps each installation's settings apart", async () => {
        const { store } = await fresh();
        await store.saveSettings("a", { ...defaultSettings(), sync: { intervalMinutes: 15, batchSize: 50, pushConcurrency: 2 } }, changedBy("ana"));
        expect((await store.getSettings("b")).sync.intervalMinutes).toBe(60);
      });
    });

    describe("installations", () => {
      const shop = { id: "shop", esp: "hubspot", name: "Shop", createdAt: "2024-05-01T00:00:00.000Z", propertiesDefined: [] } as const;

      it("returns null for an installation never saved", async () => {
        const { store } = await fresh();
        expect(await store.getInstallation("nope")).toBeNull();
      });

      it("returns a saved installation after a restart", async () => {
        const { store, later } = await fresh();
        await store.saveInstallation(shop);
        expect(await (await later()).getInstallation("shop")).toEqual(shop);
      });

      it("replaces an installation saved again under the same id", async () => {
        const { store, later } = await fresh();
        await store.saveInstallation(shop);
        await store.saveInstallation({ ...shop, esp: "klaviyo", name: "Other" });
        await store.saveInstallation({ ...shop, propertiesDefined: ["tailor_orders"] });
        expect(await (await later()).listInstallations()).toEqual([{ ...shop, propertiesDefined: ["tailor_orders"] }]);
      });
    });

    describe("cursors and clean state", () => {
      it("starts every stream's cursor at null", async () => {
        const { store } = await fresh();
        expect([await store.getCursor("shop", "contacts"), await store.getCursor("shop", "products"), await store.getCursor("shop", "events")]).toEqual([null, null, null]);
      });

      it("moves only the committed stream's cursor", async () => {
        const { store, later } = await fresh();
        await store.commitPage("shop", "r1", page("events", "ev-2"));
        await store.commitPage("shop", "r1", page("contacts", "c-1"));
        await store.commitPage("shop", "r1", page("events", "ev-3"));
        const s = await later();
        expect([await s.getCursor("shop", "contacts"), await s.getCursor("shop", "products"), await s.getCursor("shop", "events")]).toEqual(["c-1", null, "ev-3"]);
      });

      it("starts with a null clean state", async () => {
        const { store } = await fresh();
        expect(await store.getCleanState("shop")).toBeNull();
      });

      it("replaces the clean state outside a page commit, leaving cursors and records alone, after a restart", async () => {
        const { store, later } = await fresh();
        await store.commitPage("shop", "r1", page("contacts", "c-1", { contacts: [contact("c1")], cleanState: { seen: ["ann@example.com"] } }));
        await store.saveCleanState("shop", { seen: [] });
        const s = await later();
        expect([await s.getCleanState("shop"), await s.getCursor("shop", "contacts"), (await all(s.readContacts("shop"))).map((c) => c.id)]).toEqual([{ seen: [] }, "c-1", ["c1"]]);
      });

      it("gives a saved clean state to the next page commit's reader, and the page's state after that commit", async () => {
        const { store, later } = await fresh();
        await store.saveCleanState("shop", { n: 1 });
        const saved = await store.getCleanState("shop");
        await store.commitPage("shop", "r1", page("contacts", "c-1", { cleanState: { n: 2 } }));
        expect([saved, await (await later()).getCleanState("shop")]).toEqual([{ n: 1 }, { n: 2 }]);
      });

      it("keeps a saved clean state its own: later changes to the caller's object do not reach it", async () => {
        const { store, later } = await fresh();
        const state = { seen: ["a"] };
        await store.saveCleanState("shop", state);
        state.seen.push("b");
        expect(await (await later()).getCleanState("shop")).toEqual({ seen: ["a"] });
      });

      it("returns the clean state of the latest commit", async () => {
        const { store, later } = await fresh();
        await store.commitPage("shop", "r1", page("contacts", "c-1", { cleanState: { seen: ["a"] } }));
        await store.commitPage("shop", "r1", page("contacts", "c-2", { cleanState: { seen: ["a", "b"], n: 2 } }));
        expect(await (await later()).getCleanState("shop")).toEqual({ seen: ["a", "b"], n: 2 });
      });
    });

    describe("records", () => {
      it("upserts contacts by id, the latest version winning", async () => {
        const { store, later } = await fresh();
        await store.commitPage("shop", "r1", page("contacts", "1", { contacts: [contact("c1"), contact("c2")] }));
        await store.commitPage("shop", "r1", page("contacts", "2", { contacts: [contact("c1", "new@example.com")] }));
        const stored = await all((await later()).readContacts("shop"));
        expect(stored.sort((a, b) => a.id.localeCompare(b.id))).toEqual([contact("c1", "new@example.com"), contact("c2")]);
      });

      it("returns contacts' createdAt as a Date", async () => {
        const { store, later } = await fresh();
        await store.commitPage("shop", "r1", page("contacts", "1", { contacts: [contact("c1")] }));
        const [stored] = await all((await later()).readContacts("shop"));
        expect(stored?.createdAt).toBeInstanceOf(Date);
      });

      it("upserts products by id, the latest version winning", async () => {
        const { store, later } = await fresh();
        await store.commitPage("shop", "r1", page("products", "1", { products: [product("p1", 10), product("p2", 20)] }));
        await store.commitPage("shop", "r1", page("products", "2", { products: [product("p2", 25)] }));
        const stored = await all((await later()).readProducts("shop"));
        expect(stored.sort((a, b) => a.id.localeCompare(b.id))).toEqual([product("p1", 10), product("p2", 25)]);
      });

      it("returns every event in insertion order with `at` as a Date", async () => {
        const { store, later } = await fresh();
        const first = [viewed("e1", "c1", "2024-03-01T10:00:00.000Z"), ordered("e2", "c1", "2024-02-01T10:00:00.000Z")];
        const second = [viewed("e3", "c2", "2024-01-01T00:00:00.000Z")];
        await store.commitPage("shop", "r1", page("events", "1", { events: first }));
        await store.commitPage("shop", "r1", page("events", "2", { events: second }));
        const stored = await all((await later()).readEvents("shop"));
        expect(stored).toEqual([...first, ...second]);
        expect(stored.map((e) => e.at instanceof Date)).toEqual([true, true, true]);
      });

      it("streams many events in chunks of at most 10,000", async () => {
        const { store } = await fresh();
        const events = Array.from({ length: 25_000 }, (_, i) => viewed(`e${i}`, "c1", "2024-03-01T10:00:00.000Z"));
        await store.commitPage("shop", "r1", page("events", "1", { events }));
        const sizes: number[] = [];
        for await (const chunk of store.readEvents("shop")) sizes.push(chunk.length);
        expect(sizes).toEqual([10_000, 10_000, 5_000]);
      });

      it("keeps each installation's records apart", async () => {
        const { store } = await fresh();
        await store.commitPage("a", "r1", page("events", "1", { contacts: [contact("c1")], events: [viewed("e1", "c1", "2024-03-01T10:00:00.000Z")] }));
        expect([await all(store.readContacts("b")), await all(store.readEvents("b"))]).toEqual([[], []]);
      });
    });

    describe("quarantine", () => {
      const bad = (n: number) => ({ stream: "events" as const, reason: `bad ${n}`, raw: { n } });

      it("lists entries newest first with the total, a limit and an offset", async () => {
        const { store, later } = await fresh();
        await store.commitPage("shop", "r1", page("events", "1", { quarantine: [bad(1), bad(2)] }));
        await store.commitPage("shop", "r2", page("events", "2", { quarantine: [bad(3), bad(4), bad(5)] }));
        const listed = await (await later()).listQuarantine("shop", { limit: 2, offset: 1 });
        expect({ total: listed.total, reasons: listed.items.map((i) => i.reason) }).toEqual({ total: 5, reasons: ["bad 4", "bad 3"] });
      });

      it("keeps each entry's raw input, stream, run id and an ISO time", async () => {
        const { store } = await fresh();
        await store.commitPage("shop", "r7", page("events", "1", { quarantine: [bad(1)] }));
        const [entry] = (await store.listQuarantine("shop", { limit: 10, offset: 0 })).items;
        expect(entry).toEqual({ stream: "events", reason: "bad 1", raw: { n: 1 }, runId: "r7", at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown });
      });

      it("returns no items past the end", async () => {
        const { store } = await fresh();
        await store.commitPage("shop", "r1", page("events", "1", { quarantine: [bad(1)] }));
        expect(await store.listQuarantine("shop", { limit: 10, offset: 5 })).toEqual({ total: 1, items: [] });
      });

      it("adds what the ESP refused at checkpointPush", async () => {
        const { store, later } = await fresh();
        await store.commitPage("shop", "r1", page("events", "1", { quarantine: [bad(1)] }));
        await store.checkpointPush("shop", "r1", [], [{ stream: "push", reason: "INVALID_EMAIL", raw: { contactId: "c9" } }]);
        const listed = await (await later()).listQuarantine("shop", { limit: 10, offset: 0 });
        expect(listed.items.map((i) => [i.stream, i.reason])).toEqual([["push", "INVALID_EMAIL"], ["events", "bad 1"]]);
      });
    });

    describe("quarantine filter", () => {
      const bad = (stream: "contacts" | "products" | "events", reason: string, n: number) => ({ stream, reason, raw: { n } });
      /** Eight entries over two runs and a refused write, oldest first: n = 1..7, then the push. */
      const filled = async () => {
        const { store, later } = await fresh();
        await store.commitPage("shop", "r1", page("contacts", "1", {
          quarantine: [bad("contacts", "email: invalid email address", 1), bad("contacts", "createdAt: not a valid date", 2), bad("contacts", "Email: INVALID email address", 3)],
        }));
        await store.commitPage("shop", "r2", page("events", "2", {
          quarantine: [bad("events", "at: not a valid date", 4), bad("events", "productId: unknown product", 5), bad("events", "at: not a valid date", 6), bad("events", "at: not a valid date", 7)],
        }));
        await store.checkpointPush("shop", "r2", [], [{ stream: "push", reason: "INVALID_EMAIL: rejected by the ESP", raw: { n: 8 } }]);
        return { store, later };
      };
      const ns = (items: readonly { raw: unknown }[]) => items.map((i) => (i.raw as { n: number }).n);

      it("keeps only one stream's entries, newest first, and counts only them", async () => {
        const { later } = await filled();
        const listed = await (await later()).listQuarantine("shop", { limit: 10, offset: 0, stream: "events" });
        expect({ total: listed.total, n: ns(listed.items) }).toEqual({ total: 4, n: [7, 6, 5, 4] });
      });

      it("matches the reason as a substring, ignoring case", async () => {
        const { store } = await filled();
        const listed = await store.listQuarantine("shop", { limit: 10, offset: 0, reason: "Invalid" });
        expect({ total: listed.total, n: ns(listed.items) }).toEqual({ total: 3, n: [8, 3, 1] });
      });

      it("combines stream and reason", async () => {
        const { store } = await filled();
        const listed = await store.listQuarantine("shop", { limit: 10, offset: 0, stream: "contacts", reason: "valid" });
        expect({ total: listed.total, n: ns(listed.items) }).toEqual({ total: 3, n: [3, 2, 1] });
      });

      it("pages through the matches with a limit and an offset", async () => {
        const { later } = await filled();
        const reopened = await later();
        const pages = await Promise.all([0, 2, 4].map((offset) => reopened.listQuarantine("shop", { limit: 2, offset, reason: "not a valid date" })));
        expect(pages.map((p) => [p.total, ns(p.items)])).toEqual([[4, [7, 6]], [4, [4, 2]], [4, []]]);
      });

      it("lists what the ESP refused under the push stream", async () => {
        const { store } = await filled();
        const listed = await store.listQuarantine("shop", { limit: 10, offset: 0, stream: "push" });
        expect(listed.items.map((i) => [i.stream, i.reason, i.runId])).toEqual([["push", "INVALID_EMAIL: rejected by the ESP", "r2"]]);
      });

      it("counts nothing when nothing matches", async () => {
        const { store } = await filled();
        expect(await store.listQuarantine("shop", { limit: 10, offset: 0, stream: "products" })).toEqual({ total: 0, items: [] });
      });

      it("treats an empty reason as no filter", async () => {
        const { store } = await filled();
        const listed = await store.listQuarantine("shop", { limit: 3, offset: 0, reason: "" });
        expect({ total: listed.total, n: ns(listed.items) }).toEqual({ total: 8, n: [8, 7, 6] });
      });
    });

    describe("last written values", () => {
      it("is empty before anything was pushed", async () => {
        const { store } = await fresh();
        expect((await store.lastWritten("shop")).size).toBe(0);
      });

      it("reflects every checkpointPush, later values over earlier ones, after a restart", async () => {
        const { store, later } = await fresh();
        await store.checkpointPush("shop", "r1", [change("c1", { tailor_orders: 1, tailor_lifecycle: "new_customer" }), change("c2", { tailor_orders: 4 })], []);
        await store.checkpointPush("shop", "r1", [change("c1", { tailor_orders: 2 })], []);
        expect(Object.fromEntries(await (await later()).lastWritten("shop"))).toEqual({
          c1: { tailor_orders: 2, tailor_lifecycle: "new_customer" },
          c2: { tailor_orders: 4 },
        });
      });

      it("keeps every value across a finished run and later pushes", async () => {
        const { store, later } = await fresh();
        await store.checkpointPush("shop", "r1", [change("c1", { tailor_orders: 1 })], []);
        await store.saveRun(run("r1", "2024-05-01T00:00:00.000Z"));
        await store.checkpointPush("shop", "r2", [change("c1", { tailor_aov: 12.5 }), change("c3", { tailor_top_category: null })], []);
        expect(Object.fromEntries(await (await later()).lastWritten("shop"))).toEqual({
          c1: { tailor_orders: 1, tailor_aov: 12.5 },
          c3: { tailor_top_category: null },
        });
      });

      it("does not change a map it already returned", async () => {
        const { store } = await fresh();
        const before = await store.lastWritten("shop");
        await store.checkpointPush("shop", "r1", [change("c1", { tailor_orders: 1 })], []);
        expect(before.size).toBe(0);
      });
    });

    describe("slot history", () => {
      const shown = (at: number, ...productIds: string[]) => ({ at, productIds });
      const entry = (contactId: string, at: number, ...productIds: string[]) => ({ contactId, exposure: shown(at, ...productIds) });

      it("is empty before anything was appended", async () => {
        const { store } = await fresh();
        expect((await store.readSlotHistory("shop")).size).toBe(0);
      });

      it("returns each contact's exposures oldest first after a restart", async () => {
        const { store, later } = await fresh();
        await store.appendSlotHistory("shop", [entry("c1", 200, "a", "b"), entry("c2", 200, "c")]);
        await store.appendSlotHistory("shop", [entry("c1", 100, "d")]);
        expect(Object.fromEntries(await (await later()).readSlotHistory("shop"))).toEqual({
          c1: [shown(100, "d"), shown(200, "a", "b")],
          c2: [shown(200, "c")],
        });
      });

      it("keeps the newest 10 exposures per contact, whatever order they were appended in", async () => {
        const { store, later } = await fresh();
        const times = [5, 12, 1, 9, 3, 11, 7, 2, 10, 4, 8, 6];
        for (const t of times) await store.appendSlotHistory("shop", [entry("c1", t, `p${t}`)]);
        const kept = (await (await later()).readSlotHistory("shop")).get("c1") ?? [];
        expect(kept.map((e) => e.at)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      });

      it("keeps the later of two appends with the same time", async () => {
        const { store, later } = await fresh();
        for (let i = 0; i < 11; i++) await store.appendSlotHistory("shop", [entry("c1", 100, `p${i}`)]);
        const kept = (await (await later()).readSlotHistory("shop")).get("c1") ?? [];
        expect(kept.map((e) => e.productIds[0])).toEqual(["p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9", "p10"]);
      });

      it("keeps the newest 10 when an exposure older than all of them arrives", async () => {
        const { store, later } = await fresh();
        for (let t = 2; t <= 11; t++) await store.appendSlotHistory("shop", [entry("c1", t, `p${t}`)]);
        await store.appendSlotHistory("shop", [entry("c1", 1, "p1")]);
        const kept = (await (await later()).readSlotHistory("shop")).get("c1") ?? [];
        expect(kept.map((e) => e.at)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      });

      it("keeps each installation's history apart", async () => {
        const { store } = await fresh();
        await store.appendSlotHistory("a", [entry("c1", 100, "p1")]);
        expect((await store.readSlotHistory("b")).size).toBe(0);
      });

      it("does not change a map it already returned, nor keep the caller's arrays", async () => {
        const { store } = await fresh();
        const ids = ["p1"];
        await store.appendSlotHistory("shop", [{ contactId: "c1", exposure: { at: 100, productIds: ids } }]);
        const before = await store.readSlotHistory("shop");
        ids.push("p2");
        await store.appendSlotHistory("shop", [entry("c1", 200, "p3"), entry("c2", 200, "p4")]);
        expect([Object.fromEntries(before), (await store.readSlotHistory("shop")).get("c1")?.[0]]).toEqual([{ c1: [shown(100, "p1")] }, shown(100, "p1")]);
      });
    });

    describe("guard log", () => {
      const change = (at: number, key: GuardLogEntry["key"] = "weekly_cap", on = true): GuardLogEntry => ({ at, key, on, reason: `${key} ${on ? "on" : "off"} at ${at}`, until: null });
      const entry = (contactId: string, e: GuardLogEntry) => ({ contactId, entry: e });

      it("is empty before anything was appended", async () => {
        const { store, later } = await fresh();
        await store.appendGuardLog("shop", []);
        expect((await (await later()).readGuardLog("shop")).size).toBe(0);
      });

      it("returns each contact's entries oldest first after a restart", async () => {
        const { store, later } = await fresh();
        await store.appendGuardLog("shop", [entry("c1", change(200, "refund")), entry("c2", change(200, "complained"))]);
        await store.appendGuardLog("shop", [entry("c1", change(100, "open_ticket"))]);
        expect(Object.fromEntries(await (await later()).readGuardLog("shop"))).toEqual({
          c1: [change(100, "open_ticket"), change(200, "refund")],
          c2: [change(200, "complained")],
        });
      });

      it("keeps every field exactly, with `ref` only on entries that have one", async () => {
        const { store, later } = await fresh();
        const flow: GuardLogEntry = { at: 1_714_000_000_000, key: "cart_abandonment", on: true, reason: "left a cart 2 hours ago", until: null, ref: "cart:1713992800000" };
        const cap: GuardLogEntry = { at: 1_714_000_000_000, key: "weekly_cap", on: false, reason: "weekly cap lifted: 2 of 3 sends", until: 1_714_600_000_000 };
        await store.appendGuardLog("shop", [entry("c1", flow), entry("c1", cap)]);
        // toStrictEqual: a `ref: undefined` on the second entry would fail, where toEqual would not see it.
        expect((await (await later()).readGuardLog("shop")).get("c1")).toStrictEqual([flow, cap]);
      });

      it("keeps the newest 50 entries per contact, whatever order they were appended in", async () => {
        const { store, later } = await fresh();
        // 1..55 in a fixed shuffled order: 7 is coprime with 55, so i * 7 mod 55 visits every value.
        for (let i = 0; i < 55; i++) await store.appendGuardLog("shop", [entry("c1", change(((i * 7) % 55) + 1))]);
        const kept = (await (await later()).readGuardLog("shop")).get("c1") ?? [];
        expect(kept.map((e) => e.at)).toEqual(Array.from({ length: 50 }, (_, i) => i + 6));
      });

      it("keeps the newest 50 when an entry older than all of them arrives", async () => {
        const { store, later } = await fresh();
        await store.appendGuardLog("shop", Array.from({ length: 50 }, (_, i) => entry("c1", change(i + 2))));
        await store.appendGuardLog("shop", [entry("c1", change(1))]);
        const kept = (await (await later()).readGuardLog("shop")).get("c1") ?? [];
        expect([kept.length, kept[0]?.at, kept.at(-1)?.at]).toEqual([50, 2, 51]);
      });

      it("keeps the later of two appends with the same time, in one call or across calls", async () => {
        const { store, later } = await fresh();
        const at = (i: number) => ({ ...change(100), reason: `r${i}` });
        await store.appendGuardLog("shop", Array.from({ length: 30 }, (_, i) => entry("c1", at(i))));
        await store.appendGuardLog("shop", Array.from({ length: 21 }, (_, i) => entry("c1", at(30 + i))));
        const kept = (await (await later()).readGuardLog("shop")).get("c1") ?? [];
        expect(kept.map((e) => e.reason)).toEqual(Array.from({ length: 50 }, (_, i) => `r${i + 1}`));
      });

      it("keeps each installation's log apart", async () => {
        const { store } = await fresh();
        await store.appendGuardLog("a", [entry("c1", change(100))]);
        expect((await store.readGuardLog("b")).size).toBe(0);
      });

      it("does not change a map it already returned, nor keep the caller's objects", async () => {
        const { store } = await fresh();
        const mine = { ...change(100), reason: "mine" };
        await store.appendGuardLog("shop", [entry("c1", mine)]);
        const before = await store.readGuardLog("shop");
        mine.reason = "changed";
        await store.appendGuardLog("shop", [entry("c1", change(200)), entry("c2", change(200))]);
        expect([Object.fromEntries(before), (await store.readGuardLog("shop")).get("c1")?.[0]?.reason]).toEqual([{ c1: [{ ...change(100), reason: "mine" }] }, "mine"]);
      });
    });

    describe("credentials", () => {
      const oauth: Credentials = { kind: "oauth", accessToken: "fake-access-token", refreshToken: "fake-refresh-token", expiresAt: 1_714_000_000_000, scopes: ["crm.objects.contacts.read"], accountId: "62515" };

      it("returns null before any were saved", async () => {
        const { store } = await fresh();
        expect(await store.getCredentials("shop")).toBeNull();
      });

      it("returns saved credentials after a restart", async () => {
        const { store, later } = await fresh();
        await store.saveCredentials("shop", oauth);
        expect(await (await later()).getCredentials("shop")).toEqual(oauth);
      });

      it("replaces credentials saved again, and forgets them when saved as null", async () => {
        const { store, later } = await fresh();
        await store.saveCredentials("shop", oauth);
        await store.saveCredentials("shop", { kind: "private", accessToken: "fake-private-token", accountId: null });
        const replaced = await (await later()).getCredentials("shop");
        await store.saveCredentials("shop", null);
        expect([replaced, await (await later()).getCredentials("shop")]).toEqual([{ kind: "private", accessToken: "fake-private-token", accountId: null }, null]);
      });

      it("keeps each installation's credentials apart", async () => {
        const { store } = await fresh();
        await store.saveCredentials("a", oauth);
        expect(await store.getCredentials("b")).toBeNull();
      });
    });

    describe("erasing contacts", () => {
      const at = "2024-03-01T10:00:00.000Z";
      const profileOf = (contactId: string): Profile => ({ contactId, properties: { tailor_orders: { value: 1, why: "1 order" } } });
      const capped = (t: number): GuardLogEntry => ({ at: t, key: "weekly_cap", on: true, reason: "weekly cap reached", until: null });

      /** Two contacts with something in every place a contact leaves a trace. */
      async function seeded(): Promise<{ store: Store; later: () => Promise<Store> }> {
        const made = await fresh();
        const { store } = made;
        await store.commitPage("shop", "r1", page("contacts", "c-1", {
          contacts: [contact("c1"), contact("c2")],
          events: [viewed("e1", "c1", at), viewed("e2", "c2", at), ordered("e3", "c1", at)],
          quarantine: [
            { stream: "events", reason: "productId: unknown product", raw: { id: "e9", contactId: "c1", type: "viewed_product" } },
            { stream: "contacts", reason: "createdAt: invalid", raw: { id: "x7", email: " C1@Example.com " } },
            { stream: "events", reason: "productId: unknown product", raw: { id: "e8", contactId: "c2" } },
          ],
        }));
        await store.checkpointPush("shop", "r1", [change("c1", { tailor_orders: 2 }), change("c2", { tailor_orders: 1 })], [{ stream: "push", reason: "INVALID_EMAIL", raw: { contactId: "c1" } }]);
        await store.saveProfiles("shop", [profileOf("c1"), profileOf("c2")]);
        await store.appendSlotHistory("shop", [{ contactId: "c1", exposure: { at: 1, productIds: ["p1"] } }, { contactId: "c2", exposure: { at: 1, productIds: ["p2"] } }]);
        await store.appendGuardLog("shop", [{ contactId: "c1", entry: capped(1) }, { contactId: "c2", entry: capped(1) }]);
        await store.requestRefresh("shop", ["c1", "c2"]);
        return made;
      }

      /** Every trace of every contact, in one comparable value. */
      async function traces(store: Store) {
        return {
          contacts: (await all(store.readContacts("shop"))).map((c) => c.id).sort(),
          events: (await all(store.readEvents("shop"))).map((e) => `${e.id}:${e.contactId}`),
          quarantine: (await store.listQuarantine("shop", { limit: 10, offset: 0 })).items.map((q) => JSON.stringify(q.raw)),
          written: [...(await store.lastWritten("shop")).keys()].sort(),
          profiles: [await store.getProfile("shop", "c1"), await store.getProfile("shop", "c2")].map((p) => p?.contactId ?? null),
          slots: [...(await store.readSlotHistory("shop")).keys()].sort(),
          guard: [...(await store.readGuardLog("shop")).keys()].sort(),
        };
      }

      it("removes the contact and everything derived from it, and nothing of anyone else's, after a restart", async () => {
        const { store, later } = await seeded();
        const { erased } = await store.eraseContacts("shop", ["c1"]);
        const after = await later();
        expect({ erased, ...(await traces(after)), refresh: await after.takeRefresh("shop") }).toEqual({
          erased: 1,
          contacts: ["c2"],
          events: ["e2:c2"],
          quarantine: ['{"id":"e8","contactId":"c2"}'],
          written: ["c2"],
          profiles: [null, "c2"],
          slots: ["c2"],
          guard: ["c2"],
          refresh: ["c2"],
        });
      });

      it("finds a contact by the ESP id a webhook names", async () => {
        const { store, later } = await fresh();
        await store.commitPage("shop", "r1", page("contacts", "c-1", {
          contacts: [{ ...contact("k1"), espIds: { hubspot: "501" } }, contact("k2")],
          events: [viewed("e1", "k1", at), viewed("e2", "k2", at)],
        }));
        const { erased } = await store.eraseContacts("shop", ["501"]);
        const after = await later();
        expect([erased, (await all(after.readContacts("shop"))).map((c) => c.id), (await all(after.readEvents("shop"))).map((e) => e.id)]).toEqual([1, ["k2"], ["e2"]]);
      });

      it("returns 0 and keeps everything when no stored contact matches", async () => {
        const { store, later } = await seeded();
        const before = await traces(store);
        const erasures = [await store.eraseContacts("shop", ["c404"]), await store.eraseContacts("shop", [])];
        expect([erasures.map((e) => [e.erased, e.emails, e.orderIds]), await traces(await later())]).toEqual([[[0, [], []], [0, [], []]], before]);
      });

      it("still erases events and written values of a contact no longer stored", async () => {
        const { store, later } = await fresh();
        await store.commitPage("shop", "r1", page("events", "1", { events: [viewed("e1", "gone", at), viewed("e2", "c2", at)] }));
        await store.checkpointPush("shop", "r1", [change("gone", { tailor_orders: 1 })], []);
        const { erased } = await store.eraseContacts("shop", ["gone"]);
        const after = await later();
        expect([erased, (await all(after.readEvents("shop"))).map((e) => e.id), (await after.lastWritten("shop")).size]).toEqual([0, ["e2"], 0]);
      });

      it("takes new pages, pushes and quarantine normally after an erasure", async () => {
        const { store, later } = await seeded();
        await store.eraseContacts("shop", ["c1"]);
        await store.commitPage("shop", "r2", page("events", "ev-2", { events: [viewed("e4", "c2", at)], quarantine: [{ stream: "events", reason: "later", raw: { n: 1 } }] }));
        await store.checkpointPush("shop", "r2", [change("c3", { tailor_orders: 5 })], []);
        const after = await later();
        expect({
          events: (await all(after.readEvents("shop"))).map((e) => e.id),
          quarantine: (await after.listQuarantine("shop", { limit: 10, offset: 0 })).items.map((q) => q.reason),
          written: Object.fromEntries(await after.lastWritten("shop")),
          cursor: await after.getCursor("shop", "events"),
        }).toEqual({ events: ["e2", "e4"], quarantine: ["later", "productId: unknown product"], written: { c2: { tailor_orders: 1 }, c3: { tailor_orders: 5 } }, cursor: "ev-2" });
      });

      it("reports every id, email and order id the erased data was held under, for ingest to forget", async () => {
        const { store } = await fresh();
        await store.commitPage("shop", "r1", page("contacts", "c-1", {
          contacts: [{ ...contact("k1", "Ann@Example.com"), espIds: { hubspot: "501" } }, contact("k2")],
          events: [ordered("e1", "k1", at), viewed("e2", "k1", at), ordered("e3", "k2", at), ordered("e4", "m1", at)],
        }));
        await store.mergeContacts("shop", "k1", ["m1"]);
        const erasure = await store.eraseContacts("shop", ["501"]);
        expect({ ...erasure, contactIds: [...erasure.contactIds].sort(), orderIds: [...erasure.orderIds].sort() })
          .toEqual({ erased: 1, contactIds: ["501", "k1", "m1"], emails: ["ann@example.com"], orderIds: ["o-e1", "o-e4"] });
      });

      it("erases the events of contacts that were merged into the erased one", async () => {
        const { store, later } = await seeded();
        await store.mergeContacts("shop", "c1", ["c2"]);
        await store.eraseContacts("shop", ["c1"]);
        expect((await all((await later()).readEvents("shop"))).map((e) => e.id)).toEqual([]);
      });
    });

    describe("merging contacts", () => {
      const at = "2024-03-01T10:00:00.000Z";

      it("reads the merged contacts' events as the primary's and drops their other data, after a restart", async () => {
        const { store, later } = await fresh();
        await store.commitPage("shop", "r1", page("contacts", "c-1", {
          contacts: [contact("p"), contact("m1"), contact("m2")],
          events: [viewed("e1", "p", at), viewed("e2", "m1", at), viewed("e3", "m2", at)],
        }));
        await store.checkpointPush("shop", "r1", [change("p", { tailor_orders: 1 }), change("m1", { tailor_orders: 2 })], []);
        await store.appendSlotHistory("shop", [{ contactId: "m1", exposure: { at: 1, productIds: ["p1"] } }]);
        await store.mergeContacts("shop", "p", ["m1", "m2"]);
        const after = await later();
        expect({
          contacts: (await all(after.readContacts("shop"))).map((c) => c.id),
          events: (await all(after.readEvents("shop"))).map((e) => `${e.id}:${e.contactId}`),
          written: [...(await after.lastWritten("shop")).keys()],
          slots: (await after.readSlotHistory("shop")).size,
        }).toEqual({ contacts: ["p"], events: ["e1:p", "e2:p", "e3:p"], written: ["p"], slots: 0 });
      });

      it("reads events pulled after the merge under the primary too", async () => {
        const { store } = await fresh();
        await store.mergeContacts("shop", "p", ["m"]);
        await store.commitPage("shop", "r1", page("events", "1", { events: [viewed("e1", "m", at)] }));
        expect((await all(store.readEvents("shop"))).map((e) => e.contactId)).toEqual(["p"]);
      });

      it("follows merges of merges, in either delivery order", async () => {
        const { store, later } = await fresh();
        await store.commitPage("shop", "r1", page("events", "1", { events: [viewed("e1", "a", at), viewed("e2", "b", at), viewed("e3", "x", at), viewed("e4", "y", at)] }));
        await store.mergeContacts("shop", "b", ["a"]);
        await store.mergeContacts("shop", "c", ["b"]);
        // Delivered backwards: y was merged into x before x into z.
        await store.mergeContacts("shop", "z", ["x"]);
        await store.mergeContacts("shop", "x", ["y"]);
        expect((await all((await later()).readEvents("shop"))).map((e) => e.contactId)).toEqual(["c", "c", "z", "z"]);
      });
    });

    describe("refresh marks", () => {
      it("starts empty", async () => {
        const { store } = await fresh();
        expect(await store.takeRefresh("shop")).toEqual([]);
      });

      it("takes every requested id once, in request order, after a restart, and then is empty", async () => {
        const { store, later } = await fresh();
        await store.requestRefresh("shop", ["101", "102"]);
        await store.requestRefresh("shop", ["102", "103"]);
        const s = await later();
        expect([await s.takeRefresh("shop"), await s.takeRefresh("shop"), await (await later()).takeRefresh("shop")]).toEqual([["101", "102", "103"], [], []]);
      });

      it("keeps each installation's marks apart", async () => {
        const { store } = await fresh();
        await store.requestRefresh("a", ["101"]);
        expect(await store.takeRefresh("b")).toEqual([]);
      });
    });

    describe("runs", () => {
      it("lists runs newest first, up to the limit", async () => {
        const { store, later } = await fresh();
        await store.saveRun(run("r2", "2024-05-02T00:00:00.000Z"));
        await store.saveRun(run("r3", "2024-05-03T00:00:00.000Z"));
        await store.saveRun(run("r1", "2024-05-01T00:00:00.000Z"));
        expect((await (await later()).listRuns("shop", 2)).map((r) => r.runId)).toEqual(["r3", "r2"]);
      });

      it("replaces a run saved again under the same runId", async () => {
        const { store } = await fresh();
        await store.saveRun(run("r1", "2024-05-01T00:00:00.000Z", "shop", "running"));
        await store.saveRun({ ...run("r1", "2024-05-01T00:00:00.000Z"), written: 7 });
        expect((await store.listRuns("shop", 10)).map((r) => [r.runId, r.status, r.written])).toEqual([["r1", "succeeded", 7]]);
      });

      it("lists only the installation's own runs", async () => {
        const { store } = await fresh();
        await store.saveRun(run("a1", "2024-05-01T00:00:00.000Z", "a"));
        await store.saveRun(run("b1", "2024-05-02T00:00:00.000Z", "b"));
        expect((await store.listRuns("a", 10)).map((r) => r.runId)).toEqual(["a1"]);
      });

      it("keeps the newest 200 runs per installation", async () => {
        const { store } = await fresh();
        for (let i = 0; i < 205; i++) await store.saveRun(run(`r${i}`, new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString(), "shop", "running"));
        const runs = await store.listRuns("shop", 1_000);
        expect([runs.length, runs[0]?.runId, runs.at(-1)?.runId]).toEqual([200, "r204", "r5"]);
      });
    });

    describe("profiles and feed", () => {
      const profile = (contactId: string, orders: number): Profile => ({
        contactId, properties: { tailor_orders: { value: orders, why: `${orders} orders` }, tailor_lifecycle: { value: "lapsing", why: "no order for 120 days", confidence: "high" } },
      });

      it("returns a saved profile after a restart", async () => {
        const { store, later } = await fresh();
        await store.saveProfiles("shop", [profile("c1", 2), profile("c2", 5)]);
        expect(await (await later()).getProfile("shop", "c2")).toEqual(profile("c2", 5));
      });

      it("returns null for a contact without a profile", async () => {
        const { store } = await fresh();
        await store.saveProfiles("shop", [profile("c1", 2)]);
        expect(await store.getProfile("shop", "c9")).toBeNull();
      });

      it("replaces the whole profile set on each save", async () => {
        const { store, later } = await fresh();
        await store.saveProfiles("shop", [profile("c1", 2)]);
        await store.saveProfiles("shop", [profile("c2", 3)]);
        const s = await later();
        expect([await s.getProfile("shop", "c1"), await s.getProfile("shop", "c2")]).toEqual([null, profile("c2", 3)]);
      });

      it("reads no profiles before any save", async () => {
        const { store } = await fresh();
        expect(await all(store.readProfiles("shop"))).toEqual([]);
      });

      it("reads every profile of the latest save after a restart", async () => {
        const { store, later } = await fresh();
        await store.saveProfiles("shop", [profile("c1", 2)]);
        await store.saveProfiles("shop", [profile("c2", 3), profile("c3", 4)]);
        const read = await all((await later()).readProfiles("shop"));
        expect(read.sort((a, b) => a.contactId.localeCompare(b.contactId))).toEqual([profile("c2", 3), profile("c3", 4)]);
      });

      it("reads many profiles in chunks of at most 10,000", async () => {
        const { store, later } = await fresh();
        await store.saveProfiles("shop", Array.from({ length: 12_345 }, (_, i) => profile(`c${i}`, i)));
        const sizes: number[] = [];
        for await (const chunk of (await later()).readProfiles("shop")) sizes.push(chunk.length);
        expect(sizes).toEqual([10_000, 2_345]);
      });

      it("reads only the installation's own profiles", async () => {
        const { store } = await fresh();
        await store.saveProfiles("a", [profile("c1", 2)]);
        expect(await all(store.readProfiles("b"))).toEqual([]);
      });

      it("returns null before a feed was saved", async () => {
        const { store } = await fresh();
        expect(await store.getFeed("shop")).toBeNull();
      });

      it("returns the saved feed after a restart", async () => {
        const { store, later } = await fresh();
        const feed: Feed = { generatedAt: "2024-05-01T00:00:00.000Z", products: { p1: { id: "p1", title: "Shoe", url: "u", imageUrl: "i", price: 9.5, category: "shoes", brand: "b" } }, fallbacks: { all: ["p1"], bySegment: { VIP: ["p1"] } } };
        await store.saveFeed("shop", feed);
        expect(await (await later()).getFeed("shop")).toEqual(feed);
      });
    });
  });
}
