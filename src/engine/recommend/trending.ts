import type { Product, RecommendationSettings } from "../../domain/index.js";
import type { FeatureBook } from "../feature-book.js";
import { utcDayOf } from "../utc-day.js";
import { unitsBetween } from "./bestsellers.js";
import type { Candidate, Generator, RankedList } from "./candidate.js";
import { scopedCandidates, toRankedList } from "./ranked-list.js";
import { compareIds } from "../compare-ids.js";

/**
 * Fewest units in the recent span for a product to trend: a rise from 0 to 3 is the smallest
 * one the score below puts past 1.645, the one-sided 5 % level; 0 to 2 could be chance.
 */
export const MIN_TRENDING_UNITS = 3;

/**
 * How far sales rose from the previous span to the recent one, as the normal approximation to
 * the test that both spans share one Poisson sales rate: (recent - previous) / sqrt(recent +
 * previous). It grows with the ratio and with the volume behind it, so one sale from zero
 * scores 1 while 48 from 12 scores 4.6 and 100 from 0 scores 10.
 */
export const trendScore = (recent: number, previous: number): number =>
  recent + previous === 0 ? 0 : (recent - previous) / Math.sqrt(recent + previous);

/**
 * Catalog products whose sales rose from the `trendingDays` UTC days before the recent span to
 * the recent span (today included), at least MIN_TRENDING_UNITS of them recently, by trendScore,
 * then recent units, then product id.
 */
export function rankTrending(book: FeatureBook, catalog: ReadonlyMap<string, Product>, settings: RecommendationSettings, now: Date): RankedList {
  const days = settings.trendingDays;
  const today = utcDayOf(now.getTime());
  const rising: (Candidate & { readonly recent: number })[] = [];
  for (const [productId, byDay] of book.unitsByDay) {
    if (!catalog.has(productId)) continue;
    const recent = unitsBetween(byDay, today - days + 1, today);
    if (recent < MIN_TRENDING_UNITS) continue;
    const previous = unitsBetween(byDay, today - 2 * days + 1, today - days);
    if (recent <= previous) continue;
    rising.push({ productId, score: trendScore(recent, previous), recent, why: `trending: ${recent} sold in the last ${days} days, up from ${previous}` });
  }
  rising.sort((a, b) => b.score - a.score || b.recent - a.recent || compareIds(a.productId, b.productId));
  return toRankedList(rising.map(({ productId, score, why }) => ({ productId, score, why })), catalog);
}

/** "trending": the fastest-rising products within the scope. */
export const trendingSource: Generator = (_contact, model, scope) => scopedCandidates(model.trending, scope);
