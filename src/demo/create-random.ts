import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

/** Seeded randomness for the demo shop: the same seed draws the same numbers in the same order. */
export type Random = {
  /** Uniform in [0, 1). */
  readonly float: () => number;
  /** Uniform integer in [min, max], both included. */
  readonly int: (min: number, max: number) => number;
  readonly chance: (p: number) => boolean;
  readonly pick: <T>(items: readonly T[]) => T;
  /** Standard normal: mean 0, standard deviation 1. */
  readonly normal: () => number;
  /** A count of rare events with this mean. */
  readonly poisson: (mean: number) => number;
  /** An index drawn in proportion to its weight; `cumulative` holds the running sums of the weights. */
  readonly pickCumulative: (cumulative: readonly number[]) => number;
};

// Above this mean Knuth's product method gets slow and the normal approximation is close enough.
const POISSON_NORMAL_FROM = 30;

/** Creates the demo's only source of randomness (xoroshiro128+, fast and good enough for fake shoppers). */
export function createRandom(seed: number): Random {
  const rng = xoroshiro128plus(seed);
  const float = (): number => uniformFloat64(rng);

  const int = (min: number, max: number): number => min + Math.floor(float() * (max - min + 1));

  const pick = <T>(items: readonly T[]): T => {
    const item = items[Math.floor(float() * items.length)];
    if (item === undefined) throw new RangeError("pick needs at least one item");
    return item;
  };

  const normal = (): number => {
    // Box-Muller; 1 - u keeps log() away from 0.
    const u = 1 - float();
    const v = float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };

  const poisson = (mean: number): number => {
    if (mean <= 0) return 0;
    if (mean >= POISSON_NORMAL_FROM) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal()));
    const limit = Math.exp(-mean);
    let count = 0;
    let product = float();
    while (product > limit) {
      count++;
      product *= float();
    }
    return count;
  };

  const pickCumulative = (cumulative: readonly number[]): number => {
    const total = cumulative[cumulative.length - 1];
    if (total === undefined) throw new RangeError("pickCumulative needs at least one weight");
    const target = float() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] ?? total) > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };

  return { float, int, chance: (p) => float() < p, pick, normal, poisson, pickCumulative };
}

/** Running sums of `weights`, the form `pickCumulative` draws from. */
export function toCumulative(weights: readonly number[]): number[] {
  let sum = 0;
  return weights.map((w) => (sum += w));
}
