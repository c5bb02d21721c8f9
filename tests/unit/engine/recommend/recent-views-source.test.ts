import { describe, expect, it } from "vitest";
import type { Event } from "../../../../src/domain/index.js";
import { recentViewsSource } from "../../../../src/engine/recommend/recent-views-source.js";
import { daysAgo, item, order, product, view } from "../fixtures.js";
import { idsOf, modelOf, recContact } from "./source-fixtures.js";

const catalog = ["lamp", "rug", "vase", "sofa"].map((id) => product(id, { category: id === "sofa" ? "Living" : "Decor" }));
const model = modelOf(catalog);
const views = (events: readonly Event[], scope: ReadonlySet<string> | null = null) =>
  [...recentViewsSource(recContact(catalog, events, "c1", { settings: { recentViewDays: 30 } }), model, scope)];

describe("recentViewsSource", () => {
  it("proposes viewed products, latest first, saying when", () => {
    expect(views([view("c1", "lamp", daysAgo(3.5)), view("c1", "rug", daysAgo(0.2))]).map((c) => [c.productId, c.why])).toEqual([
      ["rug", "you viewed it today"],
      ["lamp", "you viewed it 3 days ago"],
    ]);
  });

  it("skips a product bought since the view but keeps one bought before it", () => {
    const events = [
      view("c1", "lamp", daysAgo(5)),
      order("c1", daysAgo(2), 10, [item("lamp")]),
      order("c1", daysAgo(10), 10, [item("rug")]),
      view("c1", "rug", daysAgo(1)),
    ];
    expect(idsOf(views(events))).toEqual(["rug"]);
  });

  it("leaves out views older than recentViewDays", () => {
    expect(idsOf(views([view("c1", "lamp", daysAgo(31)), view("c1", "rug", daysAgo(29))]))).toEqual(["rug"]);
  });

  it("keeps to the scope and the catalog", () => {
    const events = [view("c1", "lamp", daysAgo(1)), view("c1", "sofa", daysAgo(2)), view("c1", "ghost", daysAgo(0))];
    expect([idsOf(views(events, new Set(["Living"]))), idsOf(views(events))]).toEqual([["sofa"], ["lamp", "sofa"]]);
  });

  it("scores a fresher view higher", () => {
    const [fresh, older] = views([view("c1", "lamp", daysAgo(1)), view("c1", "rug", daysAgo(4))]);
    expect((fresh?.score ?? 0) > (older?.score ?? 0)).toBe(true);
  });
});
