import type { RecommendationRow, RecommendBacktestReport, RecommendMethod, RecommendScores } from "./recommend-backtest.js";
import { csvCell, fixed, percent } from "./format-cells.js";

/** The header of recommendations.csv, fixed by issue 5: marketers and their tools read it by name. */
export const RECOMMENDATIONS_HEADER = "customer_id,slot,product_id,source,reason";

/** recommendations.csv: the header and one line per recommended product, newline-terminated. */
export function formatRecommendationsCsv(rows: readonly RecommendationRow[]): string {
  const lines = rows.map((r) => [csvCell(r.customerId), String(r.slot), csvCell(r.productId), csvCell(r.source), csvCell(r.reason)].join(","));
  return `${[RECOMMENDATIONS_HEADER, ...lines].join("\n")}\n`;
}

const LABELS: Readonly<Record<RecommendMethod, string>> = {
  tailor_personal: "Tailor personal (top 5 of the hybrid score)",
  tailor_slots: "Tailor slots (composed 5 slots)",
  bestsellers: "global bestsellers",
  item_knn: "plain item-kNN (cosine)",
};

type Column = { readonly label: string; readonly value: (s: RecommendScores) => string };

const COLUMNS: readonly Column[] = [
  { label: "method", value: (s) => LABELS[s.method] },
  { label: "Recall@5", value: (s) => fixed(s.recall, 4) },
  { label: "NDCG@5", value: (s) => fixed(s.ndcg, 4) },
  { label: "hit rate", value: (s) => percent(s.hitRate) },
  { label: "coverage", value: (s) => percent(s.coverage) },
  { label: "customers", value: (s) => String(s.customers) },
];

/** The table the command prints: one line per method, the figures side by side. */
export function formatRecommendBacktestTable(report: RecommendBacktestReport): string {
  const all = [COLUMNS.map((c) => c.label), ...report.methods.map((s) => COLUMNS.map((c) => c.value(s)))];
  const widths = COLUMNS.map((_, i) => Math.max(...all.map((row) => row[i]?.length ?? 0)));
  const line = (row: readonly string[]) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  ");
  return [title(report), ...all.map(line), `personal model: ${report.personal.why}`, ...verdicts(report)].join("\n");
}

/** The same figures as a markdown table, with the protocol, for report.md and the README. */
export function formatRecommendBacktestMarkdown(report: RecommendBacktestReport): string {
  return [
    `## Recommendations: ${title(report)}`,
    "",
    `Built from every order before ${report.cutoff}, scored on the products each customer bought from then to ` +
      `${report.lastTestDay ?? "the end of the file"} that they had not bought before (binary gains; NDCG normalised by the ideal ` +
      `DCG over min(5, relevant)). ${report.evaluated} of the ${report.customers} customers known at the cutoff bought something new; ` +
      `every method leaves out what the customer already bought. Coverage is the share of the ${report.products} products sold ` +
      "before the cutoff that appear in anyone's top 5.",
    "",
    `| ${COLUMNS.map((c) => c.label).join(" | ")} |`,
    `|${COLUMNS.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`,
    ...report.methods.map((s) => `| ${COLUMNS.map((c) => c.value(s)).join(" | ")} |`),
    "",
    `Personal model: ${report.personal.why}.`,
    ...verdicts(report).map((v) => `- ${v}`),
    "",
  ].join("\n");
}

const title = (report: RecommendBacktestReport): string =>
  `backtest, cutoff ${report.cutoff}, test window to ${report.lastTestDay ?? "n/a"}, ${report.evaluated} customers scored`;

/** Whether Tailor's personal ranking beats each baseline on both figures the issue names. */
function verdicts(report: RecommendBacktestReport): string[] {
  const tailor = report.methods.find((m) => m.method === "tailor_personal");
  if (tailor === undefined) return [];
  return report.methods
    .filter((m) => m.method === "bestsellers" || m.method === "item_knn")
    .map((m) => {
      const beats = tailor.ndcg > m.ndcg && tailor.recall > m.recall;
      return `Tailor personal ${beats ? "beats" : "does not beat"} ${LABELS[m.method]} on NDCG@5 and Recall@5`;
    });
}

