import type { Product, RecommendationSettings } from "../../domain/index.js";
import type { FeatureBook } from "../feature-book.js";
import { collectBaskets, forEachCoOccurrenceRow, holdersOf, type Baskets } from "./co-occurrence.js";
import { createItemGraphWriter, type CompactItemGraph } from "./item-graph.js";

/**
 * Item-to-item similarity from shared contacts, each product's `k` best neighbours:
 *   sim(i, j) = n_ij / sqrt(n_i x n_j) x n_ij / (n_ij + shrinkage)
 * the cosine of the two products' buyer sets (n_i buyers of i, n_ij of both), shrunk toward
 * 0 when few contacts share them (Koren 2008's shrinkage; Sarwar et al. 2001 for item-kNN).
 * Shrinkage 0 is plain cosine, the backtest's item-kNN baseline.
 */
export function cosineGraph(baskets: Baskets, k: number, shrinkage: number): CompactItemGraph {
  const writer = createItemGraphWriter(baskets.ids, k, baskets.indexOf);
  const holders = Float64Array.from(baskets.ids, (_, i) => holdersOf(baskets, i));
  forEachCoOccurrenceRow(baskets, (i, counts, touched, size) => {
    const ni = holders[i] ?? 1;
    for (let t = 0; t < size; t++) {
      const j = touched[t] ?? 0;
      if (j === i) continue;
      const both = counts[j] ?? 0;
      const shrunk = shrinkage > 0 ? both / (both + shrinkage) : 1;
      writer.offer(j, (both / Math.sqrt(ni * (holders[j] ?? 1))) * shrunk, both);
    }
    writer.commit(i);
  });
  return writer.graph();
}

/** Products bought together: shrunk cosine over contacts' purchases (their MAX_BASKET_ITEMS latest), `settings.neighbours` per product. */
export function buildCoPurchaseGraph(book: FeatureBook, catalog: ReadonlyMap<string, Product>, settings: RecommendationSettings): CompactItemGraph {
  // Products missing from the catalog cannot be shown, and the ingest quarantines their events.
  const baskets = collectBaskets(histories(book, "purchasedAt"), { keep: (id) => catalog.has(id) });
  return cosineGraph(baskets, settings.neighbours, settings.similarityShrinkage);
}

/** Products viewed by the same contacts (the book keeps each contact's latest views), same similarity. */
export function buildCoViewGraph(book: FeatureBook, catalog: ReadonlyMap<string, Product>, settings: RecommendationSettings): CompactItemGraph {
  const baskets = collectBaskets(histories(book, "viewedAt"), { keep: (id) => catalog.has(id) });
  return cosineGraph(baskets, settings.neighbours, settings.similarityShrinkage);
}

function* histories(book: FeatureBook, key: "purchasedAt" | "viewedAt"): Iterable<ReadonlyMap<string, number>> {
  for (const tally of book.contacts.values()) {
    const history = tally[key];
    if (history !== null && history.size > 0) yield history;
  }
}
