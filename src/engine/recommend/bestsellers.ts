import { decided, MAX_REC_SLOTS } from "../../domain/index.js";
import type { Decided, Product, RecommendationSettings } from "../../domain/index.js";
import type { FeatureBook } from "../feature-book.js";
import { DAY_MS, utcDayOf } from "../utc-day.js";

/** A product that may be recommended, with the units it sold in the bestseller window. */
export type Bestseller = { readonly product: Product; readonly unitsSold: number };

/**
 * Active, in-stock products that sold in the last `bestsellerWindowDays` UTC days (today
 * included), most units first, ties by product id. Computed once per run, shared by all contacts.
 */
export function rankBestsellers(
  book: FeatureBook,
  products: readonly Product[],
  rules: RecommendationSettings,
  now: Date,
): Bestseller[] {
  const today = utcDayOf(now.getTime());
  const firstDay = today - rules.bestsellerWindowDays + 1;
  // Keyed by id so a product listed twice is ranked once, as its latest version.
  const catalog = new Map(products.map((p) => [p.id, p]));
  const ranking: Bestseller[] = [];
  for (const product of catalog.values()) {
    if (!product.active || (product.inventory !== null && product.inventory <= 0)) continue;
    let unitsSold = 0;
    for (const [day, units] of book.unitsByDay.get(product.id) ?? []) {
      if (day >= firstDay && day <= today) unitsSold += units;
    }
    if (unitsSold > 0) ranking.push({ product, unitsSold });
  }
  return ranking.sort((a, b) => b.unitsSold - a.unitsSold || compareIds(a.product.id, b.product.id));
}

/**
 * Fills MAX_REC_SLOTS picks from the ranking: the first `rules.slots` get the best sellers
 * this contact has not bought recently, no product twice; the rest are null with a reason.
 */
export function pickBestsellers(
  ranking: readonly Bestseller[],
  purchasedAt: Readonly<Record<string, number>>,
  rules: RecommendationSettings,
  now: Date,
): Decided<Product | null>[] {
  const picks: Decided<Product | null>[] = [];
  const excludeAfter = now.getTime() - rules.excludePurchasedDays * DAY_MS;
  for (const { product, unitsSold } of ranking) {
    if (picks.length === rules.slots) break;
    const boughtAt = Object.hasOwn(purchasedAt, product.id) ? purchasedAt[product.id] : undefined;
    // excludePurchasedDays = 0 turns the rule off, as its setting documents.
    if (boughtAt !== undefined && rules.excludePurchasedDays > 0 && boughtAt > excludeAfter) continue;
    const history = boughtAt === undefined ? "not bought by this contact" : `last bought by this contact ${Math.floor((now.getTime() - boughtAt) / DAY_MS)} days ago`;
    picks.push(decided(product, `bestseller: ${unitsSold} sold in the last ${rules.bestsellerWindowDays} days; ${history}`));
  }
  const filled = picks.length;
  const shortfall = decided(null, shortfallReason(filled, rules));
  while (picks.length < rules.slots) picks.push(shortfall);
  const unused = decided(null, `slot not used: settings fill ${rules.slots} slots`);
  while (picks.length < MAX_REC_SLOTS) picks.push(unused);
  return picks;
}

function shortfallReason(filled: number, rules: RecommendationSettings): string {
  const count = filled === 0 ? "no product passes" : filled === 1 ? "only 1 product passes" : `only ${filled} products pass`;
  const purchased = rules.excludePurchasedDays > 0 ? `, not bought by this contact in the last ${rules.excludePurchasedDays} days` : "";
  return `${count} the rules (active, in stock, sold in the last ${rules.bestsellerWindowDays} days${purchased})`;
}

// Code-unit order, not localeCompare: the ranking must not depend on the machine's locale.
const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
