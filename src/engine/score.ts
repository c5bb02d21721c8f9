import { decided } from "../domain/index.js";
import type { Contact, Decided, Product, Profile, PropertyName, PropertyValue, Settings } from "../domain/index.js";
import { topCategoryOf } from "./affinity.js";
import { featuresOf } from "./feature-book.js";
import type { ContactFeatures, FeatureBook } from "./feature-book.js";
import { lifecycleOf } from "./lifecycle.js";
import { pickBestsellers, rankBestsellers } from "./recommend/bestsellers.js";
import type { Rng } from "./rng.js";
import { isoDayOf } from "./utc-day.js";

/** What score() reads: the cleaned contacts and catalog, and the book the events were folded into. */
export type ScoreInput = { readonly contacts: readonly Contact[]; readonly products: readonly Product[]; readonly book: FeatureBook };

type Properties = Record<PropertyName, Decided<PropertyValue>>;

/** One Profile per contact, every PROPERTIES value present (null when not applicable), each with its reason. */
export function score(input: ScoreInput, settings: Settings, now: Date, _rng: Rng): Profile[] {
  // The ranking is global: computed once here, never per contact.
  const ranking = rankBestsellers(input.book, input.products, settings.recommendations, now);
  return input.contacts.map((contact) => {
    const features = featuresOf(input.book, contact.id);
    const picks = pickBestsellers(ranking, features.purchasedAt, settings.recommendations, now);
    const properties: Properties = {
      tailor_lifecycle: lifecycleOf(features, settings.lifecycle, now),
      ...orderProperties(features),
      tailor_top_category: topCategoryOf(features),
    };
    picks.forEach((pick, i) => {
      Object.assign(properties, slotProperties(i + 1, pick));
    });
    return { contactId: contact.id, properties };
  });
}

const NO_ORDERS = decided(null, "no orders yet");

function orderProperties(f: ContactFeatures): Properties {
  const refunded = f.refunds === 0 ? "" : `, ${f.refunds} refund${f.refunds === 1 ? "" : "s"} deducted`;
  const orders = decided(f.orders, f.orders === 0 ? "no orders yet" : `${f.orders} order${f.orders === 1 ? "" : "s"} placed${refunded}`);
  const revenue = decided(round2(f.revenue), f.orders === 0 ? "no orders yet" : `paid over ${f.orders} order${f.orders === 1 ? "" : "s"}${refunded}`);
  if (f.orders === 0 || f.firstOrderAt === null || f.lastOrderAt === null) {
    return { tailor_orders: orders, tailor_revenue: revenue, tailor_aov: NO_ORDERS, tailor_first_order_date: NO_ORDERS, tailor_last_order_date: NO_ORDERS };
  }
  return {
    tailor_orders: orders,
    tailor_revenue: revenue,
    tailor_aov: decided(round2(f.revenue / f.orders), `${round2(f.revenue)} revenue over ${f.orders} order${f.orders === 1 ? "" : "s"}`),
    tailor_first_order_date: decided(isoDayOf(f.firstOrderAt), "day of the first order (UTC)"),
    tailor_last_order_date: decided(isoDayOf(f.lastOrderAt), "day of the latest order (UTC)"),
  };
}

function slotProperties(n: number, pick: Decided<Product | null>): Properties {
  const p = pick.value;
  const field = <T extends PropertyValue>(value: T): Decided<T> => decided(value, pick.why);
  return {
    [`tailor_rec_${n}`]: field(p?.id ?? ""),
    [`tailor_rec_${n}_title`]: field(p?.title ?? ""),
    [`tailor_rec_${n}_url`]: field(p?.url ?? ""),
    [`tailor_rec_${n}_image`]: field(p?.imageUrl ?? ""),
    [`tailor_rec_${n}_price`]: field(p === null ? null : round2(p.price)),
  };
}

// Money is written to 2 decimals: cents are the smallest unit every ESP currency field shows.
const round2 = (n: number): number => Math.round(n * 100) / 100;
