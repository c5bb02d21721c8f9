import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Event, RecommendationSettings } from "../domain/index.js";
import { PredictionSettingsSchema, type PredictionSettings } from "../domain/prediction-settings.js";
import type { BacktestReport } from "../engine/backtest/backtest.js";
import { formatBacktestMarkdown, formatBacktestTable, formatPredictionsCsv } from "../engine/backtest/format-backtest.js";
import { formatRecommendationsCsv, formatRecommendBacktestMarkdown, formatRecommendBacktestTable } from "../engine/backtest/format-recommend-backtest.js";
import type { RecommendBacktestReport } from "../engine/backtest/recommend-backtest.js";
import type { SplitCounts } from "../engine/backtest/split-history.js";
import { runBacktest, type CatalogEntry } from "./run-backtest.js";

export type BacktestCommandOptions = {
  readonly events: AsyncIterable<Event>;
  readonly products?: AsyncIterable<CatalogEntry>;
  readonly cutoff: Date;
  readonly horizonDays: number;
  readonly outDir: string;
  /** Recommendation settings for the composed slots; the defaults when absent. */
  readonly recommendations?: RecommendationSettings;
  /** The installation's prediction settings; the defaults when absent. */
  readonly settings?: PredictionSettings;
  /** Records the reader skipped, per reason; read after the events are consumed, so the reader may fill it as it goes. */
  readonly skipped?: ReadonlyMap<string, number>;
};

/** `tailor backtest`: runs both backtests and writes predictions.csv, recommendations.csv, report.md and report.json to outDir; returns the printed tables. */
export async function backtestCommand(options: BacktestCommandOptions): Promise<{ table: string; report: BacktestReport; recommendations: RecommendBacktestReport }> {
  const { events, cutoff, horizonDays } = options;
  const settings = options.settings ?? PredictionSettingsSchema.parse({});
  const run = await runBacktest({
    events, cutoff, horizonDays, settings,
    ...(options.products === undefined ? {} : { products: options.products }),
    ...(options.recommendations === undefined ? {} : { recommendations: options.recommendations }),
  });
  const skipped = Object.fromEntries(options.skipped ?? []);
  const notes = inputNotes(run.counts, skipped);
  await mkdir(options.outDir, { recursive: true });
  await writeFile(join(options.outDir, "predictions.csv"), formatPredictionsCsv(run.rows));
  await writeFile(join(options.outDir, "recommendations.csv"), formatRecommendationsCsv(run.recommendations.rows));
  await writeFile(join(options.outDir, "report.md"), `${formatBacktestMarkdown(run.report, notes)}\n${formatRecommendBacktestMarkdown(run.recommendations.report)}`);
  await writeFile(join(options.outDir, "report.json"), `${JSON.stringify({ ...run.report, input: { ...run.counts, skipped }, recommendations: run.recommendations.report }, null, 2)}\n`);
  return {
    table: `${formatBacktestTable(run.report)}\n\n${formatRecommendBacktestTable(run.recommendations.report)}`,
    report: run.report,
    recommendations: run.recommendations.report,
  };
}

function inputNotes(counts: SplitCounts, skipped: Readonly<Record<string, number>>): string[] {
  return [
    `${counts.orders} orders and ${counts.refunds} refunds read (refunds do not change the counts)`,
    `${counts.ordersAfterHorizon} orders after the horizon, not used`,
    `${counts.customersNewInHorizon} customers whose first order is in the horizon, not scored (unknown at the cutoff)`,
    ...Object.entries(skipped).map(([reason, n]) => `${n} records skipped: ${reason}`),
  ];
}
