import MurmurHash3 from "imurmurhash";
import { decided, EXPERIMENT_FEATURES } from "../../domain/index.js";
import type { Decided, ExperimentFeature, ExperimentSettings } from "../../domain/index.js";

/** A contact's arm in one feature's pilot: measured with it, measured without it, or outside the pilot. */
export type Arm = "treated" | "holdout" | "off";

/** Which groups a contact is in: the global holdout, and their arm in each feature's pilot. */
export type Assignment = {
  readonly globalHoldout: boolean;
  readonly arms: Readonly<Record<ExperimentFeature, Arm>>;
};

const TWO_POW_32 = 2 ** 32;
const utf8 = new TextEncoder();
const NON_ASCII = /[\u0080-\uffff]/;

/** The salt every assignment hash mixes in: the settings' salt, or the installation id when it is empty. */
export function saltOf(settings: ExperimentSettings, installationId: string): string {
  return settings.salt === "" ? installationId : settings.salt;
}

/**
 * A contact's place in [0, 1) for one purpose: MurmurHash3 (x86, 32-bit, seed 0) of the UTF-8
 * bytes of `salt \0 purpose \0 contactId`, over 2^32. It depends on nothing but these three
 * strings, so a contact keeps its group across runs and whatever order contacts arrive in.
 */
export function bucketOf(salt: string, purpose: string, contactId: string): number {
  return bucketOfBinary(binaryUtf8(salt), binaryUtf8(purpose), binaryUtf8(contactId));
}

/** bucketOf over parts already through binaryUtf8, so a contact's seven buckets check its id once. */
const bucketOfBinary = (salt: string, purpose: string, contactId: string): number =>
  MurmurHash3(`${salt}\u0000${purpose}\u0000${contactId}`).result() / TWO_POW_32;

/**
 * imurmurhash packs UTF-16 code units into overlapping bytes and drops a tail it reads as
 * negative; one char per UTF-8 byte makes it the reference MurmurHash3 of the UTF-8 bytes, so
 * the same buckets can be recomputed outside Tailor (e.g. Python `mmh3.hash(key, signed=False)`).
 */
function binaryUtf8(key: string): string {
  // ASCII is its own UTF-8: skip the copy for the usual ids.
  if (!NON_ASCII.test(key)) return key;
  let out = "";
  for (const byte of utf8.encode(key)) out += String.fromCharCode(byte);
  return out;
}

/**
 * Global holdout first (bucket "global" < holdoutShare → every arm "holdout"); else per feature:
 * bucket "rollout:<f>" >= rollout → "off"; else bucket "holdout:<f>" < holdout → "holdout"; else
 * "treated". Independent hashes per purpose, so pilots and holdouts don't line up. Thresholds
 * on fixed buckets make growth monotone: raising a rollout share only adds contacts to the pilot,
 * and a pilot member's holdout arm never changes with it.
 */
export function assignContact(contactId: string, salt: string, settings: ExperimentSettings): Assignment {
  const id = binaryUtf8(contactId);
  const key = binaryUtf8(salt);
  if (bucketOfBinary(key, "global", id) < settings.holdoutShare) {
    return { globalHoldout: true, arms: { send_time: "holdout", recommendations: "holdout", segments: "holdout" } };
  }
  const armOf = (feature: ExperimentFeature): Arm => {
    const { rollout, holdout } = settings.features[feature];
    if (bucketOfBinary(key, `rollout:${feature}`, id) >= rollout) return "off";
    return bucketOfBinary(key, `holdout:${feature}`, id) < holdout ? "holdout" : "treated";
  };
  return { globalHoldout: false, arms: { send_time: armOf("send_time"), recommendations: armOf("recommendations"), segments: armOf("segments") } };
}

/** "global_holdout", or "send_time=treated recommendations=holdout segments=off" (EXPERIMENT_FEATURES order). */
export function variantOf(a: Assignment): string {
  if (a.globalHoldout) return "global_holdout";
  return EXPERIMENT_FEATURES.map((f) => `${f}=${a.arms[f]}`).join(" ");
}

const FEATURE_LABEL: Readonly<Record<ExperimentFeature, string>> = { send_time: "send time", recommendations: "recommendations", segments: "segments" };

const pct = (share: number): string => `${Number((share * 100).toFixed(1))} %`;

/** tailor_holdout and tailor_variant, each with the shares that put the contact there. */
export function experimentProperties(a: Assignment, settings: ExperimentSettings): { readonly tailor_holdout: Decided<boolean>; readonly tailor_variant: Decided<string> } {
  const global = pct(settings.holdoutShare);
  if (a.globalHoldout) {
    const why = `in the ${global} global holdout: Tailor keeps them on the baseline so its lift can be measured`;
    return { tailor_holdout: decided(true, why), tailor_variant: decided(variantOf(a), why) };
  }
  const parts = EXPERIMENT_FEATURES.map((f) => {
    const { rollout, holdout } = settings.features[f];
    const arm = a.arms[f];
    if (arm === "off") return `${FEATURE_LABEL[f]} off (outside the ${pct(rollout)} pilot)`;
    return arm === "holdout" ? `${FEATURE_LABEL[f]} held out (${pct(holdout)} of the pilot)` : `${FEATURE_LABEL[f]} on`;
  });
  return {
    tailor_holdout: decided(false, `not in the ${global} global holdout`),
    tailor_variant: decided(variantOf(a), parts.join("; ")),
  };
}
