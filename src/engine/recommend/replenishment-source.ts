import { DAY_MS } from "../utc-day.js";

import type { Candidate, Generator } from "./candidate.js";
import { daysAgoText } from "./days-ago-text.js";
import { inScope } from "./in-scope.js";
import { compareIds } from "../compare-ids.js";

/**
 * Days before the due date a consumable is offered: a week's notice, so the email lands before
 * the contact runs out (the rules let a replenishable purchase back in from the same point).
 */
export const REPLENISH_LEAD_DAYS = 7;

/**
 * "replenishment": consumables the contact bought that are due again. A purchase of q units of a
 * product that lasts replenishDays is due replenishDays x q days later; those due within
 * REPLENISH_LEAD_DAYS or overdue come first by due date (most overdue first), ties by product id.
 */
export const replenishmentSource: Generator = (contact, model, scope) => {
  const due: (Candidate & { readonly dueAt: number })[] = [];
  for (const [productId, boughtAt] of Object.entries(contact.purchasedAt)) {
    const product = model.catalog.get(productId);
    if (product?.replenishDays === undefined || !inScope(product.category, scope)) continue;
    // hasOwn: a product id such as "constructor" must not read Object.prototype.
    const quantity = Object.hasOwn(contact.lastQuantity, productId) ? (contact.lastQuantity[productId] ?? 1) : 1;
    const lasts = product.replenishDays * Math.max(1, quantity);
    const dueAt = boughtAt + lasts * DAY_MS;
    const overdueDays = (model.now - dueAt) / DAY_MS;
    if (overdueDays < -REPLENISH_LEAD_DAYS) continue;
    const bought = Math.floor((model.now - boughtAt) / DAY_MS);
    // Shifted so every due product scores at least 1: the slot filler multiplies scores by boosts.
    due.push({ productId, dueAt, score: overdueDays + REPLENISH_LEAD_DAYS + 1, why: `due again: bought ${daysAgoText(bought)}, lasts about ${lasts} days` });
  }
  due.sort((a, b) => a.dueAt - b.dueAt || compareIds(a.productId, b.productId));
  return due.map(({ productId, score, why }) => ({ productId, score, why }));
};
