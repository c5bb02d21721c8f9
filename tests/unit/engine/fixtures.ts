import { ContactSchema, defaultSettings, ProductSchema } from "../../../src/domain/index.js";
import type { Contact, EventOf, OrderItem, Product, Settings } from "../../../src/domain/index.js";

/** Shared builders for the engine's unit tests: terse events with fixed ids and times. */
export const NOW = new Date("2024-06-30T12:00:00Z");
export const DAY = 86_400_000;
export const daysAgo = (days: number, from: Date = NOW): Date => new Date(from.getTime() - days * DAY);

let seq = 0;
const nextId = (): string => `e${++seq}`;

export const product = (id: string, fields: Partial<Product> = {}): Product =>
  ProductSchema.parse({ id, title: `Title ${id}`, url: `https://shop.test/${id}`, imageUrl: `https://cdn.test/${id}.jpg`, price: 10, category: "misc", ...fields });

export const contact = (id: string): Contact => ContactSchema.parse({ id, createdAt: "2023-01-01T00:00:00Z" });

export const item = (productId: string, quantity = 1, price = 10): OrderItem => ({ productId, quantity, price });

export const order = (contactId: string, at: Date, value: number, items: OrderItem[]): EventOf<"placed_order"> => ({
  id: nextId(), contactId, at, type: "placed_order", orderId: `o-${nextId()}`, value, discount: 0, items,
});

export const refund = (contactId: string, at: Date, value: number): EventOf<"refunded"> => ({
  id: nextId(), contactId, at, type: "refunded", orderId: "o-any", value,
});

export const view = (contactId: string, productId: string, at: Date = NOW): EventOf<"viewed_product"> => ({
  id: nextId(), contactId, at, type: "viewed_product", productId,
});

export const categoryView = (contactId: string, category: string, at: Date = NOW): EventOf<"viewed_category"> => ({
  id: nextId(), contactId, at, type: "viewed_category", category,
});

export const cart = (contactId: string, productId: string, at: Date = NOW): EventOf<"added_to_cart"> => ({
  id: nextId(), contactId, at, type: "added_to_cart", productId, quantity: 1,
});

/** Default settings with some groups overridden. */
export const settingsWith = (overrides: Partial<{ [K in keyof Settings]: Partial<Settings[K]> }> = {}): Settings => {
  const base = defaultSettings();
  return {
    sync: { ...base.sync, ...overrides.sync },
    cleaning: { ...base.cleaning, ...overrides.cleaning },
    lifecycle: { ...base.lifecycle, ...overrides.lifecycle },
    intent: { ...base.intent, ...overrides.intent },
    recommendations: { ...base.recommendations, ...overrides.recommendations },
    predictions: { ...base.predictions, ...overrides.predictions },
    engagement: { ...base.engagement, ...overrides.engagement },
    segments: { ...base.segments, ...overrides.segments },
    sendTime: { ...base.sendTime, ...overrides.sendTime },
    frequency: { ...base.frequency, ...overrides.frequency },
    suppressions: { ...base.suppressions, ...overrides.suppressions },
    flows: { ...base.flows, ...overrides.flows },
    experiments: { ...base.experiments, ...overrides.experiments },
    klaviyo: { ...base.klaviyo, ...overrides.klaviyo },
  };
};
