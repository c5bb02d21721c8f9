import type { Product, RecommendationSettings } from "../../domain/index.js";
import type { FeatureBook } from "../feature-book.js";
import { utcDayOf } from "../utc-day.js";
import type { Candidate, Generator, RankedList } from "./candidate.js";
import { scopedCandidates, toRankedList } from "./ranked-list.js";
import { compareIds } from "../compare-ids.js";

/**
 * Catalog products by units sold in the last `bestsellerWindowDays` UTC days (today included),
 * most first, ties by product id; products that sold nothing are left out. Rules (stock,
 * activity, price) are the slot filler's, applied to every source alike.
 */
export function rankBestsellers(book: FeatureBook, catalog: ReadonlyMap<string, Product>, settings: RecommendationSettings, now: Date): RankedList {
  const days = settings.bestsellerWindowDays;
  const today = utcDayOf(now.getTime());
  const sold: Candidate[] = [];
  for (const [productId, byDay] of book.unitsByDay) {
    if (!catalog.has(productId)) continue;
    const units = unitsBetween(byDay, today - days + 1, today);
    if (units > 0) sold.push({ productId, score: units, why: `bestseller: ${units} sold in the last ${days} days` });
  }
  sold.sort((a, b) => b.score - a.score || compareIds(a.productId, b.productId));
  return toRankedList(sold, catalog);
}

/** "bestsellers": the store's best sellers within the scope. */
export const bestsellersSource: Generator = (_contact, model, scope) => scopedCandidates(model.bestsellers, scope);

/** Units sold on UTC days firstDay..lastDay, both included. */
export function unitsBetween(byDay: ReadonlyMap<number, number> | undefined, firstDay: number, lastDay: number): number {
  let units = 0;
  for (const [day, n] of byDay ?? []) {
    if (day >= firstDay && day <= lastDay) units += n;
  }
  return units;
}
