import { DAY_MS } from "../utc-day.js";

import type { Candidate, CategoryScope, RecContact, RecModel } from "./candidate.js";
import { inScope } from "./in-scope.js";
import { compareIds } from "../compare-ids.js";

/**
 * Catalog products the contact touched (viewed, carted) and has not bought at or after that
 * moment, latest first, ties by product id; the score falls from 1 with age in days.
 */
export function notBoughtSince(
  touchedAt: ReadonlyMap<string, number>,
  contact: RecContact,
  model: RecModel,
  scope: CategoryScope,
  why: (days: number) => string,
): Candidate[] {
  const open: { productId: string; at: number }[] = [];
  for (const [productId, at] of touchedAt) {
    const product = model.catalog.get(productId);
    if (product === undefined || !inScope(product.category, scope)) continue;
    // hasOwn: a product id such as "constructor" must not read Object.prototype.
    const boughtAt = Object.hasOwn(contact.purchasedAt, productId) ? contact.purchasedAt[productId] : undefined;
    if (boughtAt !== undefined && boughtAt >= at) continue;
    open.push({ productId, at });
  }
  open.sort((a, b) => b.at - a.at || compareIds(a.productId, b.productId));
  return open.map(({ productId, at }) => {
    const age = Math.max(0, model.now - at) / DAY_MS;
    return { productId, score: 1 / (1 + age), why: why(Math.floor(age)) };
  });
}
