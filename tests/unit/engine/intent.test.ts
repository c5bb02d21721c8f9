import { describe, expect, it } from "vitest";
import type { Event } from "../../../src/domain/index.js";
import type { ContactFeatures } from "../../../src/engine/feature-book.js";
import { addEvents, createFeatureBook, featuresOf } from "../../../src/engine/feature-book.js";
import { catalogPriceTertiles, categoryTransitions, nextCategoryOf, priceBandOf } from "../../../src/engine/intent.js";
import type { CategoryTransitions } from "../../../src/engine/intent.js";
import { daysAgo, item, NOW, order, product, settingsWith } from "./fixtures.js";

const catalog = [
  product("candle", { category: "candles" }),
  product("plate", { category: "tableware" }),
  product("towel", { category: "linen" }),
  product("bare", { category: "" }),
];
const bookOf = (events: readonly Event[]) => {
  const book = createFeatureBook(catalog, settingsWith());
  addEvents(book, events);
  return book;
};
/** One order a day for the contact, oldest first, each of the given products. */
const orders = (contactId: string, ...baskets: string[][]): Event[] =>
  baskets.map((basket, i) => order(contactId, daysAgo(baskets.length - i), 10, basket.map((id) => item(id))));

const transitions = (counts: Record<string, [number, Record<string, number>]>): CategoryTransitions => ({
  customers: new Map(Object.entries(counts).map(([a, [n]]) => [a, n])),
  next: new Map(Object.entries(counts).map(([a, [, tos]]) => [a, new Map(Object.entries(tos))])),
});

describe("categoryTransitions", () => {
  it("counts customers who bought one category and then another in their next order", () => {
    const t = categoryTransitions(bookOf([...orders("a", ["candle"], ["plate"]), ...orders("b", ["candle"], ["towel"])]));
    expect(t).toEqual(transitions({ candles: [2, { tableware: 1, linen: 1 }] }));
  });

  it("counts buying again in the same category as a transition", () => {
    expect(categoryTransitions(bookOf(orders("a", ["candle"], ["candle"]))).next.get("candles")).toEqual(new Map([["candles", 1]]));
  });

  it("counts each customer once per pair, however often they repeat it", () => {
    const t = categoryTransitions(bookOf(orders("a", ["candle"], ["plate"], ["candle"], ["plate"])));
    expect([t.customers.get("candles"), t.next.get("candles")?.get("tableware")]).toEqual([1, 1]);
  });

  it("pairs only consecutive orders", () => {
    const t = categoryTransitions(bookOf(orders("a", ["candle"], ["towel"], ["plate"])));
    expect(t.next.get("candles")).toEqual(new Map([["linen", 1]]));
  });

  it("skips orders with no known category", () => {
    const t = categoryTransitions(bookOf(orders("a", ["candle"], ["bare"], ["plate"])));
    expect(t.next.get("candles")).toEqual(new Map([["tableware", 1]]));
  });

  it("orders each contact's orders by time, whatever order they arrived in", () => {
    const t = categoryTransitions(bookOf(orders("a", ["candle"], ["plate"]).reverse()));
    expect([...t.next.keys()]).toEqual(["candles"]);
  });

  it("ignores one-order customers", () => {
    expect(categoryTransitions(bookOf(orders("a", ["candle", "plate"])))).toEqual(transitions({}));
  });
});

describe("nextCategoryOf", () => {
  const t = transitions({
    candles: [120, { tableware: 38, candles: 30 }],
    linen: [4, { tableware: 3 }],
  });
  const last = (...categories: string[][]): Pick<ContactFeatures, "orderCategories"> => ({ orderCategories: categories });

  it("names the most likely next category with the customers behind it", () => {
    expect(nextCategoryOf(last(["candles"]), t)).toEqual({ value: "tableware", why: "38 of 120 customers who bought candles next bought tableware", confidence: "high" });
  });

  it("picks the transition with the highest rate across the latest order's categories", () => {
    expect(nextCategoryOf(last(["candles", "linen"]), t)).toEqual({ value: "tableware", why: "3 of 4 customers who bought linen next bought tableware", confidence: "low" });
  });

  it("breaks an equal rate by the larger count", () => {
    const tied = transitions({ a: [10, { x: 5 }], b: [2, { y: 1 }] });
    expect(nextCategoryOf(last(["a", "b"]), tied).value).toBe("x");
  });

  it("breaks an equal rate and count alphabetically", () => {
    expect(nextCategoryOf(last(["a"]), transitions({ a: [10, { z: 5, y: 5 }] })).value).toBe("y");
  });

  it("reads the latest order that has a known category", () => {
    expect(nextCategoryOf(last(["linen"], []), t).value).toBe("tableware");
  });

  it.each([
    [9, "low"],
    [10, "medium"],
    [49, "medium"],
    [50, "high"],
  ])("is sure of a transition from %i customers with confidence %s", (customers, confidence) => {
    expect(nextCategoryOf(last(["a"]), transitions({ a: [customers, { b: 1 }] })).confidence).toBe(confidence);
  });

  it("is null with a reason for a contact with no orders", () => {
    expect(nextCategoryOf(last(), t)).toEqual({ value: null, why: "no orders yet" });
  });

  it("is null with a reason when no ordered product has a category", () => {
    expect(nextCategoryOf(last([], []), t)).toEqual({ value: null, why: "no ordered product has a category in the catalog" });
  });

  it("is null with a reason when nobody bought again after those categories", () => {
    expect(nextCategoryOf(last(["hats", "gloves"]), t)).toEqual({ value: null, why: "no customer who bought hats or gloves has ordered again yet" });
  });

  it("works end to end from folded orders", () => {
    const book = bookOf([...orders("a", ["candle"], ["plate"]), ...orders("b", ["towel"], ["candle"])]);
    expect(nextCategoryOf(featuresOf(book, "b", NOW), categoryTransitions(book)).value).toBe("tableware");
  });
});

describe("catalogPriceTertiles", () => {
  it("splits active priced products into thirds by linear interpolation", () => {
    const products = [10, 20, 30, 40, 50, 60, 70].map((price, i) => product(`p${i}`, { price }));
    expect(catalogPriceTertiles(products)).toEqual({ lower: 30, upper: 50, products: 7 });
  });

  it("interpolates between prices", () => {
    const t = catalogPriceTertiles([10, 20].map((price, i) => product(`p${i}`, { price })));
    expect([t?.lower, t?.upper]).toEqual([expect.closeTo(13.333, 3), expect.closeTo(16.667, 3)]);
  });

  it("leaves out inactive and free products", () => {
    const products = [product("a", { price: 0 }), product("b", { price: 999, active: false }), product("c", { price: 12 })];
    expect(catalogPriceTertiles(products)).toEqual({ lower: 12, upper: 12, products: 1 });
  });

  it("is null for a catalog with no priced active product", () => {
    expect(catalogPriceTertiles([product("a", { price: 0 })])).toBeNull();
  });
});

describe("priceBandOf", () => {
  const tertiles = { lower: 15, upper: 40, products: 90 };
  const paid = (units: number, total: number): Pick<ContactFeatures, "itemPrices"> => ({ itemPrices: { units, total, min: null, max: null } });

  it.each([
    [14.99, "budget"],
    [15, "mid"],
    [39.99, "mid"],
    [40, "premium"],
  ])("puts a mean price paid of %f in the %s band", (mean, band) => {
    expect(priceBandOf(paid(1, mean), tertiles).value).toBe(band);
  });

  it("compares the mean unit price and says where the thirds split", () => {
    expect(priceBandOf(paid(6, 147), tertiles)).toEqual({ value: "mid", why: "mean price paid 24.50 over 6 items; catalog thirds split at 15.00 and 40.00", confidence: "high" });
  });

  it.each([
    [1, "low"],
    [2, "medium"],
    [4, "medium"],
    [5, "high"],
  ])("is sure of a band from %i items with confidence %s", (units, confidence) => {
    expect(priceBandOf(paid(units, units * 20), tertiles).confidence).toBe(confidence);
  });

  it("is null with a reason before any purchase", () => {
    expect(priceBandOf(paid(0, 0), tertiles)).toEqual({ value: null, why: "no items bought yet" });
  });

  it("is null with a reason when the catalog has no prices", () => {
    expect(priceBandOf(paid(2, 30), null)).toEqual({ value: null, why: "the catalog has no priced active products to compare with" });
  });
});
