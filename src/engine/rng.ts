import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { mersenne } from "pure-rand/generator/mersenne";
import { xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";

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

// FNV-1a 32-bit offset basis and prime (Fowler, Noll, Vo).
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
// MurmurHash2's multiplier, for a second hash independent of the first.
const MURMUR_M = 0x5bd1e995;
// 2^32 / golden ratio: spreads consecutive inputs apart before the finaliser.
const GOLDEN = 0x9e3779b9;

/**
 * A deterministic stream per (seed, key), e.g. one per contact, so a contact's draws depend
 * neither on the other contacts in the run nor on their order. A Mersenne Twister fills 624
 * words per seeding, too slow for a million contacts; instead the seed and key are hashed
 * twice (FNV-1a and a MurmurHash2-style multiply) and spread by MurmurHash3's finaliser into
 * xoroshiro128+'s 128-bit state, so keys one character apart start far apart. Two 32-bit
 * hashes rather than one: with one, about 116 of a million contacts would share a stream
 * (birthday bound n² / 2^33).
 */
export function createKeyedRng(seed: number, key: string): Rng {
  let a = FNV_OFFSET ^ seed;
  let b = Math.imul(seed ^ GOLDEN, MURMUR_M);
  for (let i = 0; i < key.length; i++) {
    const unit = key.charCodeAt(i);
    a = Math.imul(a ^ unit, FNV_PRIME);
    b = Math.imul(b ^ unit, MURMUR_M) ^ (b >>> 15);
  }
  const state = [fmix32(a), fmix32(b), fmix32(a + GOLDEN), fmix32(b - GOLDEN)];
  // xoroshiro's all-zero state is a fixed point (it would draw 0 forever).
  if (!state.some((word) => word !== 0)) state[0] = 1;
  const generator = xoroshiro128plusFromState(state);
  return () => uniformFloat64(generator);
}

/** MurmurHash3's 32-bit finaliser: every input bit flips each output bit with probability near 1/2. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}
