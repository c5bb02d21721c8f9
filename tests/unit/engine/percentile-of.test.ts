import { describe, expect, it } from "vitest";
import { percentileOf } from "../../../src/engine/percentile-of.js";

describe("percentileOf", () => {
  it.each([
    [0, 0],
    [1, 20],
    [2.5, 40],
    [3, 60],
    [5, 100],
    [9, 100],
  ])("puts %d at the %dth percentile of [1, 2, 3, 4, 5]", (value, percentile) => {
    expect(percentileOf([1, 2, 3, 4, 5], value)).toBe(percentile);
  });

  it("counts ties at or below the value", () => {
    expect(percentileOf([1, 1, 1, 2], 1)).toBe(75);
  });

  it("is 0 for an empty installation", () => {
    expect(percentileOf([], 10)).toBe(0);
  });
});
