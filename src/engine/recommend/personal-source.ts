import type { Generator } from "./candidate.js";
import { inScope } from "./in-scope.js";

/**
 * Candidates asked of the personal model at first. The slot filler re-ranks the first 20 that
 * pass the rules, so 50 is usually enough; when rules or the scope reject many, the model is
 * asked again for four times as many, up to PERSONAL_MAX.
 */
const PERSONAL_FIRST = 50;
const PERSONAL_MAX = 3200;

/** "personal": the hybrid score of the personal model, best first, within the scope. */
export const personalSource: Generator = function* (contact, model, scope) {
  let from = 0;
  for (let limit = PERSONAL_FIRST; ; limit *= 4) {
    // The ranking is deterministic, so a longer list starts with the shorter one.
    const ranked = model.personal.rank(contact, limit);
    for (let i = from; i < ranked.length; i++) {
      const candidate = ranked[i];
      if (candidate !== undefined && inScope(model.catalog.get(candidate.productId)?.category ?? "", scope)) yield candidate;
    }
    if (ranked.length < limit || limit >= PERSONAL_MAX) return;
    from = ranked.length;
  }
};
