import { describe, expect, it } from "vitest";
import { ancestorPaths, inScope } from "../../../../src/engine/recommend/in-scope.js";

describe("ancestorPaths", () => {
  it.each([
    { category: "A/B/C", paths: ["A/B/C", "A/B", "A"] },
    { category: "Shoes > Sneakers", paths: ["Shoes > Sneakers", "Shoes"] },
    { category: "Home", paths: ["Home"] },
    { category: "", paths: [] },
  ])("lists $category and its ancestors, deepest first", ({ category, paths }) => {
    expect(ancestorPaths(category)).toEqual(paths);
  });
});

describe("inScope", () => {
  it("matches a path and everything below it, not a longer name", () => {
    const scope = new Set(["Home"]);
    expect([inScope("Home", scope), inScope("Home/Kitchen", scope), inScope("Homeware", scope)]).toEqual([true, true, false]);
  });

  it("keeps uncategorised products out of every scope but any", () => {
    expect([inScope("", new Set(["Home"])), inScope("", null)]).toEqual([false, true]);
  });
});
