import { describe, expect, it } from "vitest";
import { ExperimentSettingsSchema } from "../../../../src/domain/index.js";
import type { ExperimentSettings } from "../../../../src/domain/index.js";
import { assignContact, bucketOf, experimentProperties, saltOf, variantOf } from "../../../../src/engine/experiments/assign.js";
import type { Assignment } from "../../../../src/engine/experiments/assign.js";

/** Reference MurmurHash3 x86 32-bit over bytes (Appleby's C, transcribed), independent of imurmurhash. */
function murmur3(bytes: Uint8Array, seed = 0): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const blocks = bytes.length >>> 2;
  const byte = (i: number): number => bytes[i] ?? 0;
  for (let i = 0; i < blocks; i++) {
    let k = byte(4 * i) | (byte(4 * i + 1) << 8) | (byte(4 * i + 2) << 16) | (byte(4 * i + 3) << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = blocks * 4;
  let k = 0;
  const rest = bytes.length & 3;
  if (rest === 3) k ^= byte(tail + 2) << 16;
  if (rest >= 2) k ^= byte(tail + 1) << 8;
  if (rest >= 1) {
    k ^= byte(tail);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= bytes.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

const settings = (fields: { holdoutShare?: number; rollout?: number; holdout?: number } = {}): ExperimentSettings => {
  const feature = { rollout: fields.rollout ?? 1, holdout: fields.holdout ?? 0.1 };
  return ExperimentSettingsSchema.parse({ holdoutShare: fields.holdoutShare ?? 0.05, features: { send_time: feature, recommendations: feature, segments: feature } });
};
const ids = (n: number, prefix = "c"): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const N = 100_000;
const share = (list: readonly boolean[]): number => list.filter(Boolean).length / list.length;

describe("the reference hash", () => {
  // Published MurmurHash3_x86_32 vectors (SMHasher / Wikipedia), so the reference itself is right.
  it.each([
    ["", 0, 0],
    ["", 1, 0x514e28b7],
    ["hello", 0, 0x248bfa47],
    ["Hello, world!", 1234, 0xfaf6cdb3],
    ["The quick brown fox jumps over the lazy dog", 0, 0x2e4ff723],
  ])("hashes %j with seed %i to the published value", (text, seed, expected) => {
    expect(murmur3(utf8(text), seed)).toBe(expected);
  });
});

describe("bucketOf", () => {
  it("is MurmurHash3 of the UTF-8 of salt, purpose and id joined by NUL, over 2^32", () => {
    expect(bucketOf("shop-1", "global", "c-1")).toBe(murmur3(utf8("shop-1\u0000global\u0000c-1")) / 2 ** 32);
  });

  it("hashes non-ASCII ids as their UTF-8 bytes, as mmh3 or SQL would", () => {
    expect(bucketOf("shop-1", "global", "Zoë-東京")).toBe(murmur3(utf8("shop-1\u0000global\u0000Zoë-東京")) / 2 ** 32);
  });

  it("gives the same bucket in every run: pinned values", () => {
    expect([bucketOf("shop-1", "global", "c-1"), bucketOf("shop-1", "rollout:send_time", "c-1")]).toEqual([0.9276822784449905, 0.8593259579502046]);
  });

  it("keeps the parts apart: moving text between salt, purpose and id changes the bucket", () => {
    expect(bucketOf("ab", "global", "c")).not.toBe(bucketOf("a", "global", "bc"));
  });
});

// 100k ids are hashed once per salt and assigned once, not per test: the machine is shared.
describe("over 100k ids", () => {
  const all = ids(N);
  const underA = all.map((id) => bucketOf("salt-a", "global", id));
  const underB = all.map((id) => bucketOf("salt-b", "global", id));
  // Pilots of 25 % with a 10 % holdout, after the default 5 % global holdout.
  const outside = all.map((id) => assignContact(id, "salt-a", settings({ rollout: 0.25, holdout: 0.1 }))).filter((a) => !a.globalHoldout);
  const pilot = outside.filter((a) => a.arms.send_time !== "off");

  it("puts every bucket in [0, 1)", () => {
    expect([Math.min(...underA) >= 0, Math.max(...underA) < 1]).toEqual([true, true]);
  });

  // The binomial SD of the share is sqrt(p(1-p)/N) = 0.00069 at 5 % and 0.00126 at 20 %, so
  // ±0.005 is 7 and 4 SDs: a correct hash passes, a biased one (e.g. modulo on a short hash) fails.
  // assignContact holds out exactly the buckets below the share (pinned at the boundary below).
  it.each([0.05, 0.2])("holds out %f of the ids, within ±0.005", (holdoutShare) => {
    expect(Math.abs(share(underA.map((b) => b < holdoutShare)) - holdoutShare)).toBeLessThan(0.005);
  });

  // Two salts of 20 % each: independent -> 4 % held out under both; the SD of that share is
  // sqrt(0.04 x 0.96 / 100k) = 0.00062, so ±0.0025 is 4 SDs. A salt that reshuffled nothing gives 20 %.
  it("assigns independently under two salts: held out in both ≈ 0.2 x 0.2", () => {
    expect(Math.abs(share(underA.map((b, i) => b < 0.2 && (underB[i] ?? 1) < 0.2)) - 0.04)).toBeLessThan(0.0025);
  });

  // About 95k contacts outside the global holdout; SD sqrt(0.25 x 0.75 / 95k) = 0.0014, ±0.005 is 3.5 SDs.
  it("pilots a feature on its rollout share of the contacts outside the global holdout", () => {
    expect(Math.abs(pilot.length / outside.length - 0.25)).toBeLessThan(0.005);
  });

  // About 23,750 pilot members; SD of a 10 % share is sqrt(0.09 / 23,750) = 0.0019, ±0.008 is 4 SDs.
  it("holds out the feature's holdout share within its pilot", () => {
    expect(Math.abs(share(pilot.map((a) => a.arms.send_time === "holdout")) - 0.1)).toBeLessThan(0.008);
  });

  // Independent purposes: two 25 % pilots overlap on 6.25 % (SD 0.0008 over 95k; ±0.0035 is 4 SDs).
  // Had rollout reused one hash for every feature, the overlap would be 25 %.
  it("draws each feature's pilot independently of the others", () => {
    expect(Math.abs(share(outside.map((a) => a.arms.send_time !== "off" && a.arms.recommendations !== "off")) - 0.0625)).toBeLessThan(0.0035);
  });

  it("holds out the default 5 % through assignContact too, within ±0.005", () => {
    expect(Math.abs(1 - outside.length / N - 0.05)).toBeLessThan(0.005);
  });
});

describe("saltOf", () => {
  it("uses the settings' salt when one is set", () => {
    expect(saltOf({ ...settings(), salt: "spring-2025" }, "shop-1")).toBe("spring-2025");
  });

  it("falls back to the installation id when the salt is empty", () => {
    expect(saltOf({ ...settings(), salt: "" }, "shop-1")).toBe("shop-1");
  });
});

describe("assignContact", () => {
  it("puts a contact in the same groups on every call", () => {
    const s = settings({ holdoutShare: 0.2, rollout: 0.5, holdout: 0.3 });
    const first = ids(1000).map((id) => assignContact(id, "salt", s));
    const again = ids(1000).map((id) => assignContact(id, "salt", s));
    expect(again).toEqual(first);
  });

  it("does not depend on the order contacts are assigned in", () => {
    const s = settings({ holdoutShare: 0.2, rollout: 0.5, holdout: 0.3 });
    const forwards = new Map(ids(1000).map((id) => [id, variantOf(assignContact(id, "salt", s))]));
    const backwards = new Map(ids(1000).reverse().map((id) => [id, variantOf(assignContact(id, "salt", s))]));
    expect([...backwards].sort()).toEqual([...forwards].sort());
  });

  it("only adds contacts to a pilot as its rollout grows, each keeping its arm", () => {
    const small = settings({ rollout: 0.2, holdout: 0.3 });
    const large = settings({ rollout: 0.3, holdout: 0.3 });
    const moved = ids(10_000).filter((id) => {
      const before = assignContact(id, "salt", small).arms.send_time;
      return before !== "off" && assignContact(id, "salt", large).arms.send_time !== before;
    });
    expect(moved).toEqual([]);
  });

  it("puts every arm of a global holdout contact in the holdout", () => {
    expect(assignContact("c-19", "shop-1", settings({ holdoutShare: 0.2 }))).toEqual({ globalHoldout: true, arms: { send_time: "holdout", recommendations: "holdout", segments: "holdout" } });
  });

  // c-19's global bucket under shop-1 is 0.0192, inside the 0-0.2 the settings allow.
  it("holds out a contact whose bucket is just below the share, and not one exactly at it", () => {
    const bucket = bucketOf("shop-1", "global", "c-19");
    const at = assignContact("c-19", "shop-1", settings({ holdoutShare: bucket })).globalHoldout;
    const above = assignContact("c-19", "shop-1", settings({ holdoutShare: bucket + 2 ** -32 })).globalHoldout;
    expect([at, above]).toEqual([false, true]);
  });

  it("pilots a contact whose rollout bucket is just below the share, and not one exactly at it", () => {
    const bucket = bucketOf("shop-1", "rollout:send_time", "c-1");
    const arm = (rollout: number) => assignContact("c-1", "shop-1", settings({ holdoutShare: 0, rollout })).arms.send_time;
    expect([arm(bucket), arm(bucket + 2 ** -32) !== "off"]).toEqual(["off", true]);
  });

  it("turns a feature off for everyone at rollout 0 and holds out no one at holdout 0", () => {
    const off = ids(1000).map((id) => assignContact(id, "salt", settings({ holdoutShare: 0, rollout: 0 })).arms.segments);
    const on = ids(1000).map((id) => assignContact(id, "salt", settings({ holdoutShare: 0, rollout: 1, holdout: 0 })).arms.segments);
    expect([new Set(off), new Set(on)]).toEqual([new Set(["off"]), new Set(["treated"])]);
  });
});

const assignment = (arms: Assignment["arms"], globalHoldout = false): Assignment => ({ globalHoldout, arms });

describe("variantOf", () => {
  it("names each feature's arm in EXPERIMENT_FEATURES order", () => {
    expect(variantOf(assignment({ segments: "off", send_time: "treated", recommendations: "holdout" }))).toBe("send_time=treated recommendations=holdout segments=off");
  });

  it("says global_holdout for the global holdout", () => {
    expect(variantOf(assignment({ send_time: "holdout", recommendations: "holdout", segments: "holdout" }, true))).toBe("global_holdout");
  });
});

describe("experimentProperties", () => {
  const s = { ...settings({ holdoutShare: 0.05, holdout: 0.1 }), features: { ...settings().features, segments: { rollout: 0.25, holdout: 0.1 } } };

  it("marks the global holdout and says why", () => {
    const props = experimentProperties(assignment({ send_time: "holdout", recommendations: "holdout", segments: "holdout" }, true), s);
    expect(props).toEqual({
      tailor_holdout: { value: true, why: "in the 5 % global holdout: Tailor keeps them on the baseline so its lift can be measured" },
      tailor_variant: { value: "global_holdout", why: "in the 5 % global holdout: Tailor keeps them on the baseline so its lift can be measured" },
    });
  });

  it("names each feature's arm with the share that put the contact there", () => {
    const props = experimentProperties(assignment({ send_time: "treated", recommendations: "holdout", segments: "off" }), s);
    expect(props).toEqual({
      tailor_holdout: { value: false, why: "not in the 5 % global holdout" },
      tailor_variant: {
        value: "send_time=treated recommendations=holdout segments=off",
        why: "send time on; recommendations held out (10 % of the pilot); segments off (outside the 25 % pilot)",
      },
    });
  });
});
