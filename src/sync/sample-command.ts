import { PROPERTIES } from "../domain/index.js";
import type { Decided, Profile, PropertyName, PropertyValue, Store } from "../domain/index.js";
import { segmentSlug } from "../domain/segment-settings.js";
import { createRng } from "../engine/rng.js";
import { sampleSegment } from "../engine/sample-segment.js";

export type SampleFormat = "text" | "json" | "csv";

/** What `tailor sample` and the sample endpoints take. */
export type SampleOptions = {
  /** A segment name as written to tailor_segment, or its slug ("high-value-at-risk"). */
  readonly segment: string;
  readonly n: number;
  readonly seed: number;
  readonly format: SampleFormat;
};

/** A reproducible sample of one segment's stored profiles, and how many members it was drawn from. */
export type SegmentSample = {
  readonly segment: string;
  readonly members: number;
  readonly sample: readonly Profile[];
  /** Members per tailor_segment value seen, so an empty sample can name the segments that exist. */
  readonly segmentSizes: ReadonlyMap<string, number>;
};

const SEGMENT = "tailor_segment";
// The properties' declared order, so every sample reads the same way; undeclared names sort after.
const DECLARED_ORDER = new Map(PROPERTIES.map((p, i) => [p.name, i]));

/**
 * The stored profiles whose tailor_segment matches (name or slug), sorted by contact id so the
 * store's order never changes a draw, and the size of every segment seen. Only members are kept
 * in memory, never the whole profile set.
 */
export async function segmentMembers(store: Store, installationId: string, segment: string): Promise<{ members: Profile[]; segmentSizes: Map<string, number> }> {
  const wanted = segmentSlug(segment);
  const members: Profile[] = [];
  const segmentSizes = new Map<string, number>();
  for await (const chunk of store.readProfiles(installationId)) {
    for (const profile of chunk) {
      const value = profile.properties[SEGMENT]?.value;
      if (typeof value !== "string" || value === "") continue;
      segmentSizes.set(value, (segmentSizes.get(value) ?? 0) + 1);
      if (value === segment || segmentSlug(value) === wanted) members.push(profile);
    }
  }
  // Code-unit order, not locale order: the same on every machine.
  members.sort((a, b) => (a.contactId < b.contactId ? -1 : a.contactId > b.contactId ? 1 : 0));
  return { members, segmentSizes };
}

/** Draws the sample: the segment's members, then a seeded partial shuffle. */
export async function sampleProfiles(store: Store, installationId: string, segment: string, n: number, seed: number): Promise<SegmentSample> {
  const { members, segmentSizes } = await segmentMembers(store, installationId, segment);
  return { segment, members: members.length, sample: sampleSegment(members, n, createRng(seed)), segmentSizes };
}

/** `tailor sample`: a reproducible sample of a segment, every property with its reason, as text, JSON or CSV. */
export async function sampleCommand(store: Store, installationId: string, options: SampleOptions): Promise<string> {
  if ((await store.getInstallation(installationId)) === null) throw new Error(`unknown installation ${JSON.stringify(installationId)}`);
  const drawn = await sampleProfiles(store, installationId, options.segment, options.n, options.seed);
  if (options.format === "json") return JSON.stringify(drawn.sample, null, 2);
  if (options.format === "csv") return toSampleCsv(drawn.sample);
  return toSampleText(drawn, options.seed);
}

/** The property names present in the profiles, in declared order. */
function propertyNamesOf(profiles: readonly Profile[]): PropertyName[] {
  const names = new Set<PropertyName>();
  for (const p of profiles) for (const name of Object.keys(p.properties)) names.add(name);
  const rank = (name: PropertyName): number => DECLARED_ORDER.get(name) ?? Number.MAX_SAFE_INTEGER;
  return [...names].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** One block per contact: each property's value, then why (and how sure, when the engine said). */
export function toSampleText(drawn: SegmentSample, seed: number): string {
  if (drawn.members === 0) {
    const known = [...drawn.segmentSizes].sort((a, b) => b[1] - a[1]).map(([name, count]) => `${name} (${count.toLocaleString("en-US")})`);
    return `No contacts in segment "${drawn.segment}".${known.length > 0 ? ` Segments with members: ${known.join(", ")}.` : " No stored profile has a segment yet: run a sync first."}`;
  }
  const lines = [`${drawn.segment}: ${drawn.sample.length.toLocaleString("en-US")} of ${drawn.members.toLocaleString("en-US")} members, seed ${seed}`];
  for (const profile of drawn.sample) {
    lines.push("", profile.contactId);
    for (const name of propertyNamesOf([profile])) {
      const d = profile.properties[name];
      if (d !== undefined) lines.push(`  ${name}: ${showValue(d.value)} (${describeWhy(d)})`);
    }
  }
  return lines.join("\n");
}

const showValue = (value: PropertyValue): string => (value === null || value === "" ? "(empty)" : String(value));
const describeWhy = (d: Decided<PropertyValue>): string => (d.confidence === undefined ? d.why : `${d.why}; ${d.confidence} confidence`);

/** One row per contact: contact_id, segment, then every other tailor_* value. */
export function toSampleCsv(profiles: readonly Profile[]): string {
  const names = propertyNamesOf(profiles).filter((name) => name !== SEGMENT);
  const rows = [["contact_id", "segment", ...names].map(csvCell).join(",")];
  for (const p of profiles) {
    rows.push([p.contactId, p.properties[SEGMENT]?.value ?? null, ...names.map((name) => p.properties[name]?.value ?? null)].map(csvCell).join(","));
  }
  return rows.join("\n") + "\n";
}

/** RFC 4180 quoting; text that a spreadsheet would run as a formula is prefixed with ' (OWASP CSV injection). */
function csvCell(value: PropertyValue): string {
  if (value === null) return "";
  const text = typeof value === "string" && /^[=+\-@\t\r]/.test(value) ? `'${value}` : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
