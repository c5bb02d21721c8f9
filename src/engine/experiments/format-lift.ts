import type { LiftComparison, LiftMetric, LiftMetricName, LiftReport, LiftVerdict } from "./lift.js";

/** How the CLI and the panel name each comparison. */
export const COMPARISON_TITLE: Readonly<Record<LiftComparison["name"], string>> = {
  global: "Global holdout (all of Tailor)",
  send_time: "Send time pilot",
  recommendations: "Recommendations pilot",
  segments: "Predictive segments pilot",
};

/** Each metric in words, lowercase for use mid-sentence. */
export const METRIC_LABEL: Readonly<Record<LiftMetricName, string>> = {
  revenue_per_recipient: "revenue per recipient",
  conversion_rate: "conversion rate",
  click_rate: "click rate",
  human_open_rate: "open rate (humans only)",
  unsubscribe_rate: "unsubscribe rate (lower is better)",
  complaint_rate: "complaint rate (lower is better)",
};

const VERDICT_LABEL: Readonly<Record<LiftVerdict, string>> = {
  treated_better: "treated better",
  holdout_better: "holdout better",
  no_difference: "no difference",
  not_enough_data: "not enough data",
};

const count = (n: number): string => n.toLocaleString("en-US");
const pct = (share: number): string => `${Number((share * 100).toFixed(1))} %`;

/** `tailor report lift` as text: a header, one table per comparison (metric, both arms, difference with its interval, needed sample, verdict), then the notes. */
export function formatLiftText(report: LiftReport): string {
  const days = Number(((Date.parse(report.window.to) - Date.parse(report.window.from)) / 86_400_000).toFixed(2));
  const lines = [
    `Lift: ${report.window.from} to ${report.window.to} (${days} days), ${pct(1 - report.alpha)} intervals, ${pct(report.power)} power`,
    report.machineOpenShare === null ? "No opens in the window." : `Machine opens: ${pct(report.machineOpenShare)} of opens, excluded from every metric.`,
  ];
  for (const comparison of report.comparisons) {
    lines.push("", `${COMPARISON_TITLE[comparison.name]}: ${count(comparison.treated.contacts)} treated, ${count(comparison.holdout.contacts)} holdout`);
    lines.push(...table([
      ["metric", "treated", "holdout", `difference (${pct(1 - report.alpha)} CI)`, "needed (treated / holdout)", "verdict"],
      ...comparison.metrics.map((m) => row(m, comparison)),
    ]));
  }
  lines.push("", "Notes:", ...report.notes.map((note) => `- ${note}`));
  return lines.join("\n");
}

/** An empty arm shows "-", not the 0 the JSON carries for it. */
function row(m: LiftMetric, comparison: LiftComparison): string[] {
  const money = m.name === "revenue_per_recipient";
  const value = (v: number, contacts: number): string => (contacts === 0 ? "-" : money ? v.toFixed(2) : `${(v * 100).toFixed(2)} %`);
  const signed = (v: number): string => `${v > 0 ? "+" : ""}${money ? v.toFixed(2) : (v * 100).toFixed(2)}`;
  const empty = comparison.treated.contacts === 0 || comparison.holdout.contacts === 0;
  const difference = empty ? "-" : `${signed(m.difference)}${money ? "" : " pts"}${m.ci === null ? "" : ` (${signed(m.ci[0])} to ${signed(m.ci[1])})`}`;
  const needed = m.requiredTreated === null || m.requiredHoldout === null ? "-" : `${count(m.requiredTreated)} / ${count(m.requiredHoldout)}`;
  return [METRIC_LABEL[m.name], value(m.treated, comparison.treated.contacts), value(m.holdout, comparison.holdout.contacts), difference, needed, VERDICT_LABEL[m.verdict]];
}

/** Left-aligned columns two spaces apart; the last column is not padded. */
function table(rows: readonly (readonly string[])[]): string[] {
  const columns = Math.max(...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)));
  return rows.map((r) => r.map((cell, i) => (i < columns - 1 ? cell.padEnd(widths[i] ?? 0) : cell)).join("  ").trimEnd());
}
