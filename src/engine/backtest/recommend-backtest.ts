import { defaultSettings, type Event, type EventOf, type Product, type RecSource, type Settings } from "../../domain/index.js";
import { addEvents, createFeatureBook, featuresOf, type FeatureBook } from "../feature-book.js";
import type { ItemGraph, PersonalModel, RecContact } from "../recommend/candidate.js";
import { collectBaskets } from "../recommend/co-occurrence.js";
import { buildContentGraph } from "../recommend/content.js";
import { buildCoPurchaseGraph, buildCoViewGraph, cosineGraph } from "../recommend/item-knn.js";
import type { CompactItemGraph } from "../recommend/item-graph.js";
import { buildPersonalModel } from "../recommend/personal.js";
import { isoDayOf, utcDayOf } from "../utc-day.js";
import { catalogCoverage, hitAt, ndcgAt, recallAt } from "./recommend-metrics.js";
import { compareIds } from "../compare-ids.js";

/** Products each method lists per customer: the protocol scores the top 5. */
export const BACKTEST_TOP = 5;

/** Neighbours per product for the plain item-kNN baseline: the common default (and Tailor's own `neighbours` default). */
export const BASELINE_NEIGHBOURS = 50;

/** One recommended product as recommendations.csv writes it. */
export type SlotRecommendation = { readonly productId: string; readonly source: RecSource | "exploration" | (string & {}); readonly reason: string };

/** A customer the backtest scores: known before the cutoff, with products new to them bought after it. */
export type EvaluatedCustomer = {
  readonly customerId: string;
  /** What the engine knows of them at the cutoff. */
  readonly contact: RecContact;
  /** Products bought in the test window that they had not bought before the cutoff. */
  readonly relevant: ReadonlySet<string>;
};

/** The store as a sync at the cutoff sees it, plus who is scored against what. */
export type RecommendBacktestData = {
  readonly now: Date;
  readonly settings: Settings;
  readonly book: FeatureBook;
  /** Derived from the calibration orders: only products sold before the cutoff can be recommended. */
  readonly products: readonly Product[];
  /** Customers with a purchase before the cutoff. */
  readonly customers: number;
  readonly evaluated: readonly EvaluatedCustomer[];
};

/** The run-level model pieces a slot filler needs, shared by every customer (the same object each call). */
export type RecommendBacktestModel = {
  readonly data: RecommendBacktestData;
  readonly personal: PersonalModel;
  readonly coPurchase: ItemGraph;
  readonly coView: ItemGraph;
  readonly content: ItemGraph;
};

/** The composed slots for one customer, for the "tailor_slots" method. */
export type SlotsMethod = (customerId: string, context: RecommendBacktestModel & { readonly contact: RecContact }) => readonly SlotRecommendation[];

export type RecommendBacktestInput = {
  /** Events before the cutoff: what the model is built from. */
  readonly calibration: readonly Event[];
  /** Events from the cutoff to the end of the test window: what it is scored against. */
  readonly test: readonly Event[];
  readonly cutoff: Date;
  /** Installation settings; the defaults when absent. */
  readonly settings?: Settings;
  readonly slots?: SlotsMethod;
};

export type RecommendMethod = "tailor_personal" | "tailor_slots" | "bestsellers" | "item_knn";

/** One method's figures, means over the evaluated customers. */
export type RecommendScores = {
  readonly method: RecommendMethod;
  readonly recall: number;
  readonly ndcg: number;
  /** Share of customers with at least one relevant product in the top 5. */
  readonly hitRate: number;
  /** Distinct products in anyone's top 5, over the products sold before the cutoff. */
  readonly coverage: number;
  readonly customers: number;
};

export type RecommendBacktestReport = {
  readonly cutoff: string;
  /** Last day (UTC) with a test-window order. */
  readonly lastTestDay: string | null;
  readonly top: number;
  readonly customers: number;
  readonly evaluated: number;
  readonly products: number;
  readonly personal: { readonly kind: PersonalModel["kind"]; readonly items: number; readonly why: string };
  readonly methods: readonly RecommendScores[];
};

/** One line of recommendations.csv. */
export type RecommendationRow = { readonly customerId: string; readonly slot: number; readonly productId: string; readonly source: string; readonly reason: string };

/**
 * The recommendation backtest (issue 5): builds the feature book and the model from orders
 * before the cutoff, as a sync at the cutoff would, and scores Tailor's personal ranking (and
 * its composed slots when given) side by side with global bestsellers and plain item-kNN on
 * the products each customer bought in the test window that they had not bought before.
 * Every method leaves out what the customer bought before the cutoff.
 */
export function recommendBacktest(input: RecommendBacktestInput): { rows: RecommendationRow[]; report: RecommendBacktestReport } {
  const data = prepareRecommendBacktest(input);
  const model = buildBacktestModel(data);
  const personal = rankWith(data, (c) => model.personal.rank(c.contact, BACKTEST_TOP).map((r) => ({ productId: r.productId, source: "personal", reason: r.why })));
  const slots = input.slots === undefined ? null : rankWith(data, (c) => (input.slots as SlotsMethod)(c.customerId, { ...model, contact: c.contact }));
  const methods: RecommendScores[] = [scoreLists(data, "tailor_personal", personal.map(ids))];
  if (slots !== null) methods.push(scoreLists(data, "tailor_slots", slots.map(ids)));
  methods.push(scoreLists(data, "bestsellers", data.evaluated.map(bestsellerRecommender(data))));
  methods.push(scoreLists(data, "item_knn", data.evaluated.map(itemKnnRecommender(data, BASELINE_NEIGHBOURS))));

  const written = slots ?? personal;
  const rows = data.evaluated.flatMap((c, i) => (written[i] ?? []).map((r, slot): RecommendationRow => ({
    customerId: c.customerId, slot: slot + 1, productId: r.productId, source: r.source, reason: r.reason,
  })));
  const lastTest = lastOrderAt(input.test, data.now.getTime());
  return {
    rows,
    report: {
      cutoff: isoDayOf(data.now.getTime()),
      lastTestDay: lastTest === null ? null : isoDayOf(lastTest),
      top: BACKTEST_TOP,
      customers: data.customers,
      evaluated: data.evaluated.length,
      products: data.products.length,
      personal: { kind: model.personal.kind, items: model.personal.items, why: model.personal.why },
      methods,
    },
  };
}

/** Folds the calibration orders into a feature book at the cutoff and finds the customers to score. */
export function prepareRecommendBacktest(input: Pick<RecommendBacktestInput, "calibration" | "test" | "cutoff" | "settings">): RecommendBacktestData {
  const settings = input.settings ?? defaultSettings();
  const now = input.cutoff;
  const before = ordersIn(input.calibration, -Infinity, now.getTime());
  const products = productsFromOrders(before);
  const book = createFeatureBook(products, settings);
  addEvents(book, before);

  const boughtAfter = new Map<string, Set<string>>();
  for (const order of ordersIn(input.test, now.getTime(), Infinity)) {
    let bought = boughtAfter.get(order.contactId);
    if (bought === undefined) {
      bought = new Set();
      boughtAfter.set(order.contactId, bought);
    }
    for (const item of order.items) bought.add(item.productId);
  }

  let customers = 0;
  const evaluated: EvaluatedCustomer[] = [];
  for (const customerId of [...book.contacts.keys()].sort(compareIds)) {
    const tally = book.contacts.get(customerId);
    if (tally === undefined || tally.purchasedAt.size === 0) continue;
    customers += 1;
    const relevant = new Set([...(boughtAfter.get(customerId) ?? [])].filter((id) => !tally.purchasedAt.has(id)));
    if (relevant.size > 0) evaluated.push({ customerId, contact: backtestContact(book, customerId, now), relevant });
  }
  return { now, settings, book, products, customers, evaluated };
}

/** The graphs and the personal model a sync at the cutoff builds (an orders file has no views, so co-view is empty). */
export function buildBacktestModel(data: RecommendBacktestData): RecommendBacktestModel & { readonly coPurchase: CompactItemGraph } {
  const { book, now } = data;
  const catalog = new Map(data.products.map((p) => [p.id, p]));
  const settings = data.settings.recommendations;
  const coPurchase = buildCoPurchaseGraph(book, catalog, settings);
  const coView = buildCoViewGraph(book, catalog, settings);
  const content = buildContentGraph(catalog, settings);
  const personal = buildPersonalModel({ book, catalog, settings, now, coView, content });
  return { data, personal, coPurchase, coView, content };
}

/** Scores ranked product lists (aligned with data.evaluated) on the top BACKTEST_TOP. */
export function scoreLists(data: RecommendBacktestData, method: RecommendMethod, lists: readonly (readonly string[])[]): RecommendScores {
  let recall = 0;
  let ndcg = 0;
  let hits = 0;
  data.evaluated.forEach((c, i) => {
    const list = lists[i] ?? [];
    recall += recallAt(list, c.relevant, BACKTEST_TOP);
    ndcg += ndcgAt(list, c.relevant, BACKTEST_TOP);
    if (hitAt(list, c.relevant, BACKTEST_TOP)) hits += 1;
  });
  const n = data.evaluated.length;
  return {
    method,
    recall: n === 0 ? Number.NaN : recall / n,
    ndcg: n === 0 ? Number.NaN : ndcg / n,
    hitRate: n === 0 ? Number.NaN : hits / n,
    coverage: catalogCoverage(lists, data.products.length, BACKTEST_TOP),
    customers: n,
  };
}

/** Global bestsellers: units sold in the bestseller window before the cutoff, most first, ties by id, minus what the customer bought. */
export function bestsellerRecommender(data: RecommendBacktestData): (customer: EvaluatedCustomer) => string[] {
  const today = utcDayOf(data.now.getTime());
  // The window ends the day before the cutoff: the cutoff day itself holds no calibration orders.
  const firstDay = today - data.settings.recommendations.bestsellerWindowDays;
  const units: { id: string; units: number }[] = [];
  for (const [id, days] of data.book.unitsByDay) {
    let sold = 0;
    for (const [day, n] of days) if (day >= firstDay && day < today) sold += n;
    if (sold > 0) units.push({ id, units: sold });
  }
  units.sort((a, b) => b.units - a.units || compareIds(a.id, b.id));
  return (customer) => firstUnbought(units.map((u) => u.id), customer.contact);
}

/**
 * Plain item-kNN: cosine over all of each customer's purchases (no cap, no shrinkage, no
 * recency), `neighbours` per product; a product's score is the sum of its similarities to
 * what the customer bought (Sarwar et al. 2001).
 */
export function itemKnnRecommender(data: RecommendBacktestData, neighbours: number): (customer: EvaluatedCustomer) => string[] {
  const histories = [...data.book.contacts.values()].map((t) => t.purchasedAt);
  const graph = cosineGraph(collectBaskets(histories, { cap: Infinity }), neighbours, 0);
  return (customer) => rankByGraph(graph, customer.contact);
}

/** Sums graph weights from every purchased product; best first, ties by id, purchased products left out. */
export function rankByGraph(graph: ItemGraph, contact: RecContact): string[] {
  const scores = new Map<string, number>();
  for (const productId in contact.purchasedAt) {
    for (const n of graph.neighbours(productId)) scores.set(n.productId, (scores.get(n.productId) ?? 0) + n.weight);
  }
  const ranked = [...scores].filter(([id]) => !Object.hasOwn(contact.purchasedAt, id));
  ranked.sort((a, b) => b[1] - a[1] || compareIds(a[0], b[0]));
  return ranked.slice(0, BACKTEST_TOP).map(([id]) => id);
}

/**
 * The Online Retail export has no catalog, so products come from the order lines, as the
 * files connector derives them: a stock code's title is its first description on a priced
 * line (zero-price lines are write-offs like "damaged") and its price the latest positive
 * unit price. No category, brand or stock.
 */
export function productsFromOrders(orders: readonly EventOf<"placed_order">[]): Product[] {
  const seen = new Map<string, { title: string; titleFromSale: boolean; price: number | null; at: number }>();
  const byTime = [...orders].sort((a, b) => a.at.getTime() - b.at.getTime() || compareIds(a.orderId, b.orderId));
  for (const order of byTime) {
    for (const item of order.items) {
      const known = seen.get(item.productId) ?? { title: "", titleFromSale: false, price: null, at: 0 };
      const priced = item.price > 0;
      const title = item.title?.trim() ?? "";
      if (title !== "" && (known.title === "" || (priced && !known.titleFromSale))) {
        known.title = title;
        known.titleFromSale = priced;
      }
      if (priced) known.price = item.price;
      seen.set(item.productId, known);
    }
  }
  return [...seen].sort((a, b) => compareIds(a[0], b[0])).map(([id, p]): Product => ({
    id, title: p.title === "" ? id : p.title, url: "", imageUrl: "", category: "", brand: "", price: p.price, inventory: null, active: true,
  }));
}

function rankWith(data: RecommendBacktestData, recommend: (c: EvaluatedCustomer) => readonly SlotRecommendation[]): (readonly SlotRecommendation[])[] {
  return data.evaluated.map(recommend);
}

const ids = (list: readonly SlotRecommendation[]): string[] => list.map((r) => r.productId);

function firstUnbought(ranked: readonly string[], contact: RecContact): string[] {
  const picks: string[] = [];
  for (const id of ranked) {
    if (picks.length === BACKTEST_TOP) break;
    if (!Object.hasOwn(contact.purchasedAt, id)) picks.push(id);
  }
  return picks;
}

function ordersIn(events: readonly Event[], from: number, to: number): EventOf<"placed_order">[] {
  return events.filter((e): e is EventOf<"placed_order"> => e.type === "placed_order" && e.at.getTime() >= from && e.at.getTime() < to);
}

function lastOrderAt(events: readonly Event[], from: number): number | null {
  let last: number | null = null;
  for (const e of events) if (e.type === "placed_order" && e.at.getTime() >= from && (last === null || e.at.getTime() > last)) last = e.at.getTime();
  return last;
}

/**
 * What the slot filler knows of a customer at the cutoff, from the book alone (an orders file
 * has no views, carts, sends or stated preferences, and no categories).
 */
function backtestContact(book: FeatureBook, customerId: string, now: Date): RecContact {
  const f = featuresOf(book, customerId, now);
  let latest = -Infinity;
  for (const id in f.purchasedAt) latest = Math.max(latest, f.purchasedAt[id] ?? -Infinity);
  const lastOrderProducts = Object.keys(f.purchasedAt).filter((id) => f.purchasedAt[id] === latest).sort(compareIds);
  return {
    contactId: customerId,
    purchasedAt: f.purchasedAt,
    lastQuantity: f.lastQuantity,
    viewedAt: f.viewedAt,
    cartedAt: f.cartedAt,
    lastOrderProducts,
    orders: f.orders,
    aov: f.orders === 0 ? null : f.revenue / f.orders,
    meanItemPrice: f.itemPrices.units === 0 ? null : f.itemPrices.total / f.itemPrices.units,
    topCategory: null,
    affinityCategories: [],
    categoriesStated: false,
    shown: new Set(),
  };
}
