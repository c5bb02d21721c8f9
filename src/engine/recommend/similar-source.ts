import type { Candidate, Generator, ItemGraph } from "./candidate.js";

import { inScope } from "./in-scope.js";
import { compareIds } from "../compare-ids.js";

/** The contact's latest purchases used as seeds (their views, at most RECENT_VIEWS, are all used). */
export const SIMILAR_SEED_PURCHASES = 5;

/**
 * "similar": content neighbours (category, brand, price band, title) and co-view neighbours of
 * the contact's latest purchases and recent views, scored by the sum of both similarities,
 * best first, within the scope. The reason names the product it resembles most.
 */
export const similarSource: Generator = (contact, model, scope) => {
  const latestPurchases = Object.entries(contact.purchasedAt)
    .sort((a, b) => b[1] - a[1] || compareIds(a[0], b[0]))
    .slice(0, SIMILAR_SEED_PURCHASES)
    .map(([id]) => id);
  const seeds = [...new Set([...latestPurchases, ...[...contact.viewedAt.keys()].sort(compareIds)])];
  const isSeed = new Set(seeds);
  const found = new Map<string, { score: number; best: number; from: string; viewed: boolean }>();
  const add = (graph: ItemGraph, viewed: boolean): void => {
    for (const seed of seeds) {
      for (const n of graph.neighbours(seed)) {
        if (isSeed.has(n.productId)) continue;
        const known = found.get(n.productId);
        if (known === undefined) {
          found.set(n.productId, { score: n.weight, best: n.weight, from: seed, viewed });
          continue;
        }
        known.score += n.weight;
        if (n.weight > known.best) Object.assign(known, { best: n.weight, from: seed, viewed });
      }
    }
  };
  add(model.content, false);
  add(model.coView, true);
  const ranked = [...found].sort((a, b) => b[1].score - a[1].score || compareIds(a[0], b[0]));
  const candidates: Candidate[] = [];
  for (const [productId, { score, from, viewed }] of ranked) {
    if (!inScope(model.catalog.get(productId)?.category ?? "", scope)) continue;
    const title = model.catalog.get(from)?.title ?? from;
    candidates.push({ productId, score, why: viewed ? `often viewed with ${title}` : `similar to ${title}` });
  }
  return candidates;
};
