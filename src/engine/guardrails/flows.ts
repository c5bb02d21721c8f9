import { ABANDONMENT_FLOWS, decided } from "../../domain/index.js";
import type { Contact, Decided, Flow, FlowSettings, GuardKey, GuardLogEntry, Product, PropertyValue, Settings, Suppression } from "../../domain/index.js";
import { HOUR_MS } from "../feature-book.js";
import type { ContactFeatures } from "../feature-book.js";
import { compareIds } from "../compare-ids.js";
import { DAY_MS, isoDayOf } from "../utc-day.js";
import { plural } from "../plural.js";
import type { GuardState } from "./guard-log.js";

/** What flowsOf needs beyond the contact and their features. */
export type FlowContext = {
  /** For replenishDays. */
  readonly products: ReadonlyMap<string, Product>;
  /** storeMedianGapDays() of the run. */
  readonly storeGapDays: number | null;
  /** Suppressions in BLOCKS_FLOWS: every flow off, the reason quotes it. */
  readonly blocking: readonly Suppression[];
  /** The contact's guard log, oldest first. */
  readonly log: readonly GuardLogEntry[];
};

/** The flow properties and the states the guard log records. */
export type Flows = {
  /** tailor_flow_welcome, tailor_flow_browse_abandonment, tailor_flow_cart_abandonment, tailor_abandoned_product, tailor_flow_post_purchase, tailor_replenish_date, tailor_replenish_product, tailor_flow_winback, tailor_winback_date */
  readonly properties: Readonly<Record<string, Decided<PropertyValue>>>;
  /** One per Flow plus "abandonment_gap", for the guard log (ref set on abandonment flows: "<flow>:<trigger epoch ms>"). */
  readonly states: readonly GuardState[];
};

/** What flowsOf reads from the features; any ContactFeatures will do. */
export type FlowFeatures = Pick<
  ContactFeatures,
  "orders" | "lastOrderAt" | "orderTimes" | "purchasedAt" | "lastQuantity" | "viewedAt" | "cartedAt" | "lastCheckoutAt" | "lastCheckoutProduct"
>;

/**
 * Which lifecycle flows the contact is eligible for now, each with its reason and, where it
 * applies, a date. Blocking suppressions (consent, tickets, refunds) turn every flow off and
 * clear the dates too: an ESP flow can trigger on a date property alone.
 */
export function flowsOf(contact: Contact, f: FlowFeatures, ctx: FlowContext, settings: Settings, now: Date): Flows {
  const nowMs = now.getTime();
  const block = ctx.blocking[0];
  if (block !== undefined) return blockedFlows(block, ctx.blocking.length);
  const welcome = welcomeOf(contact, f, settings.flows, nowMs);
  const abandonment = abandonmentOf(f, ctx.log, settings, nowMs);
  const postPurchase = postPurchaseOf(f, settings.flows, nowMs);
  const replenishment = replenishmentOf(f, ctx.products, settings.flows, nowMs);
  const winback = winbackOf(f, ctx.storeGapDays, settings, nowMs);
  return {
    properties: {
      tailor_flow_welcome: decided(welcome.on, welcome.reason),
      tailor_flow_browse_abandonment: decided(abandonment.browse.on, abandonment.browse.reason),
      tailor_flow_cart_abandonment: decided(abandonment.cart.on, abandonment.cart.reason),
      tailor_abandoned_product: abandonment.product,
      tailor_flow_post_purchase: decided(postPurchase.on, postPurchase.reason),
      tailor_replenish_date: replenishment.date,
      tailor_replenish_product: replenishment.product,
      tailor_flow_winback: decided(winback.state.on, winback.state.reason),
      tailor_winback_date: winback.date,
    },
    states: [welcome, abandonment.browse, abandonment.cart, postPurchase, replenishment.state, winback.state, abandonment.gap],
  };
}

const off = (key: GuardKey, reason: string): GuardState => ({ key, on: false, reason, until: null });

function blockedFlows(block: Suppression, count: number): Flows {
  const more = count > 1 ? ` (and ${plural(count - 1, "more reason")})` : "";
  const why = `off while promos are paused: ${block.reason}${more}`;
  const no = decided(false, why);
  const none = decided(null, why);
  return {
    properties: {
      tailor_flow_welcome: no,
      tailor_flow_browse_abandonment: no,
      tailor_flow_cart_abandonment: no,
      tailor_abandoned_product: none,
      tailor_flow_post_purchase: no,
      tailor_replenish_date: none,
      tailor_replenish_product: none,
      tailor_flow_winback: no,
      tailor_winback_date: none,
    },
    states: [
      off("welcome", why), off("browse_abandonment", why), off("cart_abandonment", why), off("post_purchase", why),
      off("replenishment", why), off("winback", why), off("abandonment_gap", "no abandonment flow to hold back"),
    ],
  };
}

/** A subscribed contact created within welcomeDays (until exclusive) who has not ordered. */
function welcomeOf(contact: Contact, f: FlowFeatures, s: FlowSettings, nowMs: number): GuardState {
  if (contact.consent !== "subscribed") return off("welcome", `consent is ${contact.consent}`);
  if (f.orders > 0) return off("welcome", `has ordered (${plural(f.orders, "order")})`);
  const created = contact.createdAt.getTime();
  const ends = created + s.welcomeDays * DAY_MS;
  const age = `created ${plural(daysAgo(created, nowMs), "day")} ago`;
  if (nowMs >= ends) return off("welcome", `${age}: the ${s.welcomeDays}-day welcome window has closed`);
  return { key: "welcome", on: true, reason: `${age}, within the ${s.welcomeDays}-day welcome window, no order yet`, until: ends };
}

/** A view, cart add or checkout that may start an abandonment flow. */
type Trigger = { readonly flow: Flow; readonly at: number; readonly product: string | null; readonly what: string };
type Eligibility = { readonly trigger: Trigger; readonly ok: boolean; readonly reason: string };

/**
 * Browse and cart abandonment, and the one-flow-per-gap rule. Cart beats browse (higher intent).
 * A flow may start only when the log's latest start of an abandonment flow is at least the gap
 * old, or is this same flow staying on. A new trigger for the flow that is on (a second cart add)
 * keeps it on under its first start: turning it off would unenroll the contact from the ESP's flow.
 */
function abandonmentOf(f: FlowFeatures, log: readonly GuardLogEntry[], settings: Settings, nowMs: number) {
  const s = settings.flows;
  const gapMs = settings.suppressions.abandonmentGapHours * HOUR_MS;
  const cart = cartEligibility(f, s, nowMs);
  const browse = browseEligibility(f, s, nowMs);
  const started = latestAbandonmentStart(log);
  const holding = started !== null && nowMs - started.at < gapMs ? started : null;

  let chosen: Eligibility | null = null;
  let held: Eligibility | null = null;
  // Priority order: the first eligible candidate the gap allows goes on.
  for (const candidate of [cart, browse]) {
    if (candidate === null || !candidate.ok) continue;
    if (holding === null || holding.key === candidate.trigger.flow) {
      chosen = candidate;
      break;
    }
    held ??= candidate;
  }

  const heldReason = holding === null ? "" : `${labelOf(holding.key)} started ${hoursAgo(holding.at, nowMs)}; one abandonment flow per ${settings.suppressions.abandonmentGapHours} h`;
  const stateOf = (flow: "cart_abandonment" | "browse_abandonment", e: Eligibility | null, none: string): GuardState => {
    if (e === null) return off(flow, none);
    if (e === chosen) {
      // Inside the gap the flow keeps its first start's ref, so the log records one start, not one per cart add.
      const ref = holding !== null && holding.ref !== undefined ? holding.ref : refOf(e.trigger);
      return { key: flow, on: true, reason: e.reason, until: e.trigger.at + s.abandonmentWindowHours * HOUR_MS, ref };
    }
    if (!e.ok) return off(flow, e.reason);
    if (e !== held && chosen !== null) return off(flow, `${e.reason}, but ${labelOf(chosen.trigger.flow)} is on (higher intent)`);
    return off(flow, `${e.reason}, held back: ${heldReason}`);
  };

  const gap: GuardState = held === null || holding === null
    ? off("abandonment_gap", "no abandonment flow held back")
    : { key: "abandonment_gap", on: true, reason: `${labelOf(held.trigger.flow)} held back: ${heldReason}`, until: holding.at + gapMs, ref: refOf(held.trigger) };
  const product = chosen === null
    ? decided(null, held === null ? "no abandonment flow on" : `no abandonment flow on: ${labelOf(held.trigger.flow)} held back`)
    : decided(chosen.trigger.product, `${labelOf(chosen.trigger.flow)}: ${chosen.trigger.what}`);
  return {
    cart: stateOf("cart_abandonment", cart, "no cart add or checkout"),
    browse: stateOf("browse_abandonment", browse, "no product viewed"),
    gap,
    product,
  };
}

/** "cart abandonment" for cart_abandonment: keys as a marketer reads them. */
const labelOf = (key: GuardKey): string => key.replaceAll("_", " ");

const refOf = (t: Trigger): string => `${t.flow}:${t.at}`;

/** The log's latest entry turning an abandonment flow on, or null. */
function latestAbandonmentStart(log: readonly GuardLogEntry[]): GuardLogEntry | null {
  for (let i = log.length - 1; i >= 0; i--) {
    const entry = log[i];
    if (entry?.on === true && (ABANDONMENT_FLOWS as readonly GuardKey[]).includes(entry.key)) return entry;
  }
  return null;
}

/** The latest add-to-cart or started checkout (a checkout at the same instant wins: it is the later step). */
function cartEligibility(f: FlowFeatures, s: FlowSettings, nowMs: number): Eligibility | null {
  const carted = latestOf(f.cartedAt);
  const checkout = f.lastCheckoutAt;
  let trigger: Trigger;
  if (checkout !== null && (carted === null || checkout >= carted.at)) {
    const product = f.lastCheckoutProduct ?? carted?.id ?? null;
    trigger = { flow: "cart_abandonment", at: checkout, product, what: `started checkout${product === null ? "" : ` with ${product}`} ${hoursAgo(checkout, nowMs)}` };
  } else if (carted !== null) {
    trigger = { flow: "cart_abandonment", at: carted.at, product: carted.id, what: `added ${carted.id} to cart ${hoursAgo(carted.at, nowMs)}` };
  } else {
    return null;
  }
  const timing = timingOf(trigger, s.cartDelayHours, s.abandonmentWindowHours, nowMs);
  if (timing !== null) return { trigger, ok: false, reason: timing };
  const order = f.lastOrderAt;
  if (order !== null && order >= trigger.at) return { trigger, ok: false, reason: `${trigger.what}, but purchased since (order ${hoursAgo(order, nowMs)})` };
  return { trigger, ok: true, reason: `${trigger.what}, no order since` };
}

/** The latest product view, with no cart add, checkout or order since. */
function browseEligibility(f: FlowFeatures, s: FlowSettings, nowMs: number): Eligibility | null {
  const viewed = latestOf(f.viewedAt);
  if (viewed === null) return null;
  const trigger: Trigger = { flow: "browse_abandonment", at: viewed.at, product: viewed.id, what: `viewed ${viewed.id} ${hoursAgo(viewed.at, nowMs)}` };
  const timing = timingOf(trigger, s.browseDelayHours, s.abandonmentWindowHours, nowMs);
  if (timing !== null) return { trigger, ok: false, reason: timing };
  const order = f.lastOrderAt;
  if (order !== null && order >= viewed.at) return { trigger, ok: false, reason: `${trigger.what}, but purchased since (order ${hoursAgo(order, nowMs)})` };
  const carted = latestOf(f.cartedAt);
  const checkout = f.lastCheckoutAt;
  if ((carted !== null && carted.at >= viewed.at) || (checkout !== null && checkout >= viewed.at)) {
    return { trigger, ok: false, reason: `${trigger.what}, but added to cart or checked out since` };
  }
  return { trigger, ok: true, reason: `${trigger.what}, nothing carted or ordered since` };
}

/** Why a trigger is too fresh or too old (delay and window both inclusive), or null when its age fits. */
function timingOf(t: Trigger, delayHours: number, windowHours: number, nowMs: number): string | null {
  const age = nowMs - t.at;
  if (age < delayHours * HOUR_MS) return `${t.what}: waits ${delayHours} h`;
  if (age > windowHours * HOUR_MS) return `${t.what}: older than the ${windowHours}-hour window`;
  return null;
}

/** The latest entry of a product -> time map; the smaller id on a tie, so arrival order never matters. */
function latestOf(times: ReadonlyMap<string, number>): { readonly id: string; readonly at: number } | null {
  let id: string | null = null;
  let at = -Infinity;
  for (const [productId, t] of times) {
    if (t > at || (t === at && id !== null && compareIds(productId, id) < 0)) {
      id = productId;
      at = t;
    }
  }
  return id === null ? null : { id, at };
}

const hoursAgo = (at: number, nowMs: number): string => `${Math.floor((nowMs - at) / HOUR_MS)} h ago`;
const daysAgo = (at: number, nowMs: number): number => Math.floor((nowMs - at) / DAY_MS);

/** On from postPurchaseFromDays (inclusive) to postPurchaseToDays (exclusive) after the latest order. */
function postPurchaseOf(f: FlowFeatures, s: FlowSettings, nowMs: number): GuardState {
  const last = f.lastOrderAt;
  if (last === null) return off("post_purchase", "has not ordered yet");
  const age = nowMs - last;
  const window = `the ${s.postPurchaseFromDays}-${s.postPurchaseToDays} day cross-sell window`;
  const latest = `latest order ${plural(daysAgo(last, nowMs), "day")} ago`;
  if (age < s.postPurchaseFromDays * DAY_MS) return off("post_purchase", `${latest}: before ${window}`);
  if (age >= s.postPurchaseToDays * DAY_MS) return off("post_purchase", `${latest}: past ${window}`);
  return { key: "post_purchase", on: true, reason: `${latest}: inside ${window}`, until: last + s.postPurchaseToDays * DAY_MS };
}

/**
 * The soonest-due replenishable product bought: due = purchase + replenishDays x quantity,
 * eligible from replenishLeadDays before due until one more cycle past it (then the need has
 * passed or they bought elsewhere). A repurchase moves the purchase time, so it resets the clock.
 * Inactive products are skipped: nothing to send them back to.
 */
function replenishmentOf(f: FlowFeatures, products: ReadonlyMap<string, Product>, s: FlowSettings, nowMs: number) {
  let best: { id: string; due: number; cycle: number; at: number; quantity: number } | null = null;
  let replenishable = 0;
  let nextFrom = Infinity;
  for (const id in f.purchasedAt) {
    const product = products.get(id);
    const at = f.purchasedAt[id];
    if (product?.replenishDays === undefined || !product.active || at === undefined) continue;
    replenishable++;
    const quantity = f.lastQuantity[id] ?? 1;
    const cycle = product.replenishDays * quantity * DAY_MS;
    const due = at + cycle;
    const from = due - s.replenishLeadDays * DAY_MS;
    if (nowMs < from) nextFrom = Math.min(nextFrom, from);
    if (nowMs < from || nowMs >= due + cycle) continue;
    if (best === null || due < best.due || (due === best.due && compareIds(id, best.id) < 0)) best = { id, due, cycle, at, quantity };
  }
  if (best === null) {
    const reason = replenishable === 0
      ? "no replenishable product bought"
      : `${plural(replenishable, "replenishable product")} bought, none due within ${plural(s.replenishLeadDays, "day")}`
        + (nextFrom === Infinity ? "" : ` (the next is eligible from ${isoDayOf(nextFrom)})`);
    return { state: off("replenishment", reason), date: decided(null, reason), product: decided(null, reason) };
  }
  const days = best.cycle / DAY_MS;
  const due = isoDayOf(best.due);
  const reason = `${best.id} bought ${plural(daysAgo(best.at, nowMs), "day")} ago, ${best.quantity} x ${plural(days / best.quantity, "day")} lasts ${plural(days, "day")}: due ${due}`;
  return {
    state: { key: "replenishment" as const, on: true, reason, until: best.due + best.cycle },
    date: decided(due, reason),
    product: decided(best.id, reason),
  };
}

/**
 * Win-back from the contact's own purchase cycle: the median of their gaps between orders,
 * shrunk toward the store's by k / (k + winbackShrinkOrders) for k gaps; one-time buyers use the
 * store's; a store with no repeat customers falls back to the lifecycle active window. On from
 * last order + winbackGapMultiple x gap.
 */
function winbackOf(f: FlowFeatures, storeGapDays: number | null, settings: Settings, nowMs: number) {
  const last = f.lastOrderAt;
  if (last === null || f.orders === 0) {
    return { state: off("winback", "has not ordered yet"), date: decided(null, "has not ordered yet") };
  }
  const s = settings.flows;
  const prior = storeGapDays ?? settings.lifecycle.activeDays;
  const priorWhy = storeGapDays === null
    ? `no repeat customers in the store yet, so the ${settings.lifecycle.activeDays}-day active window`
    : `the store's median gap of ${oneDecimal(storeGapDays)} days`;
  const gaps = f.orderTimes.length - 1;
  const own = gaps > 0 ? medianGapMs(f.orderTimes) / DAY_MS : null;
  let gap: number;
  let gapWhy: string;
  if (own === null) {
    gap = prior;
    gapWhy = `one order: ${priorWhy}`;
  } else {
    const weight = gaps / (gaps + s.winbackShrinkOrders);
    gap = weight * own + (1 - weight) * prior;
    gapWhy = `own median ${oneDecimal(own)} days over ${plural(gaps, "gap")}, weighted ${oneDecimal(weight * 100)} % against ${priorWhy}`;
  }
  // Two orders at one instant make a zero gap: a win-back the moment they order would be absurd.
  gap = Math.max(gap, 1);
  const dueAt = last + s.winbackGapMultiple * gap * DAY_MS;
  const date = isoDayOf(dueAt);
  const reason = `${nowMs >= dueAt ? "due" : "not due"}: ${s.winbackGapMultiple} x ${oneDecimal(gap)}-day gap after the last order ${plural(daysAgo(last, nowMs), "day")} ago is ${date} (${gapWhy})`;
  return {
    state: nowMs >= dueAt ? { key: "winback" as const, on: true, reason, until: null } : off("winback", reason),
    date: decided(date, reason),
  };
}

const oneDecimal = (n: number): string => String(Math.round(n * 10) / 10);

/** Median gap between consecutive order times (ascending), in ms; 0 with fewer than two. */
function medianGapMs(times: readonly number[]): number {
  const n = times.length - 1;
  if (n <= 0) return 0;
  if (n === 1) return (times[1] ?? 0) - (times[0] ?? 0);
  // A plain array: a typed array's backing store costs more than sorting the few gaps most contacts have.
  const gaps = new Array<number>(n);
  for (let i = 0; i < n; i++) gaps[i] = (times[i + 1] ?? 0) - (times[i] ?? 0);
  gaps.sort((a, b) => a - b);
  const mid = n >> 1;
  return n % 2 === 1 ? (gaps[mid] ?? 0) : ((gaps[mid - 1] ?? 0) + (gaps[mid] ?? 0)) / 2;
}

/**
 * Median days between consecutive orders over every repeat customer; null when there are none.
 * Each customer counts once, by their own median gap: pooling every gap would let a few frequent
 * buyers set the whole store's cycle. Each list must be ascending, as ContactFeatures.orderTimes is.
 */
export function storeMedianGapDays(orderTimes: Iterable<readonly number[]>): number | null {
  const medians: number[] = [];
  for (const times of orderTimes) if (times.length >= 2) medians.push(medianGapMs(times));
  if (medians.length === 0) return null;
  const sorted = Float64Array.from(medians).sort();
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return median / DAY_MS;
}
