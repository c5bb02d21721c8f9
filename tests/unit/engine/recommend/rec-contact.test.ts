import { describe, expect, it } from "vitest";
import type { Event, EventOf, SlotExposure } from "../../../../src/domain/index.js";
import { MAX_AFFINITY_CATEGORIES } from "../../../../src/engine/recommend/rec-contact.js";
import { cart, categoryView, daysAgo, item, order, product, refund, view } from "../fixtures.js";
import { recContact } from "./source-fixtures.js";
import type { ContactOptions } from "./source-fixtures.js";

const catalog = [
  product("boot", { category: "Apparel/Shoes" }),
  product("heel", { category: "Women/Shoes" }),
  product("shirt", { category: "Apparel/Shirts" }),
  product("mug", { category: "Home > Kitchen" }),
  product("card", { category: "" }),
];
const of = (events: readonly Event[], options: ContactOptions = {}) => recContact(catalog, events, "c1", options);

let seq = 0;
const sent = (at: Date): EventOf<"email_sent"> => ({ id: `s${++seq}`, contactId: "c1", at, type: "email_sent", campaignId: "" });
const answered = (answers: Record<string, string | string[]>, at = daysAgo(1)): EventOf<"submitted_preferences"> =>
  ({ id: `p${++seq}`, contactId: "c1", at, type: "submitted_preferences", answers });

describe("recContactOf: orders and prices", () => {
  it("has no average order value or item price before the first order", () => {
    expect([of([]).aov, of([]).meanItemPrice, of([]).orders]).toEqual([null, null, 0]);
  });

  it("averages what was paid per order, net of refunds, and the unit price per item", () => {
    const events = [order("c1", daysAgo(9), 100, [item("boot", 1, 80), item("mug", 2, 10)]), order("c1", daysAgo(3), 60, [item("shirt", 1, 60)]), refund("c1", daysAgo(2), 10)];
    const c = of(events);
    expect([c.orders, c.aov, c.meanItemPrice]).toEqual([2, 75, 40]);
  });

  it("names the products of the latest order, in id order", () => {
    const events = [order("c1", daysAgo(9), 10, [item("mug")]), order("c1", daysAgo(3), 20, [item("shirt"), item("boot")])];
    expect(of(events).lastOrderProducts).toEqual(["boot", "shirt"]);
  });
});

describe("recContactOf: recent views and carts", () => {
  it("keeps views and cart adds from the last recentViewDays only", () => {
    const events = [view("c1", "boot", daysAgo(31)), view("c1", "mug", daysAgo(29)), cart("c1", "shirt", daysAgo(40)), cart("c1", "heel", daysAgo(1))];
    const c = of(events, { settings: { recentViewDays: 30 } });
    expect([[...c.viewedAt.keys()], [...c.cartedAt.keys()]]).toEqual([["mug"], ["heel"]]);
  });
});

describe("recContactOf: categories", () => {
  it("ranks categories by affinity, ties by name, with the best as the top category", () => {
    const events = [view("c1", "mug"), view("c1", "shirt"), order("c1", daysAgo(2), 10, [item("boot")])];
    const c = of(events);
    expect([c.topCategory, c.affinityCategories, c.categoriesStated]).toEqual(["Apparel/Shoes", ["Apparel/Shoes", "Apparel/Shirts", "Home > Kitchen"], false]);
  });

  it(`keeps at most ${MAX_AFFINITY_CATEGORIES} categories`, () => {
    const events = ["a", "b", "c", "d", "e", "f", "g"].map((name) => categoryView("c1", name));
    expect(of(events).affinityCategories).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("has no categories without behaviour or stated preferences", () => {
    const c = of([]);
    expect([c.topCategory, c.affinityCategories, c.categoriesStated]).toEqual([null, [], false]);
  });

  it("takes a cold contact's categories from their preferences, matching a leaf under every parent", () => {
    const c = of([], { contact: { preferences: { interests: ["shoes", "KITCHEN"] } } });
    expect([c.topCategory, c.affinityCategories, c.categoriesStated]).toEqual(["Apparel/Shoes", ["Apparel/Shoes", "Women/Shoes", "Home > Kitchen"], true]);
  });

  it("matches a stated full path whatever its case and separator", () => {
    expect(of([], { contact: { preferences: { style: "apparel > shoes" } } }).affinityCategories).toEqual(["Apparel/Shoes"]);
  });

  it("matches a stated parent category that no product sits in directly", () => {
    expect(of([], { contact: { preferences: { dept: "Apparel" } } }).affinityCategories).toEqual(["Apparel"]);
  });

  it("reads preference-centre and quiz answers after the profile's preferences, in the order named", () => {
    const c = of([answered({ quiz: ["home", "shirts"] })], { contact: { preferences: { size: "M", fit: "Shirts" } } });
    expect(c.affinityCategories).toEqual(["Apparel/Shirts", "Home"]);
  });

  it("ignores stated preferences once the contact has behaviour", () => {
    const c = of([view("c1", "mug")], { contact: { preferences: { interests: "shoes" } } });
    expect([c.affinityCategories, c.categoriesStated]).toEqual([["Home > Kitchen"], false]);
  });

  it("is not a cold start when no stated value names a category", () => {
    const c = of([answered({ frequency: "weekly" })]);
    expect([c.topCategory, c.categoriesStated]).toEqual([null, false]);
  });
});

describe("recContactOf: products already shown", () => {
  const exposure = (days: number, productIds: string[]): SlotExposure => ({ at: daysAgo(days).getTime(), productIds });
  const history = [exposure(30, ["old"]), exposure(10, ["a", "b"]), exposure(5, ["c"]), exposure(1, ["unsent"])];

  it("collects the list that was live at each of the last rotationSends sends", () => {
    const events = [sent(daysAgo(20)), sent(daysAgo(8)), sent(daysAgo(4)), sent(daysAgo(3))];
    const c = of(events, { slotHistory: history, settings: { rotationSends: 3 } });
    expect([...c.shown].sort()).toEqual(["a", "b", "c"]);
  });

  it("counts a list shown in older sends only when rotationSends reaches back to them", () => {
    const events = [sent(daysAgo(20)), sent(daysAgo(8))];
    const c = of(events, { slotHistory: history, settings: { rotationSends: 2 } });
    expect([...c.shown].sort()).toEqual(["a", "b", "old"]);
  });

  it("reads the history in any order and counts a list stored at the send's instant", () => {
    const events = [sent(daysAgo(5))];
    const c = of(events, { slotHistory: [...history].reverse(), settings: { rotationSends: 1 } });
    expect([...c.shown]).toEqual(["c"]);
  });

  it("shows nothing when rotation is off, nothing was sent, or no list was stored before the send", () => {
    const off = of([sent(daysAgo(2))], { slotHistory: history, settings: { rotationSends: 0 } });
    const unsent = of([], { slotHistory: history });
    const early = of([sent(daysAgo(40))], { slotHistory: history });
    expect([off.shown.size, unsent.shown.size, early.shown.size]).toEqual([0, 0, 0]);
  });
});
