import type { Event } from "../domain/index.js";
import { backtest, type BacktestOptions, type BacktestReport, type BacktestRow } from "../engine/backtest/backtest.js";
import { createHistorySplit, type SplitCounts } from "../engine/backtest/split-history.js";

/** A catalog entry as the backtest needs it: only the category is used. */
export type CatalogEntry = { readonly id: string; readonly category: string };

export type RunBacktestInput = BacktestOptions & {
  readonly events: AsyncIterable<Event>;
  /** Optional catalog; without it category outputs are blank and top-category accuracy is n/a. */
  readonly products?: AsyncIterable<CatalogEntry>;
};

/** The backtest's rows and report, with what the event stream held. */
export type BacktestRun = { readonly rows: BacktestRow[]; readonly report: BacktestReport; readonly counts: SplitCounts };

/** Streams the events into the split (holding one entry per customer, never the raw events), then fits, predicts and scores. */
export async function runBacktest(input: RunBacktestInput): Promise<BacktestRun> {
  const categories = new Map<string, string>();
  if (input.products !== undefined) {
    for await (const product of input.products) if (product.category !== "") categories.set(product.id, product.category);
  }
  const split = createHistorySplit(input.cutoff, input.horizonDays, (id) => categories.get(id));
  for await (const event of input.events) split.add(event);
  const { cutoff, horizonDays, settings } = input;
  const { rows, report } = backtest(split.customers(), { cutoff, horizonDays, settings });
  return { rows, report, counts: split.counts() };
}
