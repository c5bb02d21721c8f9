import { decided } from "../domain/index.js";
import type { PriceBand } from "../domain/index.js";
import type { Confidence, Decided, Product } from "../domain/index.js";
import type { ContactFeatures, FeatureBook } from "./feature-book.js";

// Category affinity (views, carts and purchases weighted by settings.intent and decayed with its
// half-life) is computed by featuresOf; topCategoryOf in affinity.ts reads it.

/** Installation-level purchase transitions between categories, counted in customers. */
export type CategoryTransitions = {
  /** Category A -> customers who bought A in some order and placed a later order with a known category. */
  readonly customers: ReadonlyMap<string, number>;
  /** Category A -> category B -> customers whose order right after an order with A contained B. */
  readonly next: ReadonlyMap<string, ReadonlyMap<string, number>>;
};

/**
 * Counts, over every contact, category A bought in one order then category B in that
 * contact's next order (B may equal A: buying again in the same category is a transition
 * too). Each contact counts once per (A, B) pair and once per A, so one heavy buyer cannot
 * outvote the rest. Orders with no known category are skipped: they say nothing about taste.
 */
export function categoryTransitions(book: FeatureBook): CategoryTransitions {
  const customers = new Map<string, number>();
  const next = new Map<string, Map<string, number>>();
  for (const tally of book.contacts.values()) {
    if (tally.orders.length < 2) continue;
    // tally.orders is kept sorted by time as it is folded.
    const orders = tally.orders.filter((o) => o.categories.length > 0);
    const froms = new Set<string>();
    const pairs = new Map<string, Set<string>>();
    for (let i = 1; i < orders.length; i++) {
      const before = orders[i - 1]?.categories ?? [];
      const after = orders[i]?.categories ?? [];
      for (const a of before) {
        froms.add(a);
        let tos = pairs.get(a);
        if (tos === undefined) {
          tos = new Set();
          pairs.set(a, tos);
        }
        for (const b of after) tos.add(b);
      }
    }
    for (const a of froms) customers.set(a, (customers.get(a) ?? 0) + 1);
    for (const [a, tos] of pairs) {
      let counts = next.get(a);
      if (counts === undefined) {
        counts = new Map();
        next.set(a, counts);
      }
      for (const b of tos) counts.set(b, (counts.get(b) ?? 0) + 1);
    }
  }
  return { customers, next };
}

// Customers behind a transition for its confidence: under 10 one customer moves the rate by 10
// points or more; from 50 by 2 points at most.
const MEDIUM_FROM_CUSTOMERS = 10;
const HIGH_FROM_CUSTOMERS = 50;

/**
 * The category the contact most likely buys next: over the categories of their latest order
 * with a known category, the (A, B) transition with the highest rate count / customers(A);
 * ties go to the larger count, then to B alphabetically.
 */
export function nextCategoryOf(f: Pick<ContactFeatures, "orderCategories">, t: CategoryTransitions): Decided<string | null> {
  if (f.orderCategories.length === 0) return decided(null, "no orders yet");
  const last = f.orderCategories.findLast((categories) => categories.length > 0);
  if (last === undefined) return decided(null, "no ordered product has a category in the catalog");
  let best: { from: string; to: string; count: number; customers: number } | null = null;
  for (const from of last) {
    const customers = t.customers.get(from) ?? 0;
    for (const [to, count] of t.next.get(from) ?? []) {
      if (best === null || isBetter(count, customers, to, best)) best = { from, to, count, customers };
    }
  }
  if (best === null) return decided(null, `no customer who bought ${last.join(" or ")} has ordered again yet`);
  const confidence: Confidence = best.customers >= HIGH_FROM_CUSTOMERS ? "high" : best.customers >= MEDIUM_FROM_CUSTOMERS ? "medium" : "low";
  return decided(best.to, `${best.count} of ${best.customers} customer${best.customers === 1 ? "" : "s"} who bought ${best.from} next bought ${best.to}`, confidence);
}

function isBetter(count: number, customers: number, to: string, best: { to: string; count: number; customers: number }): boolean {
  // Cross-multiplied so equal rates compare equal without float rounding.
  const diff = count * best.customers - best.count * customers;
  if (diff !== 0) return diff > 0;
  if (count !== best.count) return count > best.count;
  return to < best.to;
}

/** The catalog's price thirds: prices below `lower` are the cheapest third, from `upper` the dearest. */
export type PriceTertiles = { readonly lower: number; readonly upper: number; readonly products: number };

/**
 * Price tertiles (linear interpolation between order statistics, R's type 7) of active
 * products with a price above 0; free items (samples, gift wrap) would drag the bands down.
 * Null when no product qualifies.
 */
export function catalogPriceTertiles(products: readonly Product[]): PriceTertiles | null {
  const prices = products.flatMap((p) => (p.active && p.price !== null && p.price > 0 ? [p.price] : [])).sort((a, b) => a - b);
  if (prices.length === 0) return null;
  return { lower: quantile(prices, 1 / 3), upper: quantile(prices, 2 / 3), products: prices.length };
}

function quantile(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const low = sorted[below] ?? 0;
  const high = sorted[Math.min(below + 1, sorted.length - 1)] ?? low;
  return low + (high - low) * (position - below);
}



// Units bought behind a price band's confidence: one item is a single choice; from 5 a pattern.
const MEDIUM_FROM_UNITS = 2;
const HIGH_FROM_UNITS = 5;

/**
 * The band the contact buys in: their mean unit price paid (every unit counts, so a line of 3
 * weighs 3) against the catalog's tertiles; budget below the lower tertile, premium from the
 * upper one, mid in between. Null when they bought nothing or the catalog has no prices.
 */
export function priceBandOf(f: Pick<ContactFeatures, "itemPrices">, tertiles: PriceTertiles | null): Decided<PriceBand | null> {
  const { units, total } = f.itemPrices;
  if (units === 0) return decided(null, "no items bought yet");
  if (tertiles === null) return decided(null, "the catalog has no priced active products to compare with");
  const mean = total / units;
  const confidence: Confidence = units >= HIGH_FROM_UNITS ? "high" : units >= MEDIUM_FROM_UNITS ? "medium" : "low";
  const evidence = `mean price paid ${money(mean)} over ${units} item${units === 1 ? "" : "s"}; catalog thirds split at ${money(tertiles.lower)} and ${money(tertiles.upper)}`;
  if (mean < tertiles.lower) return decided("budget", evidence, confidence);
  if (mean >= tertiles.upper) return decided("premium", evidence, confidence);
  return decided("mid", evidence, confidence);
}

const money = (n: number): string => (Math.round(n * 100) / 100).toFixed(2);
