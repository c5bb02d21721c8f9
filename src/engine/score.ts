import { decided, MAX_REC_SLOTS } from "../domain/index.js";
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
type SlotFields = readonly [Decided<string>, Decided<string>, Decided<string>, Decided<string>, Decided<number | null>];

const SLOT_KEYS = Array.from({ length: MAX_REC_SLOTS }, (_, i) => {
  const id = `tailor_rec_${i + 1}`;
  return [id, `${id}_title`, `${id}_url`, `${id}_image`, `${id}_price`] as const;
});

/** One Profile per contact, every PROPERTIES value present (null when not applicable), each with its reason. */
export function score(input: ScoreInput, settings: Settings, now: Date, _rng: Rng): Profile[] {
  // The ranking is global: computed once here, never per contact.
  const ranking = rankBestsellers(input.book, input.products, settings.recommendations, now);
  // Most picks are shared decisions (a bestseller nobody bought, an empty slot), so their
  // display fields are built once; weak keys let per-contact picks be collected.
  const fieldsByPick = new WeakMap<Decided<Product | null>, SlotFields>();
  const fieldsOf = (pick: Decided<Product | null>): SlotFields => {
    let fields = fieldsByPick.get(pick);
    if (fields === undefined) {
      fields = slotFields(pick);
      fieldsByPick.set(pick, fields);
    }
    return fields;
  };
  return input.contacts.map((contact) => {
    const features = featuresOf(input.book, contact.id);
    const properties: Properties = {
      tailor_lifecycle: lifecycleOf(features, settings.lifecycle, now),
      ...orderProperties(features),
      tailor_top_category: topCategoryOf(features),
    };
    pickBestsellers(ranking, features.purchasedAt).forEach((pick, slot) => {
      const keys = SLOT_KEYS[slot];
      if (keys === undefined) return;
      const [idKey, titleKey, urlKey, imageKey, priceKey] = keys;
      [properties[idKey], properties[titleKey], properties[urlKey], properties[imageKey], properties[priceKey]] = fieldsOf(pick);
    });
    return { contactId: contact.id, properties };
  });
}

const NO_ORDERS = decided(null, "no orders yet");
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

function orderProperties(f: ContactFeatures): Properties {
  if (f.orders === 0 || f.firstOrderAt === null || f.lastOrderAt === null) {
    const none = decided(0, f.refunds === 0 ? "no orders yet" : `no orders yet; ${plural(f.refunds, "refund")} without an order`);
    return { tailor_orders: none, tailor_revenue: none, tailor_aov: NO_ORDERS, tailor_first_order_date: NO_ORDERS, tailor_last_order_date: NO_ORDERS };
  }
  const refunded = f.refunds === 0 ? "" : `, less ${plural(f.refunds, "refund")}`;
  const revenue = round2(f.revenue);
  return {
    tailor_orders: decided(f.orders, `${plural(f.orders, "order")} placed`),
    tailor_revenue: decided(revenue, `paid over ${plural(f.orders, "order")}${refunded}`),
    tailor_aov: decided(round2(f.revenue / f.orders), `${revenue} revenue over ${plural(f.orders, "order")}`),
    tailor_first_order_date: decided(isoDayOf(f.firstOrderAt), "day of the first order (UTC)"),
    tailor_last_order_date: decided(isoDayOf(f.lastOrderAt), "day of the latest order (UTC)"),
  };
}

/** A slot's id, title, url, image and price, each carrying the slot's reason. */
function slotFields(pick: Decided<Product | null>): SlotFields {
  const p = pick.value;
  const { why } = pick;
  return [
    decided(p?.id ?? "", why),
    decided(p?.title ?? "", why),
    decided(p?.url ?? "", why),
    decided(p?.imageUrl ?? "", why),
    decided(p === null ? null : round2(p.price), why),
  ];
}

// Money is written to 2 decimals: cents are the smallest unit every ESP currency field shows.
const round2 = (n: number): number => Math.round(n * 100) / 100;
