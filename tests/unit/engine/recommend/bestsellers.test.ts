import { describe, expect, it } from "vitest";
import type { Event, Product, RecommendationSettings } from "../../../../src/domain/index.js";
import { addEvents, createFeatureBook } from "../../../../src/engine/feature-book.js";
import { pickBestsellers, rankBestsellers } from "../../../../src/engine/recommend/bestsellers.js";
import type { BestsellerRanking } from "../../../../src/engine/recommend/bestsellers.js";
import { daysAgo, item, NOW, order, product, settingsWith } from "../fixtures.js";

const rules = (overrides: Partial<RecommendationSettings> = {}): RecommendationSettings =>
  settingsWith({ recommendations: overrides }).recommendations;

/** Sells `units` of each product id to a shopper nobody scores, `days` ago. */
const sales = (units: Record<string, number>, days = 1): Event[] =>
  Object.entries(units).map(([id, n]) => order("shopper", daysAgo(days), 10 * n, [item(id, n)]));

const rank = (catalog: readonly Product[], events: readonly Event[], r = rules()): BestsellerRanking => {
  const book = createFeatureBook(catalog, settingsWith());
  addEvents(book, events);
  return rankBestsellers(book, catalog, r, NOW);
};

const counts = (ranking: BestsellerRanking) => ranking.sellers.map((b) => [b.product.id, b.unitsSold]);

describe("rankBestsellers", () => {
  it("ranks by units sold, ties by product id", () => {
    const catalog = ["a", "b", "c", "d"].map((id) => product(id));
    expect(counts(rank(catalog, sales({ c: 2, a: 5, d: 2, b: 1 })))).toEqual([["a", 5], ["c", 2], ["d", 2], ["b", 1]]);
  });

  it("skips inactive and out-of-stock products but keeps untracked stock", () => {
    const catalog = [product("off", { active: false }), product("empty", { inventory: 0 }), product("untracked", { inventory: null }), product("stocked", { inventory: 3 })];
    expect(counts(rank(catalog, sales({ off: 9, empty: 8, untracked: 2, stocked: 1 })))).toEqual([["untracked", 2], ["stocked", 1]]);
  });

  it("leaves out products that did not sell in the window", () => {
    expect(counts(rank([product("a"), product("b")], sales({ a: 1 })))).toEqual([["a", 1]]);
  });

  it.each([
    { days: 0, counted: true },
    { days: 89, counted: true },
    { days: 90, counted: false },
  ])("counts a sale $days days ago in a 90-day window: $counted", ({ days, counted }) => {
    const ranking = rank([product("a")], sales({ a: 1 }, days), rules({ bestsellerWindowDays: 90 }));
    expect(ranking.sellers.length).toBe(counted ? 1 : 0);
  });

  it("ignores sales dated after now", () => {
    expect(rank([product("a")], sales({ a: 1 }, -2)).sellers).toEqual([]);
  });

  it("ranks a product listed twice once, as its latest version", () => {
    const catalog = [product("a", { title: "Old" }), product("a", { title: "New" })];
    expect(rank(catalog, sales({ a: 3 })).sellers.map((b) => b.product.title)).toEqual(["New"]);
  });
});

describe("pickBestsellers", () => {
  const catalog = ["a", "b", "c", "d", "e", "f", "g"].map((id) => product(id));
  const sevenSellers = sales({ a: 7, b: 6, c: 5, d: 4, e: 3, f: 2, g: 1 });
  const picks = (bought: Record<string, number>, r: Partial<RecommendationSettings> = {}, events = sevenSellers) =>
    pickBestsellers(rank(catalog, events, rules(r)), bought);
  const ids = (chosen: ReturnType<typeof picks>) => chosen.map((p) => p.value?.id ?? "");

  it("fills the configured slots with the top sellers and leaves the rest empty", () => {
    expect(ids(picks({}, { slots: 4 }))).toEqual(["a", "b", "c", "d", "", ""]);
  });

  it("gives each filled slot its sales evidence", () => {
    expect(picks({})[0]?.why).toBe("bestseller: 7 sold in the last 90 days; not bought by this contact");
  });

  it("skips products the contact bought within the exclusion window", () => {
    const bought = { a: daysAgo(10).getTime(), c: daysAgo(364).getTime() };
    expect(ids(picks(bought, { slots: 3, excludePurchasedDays: 365 }))).toEqual(["b", "d", "e", "", "", ""]);
  });

  it("recommends a product bought before the exclusion window, saying so", () => {
    expect(picks({ a: daysAgo(400).getTime() }, { excludePurchasedDays: 365 })[0]).toEqual({
      value: catalog[0],
      why: "bestseller: 7 sold in the last 90 days; last bought by this contact 400 days ago",
    });
  });

  it("recommends recent purchases again when the rule is off", () => {
    expect(ids(picks({ a: daysAgo(1).getTime() }, { excludePurchasedDays: 0 })).slice(0, 3)).toEqual(["a", "b", "c"]);
  });

  it("says how many products passed when slots cannot be filled", () => {
    expect(picks({}, { slots: 3 }, sales({ a: 2, b: 1 }))[2]).toEqual({
      value: null,
      why: "only 2 products pass the rules (active, in stock, sold in the last 90 days, not bought by this contact in the last 365 days)",
    });
  });

  it("says no product passes when nothing sold", () => {
    expect(picks({}, { slots: 3 }, [])[0]?.why).toBe(
      "no product passes the rules (active, in stock, sold in the last 90 days, not bought by this contact in the last 365 days)",
    );
  });

  it("marks slots beyond the setting as unused", () => {
    expect(picks({}, { slots: 5 })[5]).toEqual({ value: null, why: "slot not used: settings fill 5 slots" });
  });

  it("never puts one product in two slots", () => {
    expect(new Set(ids(picks({}, { slots: 6 }))).size).toBe(6);
  });

  it("ignores purchase keys inherited from Object.prototype", () => {
    const catalog2 = [product("constructor")];
    const ranking = rank(catalog2, sales({ constructor: 2 }));
    expect(pickBestsellers(ranking, {})[0]?.value?.id).toBe("constructor");
  });
});
