import type { Product, RecommendationSettings } from "../../domain/index.js";
import type { FeatureBook } from "../feature-book.js";
import { DAY_MS, utcDayOf } from "../utc-day.js";

import type { Generator, RankedList } from "./candidate.js";
import { daysAgoText } from "./days-ago-text.js";
import { scopedCandidates, toRankedList } from "./ranked-list.js";
import { compareIds } from "../compare-ids.js";

/** When a new product arrived and what says so: the catalog's creation date, or its first sale when the catalog has none. */
export type Arrival = {
  readonly productId: string;
  /** Epoch ms; a first sale counts from the start of its UTC day. */
  readonly addedAt: number;
  /** Whole days since it arrived (0 = today). */
  readonly days: number;
  readonly basis: "created" | "first_sale";
};

/**
 * Catalog products that arrived in the last `newArrivalDays`, newest first, ties by product id.
 * A creation date in the future (a product added while the run pulled) counts as today. A first
 * sale counts only when the store's sales history starts at least `newArrivalDays` before it:
 * a store whose history begins last week would otherwise see its whole catalog as new.
 */
export function newArrivalsOf(book: FeatureBook, catalog: ReadonlyMap<string, Product>, settings: RecommendationSettings, now: Date): Arrival[] {
  const nowMs = now.getTime();
  const today = utcDayOf(nowMs);
  const window = settings.newArrivalDays;
  let historyStart: number | null = null;
  const arrivals: Arrival[] = [];
  for (const product of catalog.values()) {
    if (product.createdAt !== undefined) {
      const addedAt = Math.min(product.createdAt.getTime(), nowMs);
      const days = Math.floor((nowMs - addedAt) / DAY_MS);
      if (days < window) arrivals.push({ productId: product.id, addedAt, days, basis: "created" });
      continue;
    }
    const firstDay = firstSaleDay(book.unitsByDay.get(product.id), today);
    if (firstDay === null || today - firstDay >= window) continue;
    historyStart ??= firstSaleOfStore(book, today);
    if (firstDay - historyStart < window) continue;
    arrivals.push({ productId: product.id, addedAt: firstDay * DAY_MS, days: today - firstDay, basis: "first_sale" });
  }
  return arrivals.sort((a, b) => b.addedAt - a.addedAt || compareIds(a.productId, b.productId));
}

/** New arrivals as a ranked list; the score falls from 1 on arrival toward 0 as the window closes. */
export function rankNewArrivals(book: FeatureBook, catalog: ReadonlyMap<string, Product>, settings: RecommendationSettings, now: Date): RankedList {
  const windowMs = settings.newArrivalDays * DAY_MS;
  const candidates = newArrivalsOf(book, catalog, settings, now).map((arrival) => ({
    productId: arrival.productId,
    score: 1 - (now.getTime() - arrival.addedAt) / windowMs,
    why: `new: ${arrivalText(arrival)}`,
  }));
  return toRankedList(candidates, catalog);
}

/** "new_arrivals": the newest products within the scope. */
export const newArrivalsSource: Generator = (_contact, model, scope) => scopedCandidates(model.newArrivals, scope);

/** "added 6 days ago", or "first sold 6 days ago" when that is all the store knows. */
export const arrivalText = (arrival: Arrival): string =>
  `${arrival.basis === "created" ? "added" : "first sold"} ${daysAgoText(arrival.days)}`;

function firstSaleDay(byDay: ReadonlyMap<number, number> | undefined, today: number): number | null {
  let first: number | null = null;
  for (const [day, units] of byDay ?? []) {
    if (units > 0 && day <= today && (first === null || day < first)) first = day;
  }
  return first;
}

function firstSaleOfStore(book: FeatureBook, today: number): number {
  let first = today;
  for (const byDay of book.unitsByDay.values()) first = Math.min(first, firstSaleDay(byDay, today) ?? today);
  return first;
}
