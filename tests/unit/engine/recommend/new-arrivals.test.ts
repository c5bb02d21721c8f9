import { describe, expect, it } from "vitest";
import type { Event, Product } from "../../../../src/domain/index.js";
import type { RankedList } from "../../../../src/engine/recommend/candidate.js";
import { newArrivalsSource, rankNewArrivals } from "../../../../src/engine/recommend/new-arrivals.js";
import { daysAgo, NOW, product } from "../fixtures.js";
import { bookOf, catalogOf, idsOf, modelOf, recContact, recSettings, sales } from "./source-fixtures.js";

const rank = (catalog: readonly Product[], events: readonly Event[] = []): RankedList =>
  rankNewArrivals(bookOf(catalog, events), catalogOf(catalog), recSettings({ newArrivalDays: 30 }), NOW);
const created = (id: string, days: number, fields: Partial<Product> = {}) => product(id, { createdAt: daysAgo(days), ...fields });
/** A sale a year ago, so the store's sales history is long enough for first sales to mean "new". */
const longHistory = sales({ staple: 1 }, 365);

describe("rankNewArrivals", () => {
  it("lists products created within the window, newest first", () => {
    expect(idsOf(rank([created("old", 40), created("week", 6), created("today", 0.5), created("month", 29.9)]).all)).toEqual(["today", "week", "month"]);
  });

  it("says how long ago a product was added", () => {
    expect(rank([created("week", 6.5), created("fresh", 0.1)]).all.map((c) => c.why)).toEqual(["new: added today", "new: added 6 days ago"]);
  });

  it.each([
    { days: 29.99, isNew: true },
    { days: 30, isNew: false },
  ])("counts a product created $days days ago as new in a 30-day window: $isNew", ({ days, isNew }) => {
    expect(rank([created("a", days)]).all.length).toBe(isNew ? 1 : 0);
  });

  it("counts a creation date after now as added today", () => {
    expect(rank([product("soon", { createdAt: new Date(NOW.getTime() + 3_600_000) })]).all[0]?.why).toBe("new: added today");
  });

  it("falls back to the first sale when the catalog has no creation date", () => {
    const catalog = [product("staple"), product("launch"), product("veteran")];
    const events = [...longHistory, ...sales({ launch: 2 }, 4), ...sales({ launch: 1 }, 1), ...sales({ veteran: 1 }, 60), ...sales({ veteran: 1 }, 2)];
    expect(rank(catalog, events).all.map((c) => [c.productId, c.why])).toEqual([["launch", "new: first sold 4 days ago"]]);
  });

  it("trusts the creation date over the first sale", () => {
    const catalog = [product("staple"), created("relaunch", 90)];
    expect(rank(catalog, [...longHistory, ...sales({ relaunch: 1 }, 2)]).all).toEqual([]);
  });

  it("does not call products new by first sale when the store's history is younger than the window", () => {
    const catalog = [product("a"), product("b")];
    expect(rank(catalog, [...sales({ a: 1 }, 20), ...sales({ b: 1 }, 3)]).all).toEqual([]);
  });

  it("orders a first sale and a creation date on one time line", () => {
    const catalog = [product("staple"), product("sold"), created("made", 5)];
    expect(idsOf(rank(catalog, [...longHistory, ...sales({ sold: 1 }, 3)]).all)).toEqual(["sold", "made"]);
  });

  it("scores newer products higher, within (0, 1]", () => {
    const scores = rank([created("a", 0), created("b", 15), created("c", 29)]).all.map((c) => c.score);
    expect(scores[0]).toBe(1);
    expect(scores[1]).toBeCloseTo(0.5, 6);
    expect((scores[2] ?? 0) > 0 && (scores[2] ?? 0) < (scores[1] ?? 0)).toBe(true);
  });
});

describe("newArrivalsSource", () => {
  it("proposes new arrivals within the scope", () => {
    const catalog = [created("rug", 1, { category: "Home > Rugs" }), created("boot", 2, { category: "Shoes" }), created("vase", 3, { category: "Home" })];
    const model = modelOf(catalog, { newArrivals: rank(catalog) });
    expect(idsOf(newArrivalsSource(recContact(catalog, []), model, new Set(["Home"])))).toEqual(["rug", "vase"]);
  });
});
