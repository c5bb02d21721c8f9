import type { Contact, RecommendationSettings, SlotExposure } from "../../domain/index.js";
import type { ContactFeatures } from "../feature-book.js";
import { DAY_MS } from "../utc-day.js";

import type { RecContact } from "./candidate.js";
import { categoryKey } from "./category-key.js";
import { ancestorPaths } from "./in-scope.js";
import { compareIds } from "../compare-ids.js";

/** What recContactOf needs besides the contact and their features. */
export type RecContactInput = {
  readonly settings: RecommendationSettings;
  readonly now: Date;
  /** The catalog's category paths. */
  readonly categories: ReadonlySet<string>;
  /** The contact's stored slot lists, in any order. */
  readonly slotHistory?: readonly SlotExposure[];
};

/**
 * Most categories a contact's affinity scope holds: past the strongest few, a "category you
 * like" rests on a stray view, and each one is another list the scoped sources merge per contact.
 */
export const MAX_AFFINITY_CATEGORIES = 5;

const NO_PRODUCTS: ReadonlySet<string> = new Set();

/** The per-contact view the recommendation sources and rules read, derived once from the contact's features. */
export function recContactOf(contact: Contact, f: ContactFeatures, input: RecContactInput): RecContact {
  const { settings, now } = input;
  const recentFrom = now.getTime() - settings.recentViewDays * DAY_MS;
  const behaviour = affinityCategoriesOf(f.categoryScores);
  // Cold start: with no behaviour to go on, what the contact told us picks their categories.
  const stated = behaviour.length === 0 ? statedCategoriesOf(contact, f, input.categories) : [];
  const categories = behaviour.length > 0 ? behaviour : stated;
  return {
    contactId: contact.id,
    purchasedAt: f.purchasedAt,
    lastQuantity: f.lastQuantity,
    viewedAt: timesFrom(f.viewedAt, recentFrom),
    cartedAt: timesFrom(f.cartedAt, recentFrom),
    lastOrderProducts: latestPurchase(f.purchasedAt),
    orders: f.orders,
    aov: f.orders > 0 ? f.revenue / f.orders : null,
    meanItemPrice: f.itemPrices.units > 0 ? f.itemPrices.total / f.itemPrices.units : null,
    topCategory: categories[0] ?? null,
    affinityCategories: categories,
    categoriesStated: stated.length > 0,
    shown: shownIn(f.sendTimes, input.slotHistory ?? [], settings.rotationSends, now.getTime()),
  };
}

/** Categories with a positive affinity score, highest first, ties by name, at most MAX_AFFINITY_CATEGORIES. */
function affinityCategoriesOf(scores: Readonly<Record<string, number>>): string[] {
  // One pass keeping the best few in order: this runs for every contact, and sorting every
  // category a contact ever touched (Object.entries + sort) took most of recContactOf's time.
  const best: { readonly category: string; readonly score: number }[] = [];
  for (const category in scores) {
    const score = scores[category] ?? 0;
    if (score <= 0) continue;
    let i = best.length;
    while (i > 0 && ranksBelow(best[i - 1], category, score)) i--;
    if (i < MAX_AFFINITY_CATEGORIES) {
      best.splice(i, 0, { category, score });
      if (best.length > MAX_AFFINITY_CATEGORIES) best.pop();
    }
  }
  return best.map((b) => b.category);
}

/** True when `held` ranks below a category with `score` (higher score first, then name). */
const ranksBelow = (held: { readonly category: string; readonly score: number } | undefined, category: string, score: number): boolean =>
  held !== undefined && (held.score < score || (held.score === score && held.category > category));

/**
 * Catalog categories named by the contact's stated preferences (profile first, then the latest
 * preference-centre or quiz answers), in the order they were named. A value names a path when it
 * equals the path or its last segment, ignoring case and the separator's spelling ("shoes" and
 * "apparel/shoes" both name "Apparel > Shoes"); a leaf under two parents names both.
 */
function statedCategoriesOf(contact: Contact, f: ContactFeatures, categories: ReadonlySet<string>): string[] {
  const values = [...Object.values(contact.preferences), ...Object.values(f.statedAnswers)].flat();
  if (values.length === 0) return [];
  const index = categoryIndexOf(categories);
  const named = new Set<string>();
  for (const value of values) {
    const key = categoryKey(value);
    for (const path of index.byPath.get(key) ?? index.byLeaf.get(key) ?? []) {
      if (named.size < MAX_AFFINITY_CATEGORIES) named.add(path);
    }
  }
  return [...named];
}

type CategoryIndex = {
  readonly byPath: ReadonlyMap<string, readonly string[]>;
  readonly byLeaf: ReadonlyMap<string, readonly string[]>;
};

// Built once per catalog, not per contact: recContactOf runs for every contact of the run.
const indexByCatalog = new WeakMap<ReadonlySet<string>, CategoryIndex>();

/** Every catalog path and ancestor, by its case-folded path and by its case-folded last segment, paths in code-unit order. */
function categoryIndexOf(categories: ReadonlySet<string>): CategoryIndex {
  const known = indexByCatalog.get(categories);
  if (known !== undefined) return known;
  const paths = [...new Set([...categories].flatMap(ancestorPaths))].sort(compareIds);
  const byPath = new Map<string, string[]>();
  const byLeaf = new Map<string, string[]>();
  for (const path of paths) {
    const key = categoryKey(path);
    append(byPath, key, path);
    append(byLeaf, key.slice(key.lastIndexOf(">") + 1), path);
  }
  const index = { byPath, byLeaf };
  indexByCatalog.set(categories, index);
  return index;
}

function append(map: Map<string, string[]>, key: string, path: string): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [path]);
  else list.push(path);
}

/** The entries at or after `from`; the same map when none is older, as is usual for an active contact. */
function timesFrom(times: ReadonlyMap<string, number>, from: number): ReadonlyMap<string, number> {
  let stale = false;
  for (const at of times.values()) if (at < from) stale = true;
  if (!stale) return times;
  return new Map([...times].filter(([, at]) => at >= from));
}

/** Products bought at the latest purchase time, in id order: the latest order, as far as the features keep it. */
function latestPurchase(purchasedAt: Readonly<Record<string, number>>): string[] {
  let latest = -Infinity;
  let products: string[] = [];
  for (const productId in purchasedAt) {
    const at = purchasedAt[productId] ?? -Infinity;
    if (at > latest) {
      latest = at;
      products = [productId];
    } else if (at === latest) {
      products.push(productId);
    }
  }
  return products.sort(compareIds);
}

/**
 * Products of the slot list that was live at each of the contact's last `sends` sends up to
 * `now`: the latest exposure at or before the send (several stored at one instant all count).
 */
function shownIn(sendTimes: readonly number[], history: readonly SlotExposure[], sends: number, now: number): ReadonlySet<string> {
  if (sends === 0 || history.length === 0) return NO_PRODUCTS;
  const shown = new Set<string>();
  for (const sentAt of sendTimes.filter((at) => at <= now).slice(-sends)) {
    let liveAt = -Infinity;
    for (const exposure of history) if (exposure.at <= sentAt && exposure.at > liveAt) liveAt = exposure.at;
    for (const exposure of history) {
      if (exposure.at === liveAt) for (const productId of exposure.productIds) shown.add(productId);
    }
  }
  return shown.size === 0 ? NO_PRODUCTS : shown;
}
