import type { Event } from "../../domain/index.js";
import { DAY_MS, utcDayOf } from "../utc-day.js";

/** One customer's history cut at the backtest's cutoff: what the model may see, and what it must predict. */
export type CustomerSplit = {
  readonly customerId: string;
  /** UTC days (days since 1970-01-01) with at least one order before the cutoff, ascending. */
  readonly calibrationDays: readonly number[];
  /** What the customer paid on each of those days, in the same order. */
  readonly calibrationValues: readonly number[];
  /** Days with at least one order in [cutoff, cutoff + horizon): the number the backtest scores. */
  readonly holdoutOrders: number;
  /** Units bought per category before the cutoff (empty without a catalog). */
  readonly calibrationCategories: ReadonlyMap<string, number>;
  /** Units bought per category within the horizon. */
  readonly holdoutCategories: ReadonlyMap<string, number>;
};

/** What the split saw, so the report can say what it used and what it left out. */
export type SplitCounts = {
  readonly orders: number;
  readonly refunds: number;
  readonly otherEvents: number;
  /** Orders on or after cutoff + horizon: outside the test window. */
  readonly ordersAfterHorizon: number;
  /** Customers whose first order falls in the horizon: unknown at the cutoff, so not scored. */
  readonly customersNewInHorizon: number;
};

/** Accumulates events one at a time (the caller streams them) and hands back the split. */
export type HistorySplit = {
  add(event: Event): void;
  customers(): CustomerSplit[];
  counts(): SplitCounts;
};

type Open = {
  readonly days: Map<number, number>;
  readonly holdoutDays: Set<number>;
  readonly calibrationCategories: Map<string, number>;
  readonly holdoutCategories: Map<string, number>;
};

/**
 * An order is a customer-day, as in the BTYD literature (Fader, Hardie & Lee 2005 count days with
 * a purchase): two invoices on one day are one order. Refunds are counted but change nothing, so a
 * cancelled order still shows the intent to buy that BG/NBD models.
 */
export function createHistorySplit(cutoff: Date, horizonDays: number, categoryOf: (productId: string) => string | undefined = () => undefined): HistorySplit {
  const cutoffMs = cutoff.getTime();
  const endMs = cutoffMs + horizonDays * DAY_MS;
  const open = new Map<string, Open>();
  let orders = 0;
  let refunds = 0;
  let otherEvents = 0;
  let ordersAfterHorizon = 0;

  const tally = (into: Map<string, number>, items: readonly { productId: string; quantity: number }[]) => {
    for (const item of items) {
      const category = categoryOf(item.productId);
      if (category !== undefined && category !== "") into.set(category, (into.get(category) ?? 0) + item.quantity);
    }
  };

  return {
    add(event) {
      if (event.type === "refunded") refunds += 1;
      if (event.type !== "placed_order") {
        if (event.type !== "refunded") otherEvents += 1;
        return;
      }
      orders += 1;
      const at = event.at.getTime();
      if (at >= endMs) {
        ordersAfterHorizon += 1;
        return;
      }
      // Events may arrive in any order, so a customer's horizon orders are kept until the end
      // decides whether they ordered before the cutoff.
      const customer: Open = open.get(event.contactId) ?? { days: new Map(), holdoutDays: new Set(), calibrationCategories: new Map(), holdoutCategories: new Map() };
      open.set(event.contactId, customer);
      const day = utcDayOf(at);
      if (at >= cutoffMs) {
        customer.holdoutDays.add(day);
        tally(customer.holdoutCategories, event.items);
      } else {
        customer.days.set(day, (customer.days.get(day) ?? 0) + event.value);
        tally(customer.calibrationCategories, event.items);
      }
    },
    customers() {
      return [...open].filter(([, c]) => c.days.size > 0).map(([customerId, c]) => {
        const days = [...c.days.keys()].sort((a, b) => a - b);
        return {
          customerId,
          calibrationDays: days,
          calibrationValues: days.map((d) => c.days.get(d) ?? 0),
          holdoutOrders: c.holdoutDays.size,
          calibrationCategories: c.calibrationCategories,
          holdoutCategories: c.holdoutCategories,
        };
      });
    },
    counts() {
      const customersNewInHorizon = [...open.values()].filter((c) => c.days.size === 0).length;
      return { orders, refunds, otherEvents, ordersAfterHorizon, customersNewInHorizon };
    },
  };
}
