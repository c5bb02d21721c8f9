import type { Product, RecommendationSettings } from "../../domain/index.js";
import { halfLifeWeight, type FeatureBook } from "../feature-book.js";
import { DAY_MS } from "../utc-day.js";
import type { Candidate, PersonalModel, RecContact } from "./candidate.js";
import { collectBaskets, holdersOf, type Baskets } from "./co-occurrence.js";
import { easeGraph, fitEaseOn } from "./ease.js";
import type { CompactItemGraph } from "./item-graph.js";
import { cosineGraph } from "./item-knn.js";
import { compareIds } from "../compare-ids.js";

/**
 * EASE runs when the `easeMaxItems` best sellers hold at least this share of all purchases:
 * then the products it leaves out are a tail that barely sells. Below it (a big catalog whose
 * sales spread wide) item-kNN over every product loses less than EASE over a fraction of them.
 * On Online Retail the 2,000 best sellers hold 94 % of purchases before 2011-11-01.
 */
export const EASE_MIN_COVERAGE = 0.9;

/**
 * The personal item-kNN uses plain cosine. On Online Retail's inner validation split (fit
 * before 2011-10-01, scored to 2011-11-01) shrinkage 0, 2, 5, 10 gave NDCG@5 0.089, 0.086,
 * 0.084, 0.083, and the same order with only 15 % of the other customers kept (a sparser
 * store). settings.similarityShrinkage still shapes the co-purchase graph behind the
 * complementary source, whose reason quotes how many customers bought both.
 */
export const PERSONAL_KNN_SHRINKAGE = 0;

/** Most popular products added as candidates, so the popularity prior can lift one no neighbour reached. */
const POPULAR_CANDIDATES = 100;

export type PersonalModelInput = {
  readonly book: FeatureBook;
  readonly catalog: ReadonlyMap<string, Product>;
  readonly settings: RecommendationSettings;
  /** Purchase and view ages, and the popularity window, are counted from here. */
  readonly now: Date;
  readonly coView: CompactItemGraph;
  readonly content: CompactItemGraph;
  /** The purchase model when already built (buildPurchaseModel), e.g. to try several hybrid weights on one EASE fit. */
  readonly purchaseModel?: PurchaseModel;
};

/** What the personal pick learns from purchases: sparse EASE or item-kNN, as one item graph. */
export type PurchaseModel = {
  readonly kind: PersonalModel["kind"];
  readonly items: number;
  readonly why: string;
  readonly graph: CompactItemGraph;
};

/** The personal model with the graph it ranks from, so a backtest can report what it ran. */
export type PersonalRanker = PersonalModel & { readonly purchaseGraph: CompactItemGraph };

/** One graph-based part of the hybrid score, with its per-contact scratch arrays. */
type Channel = {
  readonly graph: CompactItemGraph;
  readonly weight: number;
  /** Graph row -> catalog index. */
  readonly toId: Int32Array;
  readonly scores: Float64Array;
  /** The single strongest contribution per candidate and where it came from, to name it in the reason. */
  readonly bestFrom: Int32Array;
  readonly bestPart: Float64Array;
  /** The contact's largest score in this part, so parts are compared as shares of their best. */
  top: number;
};

/**
 * The hybrid personal ranking. For each unseen product:
 *   score = bought + personalViewWeight x viewed + personalContentWeight x content + personalPopularityWeight x popular
 * where `bought` sums the purchase model's weights (sparse EASE, or cosine item-kNN)
 * from every product the contact bought, `viewed` sums co-view weights from their recent
 * views, and `content` sums content-similarity weights from both, each purchase or view
 * weighted by 2^(-age / personalHalfLifeDays). Each of the three is divided by its largest
 * value for the contact, so the weights compare like with like; `popular` is the product's
 * buyers in the bestseller window over the most any product had. rank() costs
 * (purchases + views) x neighbours, never the catalog size.
 */
export function buildPersonalModel(input: PersonalModelInput): PersonalRanker {
  const { book, catalog, settings } = input;
  const now = input.now.getTime();
  const ids = [...catalog.keys()].sort(compareIds);
  const indexOf = new Map(ids.map((id, i) => [id, i]));
  const chosen = input.purchaseModel ?? buildPurchaseModel(book, catalog, settings);
  const popular = popularity(book, ids, indexOf, now - settings.bestsellerWindowDays * DAY_MS, now);
  const popularTop = topIndexes(popular, POPULAR_CANDIDATES);

  const n = ids.length;
  // One channel per graph-based part: typed scratch arrays over the catalog, reset after each
  // contact along the touched list, so rank() never walks the whole catalog.
  const channelOf = (graph: CompactItemGraph, weight: number): Channel => ({
    graph, weight, toId: remap(graph, indexOf), scores: new Float64Array(n), bestFrom: new Int32Array(n), bestPart: new Float64Array(n), top: 0,
  });
  const bought = channelOf(chosen.graph, 1);
  const viewed = channelOf(input.coView, settings.personalViewWeight);
  const content = channelOf(input.content, settings.personalContentWeight);
  const channels = [bought, viewed, content] as const;
  const popularWeight = settings.personalPopularityWeight;
  const inList = new Uint8Array(n);
  const owned = new Uint8Array(n);
  const final = new Float64Array(n);
  const touched: number[] = [];
  const ownedList: number[] = [];

  const spread = (channel: Channel, productId: string, from: number, weight: number): void => {
    const { graph, toId, scores, bestFrom, bestPart } = channel;
    const row = graph.indexOf.get(productId);
    if (row === undefined || weight <= 0 || channel.weight <= 0) return;
    const { k, targets, weights } = graph;
    for (let r = row * k, end = r + (graph.lengths[row] ?? 0); r < end; r++) {
      const u = toId[targets[r] ?? 0] ?? -1;
      if (u < 0) continue;
      const contribution = weight * (weights[r] ?? 0);
      scores[u] = (scores[u] ?? 0) + contribution;
      if (contribution > (bestPart[u] ?? 0)) {
        bestPart[u] = contribution;
        bestFrom[u] = from;
      }
      if (inList[u] === 0) {
        inList[u] = 1;
        touched.push(u);
      }
    }
  };
  const decay = (at: number): number => halfLifeWeight((now - at) / DAY_MS, settings.personalHalfLifeDays);
  const own = (productId: string): number => {
    const u = indexOf.get(productId);
    if (u === undefined) return -1;
    if (owned[u] === 0) {
      owned[u] = 1;
      ownedList.push(u);
    }
    return u;
  };

  const rank = (contact: RecContact, limit: number): readonly Candidate[] => {
    for (const productId in contact.purchasedAt) {
      const from = own(productId);
      if (from < 0) continue;
      const w = decay(contact.purchasedAt[productId] ?? now);
      spread(bought, productId, from, w);
      spread(content, productId, from, w);
    }
    for (const [productId, at] of contact.viewedAt) {
      const from = indexOf.get(productId);
      if (from === undefined) continue;
      const w = decay(at);
      spread(viewed, productId, from, w);
      spread(content, productId, from, w);
    }
    if (popularWeight > 0) {
      for (const u of popularTop) {
        if (inList[u] === 0) {
          inList[u] = 1;
          touched.push(u);
        }
      }
    }

    for (const channel of channels) {
      let top = 0;
      for (const u of touched) top = Math.max(top, channel.scores[u] ?? 0);
      channel.top = top;
    }
    // The best `limit` by score, ties by catalog index (= product id order), kept sorted by insertion.
    const best: number[] = [];
    for (const u of touched) {
      if (owned[u] === 1) continue;
      let score = popularWeight * (popular[u] ?? 0);
      for (const channel of channels) if (channel.top > 0) score += (channel.weight * (channel.scores[u] ?? 0)) / channel.top;
      final[u] = score;
      if (!(score > 0)) continue;
      if (best.length >= limit && (limit <= 0 || !outranks(u, best[limit - 1] ?? 0))) continue;
      let at = best.length === limit ? limit - 1 : best.length;
      while (at > 0 && outranks(u, best[at - 1] ?? 0)) {
        best[at] = best[at - 1] ?? 0;
        at--;
      }
      best[at] = u;
      if (best.length > limit) best.length = limit;
    }
    const ranked = best.map((u): Candidate => ({ productId: ids[u] ?? "", score: final[u] ?? 0, why: reasonFor(u) }));

    for (const u of touched) {
      inList[u] = 0;
      for (const channel of channels) {
        channel.scores[u] = 0;
        channel.bestPart[u] = 0;
      }
    }
    for (const u of ownedList) owned[u] = 0;
    touched.length = 0;
    ownedList.length = 0;
    return ranked;
  };

  const outranks = (a: number, b: number): boolean => {
    const fa = final[a] ?? 0;
    const fb = final[b] ?? 0;
    return fa > fb || (fa === fb && a < b);
  };

  /** Names the part that contributes most to u's score, and within it the strongest single source. */
  const reasonFor = (u: number): string => {
    let strongest = popularWeight * (popular[u] ?? 0);
    let from: Channel | null = null;
    for (const channel of channels) {
      const value = channel.top > 0 ? (channel.weight * (channel.scores[u] ?? 0)) / channel.top : 0;
      if (value > strongest) {
        strongest = value;
        from = channel;
      }
    }
    if (from === null) return "picked for you: popular with customers right now";
    const title = catalog.get(ids[from.bestFrom[u] ?? 0] ?? "")?.title ?? "";
    if (from === bought) return `picked for you: customers who bought ${title} also bought it`;
    if (from === viewed) return `picked for you: viewed by customers who viewed ${title}`;
    return `picked for you: like ${title}`;
  };

  return { kind: chosen.kind, items: chosen.items, why: chosen.why, rank, purchaseGraph: chosen.graph };
}

/** EASE over the best sellers when they hold EASE_MIN_COVERAGE of purchases, else item-kNN. */
export function buildPurchaseModel(book: FeatureBook, catalog: ReadonlyMap<string, Product>, settings: RecommendationSettings): PurchaseModel {
  const baskets = collectBaskets(purchaseHistories(book), { keep: (id) => catalog.has(id) });
  const { easeMaxItems, easeLambda, neighbours } = settings;
  const coverage = easeMaxItems > 0 ? coveredShare(baskets, easeMaxItems) : 0;
  if (easeMaxItems > 0 && coverage >= EASE_MIN_COVERAGE) {
    const fit = fitEaseOn(baskets, easeMaxItems, easeLambda);
    return {
      kind: "ease",
      items: fit.items.length,
      graph: easeGraph(baskets, fit, neighbours),
      why: `EASE (lambda ${easeLambda}) over the ${fit.items.length} best-selling products, which hold ${percent(coverage)} of purchases`,
    };
  }
  const why = easeMaxItems === 0
    ? "item-kNN: EASE is turned off (easeMaxItems = 0)"
    : `item-kNN: the ${easeMaxItems} best-selling products hold only ${percent(coverage)} of purchases, too few for EASE`;
  return { kind: "item_knn", items: baskets.ids.length, graph: cosineGraph(baskets, neighbours, PERSONAL_KNN_SHRINKAGE), why };
}

/** Share of contact-item pairs on the `maxItems` most-held items. */
function coveredShare(baskets: Baskets, maxItems: number): number {
  const holders = Array.from(baskets.ids, (_, i) => holdersOf(baskets, i)).sort((a, b) => b - a);
  let covered = 0;
  let total = 0;
  holders.forEach((h, rank) => {
    total += h;
    if (rank < maxItems) covered += h;
  });
  return total === 0 ? 0 : covered / total;
}

/** Contacts whose latest purchase of each product falls in (from, to], over the most any product had (0..1). */
function popularity(book: FeatureBook, ids: readonly string[], indexOf: ReadonlyMap<string, number>, from: number, to: number): Float64Array {
  const buyers = new Float64Array(ids.length);
  for (const tally of book.contacts.values()) {
    for (const [productId, at] of tally.purchasedAt) {
      if (at <= from || at > to) continue;
      const u = indexOf.get(productId);
      if (u !== undefined) buyers[u] = (buyers[u] ?? 0) + 1;
    }
  }
  let most = 0;
  for (const b of buyers) most = Math.max(most, b);
  if (most > 0) for (let u = 0; u < buyers.length; u++) buyers[u] = (buyers[u] ?? 0) / most;
  return buyers;
}

function topIndexes(values: Float64Array, count: number): number[] {
  const order = Array.from(values, (_, i) => i).filter((i) => (values[i] ?? 0) > 0);
  order.sort((a, b) => (values[b] ?? 0) - (values[a] ?? 0) || a - b);
  return order.slice(0, count);
}

/** Graph row -> catalog index (-1 for a product the catalog lacks). */
function remap(graph: CompactItemGraph, indexOf: ReadonlyMap<string, number>): Int32Array {
  return Int32Array.from(graph.ids, (id) => indexOf.get(id) ?? -1);
}

function* purchaseHistories(book: FeatureBook): Iterable<ReadonlyMap<string, number>> {
  for (const tally of book.contacts.values()) if (tally.purchasedAt.size > 0) yield tally.purchasedAt;
}

const percent = (share: number): string => `${Math.round(share * 100)} %`;
