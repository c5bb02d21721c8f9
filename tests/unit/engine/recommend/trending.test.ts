import { describe, expect, it } from "vitest";
import type { Event, Product } from "../../../../src/domain/index.js";
import type { RankedList } from "../../../../src/engine/recommend/candidate.js";
import { MIN_TRENDING_UNITS, rankTrending, trendScore, trendingSource } from "../../../../src/engine/recommend/trending.js";
import { NOW, product } from "../fixtures.js";
import { bookOf, catalogOf, idsOf, modelOf, recContact, recSettings, sales } from "./source-fixtures.js";

const rank = (catalog: readonly Product[], events: readonly Event[]): RankedList =>
  rankTrending(bookOf(catalog, events), catalogOf(catalog), recSettings({ trendingDays: 14 }), NOW);

/** `recent` units 1 day ago and `previous` units 20 days ago (inside the 14 days before the last 14). */
const history = (rows: Record<string, readonly [recent: number, previous: number]>): Event[] =>
  Object.entries(rows).flatMap(([id, [recent, previous]]) => [
    ...(recent > 0 ? sales({ [id]: recent }, 1) : []),
    ...(previous > 0 ? sales({ [id]: previous }, 20) : []),
  ]);
const catalog = ["big", "fresh", "one", "flat", "old", "few"].map((id) => product(id));

describe("trendScore", () => {
  it("ranks a steady rise on volume above one sale from nothing", () => {
    expect(trendScore(48, 12)).toBeGreaterThan(trendScore(5, 0));
    expect(trendScore(5, 0)).toBeGreaterThan(trendScore(1, 0));
  });

  it("is 0 when nothing sold and negative when sales fell", () => {
    expect([trendScore(0, 0), Math.sign(trendScore(3, 9))]).toEqual([0, -1]);
  });
});

describe("rankTrending", () => {
  it("orders rising products by the smoothed velocity, not the raw ratio", () => {
    const list = rank(catalog, history({ big: [48, 12], fresh: [4, 0], old: [200, 190] }));
    expect(idsOf(list.all)).toEqual(["big", "fresh", "old"]);
  });

  it("says how sales moved", () => {
    expect(rank(catalog, history({ big: [48, 12] })).all[0]?.why).toBe("trending: 48 sold in the last 14 days, up from 12");
  });

  it("needs the minimum of recent units, however steep the rise", () => {
    const list = rank(catalog, history({ one: [MIN_TRENDING_UNITS - 1, 0], few: [MIN_TRENDING_UNITS, 0] }));
    expect(idsOf(list.all)).toEqual(["few"]);
  });

  it("leaves out products whose sales held or fell", () => {
    expect(idsOf(rank(catalog, history({ flat: [10, 10], old: [5, 20], big: [6, 5] })).all)).toEqual(["big"]);
  });

  it.each([
    { days: 13, recent: true },
    { days: 14, recent: false },
    { days: 27, recent: false },
  ])("counts a sale $days days ago as recent: $recent", ({ days, recent }) => {
    const list = rank([product("a")], sales({ a: 5 }, days));
    expect(list.all.length).toBe(recent ? 1 : 0);
  });

  it("compares with the span just before the recent one, not older sales", () => {
    const list = rank([product("a")], [...sales({ a: 5 }, 1), ...sales({ a: 50 }, 28)]);
    expect(list.all[0]?.why).toBe("trending: 5 sold in the last 14 days, up from 0");
  });

  it("breaks equal velocities by recent units, then product id", () => {
    expect(trendScore(12, 4)).toBe(trendScore(4, 0));
    const list = rank(catalog, history({ few: [4, 0], old: [12, 4], big: [4, 0] }));
    expect(idsOf(list.all)).toEqual(["old", "big", "few"]);
  });
});

describe("trendingSource", () => {
  it("proposes trending products within the scope", () => {
    const shelves = [product("a", { category: "Home/Kitchen" }), product("b", { category: "Shoes" }), product("c", { category: "Home" })];
    const model = modelOf(shelves, { trending: rank(shelves, history({ a: [10, 0], b: [20, 0], c: [5, 0] })) });
    expect(idsOf(trendingSource(recContact(shelves, []), model, new Set(["Home"])))).toEqual(["a", "c"]);
  });
});
