import { describe, expect, it } from "vitest";
import type { Assignment } from "../../../../src/engine/experiments/assign.js";
import { formatLiftText } from "../../../../src/engine/experiments/format-lift.js";
import { addLiftEvents, createLiftBook, liftReport } from "../../../../src/engine/experiments/lift.js";
import { NOW, daysAgo, item, order } from "../fixtures.js";

const TREATED: Assignment = { globalHoldout: false, arms: { send_time: "treated", recommendations: "treated", segments: "treated" } };
const GLOBAL_HOLDOUT: Assignment = { globalHoldout: true, arms: { send_time: "holdout", recommendations: "holdout", segments: "holdout" } };

// The hand-computed case of lift.test.ts: 40 of 400 treated ordered 50 each, 5 of 100 held out ordered 40 each.
const book = createLiftBook({ from: daysAgo(28), to: NOW });
addLiftEvents(book, [
  ...Array.from({ length: 40 }, (_, i) => order(`t${i}`, daysAgo(2), 50, [item("p1")])),
  ...Array.from({ length: 5 }, (_, i) => order(`h${i}`, daysAgo(2), 40, [item("p1")])),
  { id: "m1", type: "email_opened", contactId: "t1", at: daysAgo(1), campaignId: "", machineOpen: true },
  { id: "m2", type: "email_opened", contactId: "t2", at: daysAgo(1), campaignId: "", machineOpen: false },
]);
const report = liftReport(book, [
  ...Array.from({ length: 400 }, (_, i) => ({ contactId: `t${i}`, assignment: TREATED })),
  ...Array.from({ length: 100 }, (_, i) => ({ contactId: `h${i}`, assignment: GLOBAL_HOLDOUT })),
]);
const lines = formatLiftText(report).split("\n");

describe("formatLiftText", () => {
  it("heads the report with the window, the interval and the power", () => {
    expect(lines.slice(0, 2)).toEqual([
      "Lift: 2024-06-02T12:00:00.000Z to 2024-06-30T12:00:00.000Z (28 days), 95 % intervals, 80 % power",
      "Machine opens: 50 % of opens, excluded from every metric.",
    ]);
  });

  it("prints one aligned row per metric: both arms, the difference with its interval, the needed sample and the verdict", () => {
    const start = lines.indexOf("Global holdout (all of Tailor): 400 treated, 100 holdout");
    expect(lines.slice(start + 1, start + 4)).toEqual([
      "metric                              treated  holdout  difference (95 % CI)         needed (treated / holdout)  verdict",
      "revenue per recipient               5.00     2.00     +3.00 (+0.74 to +5.26)       465 / 117                   not enough data",
      "conversion rate                     10.00 %  5.00 %   +5.00 pts (-0.19 to +10.19)  880 / 220                   not enough data",
    ]);
  });

  it("names the metrics where lower is better", () => {
    const labels = lines.filter((l) => l.includes("(lower is better)")).map((l) => l.split("  ")[0]);
    // Two rows in each of the four comparisons.
    expect(labels).toEqual(Array.from({ length: 4 }).flatMap(() => ["unsubscribe rate (lower is better)", "complaint rate (lower is better)"]));
  });

  it("shows an empty arm and its difference as -, not as 0", () => {
    const start = lines.indexOf("Send time pilot: 400 treated, 0 holdout");
    expect(lines[start + 2]).toBe("revenue per recipient               5.00     -        -                     -                           not enough data");
  });

  it("ends with the notes as a list", () => {
    const notes = lines.slice(lines.indexOf("Notes:") + 1);
    expect([notes.length, notes.every((n) => n.startsWith("- "))]).toEqual([report.notes.length, true]);
  });
});
