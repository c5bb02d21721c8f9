import { z } from "zod";

const names = (defaults: readonly string[], doc: string) => z.array(z.string().trim().min(1)).default([...defaults]).describe(doc);

/**
 * Which Klaviyo metrics (by name) become which Tailor event. Names are set by each store's
 * integration (Shopify, WooCommerce, a custom one), so they live here with Klaviyo's own names
 * (its e-commerce integration guide and native email metrics) as defaults.
 */
export const KlaviyoMetricsSchema = z.object({
  viewed_product: names(["Viewed Product"], "Metrics read as a product view (event property ProductID)."),
  added_to_cart: names(["Added to Cart"], "Metrics read as an add-to-cart (AddedItemProductID, AddedItemQuantity)."),
  started_checkout: names(["Started Checkout", "Checkout Started"], "Metrics read as a started checkout ($value, Items)."),
  placed_order: names(["Placed Order", "Order Placed"], "Metrics read as an order ($value, OrderId or $event_id, Items, DiscountValue)."),
  refunded: names(["Refunded Order", "Cancelled Order", "Order Refunded", "Order Canceled"], "Metrics read as a refund or cancellation of an order."),
  email_sent: names(["Received Email"], "Metrics read as an email delivered."),
  email_opened: names(["Opened Email"], "Metrics read as an open; Apple Privacy (MPP) opens are marked machine opens."),
  email_clicked: names(["Clicked Email"], "Metrics read as a click."),
  email_bounced: names(["Bounced Email"], "Metrics read as a bounce."),
  unsubscribed: names(["Unsubscribed", "Unsubscribed from Email Marketing"], "Metrics read as an unsubscribe."),
  complained: names(["Marked Email as Spam"], "Metrics read as a spam complaint."),
});
export type KlaviyoMetrics = z.infer<typeof KlaviyoMetricsSchema>;
export type KlaviyoMetricRole = keyof KlaviyoMetrics;

export const KlaviyoSettingsSchema = z.object({
  metrics: KlaviyoMetricsSchema.default(KlaviyoMetricsSchema.parse({}))
    .describe("Klaviyo metric names read as each Tailor event; metrics named nowhere here or in ignoredMetrics are listed in the run report."),
  ignoredMetrics: z.array(z.string().trim().min(1))
    .default(["Ordered Product", "Fulfilled Order", "Fulfilled Partial Order", "Active on Site", "Subscribed to List", "Unsubscribed from List", "Dropped Email", "Updated Email Preferences"])
    .describe("Metrics Tailor deliberately does not read (Ordered Product repeats Placed Order's Items); not reported as unmapped."),
  historyDays: z.number().int().min(1).max(3650).default(730)
    .describe("How far back the first sync reads events; later syncs read only what is new."),
  catalog: z.enum(["sync", "off"]).default("sync")
    .describe("sync adds products known only from events to Klaviyo's custom catalog, so the next run recommends them and {% catalog person.tailor_rec_1 %} finds them (needs catalogs:write); it never changes or re-adds catalog items. off writes no catalog."),
  webFeed: z.boolean().default(true)
    .describe("Register Tailor's shared web feed (per-segment fallback products) in the account (needs web-feeds:write)."),
}).superRefine((s, ctx) => {
  // One metric read as two events would count an order twice, or an open as a click.
  const seen = new Map<string, string>();
  for (const [role, list] of Object.entries(s.metrics)) {
    for (const name of list) {
      const key = name.toLowerCase();
      const other = seen.get(key);
      if (other !== undefined && other !== role) ctx.addIssue({ code: "custom", path: ["metrics", role], message: `"${name}" is already read as ${other}` });
      seen.set(key, role);
    }
  }
  for (const name of s.ignoredMetrics) {
    const role = seen.get(name.toLowerCase());
    if (role !== undefined) ctx.addIssue({ code: "custom", path: ["ignoredMetrics"], message: `"${name}" is read as ${role}; it cannot be ignored too` });
  }
});
export type KlaviyoSettings = z.infer<typeof KlaviyoSettingsSchema>;
