import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Event, EventOf } from "../../../../src/domain/index.js";
import type { Assignment } from "../../../../src/engine/experiments/assign.js";
import { addAssignments, addLiftEvents, createLiftBook, createLiftTally, liftReport, liftReportOf } from "../../../../src/engine/experiments/lift.js";
import type { LiftMetric, LiftMetricName, LiftReport } from "../../../../src/engine/experiments/lift.js";
import { DAY, NOW, daysAgo, item, order, refund } from "../fixtures.js";

const WINDOW = { from: daysAgo(28), to: NOW };
const IN = daysAgo(3);

let seq = 0;
const email = { campaignId: "c1" };
const opened = (contactId: string, machineOpen: boolean, at: Date = IN): EventOf<"email_opened"> => ({ id: `o${++seq}`, contactId, at, type: "email_opened", ...email, machineOpen });
const clicked = (contactId: string, at: Date = IN): EventOf<"email_clicked"> => ({ id: `k${++seq}`, contactId, at, type: "email_clicked", ...email });
const unsubscribed = (contactId: string, at: Date = IN): EventOf<"unsubscribed"> => ({ id: `u${++seq}`, contactId, at, type: "unsubscribed", ...email });
const complained = (contactId: string, at: Date = IN): EventOf<"complained"> => ({ id: `p${++seq}`, contactId, at, type: "complained", ...email });
const bought = (contactId: string, value: number, at: Date = IN) => order(contactId, at, value, [item("p1", 1, value)]);

const TREATED: Assignment = { globalHoldout: false, arms: { send_time: "treated", recommendations: "treated", segments: "treated" } };
const GLOBAL_HOLDOUT: Assignment = { globalHoldout: true, arms: { send_time: "holdout", recommendations: "holdout", segments: "holdout" } };

/** n contacts named prefix0..prefix(n-1), all with one assignment. */
const arm = (prefix: string, n: number, assignment: Assignment) => Array.from({ length: n }, (_, i) => ({ contactId: `${prefix}${i}`, assignment }));

const reportOf = (events: readonly Event[], assignments: Iterable<{ contactId: string; assignment: Assignment }>, options = {}): LiftReport => {
  const book = createLiftBook(WINDOW);
  addLiftEvents(book, events);
  return liftReport(book, assignments, options);
};
const metric = (report: LiftReport, comparison: string, name: LiftMetricName): LiftMetric => {
  const found = report.comparisons.find((c) => c.name === comparison)?.metrics.find((m) => m.name === name);
  if (found === undefined) throw new Error(`no ${comparison} ${name}`);
  return found;
};

/**
 * The hand-computed case. Global treated: 400 contacts, 40 of them ordered 50 each.
 * Global holdout: 100 contacts, 5 of them ordered 40 each.
 */
const handEvents = [
  ...Array.from({ length: 40 }, (_, i) => bought(`t${i}`, 50)),
  ...Array.from({ length: 5 }, (_, i) => bought(`h${i}`, 40)),
];
const handAssignments = [...arm("t", 400, TREATED), ...arm("h", 100, GLOBAL_HOLDOUT)];
const Z = 1.959963984540054; // z_0.975
const Z_SUM_SQ = (1.959963984540054 + 0.8416212335729143) ** 2; // (z_0.975 + z_0.8)^2 = 7.848880

describe("liftReport: the hand-computed case", () => {
  const report = reportOf(handEvents, handAssignments);

  /*
   * Conversion: p_t = 40/400 = 0.10, p_h = 5/100 = 0.05, δ = 0.05.
   * se = √(0.10·0.90/400 + 0.05·0.95/100) = √(0.000225 + 0.000475) = √0.0007 = 0.0264575
   * CI = 0.05 ± 1.959964·0.0264575 = 0.05 ± 0.0518558 → [-0.0018558, 0.1018558]
   * k = 400/100 = 4; n_h = 7.848880·(0.09/4 + 0.0475)/0.05² = 7.848880·0.07/0.0025 = 219.769 → 220
   * n_t = 4·219.769 = 879.07 → 880; 400 < 880: not enough data.
   */
  it("computes the conversion interval and needed sample by hand", () => {
    const m = metric(report, "global", "conversion_rate");
    expect(m.treated).toBeCloseTo(0.1, 12);
    expect(m.holdout).toBeCloseTo(0.05, 12);
    expect(m.ci?.[0]).toBeCloseTo(-0.0018558, 6);
    expect(m.ci?.[1]).toBeCloseTo(0.1018558, 6);
    expect([m.requiredTreated, m.requiredHoldout, m.verdict, m.relativeLift]).toEqual([880, 220, "not_enough_data", 1]);
  });

  /*
   * Revenue: treated 40 x 50 + 360 x 0, mean 5; holdout 5 x 40 + 95 x 0, mean 2; δ = 3.
   * s_t² = (40·45² + 360·5²)/399 = 90000/399 = 225.5639; s_h² = (5·38² + 95·2²)/99 = 7600/99 = 76.7677
   * se = √(225.5639/400 + 76.7677/100) = √(0.563910 + 0.767677) = √1.331587 = 1.153944
   * CI = 3 ± 1.959964·1.153944 = 3 ± 2.261689 → [0.738311, 5.261689]: excludes 0, yet
   * n_h = 7.848880·(225.5639/4 + 76.7677)/3² = 7.848880·133.1587/9 = 116.127 → 117; n_t = 464.51 → 465 > 400:
   * no winner below the needed sample.
   */
  it("computes the revenue interval (Welch) and needed sample by hand, and gives no winner below it", () => {
    const m = metric(report, "global", "revenue_per_recipient");
    expect([m.treated, m.holdout, m.difference]).toEqual([5, 2, 3]);
    expect(m.ci?.[0]).toBeCloseTo(0.738311, 5);
    expect(m.ci?.[1]).toBeCloseTo(5.261689, 5);
    expect([m.requiredTreated, m.requiredHoldout, m.verdict]).toEqual([465, 117, "not_enough_data"]);
  });

  it("says what the needed sample is and what there is", () => {
    expect(metric(report, "global", "revenue_per_recipient").why).toBe(
      "+3.00 (95 % CI +0.74 to +5.26); showing a difference this size at 95 % confidence and 80 % power needs 465 treated and 117 holdout contacts, there are 400 and 100",
    );
  });

  it("uses the z values the formulas name", () => {
    const m = metric(report, "global", "conversion_rate");
    const se = Math.sqrt(0.0007);
    expect([(m.ci?.[1] ?? 0) - 0.05, m.requiredHoldout]).toEqual([expect.closeTo(Z * se, 12), Math.ceil((Z_SUM_SQ * 0.07) / 0.0025)]);
  });
});

describe("liftReport: verdicts", () => {
  /*
   * Treated 2000 (300 ordered, 0.15), holdout 1000 (100 ordered, 0.10), δ = 0.05:
   * se = √(0.15·0.85/2000 + 0.10·0.90/1000) = √0.00015375 = 0.0123996 → CI [0.025697, 0.074303]
   * k = 2: n_h = 7.848880·(0.1275/2 + 0.09)/0.0025 = 482.71 → 483, n_t = 965.41 → 966: enough.
   */
  const winner = reportOf(
    [...Array.from({ length: 300 }, (_, i) => bought(`t${i}`, 20)), ...Array.from({ length: 100 }, (_, i) => bought(`h${i}`, 20))],
    [...arm("t", 2000, TREATED), ...arm("h", 1000, GLOBAL_HOLDOUT)],
  );

  it("calls treated better when both arms reach the needed sample and the interval is above 0", () => {
    const m = metric(winner, "global", "conversion_rate");
    expect(m.ci?.[0]).toBeCloseTo(0.025697, 5);
    expect([m.requiredTreated, m.requiredHoldout, m.verdict]).toEqual([966, 483, "treated_better"]);
  });

  it("calls holdout better when the holdout's rate is higher for a higher-is-better metric", () => {
    const flipped = reportOf(
      [...Array.from({ length: 300 }, (_, i) => bought(`t${i}`, 20)), ...Array.from({ length: 100 }, (_, i) => bought(`h${i}`, 20))],
      [...arm("t", 2000, GLOBAL_HOLDOUT), ...arm("h", 1000, TREATED)],
    );
    expect(metric(flipped, "global", "conversion_rate").verdict).toBe("holdout_better");
  });

  it("calls treated better for a lower unsubscribe rate, and says lower is better", () => {
    // Treated 20/2000 = 1 % vs holdout 40/1000 = 4 %.
    const report = reportOf(
      [...Array.from({ length: 20 }, (_, i) => unsubscribed(`t${i}`)), ...Array.from({ length: 40 }, (_, i) => unsubscribed(`h${i}`))],
      [...arm("t", 2000, TREATED), ...arm("h", 1000, GLOBAL_HOLDOUT)],
    );
    const m = metric(report, "global", "unsubscribe_rate");
    expect([m.better, m.verdict, m.why.includes("treated lower, and lower is better")]).toEqual(["lower", "treated_better", true]);
  });

  it("calls holdout better for a higher complaint rate in the treated arm", () => {
    const report = reportOf(
      [...Array.from({ length: 40 }, (_, i) => complained(`t${i}`)), ...Array.from({ length: 5 }, (_, i) => complained(`h${i}`))],
      [...arm("t", 2000, TREATED), ...arm("h", 2000, GLOBAL_HOLDOUT)],
    );
    expect(metric(report, "global", "complaint_rate").verdict).toBe("holdout_better");
  });

  it("gives no verdict and no needed sample when the arms are equal, and says why", () => {
    const m = metric(winner, "global", "complaint_rate");
    expect([m.difference, m.requiredTreated, m.requiredHoldout, m.verdict, m.why]).toEqual([
      0, null, null, "not_enough_data", "treated and holdout are equal (0.00 %): no sample size can show a difference from that",
    ]);
  });

  it("gives no verdict from fewer than 5 contacts with the outcome across both arms", () => {
    // 4 vs 0 clicks in 10 and 10: the Wald interval alone would call it (var_h = 0).
    const report = reportOf(Array.from({ length: 4 }, (_, i) => clicked(`t${i}`)), [...arm("t", 10, TREATED), ...arm("h", 10, GLOBAL_HOLDOUT)]);
    const m = metric(report, "global", "click_rate");
    expect([m.verdict, m.why.endsWith("but only 4 contacts who clicked in both arms together: the interval needs at least 5")]).toEqual(["not_enough_data", true]);
  });

  it("gives a verdict at exactly 5 contacts with the outcome when the sample suffices", () => {
    // 5/6 vs 0/6: se = √(5/36/6) = 0.152, δ = 0.833; n_h = 7.85·(0.139)/0.694 = 1.57 → 2 ≤ 6.
    const report = reportOf(Array.from({ length: 5 }, (_, i) => clicked(`t${i}`)), [...arm("t", 6, TREATED), ...arm("h", 6, GLOBAL_HOLDOUT)]);
    expect(metric(report, "global", "click_rate").verdict).toBe("treated_better");
  });

  it("gives no interval while an arm has fewer than 2 contacts", () => {
    const report = reportOf(handEvents, [...arm("t", 400, TREATED), ...arm("h", 1, GLOBAL_HOLDOUT)]);
    const m = metric(report, "global", "conversion_rate");
    expect([m.ci, m.verdict, m.why]).toEqual([null, "not_enough_data", "1 contact in the holdout arm: at least 2 are needed to compare"]);
  });

  it("widens the interval for a smaller alpha and raises the needed sample for more power", () => {
    const strict = metric(reportOf(handEvents, handAssignments, { alpha: 0.01, power: 0.9 }), "global", "conversion_rate");
    const base = metric(reportOf(handEvents, handAssignments), "global", "conversion_rate");
    expect([(strict.ci?.[1] ?? 0) > (base.ci?.[1] ?? 0), (strict.requiredHoldout ?? 0) > (base.requiredHoldout ?? 0)]).toEqual([true, true]);
  });

  it.each([0, 1, -0.1, Number.NaN])("refuses alpha %f", (alpha) => {
    expect(() => reportOf([], handAssignments, { alpha })).toThrow(RangeError);
  });

  // Arms at their needed size sit |δ| >= (z_a + z_b) SEs from 0, so a verdict other than
  // not_enough_data always has an interval that excludes 0, in the right direction.
  it("only calls a winner at or above the needed sample, with an interval that excludes 0", () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 400 }), fc.integer({ min: 2, max: 400 }), fc.nat(400), fc.nat(400), (nt, nh, ct, ch) => {
      const tClicks = Math.min(ct, nt);
      const hClicks = Math.min(ch, nh);
      const report = reportOf(
        [...Array.from({ length: tClicks }, (_, i) => clicked(`t${i}`)), ...Array.from({ length: hClicks }, (_, i) => clicked(`h${i}`))],
        [...arm("t", nt, TREATED), ...arm("h", nh, GLOBAL_HOLDOUT)],
      );
      const m = metric(report, "global", "click_rate");
      if (m.verdict === "not_enough_data") return;
      expect(m.verdict).not.toBe("no_difference");
      expect(nt >= (m.requiredTreated ?? Infinity) && nh >= (m.requiredHoldout ?? Infinity)).toBe(true);
      expect(m.verdict === "treated_better" ? (m.ci?.[0] ?? 0) > 0 : (m.ci?.[1] ?? 0) < 0).toBe(true);
    }), { numRuns: 150 });
  });
});

describe("liftReport: what counts", () => {
  it("counts every assigned contact, with or without events (intention to treat)", () => {
    const report = reportOf([bought("t0", 30)], [...arm("t", 3, TREATED), ...arm("h", 2, GLOBAL_HOLDOUT)]);
    const global = report.comparisons.find((c) => c.name === "global");
    expect([global?.treated.contacts, global?.holdout.contacts, metric(report, "global", "revenue_per_recipient").treated]).toEqual([3, 2, 10]);
  });

  it("takes refunds off revenue, down to negative", () => {
    const report = reportOf([bought("t0", 30), refund("t0", IN, 30), refund("t1", IN, 20)], [...arm("t", 2, TREATED), ...arm("h", 2, GLOBAL_HOLDOUT)]);
    expect(metric(report, "global", "revenue_per_recipient").treated).toBe(-10);
  });

  it("compares each feature's treated and holdout arms, leaving out the global holdout and contacts outside the pilot", () => {
    const mixed: Assignment = { globalHoldout: false, arms: { send_time: "holdout", recommendations: "off", segments: "treated" } };
    const report = reportOf([], [...arm("t", 5, TREATED), ...arm("m", 3, mixed), ...arm("g", 2, GLOBAL_HOLDOUT)]);
    const sizes = report.comparisons.map((c) => [c.name, c.treated.contacts, c.holdout.contacts]);
    expect(sizes).toEqual([["global", 8, 2], ["send_time", 5, 3], ["recommendations", 5, 0], ["segments", 8, 0]]);
  });

  it("reads only events from the window's start (inclusive) to its end (exclusive)", () => {
    const from = WINDOW.from.getTime();
    const to = WINDOW.to.getTime();
    const report = reportOf(
      [bought("t0", 1, new Date(from - 1)), bought("t1", 10, new Date(from)), bought("t2", 100, new Date(to - 1)), bought("t3", 1000, new Date(to))],
      [...arm("t", 4, TREATED), ...arm("h", 2, GLOBAL_HOLDOUT)],
    );
    expect(metric(report, "global", "revenue_per_recipient").treated).toBe(110 / 4);
  });

  it("gives the same report for events in one chunk or many, in any order, past the first capacity", () => {
    const events = Array.from({ length: 3000 }, (_, i) => (i % 3 === 0 ? bought(`t${i % 1500}`, i) : i % 3 === 1 ? clicked(`h${i % 700}`) : opened(`t${i % 2000}`, false)));
    const assignments = [...arm("t", 2000, TREATED), ...arm("h", 700, GLOBAL_HOLDOUT)];
    const oneChunk = reportOf(events, assignments);
    const book = createLiftBook(WINDOW);
    const reversed = events.slice().reverse();
    for (let i = 0; i < reversed.length; i += 250) addLiftEvents(book, reversed.slice(i, i + 250));
    const tally = createLiftTally(book);
    for (let i = 0; i < assignments.length; i += 400) addAssignments(tally, assignments.slice(i, i + 400));
    expect(liftReportOf(tally)).toEqual(oneChunk);
  });

  it("refuses a window that ends before it starts", () => {
    expect(() => createLiftBook({ from: NOW, to: NOW })).toThrow(RangeError);
  });
});

describe("liftReport: machine opens", () => {
  const base: Event[] = [
    ...Array.from({ length: 60 }, (_, i) => opened(`t${i}`, false)),
    ...Array.from({ length: 20 }, (_, i) => opened(`h${i}`, false)),
    ...Array.from({ length: 30 }, (_, i) => clicked(`t${i}`)),
    ...Array.from({ length: 10 }, (_, i) => bought(`h${i}`, 25)),
  ];
  const mixed: Assignment = { globalHoldout: false, arms: { send_time: "holdout", recommendations: "treated", segments: "off" } };
  const assignments = [...arm("t", 200, TREATED), ...arm("m", 100, mixed), ...arm("h", 100, GLOBAL_HOLDOUT)];
  // Machine opens on everyone: openers, non-openers, both arms, several per contact.
  const machine = [...assignments, ...assignments].map(({ contactId }) => opened(contactId, true));

  it("never changes any metric", () => {
    const without = reportOf(base, assignments);
    const withMachine = reportOf([...base, ...machine], assignments);
    expect(withMachine.comparisons).toEqual(without.comparisons);
  });

  it("counts only human opens in the open rate", () => {
    expect(metric(reportOf([...base, ...machine], assignments), "global", "human_open_rate").treated).toBe(60 / 300);
  });

  it("reports their share of all opens in the window", () => {
    // 800 machine opens, 80 human opens.
    expect(reportOf([...base, ...machine], assignments).machineOpenShare).toBeCloseTo(800 / 880, 12);
  });

  it("reports no share when there were no opens", () => {
    expect(reportOf([bought("t0", 5)], assignments).machineOpenShare).toBeNull();
  });
});

describe("liftReport: the report", () => {
  it("names the window, the settings and how to read it", () => {
    const report = reportOf([], handAssignments);
    expect([report.window, report.alpha, report.power]).toEqual([{ from: WINDOW.from.toISOString(), to: WINDOW.to.toISOString() }, 0.05, 0.8]);
    expect(report.notes.filter((n) => /Per recipient|intention to treat|lower is better|Machine opens|once/.test(n))).toHaveLength(4);
  });

  it("covers 28 days in the notes", () => {
    expect(reportOf([], handAssignments).notes[0]).toContain(`${(WINDOW.to.getTime() - WINDOW.from.getTime()) / DAY} days`);
  });
});
