import { describe, expect, it } from "vitest";
import { categoryVariants, DEMO_LEAVES } from "../../../src/demo/category-tree.js";

const leaf = (name: string) => {
  const found = DEMO_LEAVES.find((l) => l.leaf === name);
  if (found === undefined) throw new Error(`no leaf ${name}`);
  return found;
};

describe("DEMO_LEAVES", () => {
  it("has 25 leaves under 6 top categories", () => {
    expect([DEMO_LEAVES.length, new Set(DEMO_LEAVES.map((l) => l.top)).size]).toEqual([25, 6]);
  });

  it("never uses a leaf name twice", () => {
    expect(new Set(DEMO_LEAVES.map((l) => l.leaf.toLowerCase())).size).toBe(25);
  });

  it("gives consumables a replenish range within 30 to 60 days", () => {
    const ranges = DEMO_LEAVES.flatMap((l) => (l.replenish === undefined ? [] : [l.replenish]));
    expect(ranges.length).toBe(6);
    expect(ranges.filter(([min, max]) => min < 30 || max > 60 || min > max)).toEqual([]);
  });
});

describe("categoryVariants", () => {
  it("spells a leaf the five messy ways", () => {
    expect(categoryVariants(leaf("Sneakers"))).toEqual(["Sneakers", "sneaker", "sneakers", "Shoes / Sneakers", "shoes>sneakers"]);
  });

  it.each([
    ["Dresses", "dress"],
    ["Candles", "candle"],
    ["Sunglasses", "sunglass"],
    ["Jewellery", "jewellery"],
  ])("singularises %s as %s", (name, singular) => {
    expect(categoryVariants(leaf(name))[1]).toBe(singular);
  });
});
