import { z } from "zod";
import type { EventOf, OrderItem } from "../domain/index.js";
import { chunksSchema, createChunkedRows } from "./chunked-rows.js";
import type { Chunks } from "./chunked-rows.js";

/**
 * A contact's latest order fingerprints with their times. Five is plenty: a double-fired
 * order lands right after its twin, and more than five orders inside one window (at most
 * a day) is a reseller whose repeats are real orders anyway.
 */
const RECENT_ORDERS_KEPT = 5;
const MINUTE_MS = 60_000;

const RecentRowSchema = z.tuple([z.string(), z.array(z.tuple([z.string(), z.number()]))]);
/** One contact's recent orders: [contactId, [[fingerprint, atMs], ...]], oldest first. */
type RecentRow = z.infer<typeof RecentRowSchema>;

/** What order dedupe remembers between pages and runs: every order id, and a few fingerprints per contact. */
export const OrderDedupeStateSchema = z.object({
  orderIds: chunksSchema(z.string()),
  recent: chunksSchema(RecentRowSchema),
});
export type OrderDedupeState = { readonly orderIds: Chunks<string>; readonly recent: Chunks<RecentRow> };

/** Whether a placed_order is new, or a copy of an order already seen and by which rule. */
export type OrderVerdict = "new" | "sameOrderId" | "sameContents";

/**
 * What makes two orders "the same basket": the value to the cent and the multiset of
 * productId x quantity, whatever the line order.
 */
export function orderFingerprint(items: readonly OrderItem[], value: number): string {
  const lines = items.map((item) => `${item.productId}*${item.quantity}`).sort();
  return `${value.toFixed(2)}|${lines.join(",")}`;
}

/** Remembers orders across pages and runs and tells duplicates apart. */
export type OrderDedupe = {
  /** Judges an order (contactId already resolved to the kept identity) and remembers it. */
  judge(order: EventOf<"placed_order">): OrderVerdict;
  /** Forgets these contacts' recent order fingerprints and these order ids (a privacy erasure); returns how many entries went. */
  forget(contactIds: ReadonlySet<string>, orderIds: ReadonlySet<string>): number;
  state(): OrderDedupeState;
};

/** Builds order dedupe from a previous state; windowMinutes is settings.cleaning.orderDedupeWindowMinutes. */
export function createOrderDedupe(from: OrderDedupeState, windowMinutes: number): OrderDedupe {
  const windowMs = windowMinutes * MINUTE_MS;
  const orderIds = createChunkedRows<string>(from.orderIds);
  const seen = new Set(orderIds.rows);
  const recent = createChunkedRows<RecentRow>(from.recent);
  const slotOf = new Map<string, number>();
  const index = (): void => {
    slotOf.clear();
    recent.rows.forEach(([contactId], slot) => slotOf.set(contactId, slot));
  };
  index();

  function isTwin(contactId: string, fingerprint: string, atMs: number): boolean {
    const slot = slotOf.get(contactId);
    if (slot === undefined) return false;
    const row = recent.rows[slot];
    return row !== undefined && row[1].some(([fp, at]) => fp === fingerprint && Math.abs(atMs - at) <= windowMs);
  }

  function remember(contactId: string, fingerprint: string, atMs: number): void {
    const slot = slotOf.get(contactId);
    const row = slot === undefined ? undefined : recent.rows[slot];
    if (slot === undefined || row === undefined) {
      slotOf.set(contactId, recent.push([contactId, [[fingerprint, atMs]]]));
      return;
    }
    const orders = [...row[1].slice(1 - RECENT_ORDERS_KEPT), [fingerprint, atMs] as [string, number]];
    recent.set(slot, [contactId, orders]);
  }

  return {
    judge(order) {
      if (seen.has(order.orderId)) return "sameOrderId";
      seen.add(order.orderId);
      // A re-pull of the twin now matches by id, which is cheaper and clearer in the report.
      orderIds.push(order.orderId);
      const fingerprint = orderFingerprint(order.items, order.value);
      const atMs = order.at.getTime();
      if (isTwin(order.contactId, fingerprint, atMs)) return "sameContents";
      remember(order.contactId, fingerprint, atMs);
      return "new";
    },
    forget(contactIds, forgottenOrderIds) {
      const removed = recent.removeWhere(([contactId]) => contactIds.has(contactId));
      if (removed > 0) index();
      const removedIds = forgottenOrderIds.size === 0 ? 0 : orderIds.removeWhere((id) => forgottenOrderIds.has(id));
      for (const id of forgottenOrderIds) seen.delete(id);
      return removed + removedIds;
    },
    state() {
      return { orderIds: orderIds.snapshot(), recent: recent.snapshot() };
    },
  };
}
