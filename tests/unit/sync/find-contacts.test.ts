import { describe, expect, it } from "vitest";
import type { Contact, Store } from "../../../src/domain/index.js";
import { createMemoryStore } from "../../../src/store/memory-store.js";
import { findContacts, findContactsById } from "../../../src/sync/find-contacts.js";

const contact = (id: string, email?: string): Contact => ({
  id, espIds: {}, createdAt: new Date("2025-01-01T00:00:00Z"), consent: "subscribed", preferences: {},
  ...(email === undefined ? {} : { email }),
});

async function storeWith(contacts: readonly Contact[]): Promise<Store> {
  const store = createMemoryStore();
  await store.saveInstallation({ id: "shop", esp: "files", name: "Shop", createdAt: "2025-01-01T00:00:00.000Z", propertiesDefined: [] });
  await store.commitPage("shop", "run-1", { stream: "contacts", contacts, products: [], events: [], quarantine: [], cleanState: null, cursor: "1" });
  return store;
}

const people = [
  contact("c1", "ana@shop.test"),
  contact("c2", "banana@shop.test"),
  contact("c3", "Ana.Lopez@Mail.test"),
  contact("c4"),
  contact("ana@shop.test.old", "other@shop.test"),
];
const ids = (list: readonly Contact[]) => list.map((c) => c.id);

describe("findContacts", () => {
  it("finds every contact whose email contains the query, ignoring case and spaces around it", async () => {
    expect(ids(await findContacts(await storeWith(people), "shop", "  ANA ", 20))).toEqual(["c3", "c1", "c2"]);
  });

  it("lists an exact email match before the partial ones", async () => {
    expect(ids(await findContacts(await storeWith(people), "shop", "ana@shop.test", 20))).toEqual(["c1", "c2"]);
  });

  it("finds a contact by its exact id", async () => {
    expect(ids(await findContacts(await storeWith(people), "shop", "c4", 20))).toEqual(["c4"]);
  });

  it("puts an exact id match first", async () => {
    expect(ids(await findContacts(await storeWith(people), "shop", "ana@shop.test.old", 20))).toEqual(["ana@shop.test.old"]);
  });

  it("does not match part of an id", async () => {
    expect(await findContacts(await storeWith(people), "shop", "c", 20)).toEqual([]);
  });

  it("finds nothing for an empty query", async () => {
    expect(await findContacts(await storeWith(people), "shop", "   ", 20)).toEqual([]);
  });

  it("keeps the best `limit` matches, in the same order whatever order the store holds them in", async () => {
    const many = Array.from({ length: 3000 }, (_, i) => contact(`m${i}`, `user${String(i).padStart(4, "0")}@shop.test`));
    const forwards = await findContacts(await storeWith(many), "shop", "@shop.test", 5);
    const backwards = await findContacts(await storeWith(many.slice().reverse()), "shop", "@shop.test", 5);
    expect([ids(forwards), ids(backwards)]).toEqual([["m0", "m1", "m2", "m3", "m4"], ["m0", "m1", "m2", "m3", "m4"]]);
  });
});

describe("findContactsById", () => {
  it("returns the stored contacts with those ids and skips unknown ones", async () => {
    const found = await findContactsById(await storeWith(people), "shop", ["c2", "nobody", "c4"]);
    expect([...found.keys()].sort()).toEqual(["c2", "c4"]);
  });
});
