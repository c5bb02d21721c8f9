import { describe, expect, it } from "vitest";
import type { Event, Product } from "../../../../src/domain/index.js";
import { bestsellersSource, rankBestsellers } from "../../../../src/engine/recommend/bestsellers.js";
import type { RankedList } from "../../../../src/engine/recommend/candidate.js";
import { NOW, product } from "../fixtures.js";
import { bookOf, catalogOf, idsOf, modelOf, recContact, recSettings, sales } from "./source-fixtures.js";

const rank = (catalog: readonly Product[], events: readonly Event[], days = 90): RankedList =>
  rankBestsellers(bookOf(catalog, events), catalogOf(catalog), recSettings({ bestsellerWindowDays: days }), NOW);
const counts = (list: RankedList) => list.all.map((c) => [c.productId, c.score]);

describe("rankBestsellers", () => {
  it("ranks by units sold, ties by product id in code-unit order", () => {
    const catalog = ["a", "B", "c", "d"].map((id) => product(id));
    expect(counts(rank(catalog, sales({ c: 2, a: 5, d: 2, B: 2 })))).toEqual([["a", 5], ["B", 2], ["c", 2], ["d", 2]]);
  });

  it("gives each product its sales as the reason", () => {
    expect(rank([product("a")], sales({ a: 412 })).all[0]?.why).toBe("bestseller: 412 sold in the last 90 days");
  });

  it("adds up a product's sales over the days of the window", () => {
    expect(counts(rank([product("a")], [...sales({ a: 2 }, 1), ...sales({ a: 3 }, 30)]))).toEqual([["a", 5]]);
  });

  it("leaves out products that did not sell in the window and products missing from the catalog", () => {
    expect(counts(rank([product("a"), product("b")], sales({ a: 1, ghost: 9 })))).toEqual([["a", 1]]);
  });

  it.each([
    { days: 0, counted: true },
    { days: 89, counted: true },
    { days: 90, counted: false },
    { days: -2, counted: false },
  ])("counts a sale $days days ago in a 90-day window: $counted", ({ days, counted }) => {
    expect(rank([product("a")], sales({ a: 1 }, days)).all.length).toBe(counted ? 1 : 0);
  });

  it("gives the same list whatever order sales arrive in", () => {
    const catalog = ["a", "b", "c"].map((id) => product(id));
    const events = sales({ a: 1, b: 3, c: 3 });
    expect(rank(catalog, [...events].reverse())).toEqual(rank(catalog, events));
  });
});

describe("bestsellersSource", () => {
  const catalog = [product("boot", { category: "Shoes/Boots" }), product("mug", { category: "Home" }), product("sneaker", { category: "Shoes/Sneakers" })];
  const model = modelOf(catalog, { bestsellers: rank(catalog, sales({ boot: 1, mug: 3, sneaker: 2 })) });
  const shopper = recContact(catalog, []);

  it("proposes the best sellers in order for any category", () => {
    expect(idsOf(bestsellersSource(shopper, model, null))).toEqual(["mug", "sneaker", "boot"]);
  });

  it("proposes only the best sellers within the scope", () => {
    expect(idsOf(bestsellersSource(shopper, model, new Set(["Shoes"])))).toEqual(["sneaker", "boot"]);
  });
});
