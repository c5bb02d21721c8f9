import { describe, expect, it } from "vitest";
import type { EventOf, OrderItem } from "../../../src/domain/index.js";
import { createOrderDedupe, orderFingerprint } from "../../../src/ingest/order-dedupe.js";

const EMPTY = { orderIds: [], recent: [] };
const T0 = Date.parse("2024-05-01T10:00:00Z");
const MINUTE = 60_000;

const order = (orderId: string, minutesAfter: number, overrides: Partial<EventOf<"placed_order">> = {}): EventOf<"placed_order"> => ({
  id: `ev-${orderId}`,
  type: "placed_order",
  contactId: "c1",
  at: new Date(T0 + minutesAfter * MINUTE),
  orderId,
  value: 59.9,
  discount: 0,
  items: [{ productId: "p1", quantity: 1, price: 39.9 }, { productId: "p2", quantity: 2, price: 10 }],
  ...overrides,
});

describe("orderFingerprint", () => {
  const a: OrderItem = { productId: "p1", quantity: 1, price: 5 };
  const b: OrderItem = { productId: "p2", quantity: 2, price: 5 };

  it("ignores the order of the lines", () => {
    expect(orderFingerprint([a, b], 15)).toBe(orderFingerprint([b, a], 15));
  });

  it("tells apart different quantities of the same product", () => {
    expect(orderFingerprint([a], 5)).not.toBe(orderFingerprint([{ ...a, quantity: 2 }], 5));
  });

  it("compares the value to the cent", () => {
    expect(orderFingerprint([a], 0.1 + 0.2)).toBe(orderFingerprint([a], 0.3));
  });

  it("spells out the value and the sorted lines", () => {
    expect(orderFingerprint([b, a], 15)).toBe("15.00|p1*1,p2*2");
  });
});

describe("createOrderDedupe", () => {
  it("accepts an order it has not seen", () => {
    expect(createOrderDedupe(EMPTY, 10).judge(order("o1", 0))).toBe("new");
  });

  it("flags a second order with the same order id", () => {
    const dedupe = createOrderDedupe(EMPTY, 10);
    dedupe.judge(order("o1", 0));
    expect(dedupe.judge(order("o1", 500, { value: 1 }))).toBe("sameOrderId");
  });

  it.each([
    [0, "sameContents"],
    [9, "sameContents"],
    [10, "sameContents"],
    [11, "new"],
    [-10, "sameContents"],
    [-11, "new"],
  ] as const)("judges the same basket %i minutes from the first, in a 10-minute window, as %s", (minutes, verdict) => {
    const dedupe = createOrderDedupe(EMPTY, 10);
    dedupe.judge(order("o1", 0));
    expect(dedupe.judge(order("o2", minutes))).toBe(verdict);
  });

  it("accepts the same basket from another contact", () => {
    const dedupe = createOrderDedupe(EMPTY, 10);
    dedupe.judge(order("o1", 0));
    expect(dedupe.judge(order("o2", 1, { contactId: "c2" }))).toBe("new");
  });

  it("accepts a basket with another value", () => {
    const dedupe = createOrderDedupe(EMPTY, 10);
    dedupe.judge(order("o1", 0));
    expect(dedupe.judge(order("o2", 1, { value: 60 }))).toBe("new");
  });

  it("judges a re-pulled double-fired order by its id", () => {
    const dedupe = createOrderDedupe(EMPTY, 10);
    dedupe.judge(order("o1", 0));
    dedupe.judge(order("o2", 1));
    expect(dedupe.judge(order("o2", 1))).toBe("sameOrderId");
  });

  it("remembers only a contact's last five baskets", () => {
    const dedupe = createOrderDedupe(EMPTY, 10);
    for (let i = 0; i < 6; i++) dedupe.judge(order(`o${i}`, i, { value: i }));
    expect(dedupe.state().recent).toEqual([[["c1", [1, 2, 3, 4, 5].map((i) => [`${i}.00|p1*1,p2*2`, T0 + i * MINUTE])]]]);
  });

  it("still knows order ids and baskets after its state goes through JSON", () => {
    const first = createOrderDedupe(EMPTY, 10);
    first.judge(order("o1", 0));
    const second = createOrderDedupe(JSON.parse(JSON.stringify(first.state())) as typeof EMPTY, 10);
    expect([second.judge(order("o1", 0)), second.judge(order("o2", 5))]).toEqual(["sameOrderId", "sameContents"]);
  });
});

describe("createOrderDedupe: forget", () => {
  it("forgets a contact's basket fingerprints, so the same basket again is new", () => {
    const dedupe = createOrderDedupe(EMPTY, 60);
    dedupe.judge(order("o1", 0));
    const forgotten = dedupe.forget(new Set(["c1"]), new Set());
    expect([forgotten, dedupe.judge(order("o2", 5)), dedupe.state().recent.flat().map(([contactId]) => contactId)]).toEqual([1, "new", ["c1"]]);
  });

  it("forgets order ids it is given, and only those", () => {
    const dedupe = createOrderDedupe(EMPTY, 60);
    dedupe.judge(order("o1", 0));
    dedupe.judge(order("o2", 0, { contactId: "c2", value: 1 }));
    dedupe.forget(new Set(), new Set(["o1"]));
    expect([dedupe.state().orderIds.flat(), dedupe.judge(order("o2", 500, { contactId: "c2", value: 1 })), dedupe.judge(order("o1", 500))]).toEqual([["o2"], "sameOrderId", "new"]);
  });

  it("keeps other contacts' fingerprints working after the rows moved", () => {
    const dedupe = createOrderDedupe(EMPTY, 60);
    dedupe.judge(order("o1", 0));
    dedupe.judge(order("o2", 0, { contactId: "c2" }));
    dedupe.forget(new Set(["c1"]), new Set());
    expect(dedupe.judge(order("o3", 5, { contactId: "c2" }))).toBe("sameContents");
  });
});
