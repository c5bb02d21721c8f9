import { decided, type Confidence, type Decided } from "../../domain/decided.js";
import type { PredictionSettings } from "../../domain/prediction-settings.js";
import { DAY_MS, isoDayOf } from "../utc-day.js";
import { expectedOrders, pAlive, pNoOrder, timeToLikelyOrder } from "./bg-nbd.js";
import type { BtydModel, CustomerHistory } from "./fit-btyd.js";
import { expectedSpend } from "./gamma-gamma.js";
import { round2 } from "../round2.js";

/** Per-contact predictions; null where the model has nothing to say (the contact never ordered, or no order is likely). */
export type ContactPrediction = {
  pAlive: Decided<number | null>;
  /** P(no order within settings.churnHorizonDays): what a marketer calls churn risk. */
  churnRisk: Decided<number | null>;
  expectedOrders30: Decided<number | null>;
  expectedOrders90: Decided<number | null>;
  expectedOrders365: Decided<number | null>;
  expectedSpend: Decided<number | null>;
  clv12m: Decided<number | null>;
  /** YYYY-MM-DD by which an order is more likely than not. */
  nextOrderDate: Decided<string | null>;
};

// An average Gregorian month in days, so 12 months are one year.
const MONTH_DAYS = 365.25 / 12;

/** Predictions for one contact from the installation's model; `history` is null when the contact never ordered. */
export function predictContact(model: BtydModel, history: CustomerHistory | null, now: Date, settings: PredictionSettings): ContactPrediction {
  if (history === null) {
    const none = decided(null, "no orders yet: predictions start with the first order", "low");
    return { pAlive: none, churnRisk: none, expectedOrders30: none, expectedOrders90: none, expectedOrders365: none, expectedSpend: none, clv12m: none, nextOrderDate: none };
  }
  const { rft, meanValue } = history;
  const p = model.bgNbd;
  const x = rft.frequency;
  const confidence: Confidence = model.confidence;
  // The model's own caveat rides along whenever it is not the store's full fit.
  const caveat = model.source === "fit" ? "" : `; ${model.why}`;
  const lastDays = Math.round(rft.T - rft.recency);
  const story = x === 0
    ? `one order, ${lastDays} days ago`
    : `${x + 1} orders over ${Math.round(rft.recency)} days, the last ${lastDays} days ago`;

  const alive = pAlive(p, rft);
  const aliveDecided = x === 0
    // BG/NBD only lets a customer drop out after a repeat order, so a one-time buyer is alive by construction.
    ? decided(round2(alive), `${story}: the model cannot tell yet whether a one-time buyer is gone; see churn risk${caveat}`, "low")
    : decided(round2(alive), `${story}${caveat}`, confidence);
  const horizon = settings.churnHorizonDays;
  const churn = pNoOrder(p, rft, horizon);
  const ordersIn = (days: number): Decided<number> =>
    decided(round2(expectedOrders(p, rft, days)), `expected in the next ${days} days from ${story}${caveat}`, confidence);

  const spend = expectedSpend(model.gammaGamma, x, meanValue);
  const spendWhy = x > 0 && meanValue > 0
    ? `${x} repeat orders averaging ${meanValue.toFixed(2)}, pulled toward the store's typical spend`
    : "no repeat order yet: the store's typical spend per order";
  const spendOk = Number.isFinite(spend) && spend > 0;

  const clv = spendOk ? discountedOrders(model, history, settings) * spend : null;
  const likely = timeToLikelyOrder(p, rft);
  const nextOrder = likely === null
    ? decided(null, `less likely than not to order again (P(alive) ${round2(alive)})${caveat}`, confidence)
    : likely > settings.nextOrderMaxDays
      ? decided(null, `no order likely within ${settings.nextOrderMaxDays} days${caveat}`, confidence)
      : decided(isoDayOf(now.getTime() + likely * DAY_MS), `more likely than not to have ordered again by then, from ${story}${caveat}`, confidence);

  return {
    pAlive: aliveDecided,
    churnRisk: decided(round2(churn), `chance of no order in the next ${horizon} days, from ${story}${caveat}`, confidence),
    expectedOrders30: ordersIn(30),
    expectedOrders90: ordersIn(90),
    expectedOrders365: ordersIn(365),
    expectedSpend: spendOk
      ? decided(round2(spend), `${spendWhy}${caveat}`, confidence)
      : decided(null, `the spend model has no finite mean${caveat}`, "low"),
    clv12m: clv === null
      ? decided(null, `no expected spend to value orders with${caveat}`, "low")
      : decided(round2(clv), `${settings.clvMonths} months of expected orders x ${round2(spend).toFixed(2)} per order, discounted at ${Math.round(settings.annualDiscountRate * 100)} % a year${caveat}`, confidence),
    nextOrderDate: nextOrder,
  };
}

/** Expected orders in each month ahead, discounted to today: sum over m of (E[m] - E[m-1]) / (1 + annual rate)^(m/12). */
export function discountedOrders(model: BtydModel, history: CustomerHistory, settings: PredictionSettings): number {
  let total = 0;
  let before = 0;
  for (let m = 1; m <= settings.clvMonths; m++) {
    const upTo = expectedOrders(model.bgNbd, history.rft, m * MONTH_DAYS);
    // Monthly compounding at (1 + annual)^(1/12) - 1 is the same as this factor.
    total += (upTo - before) / Math.pow(1 + settings.annualDiscountRate, m / 12);
    before = upTo;
  }
  return total;
}
