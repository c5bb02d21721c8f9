import type { Feed, FeedProduct, Product } from "../domain/index.js";

/** The dynamic-content feed: active products keyed by id, with the fields templates display. */
export function buildFeed(products: readonly Product[], now: Date): Feed {
  // Keyed by id first so a product listed twice appears as its latest version.
  const latest = new Map(products.map((p) => [p.id, p]));
  const entries = [...latest.values()]
    .filter((p) => p.active)
    .map((p): [string, FeedProduct] => [
      p.id,
      { id: p.id, title: p.title, url: p.url, imageUrl: p.imageUrl, price: p.price, category: p.category, brand: p.brand },
    ]);
  // fromEntries, not assignment: an id such as "__proto__" stays an ordinary key.
  return { generatedAt: now.toISOString(), products: Object.fromEntries(entries) };
}
