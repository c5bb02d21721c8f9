import { decided, MAX_REC_SLOTS } from "../../domain/index.js";
import type { Decided, Product, RecommendationSettings } from "../../domain/index.js";
import type { FeatureBook } from "../feature-book.js";
import { DAY_MS, utcDayOf } from "../utc-day.js";

/** A product that may be recommended, with the units it sold in the bestseller window. */
export type Bestseller = {
  readonly product: Product;
  readonly unitsSold: number;
  /** The slot decision for a contact who never bought it, made once and shared by all of them. */
  readonly pick: Decided<Product>;
};

/** The run's bestsellers and the empty-slot decisions, computed once and shared by every contact. */
export type BestsellerRanking = {
  readonly sellers: readonly Bestseller[];
  readonly rules: RecommendationSettings;
  readonly now: Date;
  /** Reason for an unfillable slot, by how many slots were filled (0 .. rules.slots - 1). */
  readonly shortfall: readonly Decided<null>[];
  /** Reason for a slot past rules.slots. */
  readonly unused: Decided<null>;
};

/**
 * Active, in-stock products that sold in the last `bestsellerWindowDays` UTC days (today
 * included), most units first, ties by product id.
 */
export function rankBestsellers(
  book: FeatureBook,
  products: readonly Product[],
  rules: RecommendationSettings,
  now: Date,
): BestsellerRanking {
  const today = utcDayOf(now.getTime());
  const firstDay = today - rules.bestsellerWindowDays + 1;
  // Keyed by id so a product listed twice is ranked once, as its latest version.
  const catalog = new Map(products.map((p) => [p.id, p]));
  const counted: { product: Product; unitsSold: number }[] = [];
  for (const product of catalog.values()) {
    if (!product.active || (product.inventory !== null && product.inventory <= 0)) continue;
    let unitsSold = 0;
    for (const [day, units] of book.unitsByDay.get(product.id) ?? []) {
      if (day >= firstDay && day <= today) unitsSold += units;
    }
    if (unitsSold > 0) counted.push({ product, unitsSold });
  }
  counted.sort((a, b) => b.unitsSold - a.unitsSold || compareIds(a.product.id, b.product.id));
  const sellers = counted.map(({ product, unitsSold }) => ({
    product,
    unitsSold,
    pick: decided(product, `${bestsellerEvidence(unitsSold, rules)}; not bought by this contact`),
  }));
  return {
    sellers,
    rules,
    now,
    shortfall: Array.from({ length: rules.slots }, (_, filled) => decided(null, shortfallReason(filled, rules))),
    unused: decided(null, `slot not used: settings fill ${rules.slots} slots`),
  };
}

/**
 * MAX_REC_SLOTS picks for one contact: the first `rules.slots` get the best sellers this
 * contact has not bought recently, no product twice; the rest are null with a reason.
 */
export function pickBestsellers(ranking: BestsellerRanking, purchasedAt: Readonly<Record<string, number>>): Decided<Product | null>[] {
  const { rules, now } = ranking;
  const picks: Decided<Product | null>[] = [];
  const excludeAfter = now.getTime() - rules.excludePurchasedDays * DAY_MS;
  for (const seller of ranking.sellers) {
    if (picks.length === rules.slots) break;
    const boughtAt = Object.hasOwn(purchasedAt, seller.product.id) ? purchasedAt[seller.product.id] : undefined;
    if (boughtAt === undefined) {
      picks.push(seller.pick);
      continue;
    }
    // excludePurchasedDays = 0 turns the rule off, as its setting documents.
    if (rules.excludePurchasedDays > 0 && boughtAt > excludeAfter) continue;
    const days = Math.floor((now.getTime() - boughtAt) / DAY_MS);
    picks.push(decided(seller.product, `${bestsellerEvidence(seller.unitsSold, rules)}; last bought by this contact ${days} days ago`));
  }
  const shortfall = ranking.shortfall[picks.length];
  while (shortfall !== undefined && picks.length < rules.slots) picks.push(shortfall);
  while (picks.length < MAX_REC_SLOTS) picks.push(ranking.unused);
  return picks;
}

const bestsellerEvidence = (unitsSold: number, rules: RecommendationSettings): string =>
  `bestseller: ${unitsSold} sold in the last ${rules.bestsellerWindowDays} days`;

function shortfallReason(filled: number, rules: RecommendationSettings): string {
  const count = filled === 0 ? "no product passes" : filled === 1 ? "only 1 product passes" : `only ${filled} products pass`;
  const purchased = rules.excludePurchasedDays > 0 ? `, not bought by this contact in the last ${rules.excludePurchasedDays} days` : "";
  return `${count} the rules (active, in stock, sold in the last ${rules.bestsellerWindowDays} days${purchased})`;
}

// Code-unit order, not localeCompare: the ranking must not depend on the machine's locale.
const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
