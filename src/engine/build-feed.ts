import { MAX_REC_SLOTS, type Feed, type FeedFallbacks, type FeedProduct, type Product, type Profile, type SharedFeed } from "../domain/index.js";

/** Fallback products kept per segment: a template row shows at most MAX_REC_SLOTS. */
export const FALLBACKS_KEPT = MAX_REC_SLOTS;

/**
 * The dynamic-content feed: active products keyed by id, with the fields templates display, and
 * the shared fallbacks read from this run's profiles (see FeedFallbacks).
 */
export function buildFeed(products: readonly Product[], profiles: readonly Profile[], now: Date): Feed {
  // Keyed by id first so a product listed twice appears as its latest version.
  const latest = new Map(products.map((p) => [p.id, p]));
  const entries = [...latest.values()]
    .filter((p) => p.active)
    .map((p): [string, FeedProduct] => [
      p.id,
      { id: p.id, title: p.title, url: p.url, imageUrl: p.imageUrl, price: p.price, category: p.category, brand: p.brand },
    ]);
  // fromEntries, not assignment: an id such as "__proto__" stays an ordinary key.
  const feedProducts = Object.fromEntries(entries);
  return { generatedAt: now.toISOString(), products: feedProducts, fallbacks: fallbacksOf(profiles, new Set(entries.map(([id]) => id))) };
}

/**
 * Products ranked by how often and how high they sit in slots: slot 1 weighs MAX_REC_SLOTS, the
 * last slot 1. The slots already passed the business rules, so the ranking inherits them; ties by id.
 */
export function fallbacksOf(profiles: readonly Profile[], active: ReadonlySet<string>): FeedFallbacks {
  const all = new Map<string, number>();
  const bySegment = new Map<string, Map<string, number>>();
  for (const profile of profiles) {
    const segment = profile.properties.tailor_segment?.value;
    const tally = typeof segment === "string" && segment !== "" ? tallyOf(bySegment, segment) : null;
    for (let slot = 1; slot <= MAX_REC_SLOTS; slot++) {
      const id = profile.properties[`tailor_rec_${slot}`]?.value;
      if (typeof id !== "string" || !active.has(id)) continue;
      const weight = MAX_REC_SLOTS + 1 - slot;
      all.set(id, (all.get(id) ?? 0) + weight);
      tally?.set(id, (tally.get(id) ?? 0) + weight);
    }
  }
  const segments = [...bySegment.keys()].sort();
  return { all: topOf(all), bySegment: Object.fromEntries(segments.map((name) => [name, topOf(bySegment.get(name) ?? new Map<string, number>())])) };
}

function tallyOf(bySegment: Map<string, Map<string, number>>, segment: string): Map<string, number> {
  let tally = bySegment.get(segment);
  if (tally === undefined) bySegment.set(segment, (tally = new Map<string, number>()));
  return tally;
}

const topOf = (tally: ReadonlyMap<string, number>): string[] =>
  [...tally].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, FALLBACKS_KEPT).map(([id]) => id);

/**
 * The shared feed for an ESP's account-level fetch: fallbacks plus the products they name. Past
 * `maxBytes` whole segments are left out, from the last name back, and named in the feed.
 */
export function toSharedFeed(feed: Feed, maxBytes: number): SharedFeed {
  const names = Object.keys(feed.fallbacks.bySegment);
  const omitted: string[] = [];
  for (;;) {
    const bySegment = Object.fromEntries(names.map((name) => [name, feed.fallbacks.bySegment[name] ?? []]));
    const fallbacks = { all: feed.fallbacks.all, bySegment };
    const ids = new Set([fallbacks.all, ...Object.values(bySegment)].flat());
    const products = Object.fromEntries([...ids].flatMap((id) => {
      const product = feed.products[id];
      return product === undefined ? [] : [[id, product] as const];
    }));
    const shared: SharedFeed = { generatedAt: feed.generatedAt, fallbacks, products, omittedSegments: omitted };
    const last = names.pop();
    if (last === undefined || Buffer.byteLength(JSON.stringify(shared)) <= maxBytes) return shared;
    omitted.push(last);
  }
}
