import type { Event, EventOf, IntentSettings, Product, Settings } from "../domain/index.js";
import { utcDayOf } from "./utc-day.js";

/** What one category's affinity rests on, counted so a reason can name the evidence. */
export type CategoryEvidence = { readonly views: number; readonly carts: number; readonly purchases: number };

/** Per-contact aggregates, folded from events in any order; memory grows with contacts and products, never with events. */
export type ContactFeatures = {
  readonly orders: number;
  /** Paid minus refunds, never below 0. */
  readonly revenue: number;
  readonly refunds: number;
  /** Epoch ms. */
  readonly firstOrderAt: number | null;
  readonly lastOrderAt: number | null;
  /** Affinity per category: views, carts and purchased order lines weighted by settings.intent. */
  readonly categoryScores: Readonly<Record<string, number>>;
  readonly categoryEvidence: Readonly<Record<string, CategoryEvidence>>;
  /** Product id -> last purchase, epoch ms. */
  readonly purchasedAt: Readonly<Record<string, number>>;
};

type MutableEvidence = { views: number; carts: number; purchases: number };

/**
 * One contact's running totals. Money is kept in integer cents and affinity as counts, so
 * sums are exact and the fold gives the same result whatever order events arrive in.
 */
export type ContactTally = {
  orders: number;
  paidCents: number;
  refundedCents: number;
  refunds: number;
  firstOrderAt: number | null;
  lastOrderAt: number | null;
  readonly categories: Map<string, MutableEvidence>;
  readonly purchasedAt: Map<string, number>;
};

/** Everything the engine needs from events, folded chunk by chunk. */
export type FeatureBook = {
  readonly intent: IntentSettings;
  /** Canonical category per product id, from the catalog the book was created with. */
  readonly categoryOf: ReadonlyMap<string, string>;
  readonly contacts: Map<string, ContactTally>;
  /** Units sold per product per UTC day: bounded by products × days, not by events. */
  readonly unitsByDay: Map<string, Map<number, number>>;
};

/** An empty book that knows the catalog's categories and the intent weights. */
export function createFeatureBook(products: readonly Product[], settings: Settings): FeatureBook {
  const categoryOf = new Map<string, string>();
  for (const product of products) {
    if (product.category !== "") categoryOf.set(product.id, product.category);
  }
  return { intent: settings.intent, categoryOf, contacts: new Map(), unitsByDay: new Map() };
}

/** Folds one chunk of cleaned events into the book (mutates the book only). */
export function addEvents(book: FeatureBook, events: readonly Event[]): void {
  for (const event of events) {
    switch (event.type) {
      case "viewed_product":
        countIntent(tallyOf(book, event.contactId), book.categoryOf.get(event.productId), "views");
        break;
      case "viewed_category":
        countIntent(tallyOf(book, event.contactId), event.category, "views");
        break;
      case "added_to_cart":
        countIntent(tallyOf(book, event.contactId), book.categoryOf.get(event.productId), "carts");
        break;
      case "placed_order":
        addOrder(book, tallyOf(book, event.contactId), event);
        break;
      case "refunded": {
        const tally = tallyOf(book, event.contactId);
        tally.refunds += 1;
        tally.refundedCents += toCents(event.value);
        break;
      }
      default:
        // Email, ticket and preference events feed later models, not these features.
        break;
    }
  }
}

function addOrder(book: FeatureBook, tally: ContactTally, event: EventOf<"placed_order">): void {
  const at = event.at.getTime();
  tally.orders += 1;
  tally.paidCents += toCents(event.value);
  if (tally.firstOrderAt === null || at < tally.firstOrderAt) tally.firstOrderAt = at;
  if (tally.lastOrderAt === null || at > tally.lastOrderAt) tally.lastOrderAt = at;
  const day = utcDayOf(at);
  for (const item of event.items) {
    countIntent(tally, book.categoryOf.get(item.productId), "purchases");
    const last = tally.purchasedAt.get(item.productId);
    if (last === undefined || at > last) tally.purchasedAt.set(item.productId, at);
    addUnits(book, item.productId, day, item.quantity);
  }
}

/**
 * A prototype-free record: keys come from store data, so an id like "__proto__" must stay
 * an ordinary key; V8 also keeps such objects in dictionary mode, which suits many keys.
 */
const dictionary = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

const EMPTY_FEATURES: ContactFeatures = Object.freeze({
  orders: 0,
  revenue: 0,
  refunds: 0,
  firstOrderAt: null,
  lastOrderAt: null,
  categoryScores: Object.freeze(dictionary<number>()),
  categoryEvidence: Object.freeze(dictionary<CategoryEvidence>()),
  purchasedAt: Object.freeze(dictionary<number>()),
});

/** The contact's features; empty features when the book has no events for them. */
export function featuresOf(book: FeatureBook, contactId: string): ContactFeatures {
  const tally = book.contacts.get(contactId);
  if (tally === undefined) return EMPTY_FEATURES;
  const { viewWeight, cartWeight, orderWeight } = book.intent;
  const categoryScores = dictionary<number>();
  const categoryEvidence = dictionary<CategoryEvidence>();
  for (const [name, e] of tally.categories) {
    categoryScores[name] = e.views * viewWeight + e.carts * cartWeight + e.purchases * orderWeight;
    categoryEvidence[name] = { views: e.views, carts: e.carts, purchases: e.purchases };
  }
  const purchasedAt = dictionary<number>();
  for (const [productId, at] of tally.purchasedAt) purchasedAt[productId] = at;
  return {
    orders: tally.orders,
    revenue: Math.max(0, tally.paidCents - tally.refundedCents) / 100,
    refunds: tally.refunds,
    firstOrderAt: tally.firstOrderAt,
    lastOrderAt: tally.lastOrderAt,
    categoryScores,
    categoryEvidence,
    purchasedAt,
  };
}

function tallyOf(book: FeatureBook, contactId: string): ContactTally {
  let tally = book.contacts.get(contactId);
  if (tally === undefined) {
    tally = {
      orders: 0,
      paidCents: 0,
      refundedCents: 0,
      refunds: 0,
      firstOrderAt: null,
      lastOrderAt: null,
      categories: new Map(),
      purchasedAt: new Map(),
    };
    book.contacts.set(contactId, tally);
  }
  return tally;
}

function countIntent(tally: ContactTally, category: string | undefined, kind: keyof MutableEvidence): void {
  // A product missing from the catalog, or one with no category, says nothing about taste.
  if (category === undefined || category === "") return;
  const categories = tally.categories;
  let evidence = categories.get(category);
  if (evidence === undefined) {
    evidence = { views: 0, carts: 0, purchases: 0 };
    categories.set(category, evidence);
  }
  evidence[kind] += 1;
}

function addUnits(book: FeatureBook, productId: string, day: number, quantity: number): void {
  let days = book.unitsByDay.get(productId);
  if (days === undefined) {
    days = new Map();
    book.unitsByDay.set(productId, days);
  }
  days.set(day, (days.get(day) ?? 0) + quantity);
}

const toCents = (value: number): number => Math.round(value * 100);
