import { describe, expect, it } from "vitest";
import { buildFeed } from "../../../src/engine/build-feed.js";
import { NOW, product } from "./fixtures.js";

describe("buildFeed", () => {
  it("keys active products by id with their display fields", () => {
    const feed = buildFeed([product("a", { title: "Alpha", price: 12.5, category: "socks", brand: "Acme", cost: 3 })], NOW);
    expect(feed).toEqual({
      generatedAt: "2024-06-30T12:00:00.000Z",
      products: { a: { id: "a", title: "Alpha", url: "https://shop.test/a", imageUrl: "https://cdn.test/a.jpg", price: 12.5, category: "socks", brand: "Acme" } },
    });
  });

  it("leaves out inactive products", () => {
    expect(Object.keys(buildFeed([product("a"), product("b", { active: false }), product("c")], NOW).products)).toEqual(["a", "c"]);
  });

  it("uses the latest version of a product listed twice", () => {
    expect(buildFeed([product("a"), product("a", { active: false })], NOW).products).toEqual({});
  });

  it("keeps an id named __proto__ as an ordinary key", () => {
    expect(Object.keys(buildFeed([product("__proto__")], NOW).products)).toEqual(["__proto__"]);
  });
});
