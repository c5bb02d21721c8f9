import { describe, expect, it } from "vitest";
import { catalogCoverage, hitAt, ndcgAt, recallAt } from "../../../../src/engine/backtest/recommend-metrics.js";

const ranked = ["a", "b", "c", "d", "e", "f"];
const relevant = new Set(["b", "d", "x"]);

describe("recallAt", () => {
  it("is the relevant products in the top k over all relevant products", () => {
    expect(recallAt(ranked, relevant, 5)).toBe(2 / 3);
    expect(recallAt(ranked, relevant, 3)).toBe(1 / 3);
  });

  it("counts a product listed twice once, its repeat taking a place in the top k", () => {
    expect(recallAt(["b", "b", "d"], relevant, 2)).toBe(1 / 3);
    expect(recallAt(["b", "b", "d"], relevant, 3)).toBe(2 / 3);
  });

  it("is NaN when nothing is relevant", () => {
    expect(recallAt(ranked, new Set(), 5)).toBeNaN();
  });
});

describe("ndcgAt", () => {
  it("divides the DCG of the hits by the DCG of min(k, relevant) hits at the top", () => {
    // Hits at positions 2 and 4; the ideal list has 3 hits at positions 1-3.
    const dcg = 1 / Math.log2(3) + 1 / Math.log2(5);
    const ideal = 1 + 1 / Math.log2(3) + 1 / Math.log2(4);
    expect(ndcgAt(ranked, relevant, 5)).toBeCloseTo(dcg / ideal, 12);
    expect(ndcgAt(ranked, relevant, 5)).toBeCloseTo(0.49819, 5);
  });

  it("is 1 when the relevant products fill the top, even if more are relevant than k", () => {
    expect(ndcgAt(["b", "d"], new Set(["b", "d", "x", "y"]), 2)).toBe(1);
  });

  it("is 0 with no hit and NaN with nothing relevant", () => {
    expect(ndcgAt(["q"], relevant, 5)).toBe(0);
    expect(ndcgAt(ranked, new Set(), 5)).toBeNaN();
  });
});

describe("hitAt", () => {
  it("is true when any of the top k is relevant", () => {
    expect(hitAt(ranked, relevant, 2)).toBe(true);
    expect(hitAt(ranked, relevant, 1)).toBe(false);
  });
});

describe("catalogCoverage", () => {
  it("is the distinct products in anyone's top k over the catalog size", () => {
    expect(catalogCoverage([["a", "b", "c"], ["b", "d"]], 10, 2)).toBe(3 / 10);
  });

  it("is NaN for an empty catalog", () => {
    expect(catalogCoverage([], 0, 5)).toBeNaN();
  });
});
