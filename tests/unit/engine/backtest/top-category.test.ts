import { describe, expect, it } from "vitest";
import { topCategory } from "../../../../src/engine/backtest/top-category.js";

describe("topCategory", () => {
  it("picks the category with the most units", () => {
    expect(topCategory(new Map([["shoes", 2], ["bags", 5], ["hats", 1]]))).toBe("bags");
  });

  it("breaks a tie by name so reruns agree", () => {
    expect(topCategory(new Map([["shoes", 3], ["bags", 3]]))).toBe("bags");
  });

  it("is empty without categories", () => {
    expect(topCategory(new Map())).toBe("");
  });
});
