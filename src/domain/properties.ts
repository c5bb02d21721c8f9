import { z } from "zod";

/** What a `tailor_*` property holds in the ESP. Dates are ISO `YYYY-MM-DD`, datetimes ISO 8601 UTC (`…T08:00:00.000Z`); connectors convert. */
export type PropertyType = "string" | "number" | "boolean" | "date" | "datetime" | "enumeration";
export type PropertyValue = string | number | boolean | null;

/** One property Tailor writes to the ESP, declared once here; manifest and README are checked against it. */
export type PropertyDefinition = {
  readonly name: string;
  readonly label: string;
  readonly type: PropertyType;
  readonly options?: readonly string[];
  /** What it means, for the marketer. */
  readonly description: string;
  /** How a template reads it (HubL / Django-style token). */
  readonly example: string;
};

export const PROPERTY_GROUP = { name: "tailor", label: "Tailor" } as const;

/** Slots are declared up to the most the settings allow; unused slots are written empty. */
export const MAX_REC_SLOTS = 6;

export const LIFECYCLE_STAGES = ["new_lead", "new_customer", "active_customer", "lapsing", "churned"] as const;
export const LifecycleSchema = z.enum(LIFECYCLE_STAGES);
export type Lifecycle = z.infer<typeof LifecycleSchema>;

export const DISCOUNT_SENSITIVITIES = ["full_price", "occasional", "discount_driven"] as const;
export type DiscountSensitivity = (typeof DISCOUNT_SENSITIVITIES)[number];
export const CLV_TIERS = ["top", "high", "medium", "low"] as const;
export type ClvTier = (typeof CLV_TIERS)[number];
export const ENGAGEMENT_LEVELS = ["engaged", "warm", "cold", "new"] as const;
export type EngagementLevel = (typeof ENGAGEMENT_LEVELS)[number];
export const PRICE_BANDS = ["budget", "mid", "premium"] as const;
export type PriceBand = (typeof PRICE_BANDS)[number];
export const CONFIDENCES = ["high", "medium", "low"] as const;
/** Days of the week as tailor_best_send_day writes them, Monday first (ISO 8601). */
export const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const slotProperties = (n: number): PropertyDefinition[] => [
  { name: `tailor_rec_${n}`, label: `Tailor recommendation ${n}: product id`, type: "string", description: `Product id in recommendation slot ${n}, empty when the slot has nothing that passes the rules.`, example: `{% catalog person.tailor_rec_${n} %}{{ catalog_item.title }}{% endcatalog %}` },
  { name: `tailor_rec_${n}_title`, label: `Tailor recommendation ${n}: title`, type: "string", description: `Title of the product in slot ${n}.`, example: `{{ contact.tailor_rec_${n}_title }}` },
  { name: `tailor_rec_${n}_url`, label: `Tailor recommendation ${n}: URL`, type: "string", description: `Product page of the product in slot ${n}.`, example: `<a href="{{ contact.tailor_rec_${n}_url }}">` },
  { name: `tailor_rec_${n}_image`, label: `Tailor recommendation ${n}: image`, type: "string", description: `Image URL of the product in slot ${n}.`, example: `<img src="{{ contact.tailor_rec_${n}_image }}">` },
  { name: `tailor_rec_${n}_price`, label: `Tailor recommendation ${n}: price`, type: "number", description: `Current price of the product in slot ${n}.`, example: `{{ contact.tailor_rec_${n}_price|format_currency_value }}` },
];

/** Every property Tailor writes, in the order the README lists them. */
export const PROPERTIES: readonly PropertyDefinition[] = [
  { name: "tailor_lifecycle", label: "Tailor lifecycle stage", type: "enumeration", options: LIFECYCLE_STAGES, description: "Where the contact is in the customer lifecycle, from order recency and count (thresholds in Settings).", example: "{% if contact.tailor_lifecycle == 'lapsing' %}We miss you{% endif %}" },
  { name: "tailor_orders", label: "Tailor orders", type: "number", description: "Orders placed, after duplicate purchase events are removed.", example: "{{ contact.tailor_orders }}" },
  { name: "tailor_revenue", label: "Tailor revenue", type: "number", description: "Total paid over all orders, less refunds, in the store currency.", example: "{{ contact.tailor_revenue|format_currency_value }}" },
  { name: "tailor_aov", label: "Tailor average order value", type: "number", description: "Revenue divided by orders; empty before the first order.", example: "{{ contact.tailor_aov|round(2) }}" },
  { name: "tailor_first_order_date", label: "Tailor first order date", type: "date", description: "Day of the first order (UTC).", example: "{{ contact.tailor_first_order_date|datetimeformat('%B %Y') }}" },
  { name: "tailor_last_order_date", label: "Tailor last order date", type: "date", description: "Day of the latest order (UTC).", example: "{% if contact.tailor_last_order_date %}…{% endif %}" },
  { name: "tailor_top_category", label: "Tailor top category", type: "string", description: "Category the contact engages with most (orders weigh more than carts, carts more than views).", example: "New in {{ contact.tailor_top_category }}" },
  { name: "tailor_p_alive", label: "Tailor P(alive)", type: "number", description: "Chance (0-1) the contact is still an active customer (BG/NBD fitted on this store); empty before the first order.", example: "{{ contact.tailor_p_alive }}" },
  { name: "tailor_churn_risk", label: "Tailor churn risk", type: "number", description: "Chance (0-1) of no order within the churn horizon in Settings (default 90 days); empty before the first order.", example: "{% if contact.tailor_churn_risk > 0.8 %}Come back{% endif %}" },
  { name: "tailor_expected_orders_30d", label: "Tailor expected orders (30 days)", type: "number", description: "Expected orders in the next 30 days (BG/NBD).", example: "{{ contact.tailor_expected_orders_30d }}" },
  { name: "tailor_expected_orders_90d", label: "Tailor expected orders (90 days)", type: "number", description: "Expected orders in the next 90 days (BG/NBD).", example: "{{ contact.tailor_expected_orders_90d }}" },
  { name: "tailor_expected_orders_365d", label: "Tailor expected orders (365 days)", type: "number", description: "Expected orders in the next 365 days (BG/NBD).", example: "{{ contact.tailor_expected_orders_365d }}" },
  { name: "tailor_expected_spend", label: "Tailor expected spend per order", type: "number", description: "Expected value of the contact's next orders (Gamma-Gamma), in the store currency.", example: "{{ contact.tailor_expected_spend|format_currency_value }}" },
  { name: "tailor_clv_12m", label: "Tailor predicted 12-month CLV", type: "number", description: "Predicted spend over the next 12 months, discounted at the annual rate in Settings.", example: "{{ contact.tailor_clv_12m|format_currency_value }}" },
  { name: "tailor_clv_tier", label: "Tailor CLV tier", type: "enumeration", options: CLV_TIERS, description: "Predicted 12-month CLV ranked within the store: top 10 %, next 20 %, next 30 %, rest; a CLV of 0 is low.", example: "{% if contact.tailor_clv_tier == 'top' %}VIP early access{% endif %}" },
  { name: "tailor_next_order_date", label: "Tailor expected next order", type: "date", description: "Day by which an order is more likely than not; empty when none is likely within a year.", example: "{{ contact.tailor_next_order_date }}" },
  { name: "tailor_prediction_confidence", label: "Tailor prediction confidence", type: "enumeration", options: CONFIDENCES, description: "How sure the predictions are: high when the store's own fit has 200+ repeat customers, medium when shrunk toward the priors, low on priors or before a first order.", example: "{% if contact.tailor_prediction_confidence != 'low' %}…{% endif %}" },
  { name: "tailor_discount_sensitivity", label: "Tailor discount sensitivity", type: "enumeration", options: DISCOUNT_SENSITIVITIES, description: "discount_driven when at least half the orders had a discount, full_price when none of 2 or more did, occasional in between; empty before it can be told.", example: "{% if contact.tailor_discount_sensitivity == 'full_price' %}New arrivals{% else %}{{ coupon }}{% endif %}" },
  { name: "tailor_discount_share", label: "Tailor share of orders discounted", type: "number", description: "Share of the contact's orders placed with a discount, 0 to 1; empty before the first order.", example: "{% if contact.tailor_discount_share > 0.5 %}…{% endif %}" },
  { name: "tailor_margin", label: "Tailor margin contributed", type: "number", description: "Sum of (price paid - product cost) x quantity over order lines whose product has a known cost; empty when none has.", example: "{{ contact.tailor_margin|format_currency_value }}" },
  { name: "tailor_next_category", label: "Tailor next likely category", type: "string", description: "Category the contact most likely buys next, from what other customers bought in the order after one with the same categories.", example: "Ready for {{ contact.tailor_next_category }}?" },
  { name: "tailor_price_band", label: "Tailor price band", type: "enumeration", options: PRICE_BANDS, description: "Where the contact's mean price paid falls against the catalog's price thirds; empty before the first purchase.", example: "{% if contact.tailor_price_band == 'premium' %}Our finest{% endif %}" },
  { name: "tailor_engagement_score", label: "Tailor engagement score", type: "number", description: "0-100 from clicks, site activity and orders (human opens count a little, Apple MPP machine opens never), decayed with the half-life in Settings.", example: "{% if contact.tailor_engagement_score >= 50 %}…{% endif %}" },
  { name: "tailor_engagement_level", label: "Tailor engagement level", type: "enumeration", options: ENGAGEMENT_LEVELS, description: "Engagement score banded by the Settings thresholds; new when nothing was scored yet and few emails were sent.", example: "{% if contact.tailor_engagement_level == 'cold' %}Still interested?{% endif %}" },
  { name: "tailor_segment", label: "Tailor segment", type: "string", description: "The first named segment, in Settings order, whose rules all hold for the contact (consent included); empty when none does.", example: "{% if contact.tailor_segment == 'Win-back' %}…{% endif %}" },
  { name: "tailor_segment_why", label: "Tailor segment reason", type: "string", description: "Why the contact is in that segment: each rule it passed with the actual value, or the nearest segment and the rule it misses.", example: "{{ contact.tailor_segment_why }}" },
  { name: "tailor_best_send_hour", label: "Tailor best send hour (local)", type: "number", description: "Hour (0-23, contact's time zone) they most likely read and act: their clicks, visits, orders and human opens, shrunk toward the store's population hour; the population hour when they have too little signal or are in the send-time holdout.", example: "Delay until {{ contact.tailor_best_send_hour }}:00 in the contact's time zone" },
  { name: "tailor_best_send_hour_utc", label: "Tailor best send hour (UTC)", type: "number", description: "The same hour in UTC (whole hours; half-hour zones round down), for tools that schedule in UTC.", example: "{{ contact.tailor_best_send_hour_utc }}" },
  { name: "tailor_best_send_day", label: "Tailor best send day", type: "enumeration", options: WEEKDAYS, description: "Day of the week (contact's time zone) of the best hour of the week.", example: "{% if contact.tailor_best_send_day == 'saturday' %}…{% endif %}" },
  { name: "tailor_send_time_confidence", label: "Tailor send time confidence", type: "enumeration", options: CONFIDENCES, description: "high when the contact's own signals carry at least 60 % of the estimate, medium from the Settings minimum, low when the population hour is used.", example: "{% if contact.tailor_send_time_confidence != 'low' %}…{% endif %}" },
  { name: "tailor_sends_left_7d", label: "Tailor sends left (7 days)", type: "number", description: "Marketing emails the contact may still get in the rolling 7 days under their cap (engaged, normal or fatigued tier in Settings); 0 at the cap.", example: "{% if contact.tailor_sends_left_7d > 0 %}…{% endif %}" },
  { name: "tailor_fatigued", label: "Tailor fatigued", type: "boolean", description: "True when engagement fell, many sends went unanswered, or they recently unsubscribed from another list: the lowest cap applies.", example: "{% if contact.tailor_fatigued %}Just one thing this week{% endif %}" },
  { name: "tailor_suppress_promos", label: "Tailor suppress promos", type: "boolean", description: "True when no promotional email should go now: unsubscribed, bounced or complained (always), an open support ticket, a recent refund, the frequency cap, or quiet hours.", example: "Workflow branch: tailor_suppress_promos is false" },
  { name: "tailor_suppress_reason", label: "Tailor suppression reason", type: "string", description: "Every reason promos are suppressed, most lasting first; empty when they are not.", example: "{{ contact.tailor_suppress_reason }}" },
  { name: "tailor_suppress_until", label: "Tailor suppressed until", type: "datetime", description: "When the last timed suppression ends (quiet hours, caps, refund and ticket cool-downs); empty when not suppressed or when a reason has no end (unsubscribed, open ticket). A workflow should wait until then rather than drop the contact.", example: "Delay until tailor_suppress_until" },
  { name: "tailor_flow_welcome", label: "Tailor flow: welcome", type: "boolean", description: "True for a new lead (created within the Settings window) who has not ordered yet and may get email.", example: "Workflow enrollment: tailor_flow_welcome is true" },
  { name: "tailor_flow_browse_abandonment", label: "Tailor flow: browse abandonment", type: "boolean", description: "True when they viewed a product in the abandonment window, added nothing to a cart and ordered nothing since, and no other abandonment flow started within the gap in Settings.", example: "Workflow enrollment: tailor_flow_browse_abandonment is true" },
  { name: "tailor_flow_cart_abandonment", label: "Tailor flow: cart abandonment", type: "boolean", description: "True when they added to a cart or started a checkout in the abandonment window and have not ordered since; only one abandonment flow per gap.", example: "Workflow enrollment: tailor_flow_cart_abandonment is true" },
  { name: "tailor_abandoned_product", label: "Tailor abandoned product", type: "string", description: "Product id of the latest abandoned cart item (or viewed product for browse abandonment); empty when neither flow is on.", example: "{% catalog person.tailor_abandoned_product %}{{ catalog_item.title }}{% endcatalog %}" },
  { name: "tailor_flow_post_purchase", label: "Tailor flow: post-purchase", type: "boolean", description: "True inside the cross-sell window after the latest order (days in Settings).", example: "Workflow enrollment: tailor_flow_post_purchase is true" },
  { name: "tailor_replenish_date", label: "Tailor replenishment due", type: "date", description: "Day the soonest-due replenishable product they bought runs out (purchase + replenishDays x quantity); empty when none is due within the lead time in Settings.", example: "Workflow: delay until tailor_replenish_date" },
  { name: "tailor_replenish_product", label: "Tailor replenishment product", type: "string", description: "Product id of that replenishable product.", example: "{% catalog person.tailor_replenish_product %}{{ catalog_item.title }}{% endcatalog %}" },
  { name: "tailor_flow_winback", label: "Tailor flow: win-back", type: "boolean", description: "True when the time since the last order exceeds the Settings multiple of the contact's own typical gap between orders.", example: "Workflow enrollment: tailor_flow_winback is true" },
  { name: "tailor_winback_date", label: "Tailor win-back date", type: "date", description: "Day the contact becomes (or became) due for win-back, from their own order gap; empty before the first order.", example: "{{ contact.tailor_winback_date }}" },
  { name: "tailor_holdout", label: "Tailor global holdout", type: "boolean", description: "True for the global holdout: keep them out of Tailor-driven sends so lift can be measured (suppressions still apply to them).", example: "Workflow filter: tailor_holdout is false" },
  { name: "tailor_variant", label: "Tailor variant", type: "string", description: "Their arm in each feature pilot, e.g. 'send_time=treated recommendations=holdout segments=off'; 'global_holdout' for the global holdout.", example: "Filter: tailor_variant contains 'recommendations=treated'" },
  ...Array.from({ length: MAX_REC_SLOTS }, (_, i) => slotProperties(i + 1)).flat(),
];

export type PropertyName = string;
export const PROPERTY_NAMES: ReadonlySet<PropertyName> = new Set(PROPERTIES.map((p) => p.name));
