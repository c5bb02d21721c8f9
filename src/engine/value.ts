import { decided } from "../domain/index.js";
import type { ClvTier, DiscountSensitivity } from "../domain/index.js";
import type { Confidence, Decided } from "../domain/index.js";
import type { ContactFeatures } from "./feature-book.js";
import { round2 } from "./round2.js";
import { plural } from "./plural.js";

/** What a contact is worth so far: order value, revenue, how they respond to discounts, and margin. */
export type Value = {
  readonly aov: Decided<number | null>;
  readonly revenue: Decided<number>;
  readonly discountSensitivity: Decided<DiscountSensitivity | null>;
  /** Share of orders with a discount, 2 decimals. */
  readonly discountShare: Decided<number | null>;
  readonly marginContributed: Decided<number | null>;
};

/** Discount-driven when at least half the orders had a discount: the buyer waits for a code more often than not. */
export const DISCOUNT_DRIVEN_SHARE = 0.5;
/** Full price needs this many orders, none discounted: one full-price order may just predate any sale. */
export const FULL_PRICE_MIN_ORDERS = 2;
// Order counts behind a discount judgement's confidence: under 3 a single order swings the share
// by a third or more; from 6 one order moves it by under a fifth.
const MEDIUM_FROM_ORDERS = 3;
const HIGH_FROM_ORDERS = 6;
// Share of line revenue with a known cost behind the margin's confidence.
const MARGIN_HIGH_COVERAGE = 0.9;
const MARGIN_MEDIUM_COVERAGE = 0.5;

type ValueFeatures = Pick<
  ContactFeatures,
  "orders" | "orderValues" | "revenue" | "refunds" | "discountedOrders" | "discountedRevenue" | "margin" | "costedRevenue" | "itemRevenue"
>;

/** AOV, revenue, discount sensitivity and margin from the contact's orders; null where there are no orders to judge. */
export function valueOf(f: ValueFeatures): Value {
  const revenue = round2(f.revenue);
  const refunded = f.refunds === 0 ? "" : `, less ${plural(f.refunds, "refund")}`;
  if (f.orders === 0) {
    const none = decided(null, "no orders yet");
    const noRevenue = decided(0, f.refunds === 0 ? "no orders yet" : `no orders yet; ${plural(f.refunds, "refund")} without an order`);
    return { aov: none, revenue: noRevenue, discountSensitivity: none, discountShare: none, marginContributed: none };
  }
  return {
    aov: decided(round2(f.revenue / f.orders), `${revenue.toFixed(2)} revenue over ${plural(f.orders, "order")}`),
    revenue: decided(revenue, `paid over ${plural(f.orders, "order")}${refunded}`),
    ...discountsOf(f),
    marginContributed: marginOf(f),
  };
}

function discountsOf(f: ValueFeatures): Pick<Value, "discountSensitivity" | "discountShare"> {
  const share = f.discountedOrders / f.orders;
  // Gross of refunds, like discountedRevenue, so the share compares like with like.
  const paid = f.orderValues.reduce((sum, v) => sum + v, 0);
  const revenueShare = paid === 0 ? 0 : Math.min(1, f.discountedRevenue / paid);
  const evidence = `${f.discountedOrders} of ${plural(f.orders, "order")} had a discount (${percent(revenueShare)} of revenue)`;
  const confidence: Confidence = f.orders >= HIGH_FROM_ORDERS ? "high" : f.orders >= MEDIUM_FROM_ORDERS ? "medium" : "low";
  const discountShare = decided(round2(share), evidence, confidence);
  if (share >= DISCOUNT_DRIVEN_SHARE) {
    return { discountShare, discountSensitivity: decided("discount_driven", `${evidence}: at least ${percent(DISCOUNT_DRIVEN_SHARE)} of orders`, confidence) };
  }
  if (f.discountedOrders > 0) {
    return { discountShare, discountSensitivity: decided("occasional", `${evidence}: some, under ${percent(DISCOUNT_DRIVEN_SHARE)} of orders`, confidence) };
  }
  if (f.orders < FULL_PRICE_MIN_ORDERS) {
    return { discountShare, discountSensitivity: decided(null, `${evidence}; ${FULL_PRICE_MIN_ORDERS} orders needed to call it full price`, "low") };
  }
  return { discountShare, discountSensitivity: decided("full_price", evidence, confidence) };
}

function marginOf(f: ValueFeatures): Decided<number | null> {
  if (f.costedRevenue === 0) return decided(null, "no bought product has a known cost");
  const coverage = f.itemRevenue === 0 ? 1 : f.costedRevenue / f.itemRevenue;
  const confidence: Confidence = coverage >= MARGIN_HIGH_COVERAGE ? "high" : coverage >= MARGIN_MEDIUM_COVERAGE ? "medium" : "low";
  const margin = round2(f.margin);
  return decided(margin, `${margin.toFixed(2)} over cost on the ${percent(coverage)} of item revenue whose cost is known`, confidence);
}

/** The smallest CLV in each tier, from the installation's predicted CLVs. */
export type ClvThresholds = {
  readonly top: number;
  readonly high: number;
  readonly medium: number;
  /** How many CLVs the tiers were cut from. */
  readonly population: number;
};

// Cumulative shares from the top: top 10 %, high the next 20 %, medium the next 30 %, low the
// remaining 40 % (the deciles marketers use for VIP / loyal / regular / the rest).
const TOP_SHARE = 0.1;
const HIGH_SHARE = 0.3;
const MEDIUM_SHARE = 0.6;
// Population behind the tiers' confidence: below 10 the top decile holds no one; below 100 it
// holds under 10 customers, too few for one to matter little.
const MEDIUM_FROM_POPULATION = 10;
const HIGH_FROM_POPULATION = 100;

/** Tier thresholds from the installation's CLVs: the smallest value among the top 10 %, 30 % and 60 %. Non-finite values are skipped. */
export function clvTiers(values: readonly number[]): ClvThresholds {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => b - a);
  const n = sorted.length;
  // The k-th largest with k = ceil(share x n): the top tier holds at least one customer once anyone has a CLV.
  const cut = (share: number): number => sorted[Math.ceil(share * n) - 1] ?? Number.POSITIVE_INFINITY;
  return { top: cut(TOP_SHARE), high: cut(HIGH_SHARE), medium: cut(MEDIUM_SHARE), population: n };
}

/** The contact's CLV tier; a value equal to a threshold takes the higher tier, and a CLV of 0 or less is always low. */
export function clvTierOf(value: number, t: ClvThresholds): Decided<ClvTier> {
  const confidence: Confidence = t.population >= HIGH_FROM_POPULATION ? "high" : t.population >= MEDIUM_FROM_POPULATION ? "medium" : "low";
  const clv = round2(value).toFixed(2);
  const among = `of ${plural(t.population, "customer")}`;
  if (t.population === 0) return decided("low", "no predicted CLVs in the installation to rank against", "low");
  if (!(value > 0)) return decided("low", `predicted CLV ${clv}: no value expected`, confidence);
  if (value >= t.top) return decided("top", `predicted CLV ${clv} is in the top ${percent(TOP_SHARE)} ${among} (from ${t.top.toFixed(2)})`, confidence);
  if (value >= t.high) return decided("high", `predicted CLV ${clv} is in the top ${percent(HIGH_SHARE)} ${among} (from ${t.high.toFixed(2)})`, confidence);
  if (value >= t.medium) return decided("medium", `predicted CLV ${clv} is in the top ${percent(MEDIUM_SHARE)} ${among} (from ${t.medium.toFixed(2)})`, confidence);
  return decided("low", `predicted CLV ${clv} is below the top ${percent(MEDIUM_SHARE)} ${among} (medium starts at ${t.medium.toFixed(2)})`, confidence);
}

const percent = (share: number): string => `${Math.round(share * 100)} %`;
