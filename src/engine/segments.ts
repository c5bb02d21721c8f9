import { decided } from "../domain/index.js";
import type { Decided } from "../domain/index.js";
import type { Guard, RankBy, Segment, SegmentFact, SegmentFacts } from "../domain/segment-settings.js";

type NumericFact = Exclude<SegmentFact, "consent" | "lifecycle">;
type FactValue = SegmentFacts[SegmentFact];

/** How one guard fared on one contact: whether it holds, and how far off it is when it does not. */
export type GuardCheck = {
  readonly guard: Guard;
  readonly actual: FactValue;
  readonly holds: boolean;
  /** 0 when the guard holds; otherwise the miss relative to the threshold (1 for a category or an unknown fact). */
  readonly gap: number;
};

const plural = (n: number, word: string): string => `${show(n)} ${word}${n === 1 ? "" : "s"}`;
// Two decimals at most: enough to tell 0.49 from 0.5 without printing float noise.
const show = (n: number): string => String(Number(n.toFixed(2)));
const percent = (share: number): string => `${show(share * 100)}%`;

/** Per numeric fact: how its numbers read (the threshold too), the phrase for a value, and what null means. */
const NUMERIC_TEXT: Record<NumericFact, { readonly unit: (n: number) => string; readonly say: (n: number) => string; readonly unknown: string }> = {
  orders: { unit: show, say: (n) => plural(n, "order"), unknown: "order count unknown" },
  daysSinceLastOrder: { unit: show, say: (n) => `last order ${plural(n, "day")} ago`, unknown: "never ordered" },
  revenue: { unit: show, say: (n) => `revenue ${show(n)}`, unknown: "revenue unknown" },
  aov: { unit: show, say: (n) => `average order value ${show(n)}`, unknown: "no orders, so no average order value" },
  discountShare: { unit: percent, say: (n) => `discount on ${percent(n)} of orders`, unknown: "no orders, so no discount share" },
  clvPercentile: { unit: show, say: (n) => `CLV percentile ${show(n)}`, unknown: "no CLV prediction" },
  churnRisk: { unit: show, say: (n) => `churn risk ${show(n)}`, unknown: "no churn prediction" },
  pAlive: { unit: show, say: (n) => `P(alive) ${show(n)}`, unknown: "no P(alive) prediction" },
  engagementScore: { unit: show, say: (n) => `engagement ${show(n)}`, unknown: "engagement unknown" },
  views30d: { unit: show, say: (n) => `${plural(n, "product view")} in 30 days`, unknown: "views unknown" },
};

const isNumericFact = (fact: SegmentFact): fact is NumericFact => fact !== "consent" && fact !== "lifecycle";

/** Checks one guard against the contact's facts; a guard on an unknown (null) fact never holds. */
export function checkGuard(guard: Guard, facts: SegmentFacts): GuardCheck {
  const actual = facts[guard.fact];
  const { op, value } = guard;
  if (actual === null) return { guard, actual, holds: false, gap: 1 };
  if (op === "==" || op === "!=") {
    const holds = (actual === value) === (op === "==");
    return { guard, actual, holds, gap: holds ? 0 : 1 };
  }
  if (typeof actual !== "number" || typeof value !== "number") return { guard, actual, holds: false, gap: 1 };
  const holds = op === ">=" ? actual >= value : op === "<=" ? actual <= value : op === ">" ? actual > value : actual < value;
  return { guard, actual, holds, gap: holds ? 0 : Math.abs(actual - value) / Math.max(Math.abs(value), 1) };
}

/** A guard that held, as a marketer reads it: "2 orders (>= 2)", "subscribed". */
function describePassed({ guard, actual }: GuardCheck): string {
  if (!isNumericFact(guard.fact) || typeof actual !== "number") {
    const label = guard.fact === "consent" ? String(actual) : `${guard.fact} ${String(actual)}`;
    return guard.op === "==" ? label : `${label} (not ${String(guard.value)})`;
  }
  const text = NUMERIC_TEXT[guard.fact];
  return `${text.say(actual)} (${guard.op} ${typeof guard.value === "number" ? text.unit(guard.value) : String(guard.value)})`;
}

/** A guard that failed, in the settings' own terms: "daysSinceLastOrder > 90 (is 41)". */
function describeMissed({ guard, actual }: GuardCheck): string {
  const is = actual === null ? `unknown: ${isNumericFact(guard.fact) ? NUMERIC_TEXT[guard.fact].unknown : "not set"}` : String(actual);
  return `${guard.fact} ${guard.op} ${String(guard.value)} (is ${is})`;
}

/**
 * The contact's segment: the first, in settings order, whose guards all hold. The guards read
 * facts (orders, recency, consent) as well as predictions, so a model can never place someone a
 * rule excludes, e.g. a one-time buyer in "Active repeat buyer". With no match the reason names
 * the nearest segment: fewest failing guards, then the smallest relative miss, then settings order.
 */
export function assignSegment(facts: SegmentFacts, segments: readonly Segment[]): { segment: Decided<string | null>; why: Decided<string> } {
  let nearest: { segment: Segment; missed: GuardCheck[]; gap: number } | null = null;
  for (const segment of segments) {
    const checks = segment.guards.map((g) => checkGuard(g, facts));
    const missed = checks.filter((c) => !c.holds);
    if (missed.length === 0) {
      const reason = checks.map(describePassed).join("; ");
      return { segment: decided(segment.name, reason), why: decided(reason, `"${segment.name}" is the first segment, in settings order, whose guards all hold`) };
    }
    const gap = missed.reduce((sum, c) => sum + c.gap, 0);
    if (nearest === null || missed.length < nearest.missed.length || (missed.length === nearest.missed.length && gap < nearest.gap)) {
      nearest = { segment, missed, gap };
    }
  }
  const reason = nearest === null
    ? "not in any segment: no segments are defined"
    : `not in any segment: nearest is ${nearest.segment.name}, which needs ${nearest.missed.map(describeMissed).join(" and ")}`;
  return { segment: decided(null, reason), why: decided(reason, `no segment's guards all hold (${plural(segments.length, "segment")} checked)`) };
}

const RANK_FACT: Record<RankBy, "churnRisk" | "clvPercentile" | "engagementScore"> = {
  churn_risk: "churnRisk",
  clv: "clvPercentile",
  engagement: "engagementScore",
};

/** Members ordered by the segment's ranking, highest first, unknowns last; ties keep their order. */
export function rankMembers<T>(members: readonly T[], rankBy: RankBy | null, factsOf: (member: T) => SegmentFacts): T[] {
  if (rankBy === null) return members.slice();
  const fact = RANK_FACT[rankBy];
  const keyed = members.map((member) => ({ member, key: factsOf(member)[fact] ?? Number.NEGATIVE_INFINITY }));
  // Array.prototype.sort is stable (ES2019), so equal keys keep the input order.
  keyed.sort((a, b) => (b.key === a.key ? 0 : b.key > a.key ? 1 : -1));
  return keyed.map((k) => k.member);
}
