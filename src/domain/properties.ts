import { z } from "zod";

/** What a `tailor_*` property holds in the ESP. Dates are ISO `YYYY-MM-DD`; connectors convert. */
export type PropertyType = "string" | "number" | "boolean" | "date" | "enumeration";
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
  ...Array.from({ length: MAX_REC_SLOTS }, (_, i) => slotProperties(i + 1)).flat(),
];

export type PropertyName = string;
export const PROPERTY_NAMES: ReadonlySet<PropertyName> = new Set(PROPERTIES.map((p) => p.name));
