import { z } from "zod";
import { check, ContactSchema, EventSchema, ProductSchema } from "../domain/index.js";
import type { CleaningSettings, Contact, Event, IngestReport, Product, Quarantined, Stream } from "../domain/index.js";
import { chunksSchema, createChunkedRows, type Chunks } from "./chunked-rows.js";
import { createIdentities, IdentitiesStateSchema, type IdentitiesState } from "./identities.js";
import { normaliseEmail } from "./normalise-email.js";
import { createOrderDedupe, OrderDedupeStateSchema, type OrderDedupeState } from "./order-dedupe.js";
import { createTaxonomy, EMPTY_TAXONOMY, TaxonomyStateSchema, type TaxonomyState } from "./taxonomy.js";

/** What one page of cleaning gives back: records to store, and what was set aside with its reason. */
export type CleanResult<T> = { readonly records: T[]; readonly quarantine: Quarantined[] };

/** Version 1 of the state, read once and migrated: it did not remember product ids. */
const CleanStateV1Schema = z.object({
  version: z.literal(1),
  identities: IdentitiesStateSchema,
  orders: OrderDedupeStateSchema,
  taxonomy: TaxonomyStateSchema,
});

/** ingest's memory between pages and runs: identities, order keys, the learned taxonomy and the product ids accepted. */
export const CleanStateSchema = z.object({
  version: z.literal(2),
  identities: IdentitiesStateSchema,
  orders: OrderDedupeStateSchema,
  taxonomy: TaxonomyStateSchema,
  products: chunksSchema(z.string()),
  catalogComplete: z.boolean(),
});
export type CleanState = {
  readonly version: 2;
  readonly identities: IdentitiesState;
  readonly orders: OrderDedupeState;
  readonly taxonomy: TaxonomyState;
  /** Every product id accepted so far. */
  readonly products: Chunks<string>;
  /**
   * Whether `products` holds every product the installation has stored. False after a
   * migration from version 1 (or unreadable state) until learnCatalog is given the stored ids.
   */
  readonly catalogComplete: boolean;
};

/** Who a privacy erasure removed: our or ESP contact ids, their emails, and the ids of their orders. */
export type Forgotten = {
  readonly contactIds: readonly string[];
  readonly emails: readonly string[];
  readonly orderIds?: readonly string[];
};

/** One run's cleaning: contacts pages first, then products, then events, all through one cleaner. */
export type Cleaner = {
  contacts(raw: readonly unknown[]): CleanResult<Contact>;
  products(raw: readonly unknown[]): CleanResult<Product>;
  events(raw: readonly unknown[]): CleanResult<Event>;
  /**
   * JSON-serialisable memory to store with each page and pass back next run. Cheap to call
   * after every page: unchanged parts are shared, frozen, with the previous snapshot.
   */
  state(): CleanState;
  /** False when the cleaner may not know every stored product; pass the stored ids to learnCatalog before cleaning events. */
  readonly catalogComplete: boolean;
  /** Remembers the ids of products stored before this state knew them, and marks the catalog complete. */
  learnCatalog(productIds: Iterable<string>): void;
  /**
   * Forgets erased people, so nothing of them stays in the state: their identities (kept under,
   * or holding as an ESP id, one of the contact ids, or with one of the emails), the ids folded
   * into them, their recent order fingerprints and the given order ids. A new contact with a
   * forgotten email starts a new person. Returns how many remembered entries went (0: the state is unchanged).
   */
  forget(forgotten: Forgotten): number;
  /**
   * What this run's cleaning did, counted. Per stream, received = accepted + quarantined,
   * plus identitiesMerged for contacts and both ordersDeduped counts for events.
   */
  report(): IngestReport;
};

const EMPTY_STATE: CleanState = {
  version: 2,
  identities: { people: [], aliases: [] },
  orders: { orderIds: [], recent: [] },
  taxonomy: EMPTY_TAXONOMY,
  products: [],
  // Nothing is stored before the first state: every product will pass through a cleaner.
  catalogComplete: true,
};

/** The state to start from: the saved one, version 1 migrated, or empty (complete only on a first run, when nothing is stored yet). */
function stateFrom(state: unknown): CleanState {
  const parsed = CleanStateSchema.safeParse(state);
  if (parsed.success) return parsed.data;
  const v1 = CleanStateV1Schema.safeParse(state);
  // Version 1 knew no product ids; the products already stored are learned by learnCatalog.
  if (v1.success) return { ...v1.data, version: 2, products: [], catalogComplete: false };
  return state === null || state === undefined ? EMPTY_STATE : { ...EMPTY_STATE, catalogComplete: false };
}

/**
 * Builds a cleaner. state: what a previous cleaner's state() returned (read back from JSON),
 * or null on the first run; version 1 state is migrated and invalid state starts fresh.
 */
export function createCleaner(settings: CleaningSettings, state: unknown): Cleaner {
  const from = stateFrom(state);
  const identities = createIdentities(from.identities);
  const orders = createOrderDedupe(from.orders, settings.orderDedupeWindowMinutes);
  const taxonomy = createTaxonomy(from.taxonomy, settings.categoryAliases);
  const productIds = createChunkedRows<string>(from.products);
  const knownProducts = new Set(productIds.rows);
  let catalogComplete = from.catalogComplete;

  const received: Record<Stream, number> = { contacts: 0, products: 0, events: 0 };
  const accepted: Record<Stream, number> = { contacts: 0, products: 0, events: 0 };
  const quarantinedByReason: Record<string, number> = {};
  const ordersDeduped = { sameOrderId: 0, sameContents: 0 };
  const categoriesMerged: Record<string, string> = {};
  let identitiesMerged = 0;
  let unknownProductLines = 0;

  function knowProduct(id: string): void {
    if (knownProducts.has(id)) return;
    knownProducts.add(id);
    productIds.push(id);
  }

  /**
   * Whether a product id is one the catalog does not have. Only asked once the installation has
   * a catalog (a store that sends no products must not lose its views) and the cleaner knows
   * all of it (state migrated from version 1 would otherwise know only this run's products).
   */
  const isUnknownProduct = (id: string): boolean => catalogComplete && knownProducts.size > 0 && !knownProducts.has(id);

  function quarantine(into: Quarantined[], stream: Stream, reason: string, raw: unknown): void {
    into.push({ stream, reason, raw });
    const semicolon = reason.indexOf(";");
    const group = semicolon === -1 ? reason : reason.slice(0, semicolon);
    quarantinedByReason[group] = (quarantinedByReason[group] ?? 0) + 1;
  }

  function canonical(raw: string): string {
    const path = taxonomy.resolve(raw);
    if (path !== raw && path !== "") categoriesMerged[raw] = path;
    return path;
  }

  return {
    contacts(raw) {
      received.contacts += raw.length;
      const records: Contact[] = [];
      const quarantined: Quarantined[] = [];
      // One record per person per page: a later copy or a merged alias replaces the earlier one.
      const indexById = new Map<string, number>();
      for (const item of raw) {
        const checked = check(ContactSchema, item);
        if (!checked.ok) {
          quarantine(quarantined, "contacts", checked.reason, item);
          continue;
        }
        const contact = checked.value;
        if (contact.email !== undefined) {
          const email = normaliseEmail(contact.email);
          if (email === null) {
            quarantine(quarantined, "contacts", "email: not a valid address", item);
            continue;
          }
          contact.email = email;
        }
        const absorbed = identities.absorb(contact);
        if (absorbed.merged) identitiesMerged++;
        else accepted.contacts++;
        const at = indexById.get(absorbed.contact.id);
        if (at === undefined) indexById.set(absorbed.contact.id, records.push(absorbed.contact) - 1);
        else records[at] = absorbed.contact;
      }
      return { records, quarantine: quarantined };
    },

    products(raw) {
      received.products += raw.length;
      const records: Product[] = [];
      const quarantined: Quarantined[] = [];
      for (const item of raw) {
        const checked = check(ProductSchema, item);
        if (checked.ok) records.push(checked.value);
        else quarantine(quarantined, "products", checked.reason, item);
      }
      // Learn the page as a whole first, so a plural spelling anywhere in it sets the display form.
      taxonomy.learn(records.map((p) => p.category));
      for (const product of records) {
        product.category = canonical(product.category);
        knowProduct(product.id);
      }
      accepted.products += records.length;
      return { records, quarantine: quarantined };
    },

    events(raw) {
      received.events += raw.length;
      const valid: Event[] = [];
      // Parallel to valid: a quarantined record is kept as it arrived, not as we parsed it.
      const rawOfValid: unknown[] = [];
      const quarantined: Quarantined[] = [];
      const categories: string[] = [];
      for (const item of raw) {
        const checked = check(EventSchema, item);
        if (!checked.ok) {
          quarantine(quarantined, "events", checked.reason, item);
          continue;
        }
        valid.push(checked.value);
        rawOfValid.push(item);
        if (checked.value.type === "viewed_category") categories.push(checked.value.category);
      }
      if (categories.length > 0) taxonomy.learn(categories);

      const records: Event[] = [];
      for (let i = 0; i < valid.length; i++) {
        const event = valid[i];
        if (event === undefined) continue;
        const keptId = identities.keptIdOf(event.contactId);
        if (keptId === undefined) {
          quarantine(quarantined, "events", "contactId: unknown contact", rawOfValid[i]);
          continue;
        }
        // The event is our own parsed copy, so rewriting it in place allocates nothing.
        event.contactId = keptId;
        if (event.type === "viewed_category") {
          event.category = canonical(event.category);
          if (event.category === "") {
            quarantine(quarantined, "events", "category: empty after normalisation", rawOfValid[i]);
            continue;
          }
        } else if (event.type === "viewed_product" || event.type === "added_to_cart") {
          if (isUnknownProduct(event.productId)) {
            quarantine(quarantined, "events", "productId: unknown product", rawOfValid[i]);
            continue;
          }
        } else if (event.type === "placed_order") {
          const verdict = orders.judge(event);
          if (verdict !== "new") {
            ordersDeduped[verdict]++;
            continue;
          }
          // The order stays: its revenue is real even when a line names a product we never saw.
          for (const item of event.items) if (isUnknownProduct(item.productId)) unknownProductLines++;
        }
        records.push(event);
      }
      accepted.events += records.length;
      return { records, quarantine: quarantined };
    },

    state() {
      return { version: 2, identities: identities.state(), orders: orders.state(), taxonomy: taxonomy.state(), products: productIds.snapshot(), catalogComplete };
    },

    get catalogComplete() {
      return catalogComplete;
    },

    learnCatalog(ids) {
      for (const id of ids) knowProduct(id);
      catalogComplete = true;
    },

    forget({ contactIds, emails, orderIds = [] }) {
      const ids = new Set(contactIds);
      // Keyed as identities key them; an address that does not normalise is matched as given, lowercased.
      const keys = new Set(emails.map((e) => normaliseEmail(e) ?? e.trim().toLowerCase()).filter((e) => e !== ""));
      const people = identities.forget(ids, keys);
      // Order fingerprints are kept under the kept id, which an erasure may name only by ESP id.
      const orderKeys = new Set([...ids, ...people.keptIds]);
      return people.keptIds.length + people.aliases + orders.forget(orderKeys, new Set(orderIds));
    },

    report() {
      return {
        received: { ...received },
        accepted: { ...accepted },
        quarantinedByReason: { ...quarantinedByReason },
        identitiesMerged,
        ordersDeduped: { ...ordersDeduped },
        // Re-pulled non-order events cannot reach here: a page is committed with its cursor
        // atomically, so a crash re-pulls only uncommitted pages. Remembering every event id
        // to count them would make the state grow with events, not contacts and orders.
        eventsRepeated: 0,
        categoriesMerged: { ...categoriesMerged },
        unknownProductLines,
      };
    },
  };
}
