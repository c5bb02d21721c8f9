import { describe, expect, it } from "vitest";
import { createRandom, toCumulative } from "../../../src/demo/create-random.js";

const draw = (seed: number, n: number) => {
  const random = createRandom(seed);
  return Array.from({ length: n }, () => random.float());
};

describe("createRandom", () => {
  it("draws the same numbers for the same seed", () => {
    expect(draw(42, 5)).toEqual(draw(42, 5));
  });

  it("draws other numbers for another seed", () => {
    expect(draw(43, 5)).not.toEqual(draw(42, 5));
  });

  it("keeps int within both bounds and reaches each of them", () => {
    const random = createRandom(1);
    const seen = new Set(Array.from({ length: 500 }, () => random.int(3, 6)));
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
  });

  it("draws from cumulative weights in proportion to the weights", () => {
    const random = createRandom(2);
    const counts = [0, 0, 0];
    for (let i = 0; i < 10_000; i++) counts[random.pickCumulative(toCumulative([1, 0, 3]))]! += 1;
    expect(counts[1]).toBe(0);
    expect(counts[2]! / counts[0]!).toBeGreaterThan(2.6);
    expect(counts[2]! / counts[0]!).toBeLessThan(3.4);
  });

  it.each([0.5, 4, 50])("draws poisson counts whose mean is %d", (mean) => {
    const random = createRandom(3);
    const n = 20_000;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += random.poisson(mean);
    expect(sum / n).toBeCloseTo(mean, 0);
  });

  it("refuses to pick from nothing", () => {
    expect(() => createRandom(1).pick([])).toThrow("pick needs at least one item");
  });
});

describe("toCumulative", () => {
  it("returns the running sums", () => {
    expect(toCumulative([1, 0, 3, 2])).toEqual([1, 1, 4, 6]);
  });
});
