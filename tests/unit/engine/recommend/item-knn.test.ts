import { describe, expect, it } from "vitest";
import type { Event } from "../../../../src/domain/index.js";
import { addEvents, createFeatureBook } from "../../../../src/engine/feature-book.js";
import { collectBaskets } from "../../../../src/engine/recommend/co-occurrence.js";
import { buildCoPurchaseGraph, buildCoViewGraph, cosineGraph } from "../../../../src/engine/recommend/item-knn.js";
import { daysAgo, item, order, product, settingsWith, view } from "../fixtures.js";

const basket = (...ids: string[]): ReadonlyMap<string, number> => new Map(ids.map((id) => [id, 1]));
const repeat = (times: number, ...ids: string[]) => Array.from({ length: times }, () => basket(...ids));

describe("cosineGraph", () => {
  const baskets = collectBaskets([basket("a", "b"), basket("a", "b"), basket("a", "c"), basket("b")]);

  it("weighs a pair by the cosine of its buyer sets when shrinkage is 0", () => {
    const row = cosineGraph(baskets, 10, 0).neighbours("a");
    expect(row.map((n) => n.productId)).toEqual(["b", "c"]);
    expect(row[0]?.weight).toBeCloseTo(2 / 3, 6); // 2 shared / sqrt(3 x 3)
    expect(row[1]?.weight).toBeCloseTo(1 / Math.sqrt(3), 6);
    expect(row.map((n) => n.together)).toEqual([2, 1]);
  });

  it("shrinks a pair by n / (n + shrinkage)", () => {
    const [b, c] = cosineGraph(baskets, 10, 10).neighbours("a");
    expect(b?.weight).toBeCloseTo((2 / 3) * (2 / 12), 6);
    expect(c?.weight).toBeCloseTo((1 / Math.sqrt(3)) * (1 / 11), 6);
  });

  it("lets a pair bought together by 20 customers outrank one bought by 2 only once shrunk", () => {
    // x: 40 buyers. rare: 2 buyers, both also bought x. pop: 400 buyers, 20 of them also bought x.
    const histories = [...repeat(2, "x", "rare"), ...repeat(20, "x", "pop"), ...repeat(18, "x"), ...repeat(380, "pop")];
    const ranked = (shrinkage: number) => cosineGraph(collectBaskets(histories), 5, shrinkage).neighbours("x").map((n) => n.productId);
    expect(ranked(0)).toEqual(["rare", "pop"]);
    expect(ranked(10)).toEqual(["pop", "rare"]);
  });

  it("keeps at most k neighbours per product", () => {
    expect(cosineGraph(collectBaskets([basket("a", "b", "c", "d")]), 2, 0).neighbours("a").map((n) => n.productId)).toEqual(["b", "c"]);
  });
});

describe("buildCoPurchaseGraph and buildCoViewGraph", () => {
  const catalog = new Map(["a", "b", "c"].map((id) => [id, product(id)]));
  const bookOf = (events: readonly Event[]) => {
    const book = createFeatureBook([...catalog.values()], settingsWith());
    addEvents(book, events);
    return book;
  };
  const settings = settingsWith({ recommendations: { similarityShrinkage: 0 } }).recommendations;

  it("links products bought by the same contacts and counts them for reasons", () => {
    const book = bookOf([
      order("c1", daysAgo(3), 20, [item("a"), item("b")]),
      order("c2", daysAgo(2), 10, [item("a")]),
      order("c2", daysAgo(1), 10, [item("b")]),
      order("c3", daysAgo(1), 10, [item("c")]),
    ]);
    expect(buildCoPurchaseGraph(book, catalog, settings).neighbours("a")).toEqual([{ productId: "b", weight: 1, together: 2 }]);
  });

  it("leaves out products missing from the catalog", () => {
    const book = bookOf([order("c1", daysAgo(3), 20, [item("a"), item("ghost")])]);
    expect(buildCoPurchaseGraph(book, catalog, settings).neighbours("a")).toEqual([]);
  });

  it("links products viewed by the same contacts", () => {
    const book = bookOf([view("c1", "a"), view("c1", "c"), view("c2", "a"), view("c2", "c"), view("c3", "b")]);
    expect(buildCoViewGraph(book, catalog, settings).neighbours("c")).toEqual([{ productId: "a", weight: 1, together: 2 }]);
  });
});
