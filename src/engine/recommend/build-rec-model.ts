import type { Product, RecommendationSettings } from "../../domain/index.js";
import type { FeatureBook } from "../feature-book.js";
import { rankBestsellers } from "./bestsellers.js";
import type { RecModel } from "./candidate.js";
import { buildContentGraph } from "./content.js";
import { buildCoPurchaseGraph, buildCoViewGraph } from "./item-knn.js";
import { rankNewArrivals } from "./new-arrivals.js";
import { buildPersonalModel } from "./personal.js";
import { rankTrending } from "./trending.js";
import { rankUnderExposed } from "./under-exposed.js";

/** Everything the sources share, built once per run from the book and the catalog. */
export function buildRecModel(book: FeatureBook, products: readonly Product[], settings: RecommendationSettings, now: Date): RecModel {
  // Keyed by id so a product listed twice is known by its latest version.
  const catalog = new Map(products.map((p) => [p.id, p]));
  const newArrivals = rankNewArrivals(book, catalog, settings, now);
  const coView = buildCoViewGraph(book, catalog, settings);
  const content = buildContentGraph(catalog, settings);
  return {
    now: now.getTime(),
    settings,
    catalog,
    bestsellers: rankBestsellers(book, catalog, settings, now),
    trending: rankTrending(book, catalog, settings, now),
    newArrivals,
    underExposed: rankUnderExposed(book, catalog, settings, now),
    coPurchase: buildCoPurchaseGraph(book, catalog, settings),
    coView,
    content,
    personal: buildPersonalModel({ book, catalog, settings, now, coView, content }),
  };
}
