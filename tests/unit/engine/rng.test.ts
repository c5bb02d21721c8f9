import { describe, expect, it } from "vitest";
import { createKeyedRng, createRng } from "../../../src/engine/rng.js";

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

const drawKeyed = (seed: number, key: string, n: number): number[] => {
  const rng = createKeyedRng(seed, key);
  return Array.from({ length: n }, () => rng());
};

/** How many of `values` fall in each tenth of [0, 1). */
const tenthsOf = (values: readonly number[]): number[] => {
  const tenths = new Array<number>(10).fill(0);
  for (const v of values) tenths[Math.floor(v * 10)] = (tenths[Math.floor(v * 10)] ?? 0) + 1;
  return tenths;
};

describe("createKeyedRng", () => {
  it("yields the same sequence for the same seed and key", () => {
    expect(drawKeyed(42, "contact-1", 5)).toEqual(drawKeyed(42, "contact-1", 5));
  });

  it.each([
    { seed: 42, key: "contact-2" },
    { seed: 43, key: "contact-1" },
    { seed: 42, key: "contact-10" },
    { seed: 42, key: "" },
  ])("yields a different sequence for seed $seed and key '$key' than for 42 and 'contact-1'", ({ seed, key }) => {
    expect(drawKeyed(seed, key, 5)).not.toEqual(drawKeyed(42, "contact-1", 5));
  });

  it("does not depend on other streams drawn in between", () => {
    const alone = drawKeyed(7, "a", 3);
    const rng = createKeyedRng(7, "a");
    const interleaved = [rng(), (drawKeyed(7, "b", 10), rng()), (createKeyedRng(7, "a")(), rng())];
    expect(interleaved).toEqual(alone);
  });

  it("stays within [0, 1) and averages one half", () => {
    const values = drawKeyed(7, "c1", 10_000);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    // 10,000 uniform draws: the mean's standard error is about 0.003.
    expect(Math.abs(values.reduce((a, b) => a + b, 0) / values.length - 0.5)).toBeLessThan(0.02);
  });

  // 100 expected per tenth; a binomial(1000, 0.1) falls below 60 with negligible probability.
  it("spreads the first draw of keys c0-c999 over every tenth of [0, 1)", () => {
    expect(Math.min(...tenthsOf(Array.from({ length: 1000 }, (_, i) => createKeyedRng(0, `c${i}`)())))).toBeGreaterThan(60);
  });

  it("spreads the first draw of seeds 0-999 for one key over every tenth of [0, 1)", () => {
    expect(Math.min(...tenthsOf(Array.from({ length: 1000 }, (_, seed) => createKeyedRng(seed, "c1")())))).toBeGreaterThan(60);
  });

  it("spreads the first draw of keys one character apart, as consecutive contact ids are", () => {
    const firsts = Array.from({ length: 1000 }, (_, i) => createKeyedRng(1, String(10_000 + i))());
    expect(Math.min(...tenthsOf(firsts))).toBeGreaterThan(60);
  });

  it("gives consecutive contact ids uncorrelated first draws", () => {
    const n = 10_000;
    const firsts = Array.from({ length: n }, (_, i) => createKeyedRng(1, String(10_000 + i))() - 0.5);
    let lagged = 0;
    for (let i = 1; i < n; i++) lagged += (firsts[i] ?? 0) * (firsts[i - 1] ?? 0);
    // Lag-1 correlation of independent uniforms has standard error 1 / sqrt(n) = 0.01; without
    // the finaliser, raw FNV states gave 0.28.
    expect(Math.abs(lagged / (n - 1) / (1 / 12))).toBeLessThan(0.05);
  });
});
