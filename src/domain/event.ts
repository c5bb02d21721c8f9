import { z } from "zod";
import { TimestampSchema } from "./timestamp.js";

export const OrderItemSchema = z.object({
  productId: z.string().trim().min(1),
  quantity: z.number().int().positive(),
  /** Unit price paid, after item-level discounts. */
  price: z.number().nonnegative(),
  title: z.string().optional(),
});
export type OrderItem = z.infer<typeof OrderItemSchema>;

const base = {
  /** The source's id for this event; ingest uses it to drop re-pulled copies. */
  id: z.string().trim().min(1),
  /** The connector's key for the contact; ingest maps it to the merged identity. */
  contactId: z.string().trim().min(1),
  at: TimestampSchema,
};
const email = { campaignId: z.string().default(""), messageId: z.string().optional() };

export const EventSchema = z.discriminatedUnion("type", [
  z.object({ ...base, type: z.literal("viewed_product"), productId: z.string().trim().min(1) }),
  z.object({ ...base, type: z.literal("viewed_category"), category: z.string().trim().min(1) }),
  z.object({ ...base, type: z.literal("added_to_cart"), productId: z.string().trim().min(1), quantity: z.number().int().positive().default(1), cartId: z.string().optional() }),
  z.object({ ...base, type: z.literal("started_checkout"), checkoutId: z.string().optional(), value: z.number().nonnegative().default(0), items: z.array(OrderItemSchema).default([]) }),
  z.object({
    ...base,
    type: z.literal("placed_order"),
    orderId: z.string().trim().min(1),
    /** What the customer paid for the order, after discounts. */
    value: z.number().nonnegative(),
    /** Money off the order, in the order's currency; 0 when none. */
    discount: z.number().nonnegative().default(0),
    currency: z.string().length(3).optional(),
    items: z.array(OrderItemSchema).min(1),
  }),
  z.object({ ...base, type: z.literal("refunded"), orderId: z.string().trim().min(1), value: z.number().nonnegative(), reason: z.string().optional() }),
  z.object({ ...base, type: z.literal("email_sent"), ...email }),
  z.object({
    ...base,
    type: z.literal("email_opened"),
    ...email,
    /** True when the open looks like a privacy proxy's pre-fetch (Apple MPP), not a person. */
    machineOpen: z.boolean().default(false),
  }),
  z.object({ ...base, type: z.literal("email_clicked"), ...email, url: z.string().optional() }),
  z.object({ ...base, type: z.literal("email_bounced"), ...email, hard: z.boolean().default(true) }),
  z.object({ ...base, type: z.literal("unsubscribed"), ...email, listId: z.string().optional() }),
  z.object({ ...base, type: z.literal("complained"), ...email }),
  z.object({ ...base, type: z.literal("ticket_opened"), ticketId: z.string().trim().min(1), subject: z.string().optional() }),
  z.object({ ...base, type: z.literal("ticket_closed"), ticketId: z.string().trim().min(1) }),
  z.object({ ...base, type: z.literal("submitted_preferences"), answers: z.record(z.string(), z.union([z.string(), z.array(z.string())])) }),
], {
  // zod's default lists all fifteen types; the quarantine groups by reason, so name the bad one.
  // A non-object fails before the discriminator is read: zod's own message says that better.
  error: (issue) => {
    const input: unknown = issue.input;
    if (typeof input !== "object" || input === null) return undefined;
    return `unknown event type ${JSON.stringify((input as { type?: unknown }).type ?? null)}`;
  },
});
export type Event = z.infer<typeof EventSchema>;
export type EventType = Event["type"];
export type EventOf<T extends EventType> = Extract<Event, { type: T }>;

export const EVENT_TYPES = EventSchema.options.map((o) => o.shape.type.value) as readonly EventType[];
