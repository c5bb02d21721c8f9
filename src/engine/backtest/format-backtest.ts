import type { BacktestReport, BacktestRow, MethodScores } from "./backtest.js";
import { csvCell, fixed, percent } from "./format-cells.js";

/** The header of predictions.csv, fixed: marketers and their tools read it by name. */
export const PREDICTIONS_HEADER = "customer_id,expected_orders,p_alive,churn_risk,expected_spend,clv,next_order_date,top_category,segment";

/** predictions.csv: the header and one line per customer known before the cutoff, newline-terminated. */
export function formatPredictionsCsv(rows: readonly BacktestRow[]): string {
  const lines = rows.map((r) => [
    csvCell(r.customerId),
    r.expectedOrders.toFixed(4),
    r.pAlive.toFixed(4),
    r.churnRisk.toFixed(4),
    r.expectedSpend === null ? "" : r.expectedSpend.toFixed(2),
    r.clv === null ? "" : r.clv.toFixed(2),
    r.nextOrderDate,
    csvCell(r.topCategory),
    csvCell(r.segment),
  ].join(","));
  return `${[PREDICTIONS_HEADER, ...lines].join("\n")}\n`;
}

type Metric = { readonly label: string; readonly value: (s: MethodScores) => string; readonly better: (t: MethodScores, b: MethodScores) => boolean | null };

const METRICS: readonly Metric[] = [
  { label: "MAE of orders per customer", value: (s) => fixed(s.mae, 3), better: (t, b) => lower(t.mae, b.mae) },
  { label: "orders predicted (actual)", value: (s) => `${fixed(s.predictedOrders, 0)} (${s.actualOrders})`, better: () => null },
  { label: "aggregate error", value: (s) => percent(s.aggregateError), better: (t, b) => lower(Math.abs(t.aggregateError), Math.abs(b.aggregateError)) },
  { label: "churn AUC", value: (s) => fixed(s.churnAuc, 3), better: (t, b) => lower(b.churnAuc, t.churnAuc) },
  { label: "top-category accuracy", value: (s) => (s.topCategoryAccuracy === null ? "n/a" : percent(s.topCategoryAccuracy)), better: (t, b) => (t.topCategoryAccuracy === null || b.topCategoryAccuracy === null ? null : lower(b.topCategoryAccuracy, t.topCategoryAccuracy)) },
];

/** The short table the command prints: one line per metric, Tailor next to the baseline. */
export function formatBacktestTable(report: BacktestReport): string {
  const cells = METRICS.map((m) => [m.label, m.value(report.tailor), m.value(report.baseline), verdict(m.better(report.tailor, report.baseline))]);
  const all = [["metric", "Tailor", "baseline", ""], ...cells];
  const widths = [0, 1, 2].map((i) => Math.max(...all.map((row) => row[i]?.length ?? 0)));
  const line = (row: readonly string[]) => row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i] ?? 0) : cell)).join("  ").trimEnd();
  const title = `Backtest: cutoff ${report.cutoff}, horizon ${report.horizonDays} days, ${report.customers} customers (${report.repeatCustomers} repeat, ${report.churned} with no order in the horizon)`;
  return [title, ...all.map(line), ...calibrationNote(report)].join("\n");
}

/** report.md: what was run, the side-by-side figures and the fitted parameters, in words a marketer can follow. */
export function formatBacktestMarkdown(report: BacktestReport, notes: readonly string[] = []): string {
  const { bgNbd, gammaGamma } = report.model;
  const rows = METRICS.map((m) => `| ${m.label} | ${m.value(report.tailor)} | ${m.value(report.baseline)} | ${verdict(m.better(report.tailor, report.baseline))} |`);
  return [
    `# Backtest: cutoff ${report.cutoff}, horizon ${report.horizonDays} days`,
    "",
    `Fitted on every order before ${report.cutoff}, scored on the ${report.horizonDays} days after it. ` +
      `${report.customers} customers had ordered before the cutoff (${report.repeatCustomers} more than once); ` +
      `${report.churned} of them did not order in the horizon. An order is a day with at least one purchase.`,
    "",
    "The baseline repeats each customer's past rate (repeat orders per day since the first order) over the horizon; " +
      "its churn risk is exp(-rate x horizon) and its top category is the store's bestselling one.",
    "",
    "| metric | Tailor | baseline | Tailor better? |",
    "|---|---|---|---|",
    ...rows,
    "",
    "## Model",
    "",
    `${report.model.source === "fit" ? "Fitted on this store's history" : "Leaning on the priors"}: ${report.model.why} (confidence ${report.model.confidence}).`,
    "",
    `- BG/NBD (days): r = ${fixed(bgNbd.r, 4)}, alpha = ${fixed(bgNbd.alpha, 4)}, a = ${fixed(bgNbd.a, 4)}, b = ${fixed(bgNbd.b, 4)}`,
    `- Gamma-Gamma: p = ${fixed(gammaGamma.p, 4)}, q = ${fixed(gammaGamma.q, 4)}, gamma = ${fixed(gammaGamma.gamma, 4)}`,
    ...(notes.length === 0 ? [] : ["", "## Input", "", ...notes.map((n) => `- ${n}`)]),
    "",
  ].join("\n");
}

function verdict(better: boolean | null): string {
  return better === null ? "" : better ? "yes" : "no";
}

// Strictly lower wins; NaN (nothing to score) never wins.
function lower(a: number, b: number): boolean | null {
  return Number.isNaN(a) || Number.isNaN(b) ? null : a < b;
}


/** Says whether churn risk was calibrated, and what BG/NBD alone scored, so the gain is visible. */
function calibrationNote(report: BacktestReport): string[] {
  if (report.bgNbdChurnAuc === undefined) return [];
  return report.churnCalibration
    ? [`churn risk calibrated on an inner backtest of the last ${report.churnCalibration.innerHorizonDays} days before the cutoff (${report.churnCalibration.customers} customers); BG/NBD alone: churn AUC ${fixed(report.bgNbdChurnAuc, 3)}`]
    : ["churn risk from BG/NBD alone (too little history before the cutoff to calibrate it)"];
}
