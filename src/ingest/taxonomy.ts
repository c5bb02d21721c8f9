import { z } from "zod";

/**
 * What the taxonomy learned: the display form of each segment keyed by its singular fold,
 * and for each leaf seen under a parent, the one path it belongs to ("" when several do).
 */
export const TaxonomyStateSchema = z.object({
  segments: z.record(z.string(), z.string()),
  leaves: z.record(z.string(), z.string()),
});
export type TaxonomyState = z.infer<typeof TaxonomyStateSchema>;
export const EMPTY_TAXONOMY: TaxonomyState = { segments: {}, leaves: {} };

const SEPARATOR = /[/>]/;
const SPACES = /\s+/g;
const SIBILANT_ES = /(?:ss|x|z|ch|sh)es$/;

/**
 * The singular fold of one lowercase word, so "sneaker" and "sneakers" share a key.
 * Simple English rules only; irregular plurals ("mice", "series") go in categoryAliases.
 */
export function singularOf(word: string): string {
  // "ies" -> "y" ("accessories"), but not in short words where it is "ie" + "s" ("ties").
  if (word.length > 4 && word.endsWith("ies")) return `${word.slice(0, -3)}y`;
  if (SIBILANT_ES.test(word)) return word.slice(0, -2);
  // "glass" and "dress" are singular already.
  if (word.length > 2 && word.endsWith("s") && !word.endsWith("ss")) return word.slice(0, -1);
  return word;
}

/** Segments of a raw category name: split on "/" or ">", trimmed, lowercased, inner whitespace collapsed, empties dropped. */
export function segmentsOf(raw: string): string[] {
  const segments: string[] = [];
  for (const part of raw.split(SEPARATOR)) {
    const segment = part.trim().toLowerCase().replace(SPACES, " ");
    if (segment !== "") segments.push(segment);
  }
  return segments;
}

/** Key of one segment: its last word folded to singular ("running shoes" -> "running shoe"). */
function keyOf(segment: string): string {
  const space = segment.lastIndexOf(" ");
  return segment.slice(0, space + 1) + singularOf(segment.slice(space + 1));
}

/**
 * The canonical key of a raw category name, with no learned display forms:
 * "Sneakers > Men", "sneaker/men" and " sneakers / men " all give "sneaker > men".
 */
export function canonicalCategory(raw: string): string {
  return segmentsOf(raw).map(keyOf).join(" > ");
}

/** Category names rewritten to canonical paths, learning display forms as it goes. */
export type Taxonomy = {
  /**
   * Learns the segments of a batch of raw names. A segment's display form is fixed the
   * first time it is learned, so stored categories never drift between pages or runs;
   * within that first batch a plural form wins over a singular one ("sneakers" reads
   * better as a category than "sneaker").
   */
  learn(raws: Iterable<string>): void;
  /** The canonical path of a raw name (learned first if new), after categoryAliases. */
  resolve(raw: string): string;
  state(): TaxonomyState;
};

/** Builds a taxonomy from a previous run's state and the admin's aliases (raw -> canonical path). */
export function createTaxonomy(from: TaxonomyState, aliases: Readonly<Record<string, string>>): Taxonomy {
  const display = new Map<string, string>(Object.entries(from.segments));
  // A bare leaf ("skincare") is exported by stores that drop the parent; when exactly one known
  // path ends in it, it means that path. Two paths ending in it ("men > boots", "women > boots") make it ambiguous: "".
  const leaves = new Map<string, string>(Object.entries(from.leaves));
  const resolved = new Map<string, string>();
  let snapshot: TaxonomyState | null = null;

  function learn(raws: Iterable<string>): void {
    const fresh = new Set<string>();
    for (const raw of raws) {
      if (resolved.has(raw)) continue;
      const segments = segmentsOf(raw);
      if (segments.length > 1) {
        const path = segments.map(keyOf).join(" > ");
        const leaf = keyOf(segments[segments.length - 1] ?? "");
        const known = leaves.get(leaf);
        if (known === undefined || (known !== path && known !== "")) {
          leaves.set(leaf, known === undefined ? path : "");
          snapshot = null;
        }
      }
      for (const segment of segments) {
        const key = keyOf(segment);
        const current = display.get(key);
        if (current === undefined) {
          display.set(key, segment);
          fresh.add(key);
          snapshot = null;
        } else if (fresh.has(key) && current === key && segment !== key) {
          display.set(key, segment);
        }
      }
    }
  }

  const automatic = (raw: string): string => {
    const segments = segmentsOf(raw);
    const only = segments.length === 1 ? leaves.get(keyOf(segments[0] ?? "")) : undefined;
    const keys = only !== undefined && only !== "" ? only.split(" > ") : segments.map(keyOf);
    return keys.map((key, i) => display.get(key) ?? segments[i] ?? key).join(" > ");
  };

  // The admin's spelling of a target decides its display form when the taxonomy has not seen it yet.
  learn(Object.values(aliases));
  const aliasByKey = new Map<string, string>();
  for (const [from, to] of Object.entries(aliases)) aliasByKey.set(canonicalCategory(from), automatic(to));

  return {
    learn,
    resolve(raw) {
      const cached = resolved.get(raw);
      if (cached !== undefined) return cached;
      learn([raw]);
      const path = aliasByKey.get(canonicalCategory(raw)) ?? automatic(raw);
      // Safe to cache: a learned display form never changes afterwards.
      resolved.set(raw, path);
      return path;
    },
    state() {
      snapshot ??= { segments: Object.fromEntries(display), leaves: Object.fromEntries(leaves) };
      return snapshot;
    },
  };
}
