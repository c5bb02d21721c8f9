import { plural } from "../plural.js";
import type { Candidate, Generator } from "./candidate.js";

import { inScope } from "./in-scope.js";
import { compareIds } from "../compare-ids.js";

/**
 * "complementary": co-purchase neighbours of the products in the contact's latest order,
 * scored by the sum of their similarities to that order, best first, within the scope. The
 * reason names the order's product that contributes most and how many customers bought both.
 */
export const complementarySource: Generator = (contact, model, scope) => {
  const inOrder = new Set(contact.lastOrderProducts);
  const found = new Map<string, { score: number; best: number; from: string; together: number }>();
  for (const seed of [...inOrder].sort(compareIds)) {
    for (const n of model.coPurchase.neighbours(seed)) {
      if (inOrder.has(n.productId)) continue;
      const known = found.get(n.productId);
      if (known === undefined) {
        found.set(n.productId, { score: n.weight, best: n.weight, from: seed, together: n.together });
        continue;
      }
      known.score += n.weight;
      // Seeds arrive in id order, so an equal weight keeps the first seed by id.
      if (n.weight > known.best) Object.assign(known, { best: n.weight, from: seed, together: n.together });
    }
  }
  const ranked = [...found].sort((a, b) => b[1].score - a[1].score || compareIds(a[0], b[0]));
  const candidates: Candidate[] = [];
  for (const [productId, { score, from, together }] of ranked) {
    if (!inScope(model.catalog.get(productId)?.category ?? "", scope)) continue;
    const title = model.catalog.get(from)?.title ?? from;
    candidates.push({ productId, score, why: `bought together with ${title} by ${plural(together, "customer")}` });
  }
  return candidates;
};
