import { describe, expect, it } from "vitest";
import { createRng } from "../../../src/engine/rng.js";

const draw = (seed: number, n: number): number[] => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => rng());
};

describe("createRng", () => {
  it("yields the same sequence for the same seed", () => {
    expect(draw(42, 5)).toEqual(draw(42, 5));
  });

  it("yields a different sequence for a different seed", () => {
    expect(draw(42, 5)).not.toEqual(draw(43, 5));
  });

  it("stays within [0, 1)", () => {
    const values = draw(7, 10_000);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
  });

  it("spreads values across the interval", () => {
    const values = draw(7, 10_000);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    // 10,000 uniform draws: the mean's standard error is about 0.003.
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
  });
});

describe("createRng across seeds", () => {
  it("spreads the first draw of seeds 0-999 over every tenth of [0, 1)", () => {
    const tenths = new Array<number>(10).fill(0);
    for (let seed = 0; seed < 1000; seed++) {
      const tenth = Math.floor(createRng(seed)() * 10);
      tenths[tenth] = (tenths[tenth] ?? 0) + 1;
    }
    // 100 expected per tenth; a binomial(1000, 0.1) falls below 60 with negligible probability.
    expect(Math.min(...tenths)).toBeGreaterThan(60);
  });
});
