import { describe, expect, it } from "vitest";
import { DEFAULT_SEGMENTS, SUBSCRIBED_GUARD } from "../../../src/domain/segment-settings.js";
import type { Guard, Segment, SegmentFacts } from "../../../src/domain/segment-settings.js";
import { assignSegment, checkGuard, rankMembers } from "../../../src/engine/segments.js";

/** A subscribed contact who never ordered or browsed: in no default segment. */
const facts = (over: Partial<SegmentFacts> = {}): SegmentFacts => ({
  orders: 0, daysSinceLastOrder: null, revenue: 0, aov: null, discountShare: null, clvPercentile: null, churnRisk: null, pAlive: null,
  engagementScore: 0, views30d: 0, consent: "subscribed", lifecycle: "new_lead", ...over,
});
const segmentOf = (f: SegmentFacts, segments: readonly Segment[] = DEFAULT_SEGMENTS): string | null => assignSegment(f, segments).segment.value;
const named = (name: string): Segment => {
  const found = DEFAULT_SEGMENTS.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no default segment ${name}`);
  return found;
};

// Each row: a contact at a guard's threshold (in) or one step past it (out), through the whole default list.
const atRisk = { orders: 2, daysSinceLastOrder: 120, clvPercentile: 70, churnRisk: 0.5 };
const discounted = { orders: 2, daysSinceLastOrder: 120, discountShare: 0.5 };

describe("assignSegment with the default segments", () => {
  it.each([
    { case: "New customer: orders == 1 at 1", over: { orders: 1, daysSinceLastOrder: 30 }, expected: "New customer" },
    { case: "New customer: orders == 1 at 2", over: { orders: 2, daysSinceLastOrder: 30 }, expected: "Active repeat buyer" },
    { case: "New customer: daysSinceLastOrder <= 30 at 30", over: { orders: 1, daysSinceLastOrder: 30 }, expected: "New customer" },
    { case: "New customer: daysSinceLastOrder <= 30 at 31", over: { orders: 1, daysSinceLastOrder: 31 }, expected: null },
    { case: "Active repeat buyer: orders >= 2 at 2", over: { orders: 2, daysSinceLastOrder: 90 }, expected: "Active repeat buyer" },
    { case: "Active repeat buyer: orders >= 2 at 1", over: { orders: 1, daysSinceLastOrder: 90 }, expected: null },
    { case: "Active repeat buyer: daysSinceLastOrder <= 90 at 90", over: { orders: 2, daysSinceLastOrder: 90 }, expected: "Active repeat buyer" },
    { case: "Active repeat buyer: daysSinceLastOrder <= 90 at 91", over: { orders: 2, daysSinceLastOrder: 91 }, expected: "Lapsing" },
    { case: "High-value at risk: clvPercentile >= 70 at 70", over: atRisk, expected: "High-value at risk" },
    { case: "High-value at risk: clvPercentile >= 70 at 69", over: { ...atRisk, clvPercentile: 69 }, expected: "Lapsing" },
    { case: "High-value at risk: churnRisk >= 0.5 at 0.5", over: atRisk, expected: "High-value at risk" },
    { case: "High-value at risk: churnRisk >= 0.5 at 0.49", over: { ...atRisk, churnRisk: 0.49 }, expected: "Lapsing" },
    { case: "High-value at risk: orders >= 2 at 2", over: atRisk, expected: "High-value at risk" },
    { case: "High-value at risk: orders >= 2 at 1", over: { ...atRisk, orders: 1 }, expected: "Lapsing" },
    { case: "Discount-driven: discountShare >= 0.5 at 0.5", over: discounted, expected: "Discount-driven" },
    { case: "Discount-driven: discountShare >= 0.5 at 0.49", over: { ...discounted, discountShare: 0.49 }, expected: "Lapsing" },
    { case: "Discount-driven: orders >= 2 at 2", over: discounted, expected: "Discount-driven" },
    { case: "Discount-driven: orders >= 2 at 1", over: { ...discounted, orders: 1 }, expected: "Lapsing" },
    { case: "Lapsing: orders >= 1 at 1", over: { orders: 1, daysSinceLastOrder: 120 }, expected: "Lapsing" },
    { case: "Lapsing: orders >= 1 at 0", over: { orders: 0, daysSinceLastOrder: 120 }, expected: null },
    { case: "Lapsing: daysSinceLastOrder > 90 at 91", over: { orders: 1, daysSinceLastOrder: 91 }, expected: "Lapsing" },
    { case: "Lapsing: daysSinceLastOrder > 90 at 90", over: { orders: 1, daysSinceLastOrder: 90 }, expected: null },
    { case: "Lapsing: daysSinceLastOrder <= 180 at 180", over: { orders: 1, daysSinceLastOrder: 180 }, expected: "Lapsing" },
    { case: "Lapsing: daysSinceLastOrder <= 180 at 181", over: { orders: 1, daysSinceLastOrder: 181 }, expected: "Win-back" },
    { case: "Win-back: orders >= 1 at 1", over: { orders: 1, daysSinceLastOrder: 181 }, expected: "Win-back" },
    { case: "Win-back: orders >= 1 at 0", over: { orders: 0, daysSinceLastOrder: 181 }, expected: null },
    { case: "Win-back: daysSinceLastOrder > 180 at 181", over: { orders: 1, daysSinceLastOrder: 181 }, expected: "Win-back" },
    { case: "Win-back: daysSinceLastOrder > 180 at 180", over: { orders: 1, daysSinceLastOrder: 180 }, expected: "Lapsing" },
    { case: "Browsers who never bought: orders == 0 at 0", over: { views30d: 1 }, expected: "Browsers who never bought" },
    { case: "Browsers who never bought: orders == 0 at 1", over: { orders: 1, daysSinceLastOrder: 60, views30d: 1 }, expected: null },
    { case: "Browsers who never bought: views30d >= 1 at 1", over: { views30d: 1 }, expected: "Browsers who never bought" },
    { case: "Browsers who never bought: views30d >= 1 at 0", over: { views30d: 0 }, expected: null },
  ])("$case gives $expected", ({ over, expected }) => {
    expect(segmentOf(facts(over))).toBe(expected);
  });

  it.each(DEFAULT_SEGMENTS.map((s) => s.name))("requires consent == subscribed in %s", (name) => {
    expect(named(name).guards).toContainEqual(SUBSCRIBED_GUARD);
  });

  it.each([
    { over: { orders: 1, daysSinceLastOrder: 10 } },
    { over: { orders: 3, daysSinceLastOrder: 10 } },
    { over: atRisk },
    { over: discounted },
    { over: { orders: 1, daysSinceLastOrder: 120 } },
    { over: { orders: 1, daysSinceLastOrder: 400 } },
    { over: { views30d: 5 } },
  ])("puts no $over contact in a segment once they unsubscribe, bounce or complain", ({ over }) => {
    const outcomes = (["unsubscribed", "bounced", "complained"] as const).map((consent) => segmentOf(facts({ ...over, consent })));
    expect([segmentOf(facts(over)) !== null, outcomes]).toEqual([true, [null, null, null]]);
  });

  it("keeps a recent repeat buyer in Active repeat buyer even when they are also high-value at risk and discount-driven", () => {
    expect(segmentOf(facts({ orders: 3, daysSinceLastOrder: 10, clvPercentile: 95, churnRisk: 0.8, discountShare: 0.9 }))).toBe("Active repeat buyer");
  });

  it("puts a lapsing high-value customer at risk ahead of Discount-driven and Lapsing", () => {
    expect(segmentOf(facts({ ...atRisk, discountShare: 1 }))).toBe("High-value at risk");
  });

  it("puts a lapsing discount buyer in Discount-driven rather than Lapsing", () => {
    expect(segmentOf(facts(discounted))).toBe("Discount-driven");
  });

  it("lets the settings order decide: Lapsing listed first wins over Discount-driven", () => {
    expect(segmentOf(facts(discounted), [named("Lapsing"), named("Discount-driven")])).toBe("Lapsing");
  });

  it("never puts a one-time buyer in Active repeat buyer, however strong the predictions", () => {
    const oneTime = facts({ orders: 1, daysSinceLastOrder: 45, clvPercentile: 99, churnRisk: 0.01, pAlive: 0.99, engagementScore: 100, lifecycle: "active_customer" });
    expect(segmentOf(oneTime)).toBeNull();
  });

  it("lists each guard it passed with the contact's actual value", () => {
    expect(assignSegment(facts({ orders: 2, daysSinceLastOrder: 41 }), DEFAULT_SEGMENTS)).toEqual({
      segment: { value: "Active repeat buyer", why: "2 orders (>= 2); last order 41 days ago (<= 90); subscribed" },
      why: { value: "2 orders (>= 2); last order 41 days ago (<= 90); subscribed", why: '"Active repeat buyer" is the first segment, in settings order, whose guards all hold' },
    });
  });

  it("reads shares as percentages and predictions to two decimals", () => {
    expect(assignSegment(facts({ ...atRisk, clvPercentile: 81.234, churnRisk: 0.6666 }), DEFAULT_SEGMENTS).segment.why)
      .toBe("CLV percentile 81.23 (>= 70); churn risk 0.67 (>= 0.5); 2 orders (>= 2); subscribed");
    expect(assignSegment(facts({ ...discounted, discountShare: 2 / 3 }), DEFAULT_SEGMENTS).segment.why)
      .toBe("2 orders (>= 2); discount on 66.67% of orders (>= 50%); subscribed");
  });

  it("writes singular units for one order and one day", () => {
    expect(assignSegment(facts({ orders: 1, daysSinceLastOrder: 1 }), DEFAULT_SEGMENTS).segment.why)
      .toBe("1 order (== 1); last order 1 day ago (<= 30); subscribed");
  });

  it("names the segment a one-time buyer at 80 days is closest to, and the guard they miss", () => {
    expect(assignSegment(facts({ orders: 1, daysSinceLastOrder: 80 }), DEFAULT_SEGMENTS).segment).toEqual({
      value: null,
      why: "not in any segment: nearest is Lapsing, which needs daysSinceLastOrder > 90 (is 80)",
    });
  });

  it("breaks a tie in failing guards by the smaller relative miss", () => {
    // New customer misses by (41 - 30) / 30; Active repeat by (2 - 1) / 2; Lapsing by (90 - 41) / 90.
    expect(assignSegment(facts({ orders: 1, daysSinceLastOrder: 41 }), DEFAULT_SEGMENTS).segment.why)
      .toBe("not in any segment: nearest is New customer, which needs daysSinceLastOrder <= 30 (is 41)");
  });

  it("names the consent guard when consent is all that keeps a contact out", () => {
    expect(assignSegment(facts({ orders: 2, daysSinceLastOrder: 41, consent: "unsubscribed" }), DEFAULT_SEGMENTS).segment.why)
      .toBe("not in any segment: nearest is Active repeat buyer, which needs consent == subscribed (is unsubscribed)");
  });

  it("lists every guard the nearest segment misses", () => {
    expect(assignSegment(facts(), [named("Active repeat buyer"), named("Win-back"), named("New customer")]).segment.why)
      .toBe("not in any segment: nearest is Active repeat buyer, which needs orders >= 2 (is 0) and daysSinceLastOrder <= 90 (is unknown: never ordered)");
  });

  it("says why the property's reason reads as it does when no segment matches", () => {
    expect(assignSegment(facts(), DEFAULT_SEGMENTS).why.why).toBe("no segment's guards all hold (7 segments checked)");
  });
});

describe("assignSegment with custom segments", () => {
  const segment = (name: string, guards: Guard[]): Segment => ({ name, description: name, guards: [...guards, SUBSCRIBED_GUARD], rankBy: null });

  it("fails a guard on an unknown prediction and says the prediction is missing", () => {
    const risky = segment("Risky", [{ fact: "churnRisk", op: ">=", value: 0.5 }]);
    expect(assignSegment(facts(), [risky]).segment).toEqual({ value: null, why: "not in any segment: nearest is Risky, which needs churnRisk >= 0.5 (is unknown: no churn prediction)" });
  });

  it("fails a != guard on an unknown fact too", () => {
    const anyRecency = segment("Any", [{ fact: "daysSinceLastOrder", op: "!=", value: 5 }]);
    expect(segmentOf(facts(), [anyRecency])).toBeNull();
  });

  it("describes a held != guard on a category with what it is not", () => {
    const notLapsing = segment("Not lapsing", [{ fact: "lifecycle", op: "!=", value: "lapsing" }]);
    expect(assignSegment(facts(), [notLapsing]).segment.why).toBe("lifecycle new_lead (not lapsing); subscribed");
  });

  it("says so when no segments are defined", () => {
    expect(assignSegment(facts(), []).segment).toEqual({ value: null, why: "not in any segment: no segments are defined" });
  });
});

describe("checkGuard", () => {
  it.each([
    { op: ">=", actual: 5, holds: true },
    { op: ">=", actual: 4, holds: false },
    { op: "<=", actual: 5, holds: true },
    { op: "<=", actual: 6, holds: false },
    { op: ">", actual: 6, holds: true },
    { op: ">", actual: 5, holds: false },
    { op: "<", actual: 4, holds: true },
    { op: "<", actual: 5, holds: false },
    { op: "==", actual: 5, holds: true },
    { op: "==", actual: 6, holds: false },
    { op: "!=", actual: 6, holds: true },
    { op: "!=", actual: 5, holds: false },
  ] as const)("finds engagementScore $actual $op 5 holds: $holds", ({ op, actual, holds }) => {
    expect(checkGuard({ fact: "engagementScore", op, value: 5 }, facts({ engagementScore: actual })).holds).toBe(holds);
  });

  it("measures a miss relative to the threshold", () => {
    expect(checkGuard({ fact: "daysSinceLastOrder", op: ">", value: 90 }, facts({ daysSinceLastOrder: 45 })).gap).toBe(0.5);
  });

  it("measures a miss against a threshold below 1 in absolute terms", () => {
    expect(checkGuard({ fact: "churnRisk", op: ">=", value: 0.5 }, facts({ churnRisk: 0.25 })).gap).toBe(0.25);
  });
});

describe("rankMembers", () => {
  const members = [
    { id: "a", f: facts({ churnRisk: 0.2, clvPercentile: 90 }) },
    { id: "b", f: facts({ churnRisk: null, clvPercentile: 10 }) },
    { id: "c", f: facts({ churnRisk: 0.9, clvPercentile: null }) },
    { id: "d", f: facts({ churnRisk: 0.2, clvPercentile: 50 }) },
  ];
  const ids = (rankBy: Parameters<typeof rankMembers>[1]) => rankMembers(members, rankBy, (m) => m.f).map((m) => m.id);

  it("orders by churn risk, highest first, unknowns last, ties in input order", () => {
    expect(ids("churn_risk")).toEqual(["c", "a", "d", "b"]);
  });

  it("orders by CLV percentile for clv", () => {
    expect(ids("clv")).toEqual(["a", "d", "b", "c"]);
  });

  it("keeps the input order without a ranking", () => {
    expect(ids(null)).toEqual(["a", "b", "c", "d"]);
  });
});
