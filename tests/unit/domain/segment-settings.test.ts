import { describe, expect, it } from "vitest";
import { DEFAULT_SEGMENTS, GuardSchema, SegmentSchema, SegmentSettingsSchema, segmentSlug, SUBSCRIBED_GUARD } from "../../../src/domain/segment-settings.js";
import type { Segment } from "../../../src/domain/segment-settings.js";

const segment = (over: Partial<Segment> = {}): Segment => ({
  name: "Loyal", description: "Buys often.", guards: [{ fact: "orders", op: ">=", value: 3 }, SUBSCRIBED_GUARD], rankBy: null, ...over,
});
const issuesOf = (result: { success: boolean; error?: { issues: readonly { message: string }[] } }): string[] =>
  result.error?.issues.map((i) => i.message) ?? [];

describe("SegmentSettingsSchema", () => {
  it("defaults to the seven playbook segments, in first-match order", () => {
    expect(SegmentSettingsSchema.parse({}).segments.map((s) => s.name)).toEqual([
      "New customer", "Active repeat buyer", "High-value at risk", "Discount-driven", "Lapsing", "Win-back", "Browsers who never bought",
    ]);
  });

  it("accepts its own defaults", () => {
    expect(SegmentSettingsSchema.parse({ segments: DEFAULT_SEGMENTS }).segments).toEqual(DEFAULT_SEGMENTS);
  });

  it("hands out a fresh copy of the defaults each time", () => {
    const first = SegmentSettingsSchema.parse({});
    first.segments[0]?.guards.pop();
    expect(SegmentSettingsSchema.parse({}).segments[0]?.guards).toHaveLength(3);
  });

  it("documents the segments setting", () => {
    expect(SegmentSettingsSchema.shape.segments.description).toBe("Named segments, checked in order (first match wins); every one must include consent == subscribed.");
  });

  it.each([
    { count: 2, ok: false },
    { count: 3, ok: true },
    { count: 7, ok: true },
    { count: 8, ok: false },
  ])("accepts $count segments: $ok", ({ count, ok }) => {
    const segments = Array.from({ length: count }, (_, i) => segment({ name: `Segment ${i}` }));
    expect(SegmentSettingsSchema.safeParse({ segments }).success).toBe(ok);
  });

  it("rejects two names that read the same as slugs", () => {
    const result = SegmentSettingsSchema.safeParse({ segments: [segment({ name: "Win-back" }), segment({ name: "win back" }), segment({ name: "Other" })] });
    expect(issuesOf(result)).toEqual(["segment names must differ (ignoring case, spaces and hyphens)"]);
  });
});

describe("SegmentSchema", () => {
  it("rejects a segment without the consent == subscribed guard", () => {
    const result = SegmentSchema.safeParse(segment({ guards: [{ fact: "orders", op: ">=", value: 3 }] }));
    expect(issuesOf(result)).toEqual(['every segment must include the guard consent == "subscribed"']);
  });

  it.each(["VIPs/2024", "", "Sale!", "-leading hyphen"])("rejects the name %j", (name) => {
    expect(SegmentSchema.safeParse(segment({ name })).success).toBe(false);
  });

  it("defaults rankBy to null", () => {
    const { rankBy: _, ...withoutRank } = segment();
    expect(SegmentSchema.parse(withoutRank).rankBy).toBeNull();
  });
});

describe("GuardSchema", () => {
  it.each([
    { guard: { fact: "orders", op: ">=", value: "2" }, message: "orders is a number; compare it with a number" },
    { guard: { fact: "churnRisk", op: ">=", value: true }, message: "churnRisk is a number; compare it with a number" },
    { guard: { fact: "lifecycle", op: ">=", value: "lapsing" }, message: "lifecycle is a category; use == or !=" },
    { guard: { fact: "consent", op: "==", value: "opted_in" }, message: "consent is one of complained, bounced, unsubscribed, subscribed" },
  ])("rejects $guard.fact $guard.op $guard.value", ({ guard, message }) => {
    expect(issuesOf(GuardSchema.safeParse(guard))).toEqual([message]);
  });

  it("accepts a category compared with != to one of its values", () => {
    expect(GuardSchema.safeParse({ fact: "lifecycle", op: "!=", value: "churned" }).success).toBe(true);
  });
});

describe("segmentSlug", () => {
  it.each([
    ["High-value at risk", "high-value-at-risk"],
    ["  Browsers who never bought ", "browsers-who-never-bought"],
    ["Win  -  back", "win-back"],
  ])("turns %j into %j", (name, slug) => {
    expect(segmentSlug(name)).toBe(slug);
  });
});
