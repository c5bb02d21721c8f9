import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { mersenne } from "pure-rand/generator/mersenne";

/** A source of uniform numbers in [0, 1); the engine's only randomness, passed in so runs replay. */
export type Rng = () => number;

/**
 * A deterministic Rng: the same seed always yields the same sequence.
 * Mersenne Twister rather than xoroshiro128+: pure-rand seeds xoroshiro from the 32-bit seed
 * almost directly, so the first draws of small seeds (0, 1, 2…) were nearly equal (all in
 * [0.9, 1) for seeds 0-999); MT's seeding spreads a small seed over its whole state.
 */
export function createRng(seed: number): Rng {
  // pure-rand v8 generators advance in place, so one instance serves the whole run.
  const generator = mersenne(seed);
  return () => uniformFloat64(generator);
}
