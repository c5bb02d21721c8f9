import { describe, expect, it } from "vitest";
import type { Event } from "../../../../src/domain/index.js";
import { createHistorySplit } from "../../../../src/engine/backtest/split-history.js";

const CUTOFF = new Date("2024-03-01T00:00:00Z");
const DAY = 19_783; // utcDayOf(2024-03-01)

function order(contactId: string, at: string, value = 10, items = [{ productId: "p1", quantity: 1, price: value }]): Event {
  return { id: `${contactId}-${at}`, type: "placed_order", contactId, at: new Date(at), orderId: `${contactId}-${at}`, value, discount: 0, items };
}

function splitOf(events: readonly Event[], categoryOf?: (id: string) => string | undefined) {
  const split = createHistorySplit(CUTOFF, 10, categoryOf);
  for (const e of events) split.add(e);
  return split;
}

describe("createHistorySplit", () => {
  it("counts two orders on one UTC day as one order worth both", () => {
    const [c] = splitOf([order("a", "2024-02-01T09:00:00Z", 10), order("a", "2024-02-01T17:00:00Z", 5)]).customers();
    expect(c).toMatchObject({ calibrationDays: [DAY - 29], calibrationValues: [15] });
  });

  it("counts horizon orders by day, from the cutoff up to but not including cutoff + horizon", () => {
    const [c] = splitOf([
      order("a", "2024-02-01T00:00:00Z"),
      order("a", "2024-03-01T00:00:00Z"),
      order("a", "2024-03-01T12:00:00Z"),
      order("a", "2024-03-10T23:59:59Z"),
      order("a", "2024-03-11T00:00:00Z"),
    ]).customers();
    expect(c?.holdoutOrders).toBe(2);
  });

  it("leaves out customers whose first order is in the horizon, and counts them", () => {
    const split = splitOf([order("a", "2024-02-01T00:00:00Z"), order("b", "2024-03-02T00:00:00Z")]);
    expect(split.customers().map((c) => c.customerId)).toEqual(["a"]);
    expect(split.counts().customersNewInHorizon).toBe(1);
  });

  it("keeps a horizon order that arrives before the customer's earlier order", () => {
    const [c] = splitOf([order("a", "2024-03-05T00:00:00Z"), order("a", "2024-01-05T00:00:00Z")]).customers();
    expect(c?.holdoutOrders).toBe(1);
  });

  it("sorts calibration days whatever order the events came in", () => {
    const [c] = splitOf([order("a", "2024-02-10T00:00:00Z", 2), order("a", "2024-02-01T00:00:00Z", 1)]).customers();
    expect(c?.calibrationValues).toEqual([1, 2]);
  });

  it("counts orders after the horizon and refunds without using them", () => {
    const refund: Event = { id: "r1", type: "refunded", contactId: "a", at: new Date("2024-02-02T00:00:00Z"), orderId: "x", value: 10 };
    const split = splitOf([order("a", "2024-02-01T00:00:00Z"), order("a", "2024-04-01T00:00:00Z"), refund]);
    expect(split.counts()).toEqual({ orders: 2, refunds: 1, otherEvents: 0, ordersAfterHorizon: 1, customersNewInHorizon: 0 });
  });

  it("tallies units per category on each side of the cutoff", () => {
    const items = [{ productId: "p1", quantity: 2, price: 1 }, { productId: "p2", quantity: 1, price: 1 }, { productId: "p3", quantity: 4, price: 1 }];
    const categories: Record<string, string> = { p1: "shoes", p2: "bags" };
    const [c] = splitOf([order("a", "2024-02-01T00:00:00Z", 7, items), order("a", "2024-03-02T00:00:00Z", 7, items.slice(1, 2))], (id) => categories[id]).customers();
    expect([...(c?.calibrationCategories ?? [])]).toEqual([["shoes", 2], ["bags", 1]]);
    expect([...(c?.holdoutCategories ?? [])]).toEqual([["bags", 1]]);
  });
});
