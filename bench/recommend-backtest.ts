// Runs the issue-5 recommendation backtest on the full Online Retail export and prints the tables and wall times:
//   npx tsx bench/recommend-backtest.ts           the reported split (cutoff 2011-11-01, test to 2011-12-09) and the
//                                                 inner validation split the defaults were tuned on (2011-10-01 to 2011-11-01)
//   npx tsx bench/recommend-backtest.ts --dense   also: dense EASE against its sparse top-K graph, and the EASE fit time
//   npx tsx bench/recommend-backtest.ts --tune    also: the inner-split grid over EASE lambda, half-life and hybrid weights
// Reads ../shared/data/online-retail/online_retail.csv.gz; writes recommendations.csv and report.md to
// .tailor/recommend-backtest/<split>/.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readOrdersFile } from "../src/connectors/files/read-orders-file.js";
import type { Event, RecommendationSettings } from "../src/domain/index.js";
import { formatRecommendationsCsv, formatRecommendBacktestMarkdown, formatRecommendBacktestTable } from "../src/engine/backtest/format-recommend-backtest.js";
import { BACKTEST_TOP, prepareRecommendBacktest, recommendBacktest, scoreLists, type RecommendBacktestData } from "../src/engine/backtest/recommend-backtest.js";
import { collectBaskets } from "../src/engine/recommend/co-occurrence.js";
import { buildContentGraph } from "../src/engine/recommend/content.js";
import { easeGraph, fitEaseOn, type EaseFit } from "../src/engine/recommend/ease.js";
import { emptyItemGraph } from "../src/engine/recommend/item-graph.js";
import { buildPersonalModel, type PurchaseModel } from "../src/engine/recommend/personal.js";

const DATA = join(import.meta.dirname, "..", "..", "shared", "data", "online-retail", "online_retail.csv.gz");
const OUT = join(import.meta.dirname, "..", ".tailor", "recommend-backtest");
const SPLITS = [
  { name: "reported", cutoff: "2011-11-01", end: "2011-12-10" },
  { name: "inner", cutoff: "2011-10-01", end: "2011-11-01" },
] as const;

const seconds = (since: number): string => `${((performance.now() - since) / 1000).toFixed(1)} s`;
const peakMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

let started = performance.now();
const skipped = new Map<string, number>();
const events: Event[] = [];
for await (const event of readOrdersFile(DATA, { format: "online-retail", skipped })) events.push(event);
process.stdout.write(`read ${events.length} orders and refunds in ${seconds(started)}; skipped ${[...skipped.values()].reduce((a, b) => a + b, 0)} records\n`);

for (const split of SPLITS) {
  const cutoff = new Date(`${split.cutoff}T00:00:00Z`);
  const end = new Date(`${split.end}T00:00:00Z`);
  const calibration = events.filter((e) => e.at < cutoff);
  const test = events.filter((e) => e.at >= cutoff && e.at < end);
  started = performance.now();
  const { rows, report } = recommendBacktest({ calibration, test, cutoff });
  process.stdout.write(`\n== ${split.name} split (${seconds(started)}, peak RSS ${peakMb()} MB)\n${formatRecommendBacktestTable(report)}\n`);
  const dir = join(OUT, split.name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "recommendations.csv"), formatRecommendationsCsv(rows));
  writeFileSync(join(dir, "report.md"), formatRecommendBacktestMarkdown(report));

  if (process.argv.includes("--dense") || (process.argv.includes("--tune") && split.name === "inner")) {
    const data = prepareRecommendBacktest({ calibration, test, cutoff });
    const settings = data.settings.recommendations;
    const baskets = collectBaskets([...data.book.contacts.values()].map((t) => t.purchasedAt));
    const fits = new Map<number, EaseFit>();
    const fitFor = (lambda: number): EaseFit => {
      const known = fits.get(lambda);
      if (known !== undefined) return known;
      started = performance.now();
      const fit = fitEaseOn(baskets, settings.easeMaxItems, lambda);
      process.stdout.write(`EASE fit on ${fit.items.length} items, lambda ${lambda}: ${seconds(started)}\n`);
      fits.set(lambda, fit);
      return fit;
    };
    if (process.argv.includes("--dense")) compareDense(data, baskets, fitFor(settings.easeLambda));
    if (process.argv.includes("--tune") && split.name === "inner") tune(data, baskets, fitFor);
  }
}

/** Pure EASE (no hybrid parts) scored dense, over every covered item, and sparse, from the top-K graph the engine keeps. */
function compareDense(data: RecommendBacktestData, baskets: ReturnType<typeof collectBaskets>, fit: EaseFit): void {
  const n = fit.items.length;
  const position = new Map<string, number>();
  fit.items.forEach((item, a) => position.set(baskets.ids[item] ?? "", a));
  started = performance.now();
  const dense = data.evaluated.map((c) => {
    const scores = new Float64Array(n);
    for (const id in c.contact.purchasedAt) {
      const a = position.get(id);
      if (a !== undefined) for (let b = 0; b < n; b++) scores[b] = (scores[b] ?? 0) + (fit.weights[a * n + b] ?? 0);
    }
    const order = Array.from(scores.keys()).filter((b) => !Object.hasOwn(c.contact.purchasedAt, baskets.ids[fit.items[b] ?? 0] ?? ""));
    order.sort((x, y) => (scores[y] ?? 0) - (scores[x] ?? 0) || x - y);
    return order.slice(0, BACKTEST_TOP).map((b) => baskets.ids[fit.items[b] ?? 0] ?? "");
  });
  const denseTime = seconds(started);
  const pure = { personalViewWeight: 0, personalContentWeight: 0, personalPopularityWeight: 0, personalHalfLifeDays: 3650 };
  started = performance.now();
  const sparse = rankAll(data, { kind: "ease", items: n, why: "sparse", graph: easeGraph(baskets, fit, data.settings.recommendations.neighbours) }, pure);
  const sparseTime = seconds(started);
  const line = (label: string, lists: readonly (readonly string[])[], time: string) => {
    const s = scoreLists(data, "tailor_personal", lists);
    return `${label}: NDCG@5 ${s.ndcg.toFixed(4)}, Recall@5 ${s.recall.toFixed(4)}, hit rate ${(s.hitRate * 100).toFixed(1)} %, coverage ${(s.coverage * 100).toFixed(1)} % (${time} for ${data.evaluated.length} customers)\n`;
  };
  process.stdout.write(line("EASE dense ", dense, denseTime) + line(`EASE sparse (top ${data.settings.recommendations.neighbours})`, sparse, sparseTime));
}

/** The grid the defaults were chosen on: inner split only, best NDCG@5 first. */
function tune(data: RecommendBacktestData, baskets: ReturnType<typeof collectBaskets>, fitFor: (lambda: number) => EaseFit): void {
  const settings = data.settings.recommendations;
  const content = buildContentGraph(new Map(data.products.map((p) => [p.id, p])), settings);
  const results: { label: string; ndcg: number; recall: number }[] = [];
  for (const lambda of [200, 300, 400, 600, 800]) {
    const fit = fitFor(lambda);
    const model: PurchaseModel = { kind: "ease", items: fit.items.length, why: "", graph: easeGraph(baskets, fit, settings.neighbours) };
    for (const personalHalfLifeDays of [90, 180, 365, 3650]) {
      for (const personalContentWeight of [0, 0.1, 0.2, 0.3, 0.5]) {
        for (const personalPopularityWeight of [0, 0.05, 0.1]) {
          const s = scoreLists(data, "tailor_personal", rankAll(data, model, { personalHalfLifeDays, personalContentWeight, personalPopularityWeight }, content));
          results.push({ label: `lambda ${lambda}, half-life ${personalHalfLifeDays}, content ${personalContentWeight}, popularity ${personalPopularityWeight}`, ndcg: s.ndcg, recall: s.recall });
        }
      }
    }
  }
  results.sort((a, b) => b.ndcg - a.ndcg);
  process.stdout.write(`inner-split grid, best 10 of ${results.length} by NDCG@5:\n${results.slice(0, 10).map((r) => `  ${r.label}: NDCG@5 ${r.ndcg.toFixed(4)}, Recall@5 ${r.recall.toFixed(4)}`).join("\n")}\n`);
}

function rankAll(data: RecommendBacktestData, purchaseModel: PurchaseModel, overrides: Partial<RecommendationSettings>, content = emptyItemGraph()): string[][] {
  const catalog = new Map(data.products.map((p) => [p.id, p]));
  const settings = { ...data.settings.recommendations, ...overrides };
  const model = buildPersonalModel({ book: data.book, catalog, settings, now: data.now, coView: emptyItemGraph(), content, purchaseModel });
  return data.evaluated.map((c) => model.rank(c.contact, BACKTEST_TOP).map((r) => r.productId));
}
