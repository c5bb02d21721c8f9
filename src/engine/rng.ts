import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

/** A source of uniform numbers in [0, 1); the engine's only randomness, passed in so runs replay. */
export type Rng = () => number;

/** A deterministic Rng: the same seed always yields the same sequence. */
export function createRng(seed: number): Rng {
  // pure-rand v8 generators advance in place, so one instance serves the whole run.
  const generator = xoroshiro128plus(seed);
  return () => uniformFloat64(generator);
}
