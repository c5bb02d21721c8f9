import { describe, expect, it } from "vitest";
import type { Event } from "../../../src/domain/index.js";
import { addEvents, createFeatureBook, featuresOf } from "../../../src/engine/feature-book.js";
import { cart, categoryView, daysAgo, item, order, product, refund, settingsWith, view } from "./fixtures.js";

const catalog = [product("shoe", { category: "sneakers" }), product("sock", { category: "socks" }), product("bare", { category: "" })];
const settings = settingsWith();

const fold = (events: readonly Event[], chunks = 1) => {
  const book = createFeatureBook(catalog, settings);
  const size = Math.ceil(events.length / chunks);
  for (let i = 0; i < events.length; i += size) addEvents(book, events.slice(i, i + size));
  return book;
};

const history: Event[] = [
  order("c1", daysAgo(40), 99.99, [item("shoe", 1, 89.99), item("sock", 2, 5)]),
  order("c1", daysAgo(10), 0.1, [item("sock", 1, 0.1)]),
  order("c1", daysAgo(20), 0.2, [item("shoe")]),
  refund("c1", daysAgo(5), 0.2),
  view("c1", "shoe"),
  cart("c1", "shoe"),
  categoryView("c1", "socks"),
];

describe("featuresOf", () => {
  it("gives empty features to a contact with no events", () => {
    expect(featuresOf(fold(history), "nobody")).toEqual({
      orders: 0, revenue: 0, refunds: 0, firstOrderAt: null, lastOrderAt: null,
      categoryScores: {}, categoryEvidence: {}, purchasedAt: {},
    });
  });

  it("counts orders and the first and last order times", () => {
    const f = featuresOf(fold(history), "c1");
    expect([f.orders, f.firstOrderAt, f.lastOrderAt]).toEqual([3, daysAgo(40).getTime(), daysAgo(10).getTime()]);
  });

  it("subtracts refunds from revenue and counts them, keeping the order", () => {
    const f = featuresOf(fold(history), "c1");
    expect([f.revenue, f.refunds, f.orders]).toEqual([100.09, 1, 3]);
  });

  it("never lets refunds take revenue below zero", () => {
    const f = featuresOf(fold([order("c2", daysAgo(3), 30, [item("shoe")]), refund("c2", daysAgo(2), 50)]), "c2");
    expect([f.revenue, f.refunds]).toEqual([0, 1]);
  });

  it("weights views, carts and purchased lines by the intent settings", () => {
    // sneakers: 2 purchases × 5 + 1 cart × 3 + 1 view × 1; socks: 2 purchases × 5 + 1 category view × 1.
    expect(featuresOf(fold(history), "c1").categoryScores).toEqual({ sneakers: 14, socks: 11 });
  });

  it("keeps the evidence behind each category", () => {
    expect(featuresOf(fold(history), "c1").categoryEvidence.sneakers).toEqual({ views: 1, carts: 1, purchases: 2 });
  });

  it("ignores products without a category or missing from the catalog", () => {
    const f = featuresOf(fold([view("c3", "bare"), view("c3", "ghost"), cart("c3", "ghost")]), "c3");
    expect(f.categoryScores).toEqual({});
  });

  it("remembers the last time each product was bought", () => {
    expect(featuresOf(fold(history), "c1").purchasedAt).toEqual({ shoe: daysAgo(20).getTime(), sock: daysAgo(10).getTime() });
  });

  it("gives the same features whatever order and chunking the events arrive in", () => {
    const forward = featuresOf(fold(history), "c1");
    const backward = featuresOf(fold([...history].reverse(), 3), "c1");
    const shuffled = featuresOf(fold([3, 0, 6, 1, 5, 2, 4].map((i) => history[i]!), 7), "c1");
    expect(backward).toEqual(forward);
    expect(shuffled).toEqual(forward);
  });

  it("counts units sold per product per UTC day", () => {
    const book = fold(history);
    expect(book.unitsByDay.get("sock")).toEqual(new Map([[Math.floor(daysAgo(40).getTime() / 86_400_000), 2], [Math.floor(daysAgo(10).getTime() / 86_400_000), 1]]));
  });

  it("keeps each contact's features apart", () => {
    const book = fold([...history, order("c9", daysAgo(1), 12, [item("sock")])]);
    expect([featuresOf(book, "c9").orders, featuresOf(book, "c1").orders]).toEqual([1, 3]);
  });
});
