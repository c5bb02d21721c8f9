import type { Event, EventOf, IntentSettings, Product, Settings } from "../domain/index.js";
import { utcDayOf } from "./utc-day.js";
import { compareIds } from "./compare-ids.js";

/** What one category's affinity rests on, counted so a reason can name the evidence. */
export type CategoryEvidence = { readonly views: number; readonly carts: number; readonly purchases: number };

/** Unit prices paid over every order line, summarised (a price band needs no more). */
export type PriceSummary = {
  /** Units bought; a line of 3 counts 3 times. */
  readonly units: number;
  /** Sum of unit price x quantity. */
  readonly total: number;
  readonly min: number | null;
  readonly max: number | null;
};

/** One UTC day of scored engagement signals, kept per day so any half-life can decay them at read time. */
export type EngagementDay = {
  /** Days since 1970-01-01 (UTC). */
  readonly day: number;
  readonly clicks: number;
  /** Opens not flagged as machine opens. */
  readonly humanOpens: number;
  /** Product and category views, cart adds and started checkouts. */
  readonly siteActions: number;
  readonly orders: number;
};

/** Per-contact aggregates, folded from events in any order; read at a given `now` so affinity can decay. */
export type ContactFeatures = {
  readonly orders: number;
  /** Paid minus refunds, never below 0. */
  readonly revenue: number;
  readonly refunds: number;
  /** Epoch ms. */
  readonly firstOrderAt: number | null;
  readonly lastOrderAt: number | null;
  /** One entry per placed order, oldest first (epoch ms); aligned with orderValues and orderCategories. */
  readonly orderTimes: readonly number[];
  /** What was paid for each order, after discounts. */
  readonly orderValues: readonly number[];
  /** Known catalog categories bought in each order, sorted; empty when no item has a category. */
  readonly orderCategories: readonly (readonly string[])[];
  /** Orders with a discount above 0. */
  readonly discountedOrders: number;
  /** What was paid for the discounted orders. */
  readonly discountedRevenue: number;
  /** Money off over all orders. */
  readonly discountTotal: number;
  /** Sum over order lines of (price paid - product cost) x quantity, for products with a known cost. */
  readonly margin: number;
  /** Line revenue (price x quantity) of the lines whose cost is known: what `margin` covers. */
  readonly costedRevenue: number;
  /** Line revenue of every order line, so costedRevenue / itemRevenue is the share margin is known for. */
  readonly itemRevenue: number;
  readonly itemPrices: PriceSummary;
  /** Affinity per category: views, carts and purchased lines weighted by settings.intent and decayed to `now`. */
  readonly categoryScores: Readonly<Record<string, number>>;
  /** Undecayed counts behind each category's score. */
  readonly categoryEvidence: Readonly<Record<string, CategoryEvidence>>;
  /** Product id -> last purchase, epoch ms. */
  readonly purchasedAt: Readonly<Record<string, number>>;
  /** Product id -> units in the latest order line for it (replenishment scales its cycle by this). */
  readonly lastQuantity: Readonly<Record<string, number>>;
  /** The most recently viewed products (at most RECENT_VIEWS), product id -> last view, epoch ms. */
  readonly viewedAt: ReadonlyMap<string, number>;
  /** The most recently carted products (at most RECENT_CARTS), product id -> last add, epoch ms. */
  readonly cartedAt: ReadonlyMap<string, number>;
  /** Times of the latest marketing sends (at most RECENT_SENDS), oldest first, epoch ms. */
  readonly sendTimes: readonly number[];
  /** The latest submitted preference-centre or quiz answers; empty when none. */
  readonly statedAnswers: Readonly<Record<string, string | readonly string[]>>;
  /** Scored engagement signals per UTC day, oldest first. */
  readonly engagement: readonly EngagementDay[];
  /**
   * Opens that look like a privacy proxy's pre-fetch (Apple MPP): counted for the report, never
   * scored, so a total is enough (and MPP fires for every delivery, so per-day would be costly).
   */
  readonly machineOpens: number;
  /** Marketing emails sent: tells a new contact from one who never answered. */
  readonly emailsSent: number;
  /**
   * Hours with human activity, for the send hour: packed `epochHour * 4 + ActivityKind`, ascending,
   * one entry per hour and kind (a session of ten views is one signal), the latest ACTIVITY_KEPT.
   * Machine opens are never recorded.
   */
  readonly activity: readonly number[];
  /** Latest started checkout (epoch ms) and its first item's product id. */
  readonly lastCheckoutAt: number | null;
  readonly lastCheckoutProduct: string | null;
  readonly lastRefundAt: number | null;
  readonly lastHardBounceAt: number | null;
  readonly lastComplaintAt: number | null;
  /** Latest unsubscribe from all marketing (no list id). */
  readonly lastUnsubscribeAt: number | null;
  /** Latest unsubscribe from one list (a list id given): a sign of fatigue, not a global opt-out. */
  readonly lastListUnsubscribeAt: number | null;
  /** Opened time of the oldest support ticket still open; null when none is. */
  readonly openTicketSince: number | null;
  /** Latest time a ticket closed. */
  readonly lastTicketClosedAt: number | null;
};

/** What an activity entry records; the number is its low two bits in the packed value. */
export const ACTIVITY_KIND = { humanOpen: 0, click: 1, site: 2, order: 3 } as const;
export type ActivityKind = (typeof ACTIVITY_KIND)[keyof typeof ACTIVITY_KIND];
export const HOUR_MS = 3_600_000;
/** Activity hours kept per contact: 40 weighted signals already outweigh any sensible prior strength. */
export const ACTIVITY_KEPT = 40;
/** Tickets remembered per contact (latest opened), enough to know whether one is open. */
export const TICKETS_KEPT = 10;
/** The epoch hour and kind of a packed activity entry. */
export const unpackActivity = (packed: number): { readonly hour: number; readonly kind: ActivityKind } =>
  ({ hour: Math.floor(packed / 4), kind: (packed % 4) as ActivityKind });

/** One placed order as the book keeps it: time, cents paid and the categories bought. */
export type OrderEntry = { readonly at: number; readonly cents: number; readonly categories: readonly string[] };

/** Bounds on the per-contact product lists, so the book grows with contacts, not with events. */
export const RECENT_VIEWS = 20;
export const RECENT_CARTS = 10;
export const RECENT_SENDS = 20;

// Per-day tallies are packed into flat number arrays, one record of STRIDE numbers per day,
// kept sorted by day: one small array per category instead of a Map of objects, and events
// that arrive in time order (the usual case) land at the end after one comparison.
const EVIDENCE_STRIDE = 4; // day, views, carts, purchases
const ENGAGEMENT_STRIDE = 5; // day, clicks, humanOpens, siteActions, orders
const EVIDENCE_SLOT = { views: 1, carts: 2, purchases: 3 } as const;
const ENGAGEMENT_SLOT = { clicks: 1, humanOpens: 2, siteActions: 3, orders: 4 } as const;

/**
 * One contact's running totals. Money is kept in integer cents, affinity and engagement as
 * counts per UTC day, and every list sorted as it grows, so sums are exact and the fold gives
 * the same result whatever order events arrive in; decay is applied only when features are read.
 */
export type ContactTally = {
  paidCents: number;
  refundedCents: number;
  refunds: number;
  discountedOrders: number;
  discountedCents: number;
  discountCents: number;
  marginCents: number;
  costedCents: number;
  itemCents: number;
  units: number;
  minPriceCents: number | null;
  maxPriceCents: number | null;
  machineOpens: number;
  emailsSent: number;
  /** Orders sorted by time, then cents, then categories. */
  orders: readonly OrderEntry[];
  /** Category -> packed [day, views, carts, purchases] records, sorted by day. */
  readonly categories: Map<string, number[]>;
  readonly purchasedAt: Map<string, number>;
  readonly lastQuantity: Map<string, number>;
  /** Bounded to RECENT_VIEWS / RECENT_CARTS entries, keeping the latest times; null until the first one. */
  viewedAt: Map<string, number> | null;
  cartedAt: Map<string, number> | null;
  /** Latest send times, ascending, bounded to RECENT_SENDS. */
  sendTimes: readonly number[];
  /** Latest preference answers and when they were given. */
  statedAnswers: { readonly at: number; readonly answers: Readonly<Record<string, string | readonly string[]>> } | null;
  /** Packed [day, clicks, humanOpens, siteActions, orders] records, sorted by day. */
  engagement: number[];
  /** Packed epochHour * 4 + kind, ascending, unique, the latest ACTIVITY_KEPT. */
  activity: readonly number[];
  lastCheckoutAt: number | null;
  lastCheckoutProduct: string | null;
  lastRefundAt: number | null;
  lastHardBounceAt: number | null;
  lastComplaintAt: number | null;
  lastUnsubscribeAt: number | null;
  lastListUnsubscribeAt: number | null;
  /** Ticket id -> opened / closed times (null until seen); null until the first ticket event. */
  tickets: Map<string, { opened: number | null; closed: number | null }> | null;
};

/** Everything the engine needs from events, folded chunk by chunk. */
export type FeatureBook = {
  readonly intent: IntentSettings;
  /** Canonical category per product id, from the catalog the book was created with. */
  readonly categoryOf: ReadonlyMap<string, string>;
  /** Unit cost in cents per product id, for products whose cost the store knows. */
  readonly costCentsOf: ReadonlyMap<string, number>;
  readonly contacts: Map<string, ContactTally>;
  /** One shared array per distinct set of categories in an order: most orders repeat a few sets. */
  readonly categorySets: Map<string, readonly string[]>;
  /** Units sold per product per UTC day: bounded by products × days, not by events. */
  readonly unitsByDay: Map<string, Map<number, number>>;
};

/** An empty book that knows the catalog's categories and costs and the intent weights. */
export function createFeatureBook(products: readonly Product[], settings: Settings): FeatureBook {
  const categoryOf = new Map<string, string>();
  const costCentsOf = new Map<string, number>();
  for (const product of products) {
    if (product.category !== "") categoryOf.set(product.id, product.category);
    if (product.cost !== undefined) costCentsOf.set(product.id, toCents(product.cost));
  }
  return { intent: settings.intent, categoryOf, costCentsOf, contacts: new Map(), categorySets: new Map(), unitsByDay: new Map() };
}

/** Folds one chunk of cleaned events into the book (mutates the book only). */
export function addEvents(book: FeatureBook, events: readonly Event[]): void {
  for (const event of events) {
    const at = event.at.getTime();
    switch (event.type) {
      case "viewed_product":
        countActivity(tallyOf(book, event.contactId), at, ACTIVITY_KIND.site);
        countIntent(tallyOf(book, event.contactId), book.categoryOf.get(event.productId), at, "views");
        rememberLatest(tallyOf(book, event.contactId), "viewedAt", event.productId, at, RECENT_VIEWS);
        countEngagement(tallyOf(book, event.contactId), at, "siteActions");
        break;
      case "viewed_category":
        countActivity(tallyOf(book, event.contactId), at, ACTIVITY_KIND.site);
        countIntent(tallyOf(book, event.contactId), event.category, at, "views");
        countEngagement(tallyOf(book, event.contactId), at, "siteActions");
        break;
      case "added_to_cart":
        countActivity(tallyOf(book, event.contactId), at, ACTIVITY_KIND.site);
        countIntent(tallyOf(book, event.contactId), book.categoryOf.get(event.productId), at, "carts");
        rememberLatest(tallyOf(book, event.contactId), "cartedAt", event.productId, at, RECENT_CARTS);
        countEngagement(tallyOf(book, event.contactId), at, "siteActions");
        break;
      case "started_checkout": {
        const tally = tallyOf(book, event.contactId);
        countActivity(tally, at, ACTIVITY_KIND.site);
        countEngagement(tally, at, "siteActions");
        // The latest checkout wins; at one instant the smaller product id, so arrival order never matters.
        const item = event.items[0]?.productId ?? null;
        if (tally.lastCheckoutAt === null || at > tally.lastCheckoutAt
          || (at === tally.lastCheckoutAt && item !== null && (tally.lastCheckoutProduct === null || compareIds(item, tally.lastCheckoutProduct) < 0))) {
          tally.lastCheckoutAt = at;
          tally.lastCheckoutProduct = item;
        }
        break;
      }
      case "placed_order":
        addOrder(book, tallyOf(book, event.contactId), event);
        break;
      case "refunded": {
        const tally = tallyOf(book, event.contactId);
        tally.refunds += 1;
        tally.refundedCents += toCents(event.value);
        tally.lastRefundAt = latest(tally.lastRefundAt, at);
        break;
      }
      case "email_sent": {
        const tally = tallyOf(book, event.contactId);
        tally.emailsSent += 1;
        tally.sendTimes = latestTimes(tally.sendTimes, at, RECENT_SENDS);
        break;
      }
      case "submitted_preferences": {
        const tally = tallyOf(book, event.contactId);
        // The latest answers win, whatever order the events arrive in.
        if (tally.statedAnswers === null || at >= tally.statedAnswers.at) tally.statedAnswers = { at, answers: event.answers };
        break;
      }
      case "email_opened":
        if (event.machineOpen) tallyOf(book, event.contactId).machineOpens += 1;
        else {
          countEngagement(tallyOf(book, event.contactId), at, "humanOpens");
          countActivity(tallyOf(book, event.contactId), at, ACTIVITY_KIND.humanOpen);
        }
        break;
      case "email_clicked":
        countEngagement(tallyOf(book, event.contactId), at, "clicks");
        countActivity(tallyOf(book, event.contactId), at, ACTIVITY_KIND.click);
        break;
      case "email_bounced": {
        // A soft bounce (full mailbox) passes; only a hard bounce stops mail.
        const tally = tallyOf(book, event.contactId);
        if (event.hard) tally.lastHardBounceAt = latest(tally.lastHardBounceAt, at);
        break;
      }
      case "complained": {
        const tally = tallyOf(book, event.contactId);
        tally.lastComplaintAt = latest(tally.lastComplaintAt, at);
        break;
      }
      case "unsubscribed": {
        const tally = tallyOf(book, event.contactId);
        if (event.listId === undefined) tally.lastUnsubscribeAt = latest(tally.lastUnsubscribeAt, at);
        else tally.lastListUnsubscribeAt = latest(tally.lastListUnsubscribeAt, at);
        break;
      }
      case "ticket_opened":
      case "ticket_closed":
        countTicket(tallyOf(book, event.contactId), event.ticketId, at, event.type === "ticket_opened" ? "opened" : "closed");
        break;
    }
  }
}

function addOrder(book: FeatureBook, tally: ContactTally, event: EventOf<"placed_order">): void {
  const at = event.at.getTime();
  const cents = toCents(event.value);
  tally.paidCents += cents;
  if (event.discount > 0) {
    tally.discountedOrders += 1;
    tally.discountedCents += cents;
    tally.discountCents += toCents(event.discount);
  }
  countEngagement(tally, at, "orders");
  countActivity(tally, at, ACTIVITY_KIND.order);
  const day = utcDayOf(at);
  const categories = new Set<string>();
  for (const item of event.items) {
    const category = book.categoryOf.get(item.productId);
    if (category !== undefined) categories.add(category);
    countIntent(tally, category, at, "purchases");
    addLine(book, tally, item.productId, toCents(item.price), item.quantity);
    const last = tally.purchasedAt.get(item.productId);
    if (last === undefined || at > last) {
      tally.purchasedAt.set(item.productId, at);
      tally.lastQuantity.set(item.productId, item.quantity);
    } else if (at === last) {
      // Two lines for one product in one order (or two orders at one instant) add up.
      tally.lastQuantity.set(item.productId, (tally.lastQuantity.get(item.productId) ?? 0) + item.quantity);
    }
    addUnits(book, item.productId, day, item.quantity);
  }
  tally.orders = insertSorted(tally.orders, { at, cents, categories: categorySet(book, [...categories].sort()) }, compareOrders);
}

function categorySet(book: FeatureBook, sorted: string[]): readonly string[] {
  const key = sorted.join("\u0000");
  let shared = book.categorySets.get(key);
  if (shared === undefined) {
    shared = Object.freeze(sorted);
    book.categorySets.set(key, shared);
  }
  return shared;
}

/**
 * Records a product's latest time in a bounded map: when full, the entry with the oldest time
 * goes, so the map holds the `limit` most recent products whatever order events arrive in.
 */
function rememberLatest(tally: ContactTally, key: "viewedAt" | "cartedAt", productId: string, at: number, limit: number): void {
  const map = tally[key] ?? new Map<string, number>();
  tally[key] = map;
  const known = map.get(productId);
  if (known !== undefined) {
    if (at > known) map.set(productId, at);
    return;
  }
  if (map.size < limit) {
    map.set(productId, at);
    return;
  }
  let oldestId: string | null = null;
  let oldestAt = at;
  for (const [id, t] of map) {
    if (t < oldestAt || (t === oldestAt && oldestId !== null && id > oldestId)) {
      oldestId = id;
      oldestAt = t;
    }
  }
  if (oldestId === null) return; // older than everything kept
  map.delete(oldestId);
  map.set(productId, at);
}

/** The `limit` latest times, ascending, with `at` added in place. */
function latestTimes(times: readonly number[], at: number, limit: number): readonly number[] {
  if (times.length >= limit && at <= (times[0] ?? -Infinity)) return times;
  const next = insertSorted(times, at, (a, b) => a - b);
  return next.length > limit ? next.slice(next.length - limit) : next;
}

const compareOrders = (a: OrderEntry, b: OrderEntry): number =>
  a.at - b.at || a.cents - b.cents || compareIds(a.categories.join("\u0000"), b.categories.join("\u0000"));

/** A copy of the sorted list with the item in place, scanning from the end (where in-order items land). */
function insertSorted<T>(list: readonly T[], item: T, compare: (a: T, b: T) => number): T[] {
  let i = list.length;
  while (i > 0 && compare(list[i - 1] as T, item) > 0) i--;
  return inserted(list, i, [item]);
}

/**
 * A copy of `list` with `items` inserted at `at`, allocated at its exact size: push, splice and
 * spread leave growth slack (measured: a 4-number array takes 192 bytes by spread, 88 this
 * way), and with a few small lists per contact the slack is most of the book.
 */
function inserted<T>(list: readonly T[], at: number, items: readonly T[]): T[] {
  const result = new Array<T>(list.length + items.length);
  for (let i = 0; i < at; i++) result[i] = list[i] as T;
  for (let i = 0; i < items.length; i++) result[at + i] = items[i] as T;
  for (let i = at; i < list.length; i++) result[items.length + i] = list[i] as T;
  return result;
}

function addLine(book: FeatureBook, tally: ContactTally, productId: string, priceCents: number, quantity: number): void {
  tally.units += quantity;
  tally.itemCents += priceCents * quantity;
  if (tally.minPriceCents === null || priceCents < tally.minPriceCents) tally.minPriceCents = priceCents;
  if (tally.maxPriceCents === null || priceCents > tally.maxPriceCents) tally.maxPriceCents = priceCents;
  const costCents = book.costCentsOf.get(productId);
  if (costCents === undefined) return;
  tally.costedCents += priceCents * quantity;
  tally.marginCents += (priceCents - costCents) * quantity;
}

/**
 * A prototype-free record: keys come from store data, so an id like "__proto__" must stay
 * an ordinary key; V8 also keeps such objects in dictionary mode, which suits many keys.
 */
const dictionary = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

const NO_TIMES: ReadonlyMap<string, number> = new Map();
/** The latest-event times a contact starts without, shared by a new tally and the empty features. */
const NO_LATEST = {
  lastCheckoutAt: null,
  lastCheckoutProduct: null,
  lastRefundAt: null,
  lastHardBounceAt: null,
  lastComplaintAt: null,
  lastUnsubscribeAt: null,
  lastListUnsubscribeAt: null,
} as const;
const NO_ANSWERS: Readonly<Record<string, string | readonly string[]>> = Object.freeze(dictionary<string | readonly string[]>());

const EMPTY_FEATURES: ContactFeatures = Object.freeze({
  orders: 0,
  revenue: 0,
  refunds: 0,
  firstOrderAt: null,
  lastOrderAt: null,
  orderTimes: Object.freeze([]),
  orderValues: Object.freeze([]),
  orderCategories: Object.freeze([]),
  discountedOrders: 0,
  discountedRevenue: 0,
  discountTotal: 0,
  margin: 0,
  costedRevenue: 0,
  itemRevenue: 0,
  itemPrices: Object.freeze({ units: 0, total: 0, min: null, max: null }),
  categoryScores: Object.freeze(dictionary<number>()),
  categoryEvidence: Object.freeze(dictionary<CategoryEvidence>()),
  purchasedAt: Object.freeze(dictionary<number>()),
  lastQuantity: Object.freeze(dictionary<number>()),
  viewedAt: NO_TIMES,
  cartedAt: NO_TIMES,
  sendTimes: Object.freeze([]),
  statedAnswers: Object.freeze(dictionary<string | readonly string[]>()),
  engagement: Object.freeze([]),
  machineOpens: 0,
  emailsSent: 0,
  activity: Object.freeze([]),
  ...NO_LATEST,
  openTicketSince: null,
  lastTicketClosedAt: null,
});

/**
 * Weight of a signal `ageDays` old under exponential decay: 1 today, 1/2 after one
 * half-life. Signals dated after `now` (clock skew between systems) count as today.
 */
export const halfLifeWeight = (ageDays: number, halfLifeDays: number): number =>
  ageDays <= 0 ? 1 : 2 ** (-ageDays / halfLifeDays);

/** The contact's features as of `now`; empty features when the book has no events for them. */
export function featuresOf(book: FeatureBook, contactId: string, now: Date): ContactFeatures {
  const tally = book.contacts.get(contactId);
  if (tally === undefined) return EMPTY_FEATURES;
  const { categoryScores, categoryEvidence } = affinityOf(tally, book.intent, utcDayOf(now.getTime()));
  const purchasedAt = dictionary<number>();
  for (const [productId, at] of tally.purchasedAt) purchasedAt[productId] = at;
  const lastQuantity = dictionary<number>();
  for (const [productId, quantity] of tally.lastQuantity) lastQuantity[productId] = quantity;
  const { orders } = tally;
  return {
    orders: orders.length,
    revenue: Math.max(0, tally.paidCents - tally.refundedCents) / 100,
    refunds: tally.refunds,
    firstOrderAt: orders[0]?.at ?? null,
    lastOrderAt: orders[orders.length - 1]?.at ?? null,
    orderTimes: orders.map((o) => o.at),
    orderValues: orders.map((o) => o.cents / 100),
    orderCategories: orders.map((o) => o.categories),
    discountedOrders: tally.discountedOrders,
    discountedRevenue: tally.discountedCents / 100,
    discountTotal: tally.discountCents / 100,
    margin: tally.marginCents / 100,
    costedRevenue: tally.costedCents / 100,
    itemRevenue: tally.itemCents / 100,
    itemPrices: {
      units: tally.units,
      total: tally.itemCents / 100,
      min: tally.minPriceCents === null ? null : tally.minPriceCents / 100,
      max: tally.maxPriceCents === null ? null : tally.maxPriceCents / 100,
    },
    categoryScores,
    categoryEvidence,
    purchasedAt,
    lastQuantity,
    viewedAt: tally.viewedAt ?? NO_TIMES,
    cartedAt: tally.cartedAt ?? NO_TIMES,
    sendTimes: tally.sendTimes,
    statedAnswers: tally.statedAnswers?.answers ?? NO_ANSWERS,
    engagement: engagementDays(tally.engagement),
    machineOpens: tally.machineOpens,
    emailsSent: tally.emailsSent,
    activity: tally.activity,
    lastCheckoutAt: tally.lastCheckoutAt,
    lastCheckoutProduct: tally.lastCheckoutProduct,
    lastRefundAt: tally.lastRefundAt,
    lastHardBounceAt: tally.lastHardBounceAt,
    lastComplaintAt: tally.lastComplaintAt,
    lastUnsubscribeAt: tally.lastUnsubscribeAt,
    lastListUnsubscribeAt: tally.lastListUnsubscribeAt,
    ...ticketState(tally.tickets),
  };
}

/**
 * A ticket is open when it was opened and not closed since. A close seen without its open
 * (the open fell outside the pull) still ends the cooldown clock from the close.
 */
function ticketState(tickets: ContactTally["tickets"]): { openTicketSince: number | null; lastTicketClosedAt: number | null } {
  let openTicketSince: number | null = null;
  let lastTicketClosedAt: number | null = null;
  if (tickets === null) return { openTicketSince, lastTicketClosedAt };
  for (const { opened, closed } of tickets.values()) {
    if (opened !== null && (closed === null || closed < opened)) openTicketSince = Math.min(openTicketSince ?? opened, opened);
    if (closed !== null && (opened === null || closed >= opened)) lastTicketClosedAt = Math.max(lastTicketClosedAt ?? closed, closed);
  }
  return { openTicketSince, lastTicketClosedAt };
}

function affinityOf(tally: ContactTally, intent: IntentSettings, today: number) {
  const { viewWeight, cartWeight, orderWeight, halfLifeDays } = intent;
  const categoryScores = dictionary<number>();
  const categoryEvidence = dictionary<CategoryEvidence>();
  for (const [name, packed] of tally.categories) {
    let views = 0;
    let carts = 0;
    let purchases = 0;
    let points = 0;
    // Records are sorted by day, so the float sum is the same whatever order events arrived in.
    for (let i = 0; i < packed.length; i += EVIDENCE_STRIDE) {
      const day = packed[i] ?? 0;
      const v = packed[i + EVIDENCE_SLOT.views] ?? 0;
      const c = packed[i + EVIDENCE_SLOT.carts] ?? 0;
      const p = packed[i + EVIDENCE_SLOT.purchases] ?? 0;
      points += (v * viewWeight + c * cartWeight + p * orderWeight) * halfLifeWeight(today - day, halfLifeDays);
      views += v;
      carts += c;
      purchases += p;
    }
    categoryScores[name] = points;
    categoryEvidence[name] = { views, carts, purchases };
  }
  return { categoryScores, categoryEvidence };
}

/** Unpacks a tally's per-day engagement records, oldest first. */
export function engagementDays(packed: readonly number[]): EngagementDay[] {
  const days: EngagementDay[] = [];
  for (let i = 0; i < packed.length; i += ENGAGEMENT_STRIDE) {
    days.push({
      day: packed[i] ?? 0,
      clicks: packed[i + ENGAGEMENT_SLOT.clicks] ?? 0,
      humanOpens: packed[i + ENGAGEMENT_SLOT.humanOpens] ?? 0,
      siteActions: packed[i + ENGAGEMENT_SLOT.siteActions] ?? 0,
      orders: packed[i + ENGAGEMENT_SLOT.orders] ?? 0,
    });
  }
  return days;
}

function tallyOf(book: FeatureBook, contactId: string): ContactTally {
  let tally = book.contacts.get(contactId);
  if (tally === undefined) {
    tally = {
      paidCents: 0,
      refundedCents: 0,
      refunds: 0,
      discountedOrders: 0,
      discountedCents: 0,
      discountCents: 0,
      marginCents: 0,
      costedCents: 0,
      itemCents: 0,
      units: 0,
      minPriceCents: null,
      maxPriceCents: null,
      machineOpens: 0,
      emailsSent: 0,
      orders: [],
      categories: new Map(),
      purchasedAt: new Map(),
      lastQuantity: new Map(),
      viewedAt: null,
      cartedAt: null,
      sendTimes: [],
      statedAnswers: null,
      engagement: [],
      activity: [],
      ...NO_LATEST,
      tickets: null,
    };
    book.contacts.set(contactId, tally);
  }
  return tally;
}

function countIntent(tally: ContactTally, category: string | undefined, at: number, kind: keyof typeof EVIDENCE_SLOT): void {
  // A product missing from the catalog, or one with no category, says nothing about taste.
  if (category === undefined || category === "") return;
  const packed = bump(tally.categories.get(category) ?? [], EVIDENCE_STRIDE, utcDayOf(at), EVIDENCE_SLOT[kind]);
  tally.categories.set(category, packed);
}

/** Records an hour of activity once per kind, keeping the latest ACTIVITY_KEPT hours. */
function countActivity(tally: ContactTally, at: number, kind: ActivityKind): void {
  const packed = Math.floor(at / HOUR_MS) * 4 + kind;
  const list = tally.activity;
  if (list.length >= ACTIVITY_KEPT && packed < (list[0] ?? -Infinity)) return;
  let i = list.length;
  while (i > 0 && (list[i - 1] ?? 0) > packed) i--;
  if (list[i - 1] === packed) return;
  const next = inserted(list, i, [packed]);
  tally.activity = next.length > ACTIVITY_KEPT ? next.slice(next.length - ACTIVITY_KEPT) : next;
}

/** Remembers a ticket's open or close time (the latest of each), bounded to the TICKETS_KEPT most recently active tickets. */
function countTicket(tally: ContactTally, ticketId: string, at: number, what: "opened" | "closed"): void {
  const tickets = tally.tickets ?? new Map<string, { opened: number | null; closed: number | null }>();
  tally.tickets = tickets;
  const known = tickets.get(ticketId) ?? { opened: null, closed: null };
  known[what] = latest(known[what], at);
  tickets.set(ticketId, known);
  if (tickets.size <= TICKETS_KEPT) return;
  let oldestId: string | null = null;
  let oldestAt = Infinity;
  for (const [id, t] of tickets) {
    const last = Math.max(t.opened ?? -Infinity, t.closed ?? -Infinity);
    if (last < oldestAt || (last === oldestAt && oldestId !== null && compareIds(id, oldestId) > 0)) {
      oldestId = id;
      oldestAt = last;
    }
  }
  if (oldestId !== null) tickets.delete(oldestId);
}

const latest = (known: number | null, at: number): number => (known === null || at > known ? at : known);

function countEngagement(tally: ContactTally, at: number, kind: keyof typeof ENGAGEMENT_SLOT): void {
  tally.engagement = bump(tally.engagement, ENGAGEMENT_STRIDE, utcDayOf(at), ENGAGEMENT_SLOT[kind]);
}

/** Adds 1 to `slot` of the day's record in a packed, day-sorted array; a new day gets an exact-size copy. */
function bump(packed: number[], stride: number, day: number, slot: number): number[] {
  let i = packed.length - stride;
  while (i >= 0 && (packed[i] ?? 0) > day) i -= stride;
  let result = packed;
  if (i < 0 || packed[i] !== day) {
    i += stride;
    const record = new Array<number>(stride).fill(0);
    record[0] = day;
    result = inserted(packed, i, record);
  }
  result[i + slot] = (result[i + slot] ?? 0) + 1;
  return result;
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
