import { describe, expect, it } from "vitest";
import { CleaningSettingsSchema } from "../../../src/domain/index.js";
import type { CleaningSettings } from "../../../src/domain/index.js";
import { createCleaner } from "../../../src/ingest/create-cleaner.js";
import type { Cleaner } from "../../../src/ingest/create-cleaner.js";

const settings = (overrides: Partial<CleaningSettings> = {}): CleaningSettings => ({ ...CleaningSettingsSchema.parse({}), ...overrides });

const contact = (id: string, email: string | undefined, extra: Record<string, unknown> = {}) => ({
  id,
  ...(email === undefined ? {} : { email }),
  createdAt: "2024-01-10T00:00:00Z",
  ...extra,
});

const order = (id: string, contactId: string, orderId: string, at: string, value = 59.9) => ({
  id,
  type: "placed_order",
  contactId,
  at,
  orderId,
  value,
  items: [{ productId: "p1", quantity: 1, price: value }],
});

const view = (id: string, contactId: string) => ({ id, type: "viewed_product", contactId, at: "2024-02-01T10:00:00Z", productId: "p1" });
const product = (id: string, category: string) => ({ id, title: `Product ${id}`, price: 10, category });

/** A cleaner that already knows the contacts c1 and c2 (alias of c1) and c3. */
function withContacts(state: unknown = null): Cleaner {
  const cleaner = createCleaner(settings(), state);
  cleaner.contacts([contact("c1", "ann@example.com"), contact("c2", "ANN@example.com"), contact("c3", "bob@example.com")]);
  return cleaner;
}

const UNKNOWN_TYPE = 'type: unknown event type "teleported"';

const roundTrip = (cleaner: Cleaner): unknown => JSON.parse(JSON.stringify(cleaner.state()));

describe("createCleaner: schema validation", () => {
  it("quarantines a contact that fails the schema with the zod reason and the raw record", () => {
    const raw = { id: "c1", email: 5, createdAt: "2024-01-01" };
    expect(createCleaner(settings(), null).contacts([raw])).toEqual({
      records: [],
      quarantine: [{ stream: "contacts", reason: "email: Invalid input: expected string, received number", raw }],
    });
  });

  it("accepts a product without a price, its price null (the run report counts it)", () => {
    const { records, quarantine } = createCleaner(settings(), null).products([{ id: "p1", title: "Cap" }]);
    expect([records.map((p) => [p.id, p.price]), quarantine]).toEqual([[["p1", null]], []]);
  });

  it("quarantines a product with a negative price", () => {
    const raw = { id: "p1", title: "Cap", price: -1 };
    expect(createCleaner(settings(), null).products([raw]).quarantine.map((q) => q.reason)).toEqual(["price: Too small: expected number to be >=0"]);
  });

  it("quarantines an event of an unknown type", () => {
    const raw = { id: "e1", type: "teleported", contactId: "c1", at: "2024-01-01" };
    const result = withContacts().events([raw]);
    expect(result.quarantine).toEqual([{ stream: "events", reason: UNKNOWN_TYPE, raw }]);
  });

  it("turns date strings into dates", () => {
    const { records } = createCleaner(settings(), null).contacts([contact("c1", "ann@example.com")]);
    expect(records[0]?.createdAt).toEqual(new Date("2024-01-10T00:00:00Z"));
  });

  it("groups quarantine reasons by their first clause", () => {
    const cleaner = createCleaner(settings(), null);
    cleaner.contacts([{ id: "", createdAt: null }, { id: "", createdAt: "2024-01-01" }, contact("c9", "not-an-email")]);
    expect(cleaner.report().quarantinedByReason).toEqual({
      "id: Too small: expected string to have >=1 characters": 2,
      "email: not a valid address": 1,
    });
  });
});

describe("createCleaner: emails", () => {
  it("stores the trimmed, lowercased email", () => {
    const { records } = createCleaner(settings(), null).contacts([contact("c1", "  Ann.Lee@Example.COM ")]);
    expect(records[0]?.email).toBe("ann.lee@example.com");
  });

  it("quarantines a contact whose email is not a plausible address", () => {
    const raw = contact("c1", "ann@localhost");
    expect(createCleaner(settings(), null).contacts([raw]).quarantine).toEqual([{ stream: "contacts", reason: "email: not a valid address", raw }]);
  });

  it("accepts a contact without an email", () => {
    expect(createCleaner(settings(), null).contacts([contact("c1", undefined)]).records.map((c) => c.id)).toEqual(["c1"]);
  });
});

describe("createCleaner: identity merge", () => {
  const ann = contact("c1", "ann@example.com", { espIds: { hubspot: "101" }, consent: "subscribed", createdAt: "2024-03-01T00:00:00Z", firstName: "Ann" });
  const annAgain = contact("c2", " Ann@Example.com", { espIds: { klaviyo: "K1" }, consent: "unsubscribed", createdAt: "2023-06-01T00:00:00Z", firstName: "Annie", country: "NL" });

  it("emits one contact under the first id with merged fields", () => {
    const { records } = createCleaner(settings(), null).contacts([ann, annAgain]);
    expect(records).toEqual([
      {
        id: "c1",
        email: "ann@example.com",
        espIds: { hubspot: "101", klaviyo: "K1" },
        consent: "unsubscribed",
        createdAt: new Date("2023-06-01T00:00:00Z"),
        firstName: "Annie",
        country: "NL",
        preferences: {},
      },
    ]);
  });

  it.each([
    ["subscribed", "complained", "complained"],
    ["bounced", "unsubscribed", "bounced"],
    ["complained", "subscribed", "complained"],
    ["unsubscribed", "subscribed", "unsubscribed"],
  ])("merges consent %s with %s to %s", (first, second, merged) => {
    const { records } = createCleaner(settings(), null).contacts([
      contact("c1", "ann@example.com", { consent: first }),
      contact("c2", "ann@example.com", { consent: second }),
    ]);
    expect(records[0]?.consent).toBe(merged);
  });

  it("counts every record folded into another id", () => {
    const cleaner = createCleaner(settings(), null);
    cleaner.contacts([ann, annAgain, contact("c3", "ann@example.com")]);
    expect(cleaner.report().identitiesMerged).toBe(2);
  });

  it("merges with a contact seen on an earlier page", () => {
    const cleaner = createCleaner(settings(), null);
    cleaner.contacts([ann]);
    expect(cleaner.contacts([annAgain]).records.map((c) => [c.id, c.consent])).toEqual([["c1", "unsubscribed"]]);
  });

  it("merges with a contact seen in an earlier run, keeping that run's stricter consent", () => {
    const first = createCleaner(settings(), null);
    first.contacts([contact("c1", "ann@example.com", { consent: "bounced", espIds: { hubspot: "101" } })]);
    const { records } = createCleaner(settings(), roundTrip(first)).contacts([contact("c2", "ann@example.com", { espIds: { klaviyo: "K1" } })]);
    expect(records.map((c) => [c.id, c.consent, c.espIds])).toEqual([["c1", "bounced", { hubspot: "101", klaviyo: "K1" }]]);
  });

  it("lets a contact that was never merged change its own consent", () => {
    const cleaner = createCleaner(settings(), null);
    cleaner.contacts([contact("c1", "ann@example.com", { consent: "unsubscribed" })]);
    expect(cleaner.contacts([contact("c1", "ann@example.com", { consent: "subscribed" })]).records[0]?.consent).toBe("subscribed");
  });

  it("never merges contacts without an email", () => {
    const { records } = createCleaner(settings(), null).contacts([contact("c1", undefined), contact("c2", undefined)]);
    expect(records.map((c) => c.id)).toEqual(["c1", "c2"]);
  });

  it("accounts for every contact received", () => {
    const cleaner = createCleaner(settings(), null);
    cleaner.contacts([ann, annAgain, contact("c3", "bad"), contact("c4", undefined), { id: 4 }]);
    const r = cleaner.report();
    expect([r.received.contacts, r.accepted.contacts, r.identitiesMerged, r.quarantinedByReason]).toEqual([
      5, 2, 1, { "email: not a valid address": 1, "id: Invalid input: expected string, received number": 1 },
    ]);
  });
});

describe("createCleaner: events", () => {
  it("maps an alias contact id to the kept id", () => {
    expect(withContacts().events([view("e1", "c2")]).records.map((e) => e.contactId)).toEqual(["c1"]);
  });

  it("quarantines an event of a contact never seen", () => {
    const raw = view("e1", "c404");
    expect(withContacts().events([raw]).quarantine).toEqual([{ stream: "events", reason: "contactId: unknown contact", raw }]);
  });

  it("accepts events of contacts seen in an earlier run", () => {
    const next = createCleaner(settings(), roundTrip(withContacts()));
    expect(next.events([view("e1", "c3")]).records.map((e) => e.contactId)).toEqual(["c3"]);
  });

  it("keeps repeated non-order events and reports no repeats", () => {
    const cleaner = withContacts();
    const { records } = cleaner.events([view("e1", "c1"), view("e1", "c1")]);
    expect([records.length, cleaner.report().eventsRepeated]).toEqual([2, 0]);
  });
});

describe("createCleaner: order dedupe", () => {
  it("drops an order whose id was seen before and counts it", () => {
    const cleaner = withContacts();
    const { records } = cleaner.events([order("e1", "c1", "o1", "2024-02-01T10:00:00Z"), order("e2", "c1", "o1", "2024-02-03T10:00:00Z")]);
    expect([records.map((e) => e.id), cleaner.report().ordersDeduped]).toEqual([["e1"], { sameOrderId: 1, sameContents: 0 }]);
  });

  it("drops the same basket fired twice under a new id within the window, across aliases", () => {
    const cleaner = withContacts();
    const { records } = cleaner.events([order("e1", "c1", "o1", "2024-02-01T10:00:00Z"), order("e2", "c2", "o2", "2024-02-01T10:04:00Z")]);
    expect([records.map((e) => e.id), cleaner.report().ordersDeduped]).toEqual([["e1"], { sameOrderId: 0, sameContents: 1 }]);
  });

  it("keeps the same basket ordered again after the window", () => {
    const cleaner = createCleaner(settings({ orderDedupeWindowMinutes: 3 }), roundTrip(withContacts()));
    const { records } = cleaner.events([order("e1", "c1", "o1", "2024-02-01T10:00:00Z"), order("e2", "c1", "o2", "2024-02-01T10:04:00Z")]);
    expect(records.map((e) => e.id)).toEqual(["e1", "e2"]);
  });

  it("never dedupes refunds", () => {
    const refund = { id: "r1", type: "refunded", contactId: "c1", at: "2024-02-02T10:00:00Z", orderId: "o1", value: 10 };
    const { records } = withContacts().events([order("e1", "c1", "o1", "2024-02-01T10:00:00Z"), refund, { ...refund, id: "r2" }]);
    expect(records.map((e) => e.id)).toEqual(["e1", "r1", "r2"]);
  });

  it("accounts for every event received", () => {
    const cleaner = withContacts();
    cleaner.events([
      order("e1", "c1", "o1", "2024-02-01T10:00:00Z"),
      order("e2", "c1", "o1", "2024-02-01T10:00:00Z"),
      order("e3", "c1", "o3", "2024-02-01T10:01:00Z"),
      view("e4", "nobody"),
      { id: "e5" },
      view("e6", "c3"),
    ]);
    const r = cleaner.report();
    expect([r.received.events, r.accepted.events, r.ordersDeduped, r.quarantinedByReason]).toEqual([
      6, 2, { sameOrderId: 1, sameContents: 1 }, { "contactId: unknown contact": 1, "type: unknown event type null": 1 },
    ]);
  });
});

describe("createCleaner: categories", () => {
  it("gives products the canonical category, plural winning within the page", () => {
    const { records } = createCleaner(settings(), null).products([product("p1", "Sneaker"), product("p2", " sneakers "), product("p3", "Sneakers > Men"), product("p4", "Shoes/Sneakers")]);
    // The bare "sneaker(s)" is the one known path ending in sneakers: shoes > sneakers.
    expect(records.map((p) => p.category)).toEqual(["shoes > sneakers", "shoes > sneakers", "sneakers > men", "shoes > sneakers"]);
  });

  it("reports every raw name it rewrote", () => {
    const cleaner = createCleaner(settings(), null);
    cleaner.products([product("p1", "Sneaker"), product("p2", "sneakers"), product("p3", "sneakers/men"), product("p4", "")]);
    expect(cleaner.report().categoriesMerged).toEqual({ Sneaker: "sneakers", "sneakers/men": "sneakers > men" });
  });

  it("applies the admin's category aliases", () => {
    const { records } = createCleaner(settings({ categoryAliases: { Trainers: "Sneakers" } }), null).products([product("p1", "trainers")]);
    expect(records[0]?.category).toBe("sneakers");
  });

  it("keeps a category's display form across runs", () => {
    const first = createCleaner(settings(), null);
    first.products([product("p1", "Sneaker")]);
    const { records } = createCleaner(settings(), roundTrip(first)).products([product("p2", "Sneakers")]);
    expect(records[0]?.category).toBe("sneaker");
  });

  it("gives viewed_category events the canonical category", () => {
    const cleaner = withContacts();
    cleaner.products([product("p1", "Sneakers")]);
    const { records } = cleaner.events([{ id: "e1", type: "viewed_category", contactId: "c1", at: "2024-02-01T10:00:00Z", category: "sneaker / MEN" }]);
    expect(records).toMatchObject([{ type: "viewed_category", category: "sneakers > men" }]);
  });

  it("quarantines a viewed_category event whose category is only separators", () => {
    const raw = { id: "e1", type: "viewed_category", contactId: "c1", at: "2024-02-01T10:00:00Z", category: " / " };
    expect(withContacts().events([raw]).quarantine).toEqual([{ stream: "events", reason: "category: empty after normalisation", raw }]);
  });
});

describe("createCleaner: products", () => {
  it("emits every version of a product id, later ones last", () => {
    const { records } = createCleaner(settings(), null).products([{ ...product("p1", ""), price: 10 }, { ...product("p1", ""), price: 12 }]);
    expect(records.map((p) => [p.id, p.price])).toEqual([["p1", 10], ["p1", 12]]);
  });
});

describe("createCleaner: state", () => {
  it("survives JSON so the next run still dedupes an order id and resolves an alias", () => {
    const first = withContacts();
    first.events([order("e1", "c1", "o1", "2024-02-01T10:00:00Z")]);
    const second = createCleaner(settings(), roundTrip(first));
    const { records } = second.events([order("e1", "c1", "o1", "2024-02-01T10:00:00Z"), view("e2", "c2")]);
    expect([records.map((e) => [e.id, e.contactId]), second.report().ordersDeduped.sameOrderId]).toEqual([[["e2", "c1"]], 1]);
  });

  it("starts fresh from state it cannot read", () => {
    const cleaner = createCleaner(settings(), { version: 99, identities: "?" });
    expect(cleaner.events([view("e1", "c1")]).quarantine.map((q) => q.reason)).toEqual(["contactId: unknown contact"]);
  });

  it("counts only its own run in the report", () => {
    const next = createCleaner(settings(), roundTrip(withContacts()));
    expect(next.report()).toEqual({
      received: { contacts: 0, products: 0, events: 0 },
      accepted: { contacts: 0, products: 0, events: 0 },
      quarantinedByReason: {},
      identitiesMerged: 0,
      ordersDeduped: { sameOrderId: 0, sameContents: 0 },
      eventsRepeated: 0,
      categoriesMerged: {},
      unknownProductLines: 0,
    });
  });

  it("hands out snapshots that later pages do not change", () => {
    const cleaner = withContacts();
    cleaner.events([order("e1", "c1", "o1", "2024-02-01T10:00:00Z")]);
    const snapshot = cleaner.state();
    const before = JSON.stringify(snapshot);
    cleaner.contacts([contact("c9", "zoe@example.com"), contact("c1", "ann@example.com", { consent: "bounced" })]);
    cleaner.events([order("e2", "c1", "o2", "2024-02-01T11:00:00Z")]);
    cleaner.state();
    expect(JSON.stringify(snapshot)).toBe(before);
  });
});

describe("createCleaner: unknown products", () => {
  const viewOf = (id: string, productId: string) => ({ ...view(id, "c1"), productId });
  const cartOf = (id: string, productId: string) => ({ id, type: "added_to_cart", contactId: "c1", at: "2024-02-01T10:00:00Z", productId });
  const orderOf = (id: string, productIds: string[]) => ({
    ...order(id, "c1", `o-${id}`, "2024-02-01T10:00:00Z"),
    items: productIds.map((productId) => ({ productId, quantity: 1, price: 10 })),
  });
  /** A cleaner that knows contacts c1..c3 and the products p1, p2. */
  const withCatalog = (state: unknown = null): Cleaner => {
    const cleaner = withContacts(state);
    cleaner.products([product("p1", "shoes"), product("p2", "shoes")]);
    return cleaner;
  };
  const v1State = (cleaner: Cleaner): unknown => {
    const { products: _p, catalogComplete: _c, ...rest } = roundTrip(cleaner) as Record<string, unknown>;
    return { ...rest, version: 1 };
  };

  it("quarantines views and cart adds of a product the catalog does not have, counted by reason", () => {
    const cleaner = withCatalog();
    const raw = [viewOf("e1", "p404"), cartOf("e2", "p404"), viewOf("e3", "p1"), cartOf("e4", "p2")];
    const { records, quarantine } = cleaner.events(raw);
    expect({
      kept: records.map((e) => e.id),
      quarantined: quarantine,
      byReason: cleaner.report().quarantinedByReason,
    }).toEqual({
      kept: ["e3", "e4"],
      quarantined: [{ stream: "events", reason: "productId: unknown product", raw: raw[0] }, { stream: "events", reason: "productId: unknown product", raw: raw[1] }],
      byReason: { "productId: unknown product": 2 },
    });
  });

  it("keeps every view when the installation has no catalog", () => {
    expect(withContacts().events([viewOf("e1", "p404"), cartOf("e2", "p9")]).records.map((e) => e.id)).toEqual(["e1", "e2"]);
  });

  it("knows the products accepted in an earlier run", () => {
    const next = createCleaner(settings(), roundTrip(withCatalog()));
    expect(next.events([viewOf("e1", "p2"), viewOf("e2", "p3")]).records.map((e) => e.id)).toEqual(["e1"]);
  });

  it("does not learn a product from a page that quarantined it", () => {
    const cleaner = withCatalog();
    cleaner.products([{ id: "p3", title: "" }]);
    expect(cleaner.events([viewOf("e1", "p3")]).quarantine.map((q) => q.reason)).toEqual(["productId: unknown product"]);
  });

  it("keeps an order with unknown product lines and counts the lines", () => {
    const cleaner = withCatalog();
    const { records } = cleaner.events([orderOf("e1", ["p1", "p404", "p405"]), orderOf("e2", ["p2"])]);
    expect([records.map((e) => e.id), cleaner.report().unknownProductLines, cleaner.report().quarantinedByReason]).toEqual([["e1", "e2"], 2, {}]);
  });

  it("counts the unknown lines of a re-sent order once", () => {
    const cleaner = withCatalog();
    cleaner.events([orderOf("e1", ["p404"]), orderOf("e1", ["p404"])]);
    expect(cleaner.report().unknownProductLines).toBe(1);
  });

  it("counts no unknown lines for a store without a catalog", () => {
    const cleaner = withContacts();
    cleaner.events([orderOf("e1", ["p404"])]);
    expect(cleaner.report().unknownProductLines).toBe(0);
  });

  it("migrates version 1 state: identities kept, no product known, the check off until the stored catalog is learned", () => {
    const migrated = createCleaner(settings(), v1State(withCatalog()));
    // A new product arrives; the products stored before the migration are not known yet.
    migrated.products([product("p9", "shoes")]);
    const before = migrated.events([viewOf("e1", "p1")]);
    migrated.learnCatalog(["p1", "p2"]);
    const after = migrated.events([viewOf("e2", "p2"), viewOf("e3", "p404")]);
    expect({
      complete: migrated.catalogComplete,
      before: before.records.map((e) => [e.id, e.contactId]),
      after: after.records.map((e) => e.id),
      state: { version: migrated.state().version, products: migrated.state().products.flat() },
    }).toEqual({ complete: true, before: [["e1", "c1"]], after: ["e2"], state: { version: 2, products: ["p9", "p1", "p2"] } });
  });

  it.each([
    ["a first run", null, true],
    ["version 1 state", "v1", false],
    ["unreadable state", { version: 99 }, false],
    ["saved version 2 state", "v2", true],
  ])("knows whether its catalog is complete after %s", (_case, state, complete) => {
    const from = state === "v1" ? v1State(withCatalog()) : state === "v2" ? roundTrip(withCatalog()) : state;
    expect(createCleaner(settings(), from).catalogComplete).toBe(complete);
  });

  it("keeps the catalog's completeness across runs once learned", () => {
    const migrated = createCleaner(settings(), v1State(withContacts()));
    migrated.learnCatalog(["p1"]);
    const next = createCleaner(settings(), roundTrip(migrated));
    expect([next.catalogComplete, next.events([viewOf("e1", "p404")]).quarantine.length]).toEqual([true, 1]);
  });
});

describe("createCleaner: forget", () => {
  const forget = { contactIds: ["c1"], emails: ["ann@example.com"] };

  it("no longer merges a new contact with a forgotten email into the erased id", () => {
    const cleaner = withContacts();
    cleaner.forget(forget);
    const next = createCleaner(settings(), roundTrip(cleaner));
    expect(next.contacts([contact("c7", "Ann@Example.com")]).records.map((c) => c.id)).toEqual(["c7"]);
  });

  it("forgets the ids folded into the erased person: their events are unknown now", () => {
    const cleaner = withContacts();
    cleaner.forget(forget);
    const cleaned = cleaner.events([view("e1", "c2"), view("e2", "c3")]);
    expect([cleaned.records.map((e) => e.id), cleaned.quarantine.map((q) => [q.reason, (q.raw as { id: string }).id])]).toEqual([["e2"], [["contactId: unknown contact", "e1"]]]);
  });

  it("keeps no trace of the erased person in the state, and other contacts as they were", () => {
    const cleaner = withContacts();
    cleaner.events([order("e1", "c1", "o1", "2024-02-01T10:00:00Z"), order("e2", "c3", "o2", "2024-02-01T10:00:00Z")]);
    cleaner.forget({ ...forget, orderIds: ["o1"] });
    const text = JSON.stringify(cleaner.state());
    expect({ c1: text.includes('"c1"'), c2: text.includes('"c2"'), ann: text.includes("ann@"), o1: text.includes('"o1"'), bob: text.includes("bob@"), c3: text.includes('"c3"'), o2: text.includes('"o2"') })
      .toEqual({ c1: false, c2: false, ann: false, o1: false, bob: true, c3: true, o2: true });
  });

  it("forgets the order fingerprints kept under an id the erasure named only by ESP id", () => {
    const cleaner = createCleaner(settings(), null);
    cleaner.contacts([contact("c1", "ann@example.com", { espIds: { hubspot: "501" } })]);
    cleaner.events([order("e1", "c1", "o1", "2024-02-01T10:00:00Z")]);
    cleaner.forget({ contactIds: ["501"], emails: [] });
    expect(cleaner.state().orders.recent.flat()).toEqual([]);
  });

  it("round-trips through JSON after forgetting, still deduping other contacts' orders and aliases", () => {
    const cleaner = withContacts();
    cleaner.contacts([contact("c4", "BOB@example.com")]);
    cleaner.events([order("e1", "c3", "o1", "2024-02-01T10:00:00Z")]);
    cleaner.forget(forget);
    const next = createCleaner(settings(), roundTrip(cleaner));
    const events = next.events([order("e2", "c4", "o1", "2024-02-01T10:00:00Z"), view("e3", "c4")]);
    expect([events.records.map((e) => [e.id, e.contactId]), next.report().ordersDeduped, roundTrip(next)]).toEqual([[["e3", "c3"]], { sameOrderId: 1, sameContents: 0 }, roundTrip(cleaner)]);
  });

  it("counts what it forgot, and 0 changes nothing", () => {
    const cleaner = withContacts();
    const before = cleaner.state();
    expect([cleaner.forget({ contactIds: ["c404"], emails: ["nobody@example.com"] }), cleaner.state(), cleaner.forget(forget)]).toEqual([0, before, 2]);
  });
});
