import type { Product, RecommendationSettings } from "../../domain/index.js";
import type { FeatureBook } from "../feature-book.js";
import { DAY_MS, utcDayOf } from "../utc-day.js";
import { unitsBetween } from "./bestsellers.js";
import type { Candidate, RankedList } from "./candidate.js";
import { arrivalText, newArrivalsOf } from "./new-arrivals.js";
import { toRankedList } from "./ranked-list.js";
import { MIN_TRENDING_UNITS } from "./trending.js";
import { compareIds } from "../compare-ids.js";

/**
 * A product that sold fewer units than this in the bestseller window is under-exposed: too few
 * for trending (which needs the same number) to notice it, and far down any bestseller list.
 */
export const UNDER_EXPOSED_UNITS = MIN_TRENDING_UNITS;

const LEARN = "shown to learn what sells";

/**
 * The exploration pool: new arrivals first (newest first), then catalog products that sold
 * fewer than UNDER_EXPOSED_UNITS in the bestseller window, fewest sold first (never-sold ones
 * lead), ties by product id. Scores keep that order: new ones in (1, 2], the rest in (0, 0.5].
 */
export function rankUnderExposed(book: FeatureBook, catalog: ReadonlyMap<string, Product>, settings: RecommendationSettings, now: Date): RankedList {
  const days = settings.bestsellerWindowDays;
  const today = utcDayOf(now.getTime());
  const arrivals = newArrivalsOf(book, catalog, settings, now);
  const windowMs = settings.newArrivalDays * DAY_MS;
  const pool: Candidate[] = arrivals.map((arrival) => ({
    productId: arrival.productId,
    score: 2 - (now.getTime() - arrival.addedAt) / windowMs,
    why: `exploration: new (${arrivalText(arrival)}), ${LEARN}`,
  }));
  const isNew = new Set(arrivals.map((a) => a.productId));
  const rare: (Candidate & { readonly units: number })[] = [];
  for (const productId of catalog.keys()) {
    if (isNew.has(productId)) continue;
    const units = unitsBetween(book.unitsByDay.get(productId), today - days + 1, today);
    if (units >= UNDER_EXPOSED_UNITS) continue;
    rare.push({ productId, units, score: 1 / (2 + units), why: `exploration: under-exposed (${units} sold in the last ${days} days), ${LEARN}` });
  }
  rare.sort((a, b) => a.units - b.units || compareIds(a.productId, b.productId));
  for (const { productId, score, why } of rare) pool.push({ productId, score, why });
  return toRankedList(pool, catalog);
}
