import { describe, expect, it } from "vitest";
import { accuracy, areaUnderCurve, meanAbsoluteError, relativeError } from "../../../../src/engine/backtest/metrics.js";

describe("meanAbsoluteError", () => {
  it("averages the absolute differences", () => {
    expect(meanAbsoluteError([1, 2, 5], [2, 2, 2])).toBe(4 / 3);
  });

  it("is NaN when there is nothing to score", () => {
    expect(meanAbsoluteError([], [])).toBeNaN();
  });

  it("refuses lists of different lengths", () => {
    expect(() => meanAbsoluteError([1], [1, 2])).toThrow("1 predictions for 2 actuals");
  });
});

describe("relativeError", () => {
  it("is the signed share of the actual total", () => {
    expect(relativeError(75, 100)).toBe(-0.25);
  });

  it("is NaN when nothing happened", () => {
    expect(relativeError(3, 0)).toBeNaN();
  });
});

describe("areaUnderCurve", () => {
  it("is 1 when every positive outscores every negative", () => {
    expect(areaUnderCurve([0.9, 0.8, 0.1, 0.2], [true, true, false, false])).toBe(1);
  });

  it("is 0 when every negative outscores every positive", () => {
    expect(areaUnderCurve([0.1, 0.2, 0.9], [true, true, false])).toBe(0);
  });

  it("counts a tie between a positive and a negative as one half", () => {
    expect(areaUnderCurve([0.5, 0.5], [true, false])).toBe(0.5);
  });

  it("matches the pairwise count on a mixed case with ties", () => {
    // 0.8 beats 0.5 and 0.2 (2); 0.5 ties 0.5 (0.5) and beats 0.2 (1); 0.3 loses to 0.5 (0) and beats 0.2 (1): 4.5 of 6.
    expect(areaUnderCurve([0.8, 0.5, 0.3, 0.5, 0.2], [true, true, true, false, false])).toBe(4.5 / 6);
  });

  it("is NaN when one class is empty", () => {
    expect(areaUnderCurve([0.1, 0.2], [true, true])).toBeNaN();
  });
});

describe("accuracy", () => {
  it("is the share of exact matches", () => {
    expect(accuracy(["a", "b", "c", "d"], ["a", "x", "c", "y"])).toBe(0.5);
  });

  it("is NaN for no pairs", () => {
    expect(accuracy([], [])).toBeNaN();
  });
});
