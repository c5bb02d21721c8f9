import { describe, expect, it } from "vitest";
import type { Event } from "../../../../src/domain/index.js";
import { abandonedCartSource } from "../../../../src/engine/recommend/abandoned-cart-source.js";
import { cart, daysAgo, item, order, product, view } from "../fixtures.js";
import { modelOf, recContact } from "./source-fixtures.js";

const catalog = ["lamp", "rug", "vase"].map((id) => product(id));
const model = modelOf(catalog);
const carted = (events: readonly Event[]) =>
  [...abandonedCartSource(recContact(catalog, events, "c1", { settings: { recentViewDays: 30 } }), model, null)].map((c) => [c.productId, c.why]);

describe("abandonedCartSource", () => {
  it("proposes a product left in the cart, saying when", () => {
    expect(carted([cart("c1", "lamp", daysAgo(2))])).toEqual([["lamp", "left in your cart 2 days ago"]]);
  });

  it("skips a cart add that was bought afterwards", () => {
    expect(carted([cart("c1", "lamp", daysAgo(3)), order("c1", daysAgo(1), 10, [item("lamp")])])).toEqual([]);
  });

  it("proposes a product carted again after an earlier purchase", () => {
    expect(carted([order("c1", daysAgo(9), 10, [item("rug")]), cart("c1", "rug", daysAgo(1))])).toEqual([["rug", "left in your cart 1 day ago"]]);
  });

  it("lists the latest add first and ignores views and old adds", () => {
    const events = [cart("c1", "lamp", daysAgo(4)), cart("c1", "vase", daysAgo(1)), view("c1", "rug", daysAgo(0)), cart("c1", "rug", daysAgo(40))];
    expect(carted(events).map(([id]) => id)).toEqual(["vase", "lamp"]);
  });
});
