import type { Event, RecommendationSettings } from "../domain/index.js";
import { DAY_MS } from "../engine/utc-day.js";
import { backtest, type BacktestOptions, type BacktestReport, type BacktestRow } from "../engine/backtest/backtest.js";
import { composedSlots } from "../engine/backtest/composed-slots.js";
import { recommendBacktest, type RecommendBacktestReport, type RecommendationRow } from "../engine/backtest/recommend-backtest.js";
import { createHistorySplit, type SplitCounts } from "../engine/backtest/split-history.js";
import { defaultSettings } from "../domain/index.js";

/** A catalog entry as the backtest needs it: only the category is used. */
export type CatalogEntry = { readonly id: string; readonly category: string };

export type RunBacktestInput = BacktestOptions & {
  readonly events: AsyncIterable<Event>;
  /** Recommendation settings for the composed slots; the defaults when absent. */
  readonly recommendations?: RecommendationSettings;
  /** Optional catalog; without it category outputs are blank and top-category accuracy is n/a. */
  readonly products?: AsyncIterable<CatalogEntry>;
};

/** The backtest's rows and report, with what the event stream held, and the recommendation backtest on the same split. */
export type BacktestRun = {
  readonly rows: BacktestRow[];
  readonly report: BacktestReport;
  readonly counts: SplitCounts;
  readonly recommendations: { readonly rows: RecommendationRow[]; readonly report: RecommendBacktestReport };
};

// The engine's seed for the composed slots' exploration draws: fixed, so the backtest replays.
const BACKTEST_SEED = 42;

/** Streams the events into the split (holding one entry per customer, never the raw events), then fits, predicts and scores. */
export async function runBacktest(input: RunBacktestInput): Promise<BacktestRun> {
  const categories = new Map<string, string>();
  if (input.products !== undefined) {
    for await (const product of input.products) if (product.category !== "") categories.set(product.id, product.category);
  }
  const split = createHistorySplit(input.cutoff, input.horizonDays, (id) => categories.get(id));
  const { cutoff, horizonDays, settings } = input;
  const end = cutoff.getTime() + horizonDays * DAY_MS;
  // Orders and refunds only: the recommendation backtest keeps them (an orders file has no views), the split keeps one entry per customer.
  const calibration: Event[] = [];
  const test: Event[] = [];
  for await (const event of input.events) {
    split.add(event);
    const at = event.at.getTime();
    if (at < cutoff.getTime()) calibration.push(event);
    else if (at < end) test.push(event);
  }
  const { rows, report } = backtest(split.customers(), { cutoff, horizonDays, settings });
  const recommendations = recommendBacktest({ calibration, test, cutoff, settings: { ...defaultSettings(), predictions: settings, ...(input.recommendations === undefined ? {} : { recommendations: input.recommendations }) }, slots: composedSlots(BACKTEST_SEED) });
  return { rows, report, counts: split.counts(), recommendations };
}
