import { describe, expect, it } from "vitest";
import type { ContactFeatures } from "../../../src/engine/feature-book.js";
import { addEvents, createFeatureBook, featuresOf } from "../../../src/engine/feature-book.js";
import { clvTierOf, clvTiers, valueOf } from "../../../src/engine/value.js";
import { daysAgo, item, NOW, order, product, settingsWith } from "./fixtures.js";

const empty = featuresOf(createFeatureBook([], settingsWith()), "nobody", NOW);
const features = (fields: Partial<ContactFeatures>): ContactFeatures => ({ ...empty, ...fields });

/** `orders` orders of 10 each, the first `discounted` of them with a discount. */
const buyer = (orders: number, discounted: number): ContactFeatures =>
  features({ orders, revenue: orders * 10, orderValues: Array<number>(orders).fill(10), discountedOrders: discounted, discountedRevenue: discounted * 10 });

describe("valueOf", () => {
  it("gives a contact with no orders null value fields and zero revenue, with reasons", () => {
    expect(valueOf(empty)).toEqual({
      aov: { value: null, why: "no orders yet" },
      revenue: { value: 0, why: "no orders yet" },
      discountSensitivity: { value: null, why: "no orders yet" },
      discountShare: { value: null, why: "no orders yet" },
      marginContributed: { value: null, why: "no orders yet" },
    });
  });

  it("divides revenue by orders for the AOV, to 2 decimals", () => {
    expect(valueOf(features({ orders: 3, revenue: 100, orderValues: [50, 25, 25] })).aov).toEqual({ value: 33.33, why: "100.00 revenue over 3 orders" });
  });

  it("names refunds in the revenue reason", () => {
    expect(valueOf(features({ orders: 2, revenue: 40.006, refunds: 1, orderValues: [30, 20] })).revenue).toEqual({ value: 40.01, why: "paid over 2 orders, less 1 refund" });
  });

  it.each([
    [1, 0, null],
    [2, 0, "full_price"],
    [2, 1, "discount_driven"],
    [3, 1, "occasional"],
    [4, 2, "discount_driven"],
    [5, 2, "occasional"],
    [1, 1, "discount_driven"],
  ])("with %i orders of which %i discounted, calls the contact %s", (orders, discounted, sensitivity) => {
    expect(valueOf(buyer(orders, discounted)).discountSensitivity.value).toBe(sensitivity);
  });

  it("gives the share of orders with a discount, to 2 decimals", () => {
    expect(valueOf(buyer(3, 1)).discountShare.value).toBe(0.33);
  });

  it("explains the sensitivity with orders and revenue share", () => {
    const f = features({ orders: 4, revenue: 100, orderValues: [70, 10, 10, 10], discountedOrders: 1, discountedRevenue: 70 });
    expect(valueOf(f).discountSensitivity).toEqual({ value: "occasional", why: "1 of 4 orders had a discount (70 % of revenue): some, under 50 % of orders", confidence: "medium" });
  });

  it("says two orders are needed before calling one full-price order full price", () => {
    expect(valueOf(buyer(1, 0)).discountSensitivity).toEqual({ value: null, why: "0 of 1 order had a discount (0 % of revenue); 2 orders needed to call it full price", confidence: "low" });
  });

  it.each([
    [2, "low"],
    [3, "medium"],
    [5, "medium"],
    [6, "high"],
  ])("with %i orders judges discounts with confidence %s", (orders, confidence) => {
    expect(valueOf(buyer(orders, 0)).discountSensitivity.confidence).toBe(confidence);
  });

  it("reports margin over the known-cost share of item revenue", () => {
    const f = features({ orders: 1, revenue: 100, orderValues: [100], margin: 41.2, costedRevenue: 80, itemRevenue: 100 });
    expect(valueOf(f).marginContributed).toEqual({ value: 41.2, why: "41.20 over cost on the 80 % of item revenue whose cost is known", confidence: "medium" });
  });

  it.each([
    [90, "high"],
    [89, "medium"],
    [50, "medium"],
    [49, "low"],
  ])("is sure of a margin covering %i percent of item revenue with confidence %s", (covered, confidence) => {
    const f = features({ orders: 1, revenue: 100, orderValues: [100], margin: 10, costedRevenue: covered, itemRevenue: 100 });
    expect(valueOf(f).marginContributed.confidence).toBe(confidence);
  });

  it("leaves margin null when no bought product has a known cost", () => {
    expect(valueOf(features({ orders: 1, revenue: 10, orderValues: [10], itemRevenue: 10 })).marginContributed).toEqual({ value: null, why: "no bought product has a known cost" });
  });

  it("reads the features the book folds", () => {
    const book = createFeatureBook([product("p", { cost: 4 })], settingsWith());
    addEvents(book, [{ ...order("c", daysAgo(3), 18, [item("p", 2, 10)]), discount: 2 }]);
    const v = valueOf(featuresOf(book, "c", NOW));
    expect([v.aov.value, v.discountShare.value, v.marginContributed.value]).toEqual([18, 1, 12]);
  });
});

describe("clvTiers", () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it("cuts the top 10 %, 30 % and 60 % of the installation's CLVs", () => {
    expect(clvTiers(hundred)).toEqual({ top: 91, high: 71, medium: 41, population: 100 });
  });

  it("does not depend on the order of the values", () => {
    expect(clvTiers([...hundred].reverse())).toEqual(clvTiers(hundred));
  });

  it("puts at least one customer in the top tier of a small installation", () => {
    expect(clvTiers([5, 1, 3])).toEqual({ top: 5, high: 5, medium: 3, population: 3 });
  });

  it("skips values that are not finite", () => {
    expect(clvTiers([Number.NaN, 2, Number.POSITIVE_INFINITY]).population).toBe(1);
  });
});

describe("clvTierOf", () => {
  const tiers = clvTiers(Array.from({ length: 100 }, (_, i) => i + 1));

  it.each([
    [100, "top"],
    [91, "top"],
    [90.99, "high"],
    [71, "high"],
    [70, "medium"],
    [41, "medium"],
    [40, "low"],
    [0, "low"],
  ])("puts a CLV of %f in the %s tier", (value, tier) => {
    expect(clvTierOf(value, tiers).value).toBe(tier);
  });

  it("says where the tier starts and how many customers it was cut from", () => {
    expect(clvTierOf(95.5, tiers)).toEqual({ value: "top", why: "predicted CLV 95.50 is in the top 10 % of 100 customers (from 91.00)", confidence: "high" });
  });

  it("never ranks a CLV of zero above low, even when most CLVs are zero", () => {
    expect(clvTierOf(0, clvTiers([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5])).value).toBe("low");
  });

  it("is low with a reason when there are no CLVs to rank against", () => {
    expect(clvTierOf(50, clvTiers([]))).toEqual({ value: "low", why: "no predicted CLVs in the installation to rank against", confidence: "low" });
  });

  it.each([
    [9, "low"],
    [10, "medium"],
    [99, "medium"],
    [100, "high"],
  ])("with %i CLVs is ranked with confidence %s", (n, confidence) => {
    expect(clvTierOf(1, clvTiers(Array<number>(n).fill(1))).confidence).toBe(confidence);
  });
});

describe("valueOf without orders", () => {
  it("says when refunds came in without an order", () => {
    expect(valueOf(features({ refunds: 2 })).revenue).toEqual({ value: 0, why: "no orders yet; 2 refunds without an order" });
  });
});
