import type { Product, RecommendationSettings } from "../../domain/index.js";
import { plural } from "../plural.js";
import { round2 } from "../round2.js";
import { DAY_MS } from "../utc-day.js";
import type { RecContact } from "./candidate.js";
import { categoryKey, isUnder } from "./category-key.js";

// A replenishable product comes back a week before the contact should run out, so the
// email lands while they still have some left and there is time to ship.
const REPLENISH_LEAD_MS = 7 * DAY_MS;

/** A category from the settings: its comparable key and the name the marketer typed. */
type NamedCategory = { readonly key: string; readonly name: string };

/** The business rules of one run, compiled once from the settings and shared by every contact. */
export type CompiledRules = {
  readonly now: number;
  readonly minInventory: number;
  readonly blocklist: ReadonlySet<string>;
  readonly include: readonly NamedCategory[];
  readonly exclude: readonly NamedCategory[];
  /** Seasonal categories with no window open on `now`'s UTC day, each with its reason. */
  readonly outOfSeason: readonly (NamedCategory & { readonly why: string })[];
  /** 0 when the rule is off. */
  readonly excludePurchasedMs: number;
  readonly priceBand: number;
  readonly priceReference: RecommendationSettings["priceReference"];
  readonly marginFloor: number;
  /** categoryKey, memoised: a catalog repeats a few hundred categories across millions of checks. */
  readonly keyOf: (category: string) => string;
};

/** Compiles the rule settings once per run: category paths to comparable keys, seasonal windows to today's verdict. */
export function compileRules(settings: RecommendationSettings, now: Date): CompiledRules {
  const keys = new Map<string, string>();
  const keyOf = (category: string): string => {
    let key = keys.get(category);
    if (key === undefined) {
      key = categoryKey(category);
      keys.set(category, key);
    }
    return key;
  };
  const named = (name: string): NamedCategory => ({ key: keyOf(name), name });
  return {
    now: now.getTime(),
    minInventory: settings.minInventory,
    blocklist: new Set(settings.blocklist),
    include: settings.includeCategories.map(named),
    exclude: settings.excludeCategories.map(named),
    outOfSeason: outOfSeasonOn(settings.seasonal, now, named),
    excludePurchasedMs: settings.excludePurchasedDays * DAY_MS,
    priceBand: settings.priceBand,
    priceReference: settings.priceReference,
    marginFloor: settings.marginFloor,
    keyOf,
  };
}

/**
 * A category with several windows is in season when any of them is open; a product is in
 * season only when every seasonal category it falls under is, so a closed "Seasonal" also
 * closes "Seasonal > Christmas".
 */
function outOfSeasonOn(
  windows: RecommendationSettings["seasonal"],
  now: Date,
  named: (name: string) => NamedCategory,
): (NamedCategory & { why: string })[] {
  const today = (now.getUTCMonth() + 1) * 100 + now.getUTCDate();
  const byCategory = new Map<string, { category: NamedCategory; open: boolean; spans: string[] }>();
  for (const window of windows) {
    const category = named(window.category);
    const from = monthDayOf(window.from);
    const to = monthDayOf(window.to);
    // from > to wraps past New Year: "12-01" to "01-15".
    const open = from <= to ? today >= from && today <= to : today >= from || today <= to;
    const entry = byCategory.get(category.key) ?? { category, open: false, spans: [] };
    entry.open ||= open;
    entry.spans.push(`${window.from} to ${window.to}`);
    byCategory.set(category.key, entry);
  }
  return [...byCategory.values()]
    .filter((entry) => !entry.open)
    .map(({ category, spans }) => ({ ...category, why: `out of season: ${category.name} runs ${spans.join(", ")}` }));
}

/** "12-24" -> 1224, so month-days compare as numbers. */
const monthDayOf = (monthDay: string): number => Number(monthDay.slice(0, 2)) * 100 + Number(monthDay.slice(3, 5));

/**
 * A broken rule, formatted only when read: the slot filler rejects thousands of candidates
 * per contact and needs only the verdict, while reports and monitoring need the words.
 */
type Broken = () => string;
const INACTIVE: Broken = () => "inactive";
const OUT_OF_STOCK: Broken = () => "out of stock";
const BLOCKLISTED: Broken = () => "on the blocklist";
const PRICE_UNKNOWN: Broken = () => "price unknown";

/** The first rule a product breaks for this contact, as a reason a marketer reads; null when it may be shown. */
export const ruleBreak = (product: Product, contact: RecContact, rules: CompiledRules): string | null =>
  (productBroken(product, rules) ?? contactBroken(product, contact, rules))?.() ?? null;

/** ruleBreak's verdict without its words, for hot loops. */
export const breaksRule = (product: Product, contact: RecContact, rules: CompiledRules): boolean =>
  productBroken(product, rules) !== null || contactBroken(product, contact, rules) !== null;

/** The rules that hold for every contact alike, so a caller can filter a product once per run. */
export const productRuleBreak = (product: Product, rules: CompiledRules): string | null => productBroken(product, rules)?.() ?? null;

/** The rules that depend on the contact: recent purchases and the price band. */
export const contactRuleBreak = (product: Product, contact: RecContact, rules: CompiledRules): string | null =>
  contactBroken(product, contact, rules)?.() ?? null;

function productBroken(product: Product, rules: CompiledRules): Broken | null {
  if (!product.active) return INACTIVE;
  const { inventory } = product;
  if (inventory !== null && inventory < rules.minInventory) {
    return inventory <= 0 ? OUT_OF_STOCK : () => `only ${inventory} in stock (minimum ${rules.minInventory})`;
  }
  if (rules.blocklist.has(product.id)) return BLOCKLISTED;
  if (rules.include.length > 0 || rules.exclude.length > 0 || rules.outOfSeason.length > 0) {
    const key = rules.keyOf(product.category);
    if (rules.include.length > 0 && !rules.include.some((c) => isUnder(key, c.key))) {
      return () => {
        const included = rules.include.map((c) => c.name).join(", ");
        return product.category === "" ? `no category (only ${included} included)` : `${product.category} is outside the included categories (${included})`;
      };
    }
    const excluded = rules.exclude.find((c) => isUnder(key, c.key));
    if (excluded !== undefined) return () => `in excluded category ${excluded.name}`;
    const closed = rules.outOfSeason.find((c) => isUnder(key, c.key));
    if (closed !== undefined) return () => closed.why;
  }
  const { price, cost } = product;
  if (rules.marginFloor > 0 && cost !== undefined && price !== null && price > 0) {
    const share = (price - cost) / price;
    if (share < rules.marginFloor) return () => `margin ${percent(share)} below the ${percent(rules.marginFloor)} floor`;
  }
  return null;
}

function contactBroken(product: Product, contact: RecContact, rules: CompiledRules): Broken | null {
  const { now } = rules;
  const boughtAt = Object.hasOwn(contact.purchasedAt, product.id) ? contact.purchasedAt[product.id] : undefined;
  if (rules.excludePurchasedMs > 0 && boughtAt !== undefined && boughtAt > now - rules.excludePurchasedMs) {
    const bought = () => `bought ${plural(Math.max(0, Math.floor((now - boughtAt) / DAY_MS)), "day")} ago`;
    if (product.replenishDays === undefined) return bought;
    const quantity = Object.hasOwn(contact.lastQuantity, product.id) ? (contact.lastQuantity[product.id] ?? 1) : 1;
    // Two units last twice as long; a zero or missing quantity still counts as one.
    const dueAt = boughtAt + product.replenishDays * Math.max(1, quantity) * DAY_MS - REPLENISH_LEAD_MS;
    if (now < dueAt) return () => `${bought()}, due again in ${plural(Math.ceil((dueAt - now) / DAY_MS), "day")}`;
  }
  if (rules.priceBand > 0) {
    const itemPrice = rules.priceReference === "item_price";
    const reference = itemPrice ? contact.meanItemPrice : contact.aov;
    if (reference === null) return null;
    const { price } = product;
    if (price === null) return PRICE_UNKNOWN;
    // Bounds in whole cents, so the reason shows exactly the limits that were applied.
    const low = Math.max(0, round2(reference * (1 - rules.priceBand)));
    const high = round2(reference * (1 + rules.priceBand));
    if (price < low || price > high) {
      return () => `price ${money(price)} outside ${money(low)}-${money(high)} (±${percent(rules.priceBand)} of ${itemPrice ? "mean item price" : "AOV"} ${money(reference)})`;
    }
  }
  return null;
}

const money = (amount: number): string => amount.toFixed(2);
const percent = (share: number): string => `${round2(share * 100)} %`;
