import { describe, expect, it } from "vitest";
import type { Event, Product, RecommendationSettings } from "../../../../src/domain/index.js";
import { addEvents, createFeatureBook } from "../../../../src/engine/feature-book.js";
import { buildContentGraph } from "../../../../src/engine/recommend/content.js";
import { buildCoViewGraph } from "../../../../src/engine/recommend/item-knn.js";
import { emptyItemGraph } from "../../../../src/engine/recommend/item-graph.js";
import { buildPersonalModel } from "../../../../src/engine/recommend/personal.js";
import { daysAgo, item, NOW, order, product, settingsWith, view } from "../fixtures.js";
import { recContact } from "./rec-fixtures.js";

const DAY = 86_400_000;
let shopper = 0;
/** `times` shoppers each buying all of `ids` together, `days` ago. */
const boughtTogether = (times: number, ids: readonly string[], days = 10): Event[] =>
  Array.from({ length: times }, () => order(`s${++shopper}`, daysAgo(days), 10, ids.map((id) => item(id))));

const noSignals: Partial<RecommendationSettings> = { personalContentWeight: 0, personalPopularityWeight: 0, personalViewWeight: 0 };

function modelOf(products: readonly Product[], events: readonly Event[], overrides: Partial<RecommendationSettings> = noSignals) {
  const settings = settingsWith({ recommendations: overrides }).recommendations;
  const book = createFeatureBook(products, settingsWith());
  addEvents(book, events);
  const catalog = new Map(products.map((p) => [p.id, p]));
  return buildPersonalModel({
    book, catalog, settings, now: NOW,
    coView: buildCoViewGraph(book, catalog, settings),
    content: overrides.personalContentWeight === 0 ? emptyItemGraph() : buildContentGraph(catalog, settings),
  });
}

const catalog = ["a", "b", "c", "d", "e", "f"].map((id) => product(id, { title: `Title ${id}`, category: "" }));
const history = [...boughtTogether(30, ["a", "b"]), ...boughtTogether(10, ["a", "c"]), ...boughtTogether(20, ["d", "e"]), ...boughtTogether(5, ["f"])];
const bought = (ids: Record<string, number>) => recContact({ purchasedAt: Object.fromEntries(Object.entries(ids).map(([id, days]) => [id, NOW.getTime() - days * DAY])) });

describe("buildPersonalModel", () => {
  it("uses EASE when the best sellers hold nearly all purchases", () => {
    const model = modelOf(catalog, history);
    expect(model.kind).toBe("ease");
    expect(model.items).toBe(6);
    expect(model.why).toMatch(/^EASE \(lambda \d+\) over the 6 best-selling products/);
  });

  it("uses item-kNN when EASE is turned off or covers too little of the purchases", () => {
    expect(modelOf(catalog, history, { ...noSignals, easeMaxItems: 0 }).kind).toBe("item_knn");
    const spread = modelOf(catalog, history, { ...noSignals, easeMaxItems: 2 });
    expect(spread.kind).toBe("item_knn");
    expect(spread.why).toContain("the 2 best-selling products hold only");
  });

  it.each(["ease", "item_knn"] as const)("ranks what buyers of the contact's products also bought first (%s)", (kind) => {
    const model = modelOf(catalog, history, { ...noSignals, easeMaxItems: kind === "ease" ? 3000 : 0, easeLambda: 1 });
    const ranked = model.rank(bought({ a: 5 }), 3);
    expect(ranked[0]?.productId).toBe("b");
    expect(ranked[0]?.why).toBe("picked for you: customers who bought Title a also bought it");
    expect(ranked.map((c) => c.productId)).not.toContain("a");
  });

  it("never ranks a product the contact bought, and returns at most `limit`, best first", () => {
    const model = modelOf(catalog, history, { ...noSignals, personalPopularityWeight: 0.5 });
    const ranked = model.rank(bought({ a: 5, b: 5 }), 2);
    expect(ranked.length).toBe(2);
    expect(ranked.map((c) => c.productId)).not.toContain("b");
    expect(ranked[0]?.score).toBeGreaterThanOrEqual(ranked[1]?.score ?? Infinity);
  });

  it("weighs a recent purchase's neighbours above an old one's", () => {
    const model = modelOf(catalog, history, { ...noSignals, personalHalfLifeDays: 30, easeLambda: 1 });
    expect(model.rank(bought({ b: 300, e: 2 }), 1)[0]?.productId).toBe("d");
    expect(model.rank(bought({ b: 2, e: 300 }), 1)[0]?.productId).toBe("a");
  });

  it("adds co-view neighbours of recent views only when their weight is above 0", () => {
    const views = [view("v1", "a"), view("v1", "f"), view("v2", "a"), view("v2", "f")];
    const viewer = recContact({ viewedAt: new Map([["a", NOW.getTime()]]) });
    expect(modelOf(catalog, [...history, ...views]).rank(viewer, 5)).toEqual([]);
    const ranked = modelOf(catalog, [...history, ...views], { ...noSignals, personalViewWeight: 1 }).rank(viewer, 5);
    expect(ranked.map((c) => c.productId)).toEqual(["f"]);
    expect(ranked[0]?.why).toBe("picked for you: viewed by customers who viewed Title a");
  });

  it("adds content neighbours of purchases when the content weight is above 0", () => {
    const products = [...catalog, product("mug-red", { title: "Spotty Mug Red" }), product("mug-blue", { title: "Spotty Mug Blue" })];
    const model = modelOf(products, history, { ...noSignals, personalContentWeight: 1 });
    const ranked = model.rank(bought({ "mug-red": 3 }), 5);
    expect(ranked[0]).toMatchObject({ productId: "mug-blue", why: "picked for you: like Spotty Mug Red" });
  });

  it("gives a contact with no history the popular products when the popularity prior is on, else nothing", () => {
    expect(modelOf(catalog, history).rank(recContact(), 5)).toEqual([]);
    const ranked = modelOf(catalog, history, { ...noSignals, personalPopularityWeight: 1 }).rank(recContact(), 2);
    expect(ranked.map((c) => c.productId)).toEqual(["a", "b"]);
    expect(ranked[0]?.why).toBe("picked for you: popular with customers right now");
  });

  it("ranks a contact the same whoever was ranked before", () => {
    // Item-kNN: b's and c's only neighbour is a, e's is d; ranking c first must leave nothing behind on a.
    const model = modelOf(catalog, history, { ...noSignals, easeMaxItems: 0, personalPopularityWeight: 0.2 });
    const first = model.rank(bought({ b: 5, e: 9 }), 5);
    model.rank(bought({ c: 1 }), 5);
    expect(model.rank(bought({ b: 5, e: 9 }), 5)).toEqual(first);
  });
});
