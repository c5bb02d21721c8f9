import { describe, expect, it } from "vitest";
import { defaultSettings } from "../../../src/domain/index.js";
import type { Contact, Installation, Store } from "../../../src/domain/index.js";
import { createCleaner } from "../../../src/ingest/create-cleaner.js";
import { applyWebhookEvents } from "../../../src/sync/apply-webhook-events.js";
import { createMemoryStore } from "../../../src/store/memory-store.js";
import { all, contact, ordered, page, viewed } from "../store/store-contract.js";

const at = "2024-03-01T10:00:00.000Z";
const install = (id: string, accountId: string, status?: Installation["status"]): Installation => ({
  id, esp: "hubspot", name: id, createdAt: "2024-05-01T00:00:00.000Z", propertiesDefined: [], accountId, ...(status === undefined ? {} : { status }),
});

async function storeWith(...installations: Installation[]): Promise<Store> {
  const store = createMemoryStore();
  for (const installation of installations) {
    await store.saveInstallation(installation);
    await store.commitPage(installation.id, "r1", page("contacts", "1", { contacts: [contact("101"), contact("102")], events: [viewed("e1", "101", at), viewed("e2", "102", at)] }));
  }
  return store;
}

const ids = async (store: Store, installationId: string) => (await all(store.readContacts(installationId))).map((c) => c.id).sort();

describe("applyWebhookEvents", () => {
  it("erases contacts in the installation whose account the event names, and nowhere else", async () => {
    const store = await storeWith(install("hubspot-1", "1"), install("hubspot-2", "2"));
    const outcome = await applyWebhookEvents(store, [{ kind: "erase", accountId: "1", contactIds: ["101", "999"], reason: "contact.privacyDeletion" }]);
    expect([outcome, await ids(store, "hubspot-1"), await ids(store, "hubspot-2")]).toEqual([
      { erased: 1, refreshed: 0, merged: 0, uninstalled: 0, unknownAccounts: 0 },
      ["102"],
      ["101", "102"],
    ]);
  });

  it("marks contacts for the next run on a refresh", async () => {
    const store = await storeWith(install("hubspot-1", "1"));
    const outcome = await applyWebhookEvents(store, [{ kind: "refresh", accountId: "1", contactIds: ["101", "102"], reason: "contact.propertyChange email" }]);
    expect([outcome.refreshed, await store.takeRefresh("hubspot-1")]).toEqual([2, ["101", "102"]]);
  });

  it("merges, and marks the primary for a fresh read", async () => {
    const store = await storeWith(install("hubspot-1", "1"));
    const outcome = await applyWebhookEvents(store, [{ kind: "merge", accountId: "1", primaryId: "101", mergedIds: ["102"] }]);
    expect({
      merged: outcome.merged,
      contacts: await ids(store, "hubspot-1"),
      events: (await all(store.readEvents("hubspot-1"))).map((e) => e.contactId),
      refresh: await store.takeRefresh("hubspot-1"),
    }).toEqual({ merged: 1, contacts: ["101"], events: ["101", "101"], refresh: ["101"] });
  });

  it("marks an uninstalled installation and forgets its credentials", async () => {
    const store = await storeWith(install("hubspot-1", "1"));
    await store.saveCredentials("hubspot-1", { kind: "private", accessToken: "fake-token", accountId: "1" });
    const outcome = await applyWebhookEvents(store, [{ kind: "uninstall", accountId: "1" }]);
    expect([outcome.uninstalled, (await store.getInstallation("hubspot-1"))?.status, await store.getCredentials("hubspot-1")]).toEqual([1, "uninstalled", null]);
  });

  it("still erases for an uninstalled installation, but marks nothing for a run that will not come", async () => {
    const store = await storeWith(install("hubspot-1", "1", "uninstalled"));
    const outcome = await applyWebhookEvents(store, [
      { kind: "refresh", accountId: "1", contactIds: ["102"], reason: "contact.propertyChange email" },
      { kind: "erase", accountId: "1", contactIds: ["101"], reason: "contact.privacyDeletion" },
    ]);
    expect([outcome.erased, outcome.refreshed, await ids(store, "hubspot-1"), await store.takeRefresh("hubspot-1")]).toEqual([1, 0, ["102"], []]);
  });

  it("applies events in order, so an erase after a refresh leaves no mark behind", async () => {
    const store = await storeWith(install("hubspot-1", "1"));
    await applyWebhookEvents(store, [
      { kind: "refresh", accountId: "1", contactIds: ["101"], reason: "contact.propertyChange email" },
      { kind: "erase", accountId: "1", contactIds: ["101"], reason: "contact.deletion" },
    ]);
    expect(await store.takeRefresh("hubspot-1")).toEqual([]);
  });

  it("counts events for accounts with no installation and touches nothing", async () => {
    const store = await storeWith(install("hubspot-1", "1"), { id: "files-1", esp: "files", name: "Files", createdAt: "2024-05-01T00:00:00.000Z", propertiesDefined: [] });
    const outcome = await applyWebhookEvents(store, [{ kind: "erase", accountId: "77", contactIds: ["101"], reason: "contact.deletion" }, { kind: "uninstall", accountId: "78" }]);
    expect([outcome, await ids(store, "hubspot-1")]).toEqual([{ erased: 0, refreshed: 0, merged: 0, uninstalled: 0, unknownAccounts: 2 }, ["101", "102"]]);
  });

  it("tells every installation of the same account", async () => {
    const store = await storeWith(install("hubspot-1", "1"), install("hubspot-1-reinstalled", "1"));
    const outcome = await applyWebhookEvents(store, [{ kind: "erase", accountId: "1", contactIds: ["101"], reason: "contact.privacyDeletion" }]);
    expect([outcome.erased, await ids(store, "hubspot-1"), await ids(store, "hubspot-1-reinstalled")]).toEqual([2, ["102"], ["102"]]);
  });
});

describe("applyWebhookEvents: ingest's clean state", () => {
  const erase = (...contactIds: string[]) => ({ kind: "erase", accountId: "1", contactIds, reason: "contact.privacyDeletion" }) as const;

  /** One installation whose contacts, events and clean state all came through a real cleaner, as a run leaves them. */
  async function synced(contacts: readonly Contact[], events = [ordered("e1", "101", at), ordered("e2", "102", at)]): Promise<Store> {
    const store = await storeWith(install("hubspot-1", "1"));
    const cleaner = createCleaner(defaultSettings().cleaning, null);
    const cleaned = cleaner.contacts(contacts.map((c) => ({ ...c, createdAt: c.createdAt.toISOString() })));
    const cleanedEvents = cleaner.events(events.map((e) => ({ ...e, at: e.at.toISOString() })));
    await store.commitPage("hubspot-1", "r1", page("contacts", "2", { contacts: cleaned.records, events: cleanedEvents.records, cleanState: cleaner.state() }));
    return store;
  }

  /** The id a new contact with this email gets from a cleaner built on the stored state. */
  async function idFor(store: Store, email: string): Promise<string | undefined> {
    const cleaner = createCleaner(defaultSettings().cleaning, await store.getCleanState("hubspot-1"));
    return cleaner.contacts([{ id: "900", email, createdAt: at }]).records[0]?.id;
  }

  /** Counts saveCleanState calls, and can make one method fail. */
  function watched(store: Store, failing?: keyof Store): { store: Store; saves: () => number } {
    let saves = 0;
    const proxy = new Proxy(store, {
      get(target, key, receiver) {
        if (key === failing) return () => Promise.reject(new Error("disk full"));
        if (key === "saveCleanState") saves++;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    return { store: proxy, saves: () => saves };
  }

  it("forgets the erased contact, so a new contact with their email starts a new person", async () => {
    const store = await synced([contact("101", "ann@example.com"), contact("102", "bob@example.com")]);
    const before = await idFor(store, "ann@example.com");
    await applyWebhookEvents(store, [erase("101")]);
    expect([before, await idFor(store, "ann@example.com"), await idFor(store, "bob@example.com")]).toEqual(["101", "900", "102"]);
  });

  it("keeps no id, email or order of the erased contact in the clean state, and everyone else's", async () => {
    const store = await synced([contact("101", "ann@example.com"), contact("102", "bob@example.com")]);
    await applyWebhookEvents(store, [erase("101")]);
    const text = JSON.stringify(await store.getCleanState("hubspot-1"));
    expect([text.includes('"101"'), text.includes("ann@"), text.includes('"o-e1"'), text.includes('"102"'), text.includes("bob@"), text.includes('"o-e2"')]).toEqual([false, false, false, true, true, true]);
  });

  it("forgets a contact the ESP merged into the erased one", async () => {
    const store = await synced([contact("101", "ann@example.com"), contact("102", "bob@example.com")]);
    await applyWebhookEvents(store, [{ kind: "merge", accountId: "1", primaryId: "101", mergedIds: ["102"] }, erase("101")]);
    expect([await idFor(store, "ann@example.com"), await idFor(store, "bob@example.com")]).toEqual(["900", "900"]);
  });

  it("reads and writes the clean state once per installation per delivery", async () => {
    const { store, saves } = watched(await synced([contact("101", "ann@example.com"), contact("102", "bob@example.com")]));
    await applyWebhookEvents(store, [erase("101"), erase("102")]);
    expect([saves(), await idFor(store, "ann@example.com"), await idFor(store, "bob@example.com")]).toEqual([1, "900", "900"]);
  });

  it("leaves the clean state alone when the erasure names no one it knows", async () => {
    const { store, saves } = watched(await synced([contact("101", "ann@example.com")]));
    await applyWebhookEvents(store, [erase("555")]);
    expect(saves()).toBe(0);
  });

  it("still forgets what was erased when a later event of the delivery fails", async () => {
    const { store } = watched(await synced([contact("101", "ann@example.com")]), "saveInstallation");
    await expect(applyWebhookEvents(store, [erase("101"), { kind: "uninstall", accountId: "1" }])).rejects.toThrow("disk full");
    expect(await idFor(store, "ann@example.com")).toBe("900");
  });
});
