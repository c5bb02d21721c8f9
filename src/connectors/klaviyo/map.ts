/**
 * Pure mapping from Klaviyo's JSON:API documents to domain-shaped records; ingest validates them.
 *
 * It reads the wire JSON (the SDK's `response.data`), not the SDK's deserialized `body`: the
 * SDK renames attributes to camelCase, turns datetimes into Dates and drops every attribute its
 * models do not know, so a newer API revision's fields would vanish silently. The wire shape is
 * the one the spec documents and the fixtures mirror (K-SPEC = Klaviyo's OpenAPI, revision 2026-07-15).
 * Values that cannot be read pass through as they came, so ingest can say why it refused them.
 */
import type { Consent, FeedProduct, KlaviyoMetricRole, KlaviyoSettings, Malformed, Page } from "../../domain/index.js";

type Raw = Record<string, unknown>;

/** One JSON:API resource object; every field unchecked until read. */
export type Resource = {
  readonly id: unknown;
  readonly type: unknown;
  readonly attributes: Readonly<Raw>;
  readonly relationships: Readonly<Raw>;
};

/** One page of a JSON:API collection: its resources, the resources it included, and the next page's cursor (null on the last). */
export type CollectionPage = { readonly data: readonly Resource[]; readonly included: readonly Resource[]; readonly next: string | null };

/**
 * Reads a collection document (K-SPEC `Get*ResponseCollection*`: `data`, `included`,
 * `links.next`). Null when the body is not one, or its next link carries no `page[cursor]`:
 * following it would be a guess. Entries that are not objects stay in `data` as empty
 * resources, so the record they become is quarantined rather than lost.
 */
export function readCollection(body: unknown): CollectionPage | null {
  if (!isObject(body) || !Array.isArray(body.data)) return null;
  const data = (body.data as unknown[]).map(resourceOf);
  const included = Array.isArray(body.included) ? (body.included as unknown[]).map(resourceOf) : [];
  const link = isObject(body.links) ? body.links.next : undefined;
  if (link === undefined || link === null || link === "") return { data, included, next: null };
  const next = typeof link === "string" ? pageCursorOf(link) : null;
  return next === null ? null : { data, included, next };
}

/**
 * The `page[cursor]` of a `links.next` URL. Only the cursor is kept (and stored in our cursors):
 * the next request repeats our own filter, sort and fieldsets with it, as the SDK does.
 */
export function pageCursorOf(nextUrl: string): string | null {
  try {
    const cursor = new URL(nextUrl).searchParams.get("page[cursor]");
    return cursor === null || cursor === "" ? null : cursor;
  } catch {
    return null;
  }
}

function resourceOf(raw: unknown): Resource {
  if (!isObject(raw)) return { id: undefined, type: undefined, attributes: {}, relationships: {} };
  return {
    id: raw.id,
    type: raw.type,
    attributes: isObject(raw.attributes) ? raw.attributes : {},
    relationships: isObject(raw.relationships) ? raw.relationships : {},
  };
}

// ---------------------------------------------------------------------------------------------
// Filters (developers.klaviyo.com/en/docs/filtering_): strings in double quotes, datetimes bare.

/** A value that can sit inside a quoted filter argument: Klaviyo documents no escape for `"`. */
export const isFilterSafe = (value: string): boolean => value !== "" && !/["\\]/.test(value);

const quoted = (value: string): string => `"${value}"`;

/** `any(field,["a","b"])`; callers pass filter-safe values only. */
export const anyOf = (field: string, values: readonly string[]): string => `any(${field},[${values.map(quoted).join(",")}])`;

export const equalsTo = (field: string, value: string): string => `equals(${field},${quoted(value)})`;

/** `greater-than(field,2026-01-01T00:00:00Z)`: whole seconds, as every example in Klaviyo's filtering guide writes them. */
export const greaterThan = (field: string, ms: number): string => `greater-than(${field},${isoSeconds(ms)})`;

/** An instant as ISO 8601 in whole seconds, rounded down (reading a little early only re-reads). */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** A page; pending warnings ride on the first page that goes out. */
export function pageOf(records: readonly unknown[], next: string, warnings: string[]): Page {
  return warnings.length > 0 ? { records, next, warnings: warnings.splice(0) } : { records, next };
}

// ---------------------------------------------------------------------------------------------
// Profiles

/**
 * A profile as a contact; `id` is the Klaviyo profile id, so events (which name their profile)
 * join without a lookup. Profiles without email (phone-only) are contacts too.
 */
export function toContact(profile: Resource): Raw {
  const a = profile.attributes;
  const id = text(profile.id);
  const contact: Raw = {
    id,
    espIds: id === undefined ? {} : { klaviyo: id },
    // `created` is always set by Klaviyo; `updated` is a later instant, better than losing the contact.
    createdAt: text(a.created) ?? text(a.updated),
    consent: consentOf(a.subscriptions),
  };
  setText(contact, "email", a.email);
  setText(contact, "firstName", a.first_name);
  const location = isObject(a.location) ? a.location : {};
  setText(contact, "country", location.country);
  const zone = text(location.timezone);
  if (zone !== undefined) contact.timezone = toTimeZone(zone);
  return contact;
}

/**
 * Email consent from `subscriptions.email.marketing` (K-SPEC `EmailMarketing`, requested with
 * `additional-fields[profile]=subscriptions`), strictest first as the domain orders it. Global
 * suppressions (K-SPEC `EmailMarketingSuppression.reason`: HARD_BOUNCE, INVALID_EMAIL,
 * SPAM_COMPLAINT, UNSUBSCRIBE, USER_SUPPRESSED) win over `consent`; per-list suppressions are
 * not global and are ignored. NEVER_SUBSCRIBED is "subscribed" here: Klaviyo still lets such a
 * profile receive email marketing (`can_receive_email_marketing` is true without a suppression).
 */
export function consentOf(subscriptions: unknown): Consent {
  const email = isObject(subscriptions) ? subscriptions.email : undefined;
  const marketing = isObject(email) && isObject(email.marketing) ? email.marketing : {};
  const reasons = new Set(
    (Array.isArray(marketing.suppression) ? (marketing.suppression as unknown[]) : [])
      .map((s) => (isObject(s) ? text(s.reason)?.toUpperCase() : undefined))
      .filter((r) => r !== undefined),
  );
  if (reasons.has("SPAM_COMPLAINT")) return "complained";
  if (reasons.has("HARD_BOUNCE") || reasons.has("INVALID_EMAIL")) return "bounced";
  // UNSUBSCRIBE, USER_SUPPRESSED (the account suppressed them by hand) or a reason newer than this code.
  if (reasons.size > 0) return "unsubscribed";
  if (text(marketing.consent)?.toUpperCase() === "UNSUBSCRIBED") return "unsubscribed";
  // Klaviyo will not send to them for a reason it did not name here.
  if (marketing.can_receive_email_marketing === false) return "unsubscribed";
  return "subscribed";
}

/**
 * `location.timezone` should be an IANA name (K-SPEC `ProfileLocation`), but profiles take it as
 * free text. Intl canonicalises links and case ("us/eastern" -> "America/New_York"); a name it
 * does not know passes through and the engine uses the workspace zone, saying so.
 */
export function toTimeZone(zone: string): string {
  try {
    return new Intl.DateTimeFormat("en", { timeZone: zone.trim() }).resolvedOptions().timeZone;
  } catch {
    return zone;
  }
}

/** When a profile last changed (`updated`), in epoch ms; null when absent or unreadable. */
export const updatedMsOf = (profile: Resource): number | null => msOf(profile.attributes.updated);

// ---------------------------------------------------------------------------------------------
// Metrics

/** Which Tailor event each of the account's metrics is read as, and what the settings leave out. */
export type MetricRoles = {
  /** Metric id -> role, in the settings' role order; metrics sharing a name (two integrations) are all read. */
  readonly roles: ReadonlyMap<string, KlaviyoMetricRole>;
  /** Metric names neither mapped nor ignored, for the run report. */
  readonly unmapped: readonly string[];
  /** Roles none of whose names exists in the account. */
  readonly missing: readonly KlaviyoMetricRole[];
};

/**
 * Matches the account's metrics (K-SPEC `MetricResponseObjectResource`, `GET /api/metrics`) to
 * Settings.klaviyo.metrics by name, ignoring case and surrounding space as the settings do.
 */
export function metricRolesOf(metrics: readonly Resource[], settings: Pick<KlaviyoSettings, "metrics" | "ignoredMetrics">): MetricRoles {
  const key = (name: string): string => name.trim().toLowerCase();
  const roleOfName = new Map<string, KlaviyoMetricRole>();
  const order = Object.keys(settings.metrics) as KlaviyoMetricRole[];
  for (const role of order) for (const name of settings.metrics[role]) roleOfName.set(key(name), role);
  const ignored = new Set(settings.ignoredMetrics.map(key));

  const found: { id: string; role: KlaviyoMetricRole }[] = [];
  const unmapped = new Set<string>();
  for (const metric of metrics) {
    const id = text(metric.id);
    const name = text(metric.attributes.name);
    if (id === undefined || name === undefined) continue;
    const role = roleOfName.get(key(name));
    if (role !== undefined) found.push({ id, role });
    else if (!ignored.has(key(name))) unmapped.add(name);
  }
  found.sort((a, b) => order.indexOf(a.role) - order.indexOf(b.role) || compare(a.id, b.id));
  const present = new Set(found.map((f) => f.role));
  return {
    roles: new Map(found.map((f) => [f.id, f.role])),
    unmapped: [...unmapped],
    missing: order.filter((role) => settings.metrics[role].length > 0 && !present.has(role)),
  };
}

// ---------------------------------------------------------------------------------------------
// Events

/**
 * One event (K-SPEC `EventResponseObjectResource`) as the domain event its metric's role names.
 * The contact is the event's profile (`relationships.profile.data.id`); an event without one
 * comes back malformed with that reason. Property names follow Klaviyo's guide for integrating
 * an e-commerce platform without a pre-built integration (help article 360031423431 and
 * developers.klaviyo.com): `$event_id`, `$value`, `Items[]` with `ProductID`, `Quantity`,
 * `ItemPrice`, `RowTotal`, `ProductName`; `AddedItemProductID`/`AddedItemQuantity`; `Reason` on
 * cancellations and refunds. Integrations differ in spelling, so the common variants are read too.
 */
export function toEvent(event: Resource, role: KlaviyoMetricRole): unknown {
  const eventId = text(event.id);
  const contactId = relatedId(event, "profile");
  if (contactId === undefined) return malformed(`klaviyo ${role} event ${eventId ?? "without id"} has no profile`);
  const a = event.attributes;
  const p: Raw = isObject(a.event_properties) ? a.event_properties : {};
  const base: Raw = {
    id: eventId === undefined ? undefined : `klaviyo-event:${eventId}`,
    contactId,
    // `timestamp` is epoch seconds (K-SPEC); `datetime` the same instant in ISO 8601.
    at: text(a.datetime) ?? (typeof a.timestamp === "number" ? a.timestamp * 1000 : undefined),
  };
  switch (role) {
    case "viewed_product":
      return { ...base, type: role, productId: idOf(p, "ProductID", "ProductId", "Product ID") };
    case "added_to_cart": {
      const record: Raw = { ...base, type: role, productId: idOf(p, "AddedItemProductID", "AddedItemProductId", "AddedItem_ProductID", "ProductID") };
      const quantity = numberOf(first(p, "AddedItemQuantity", "AddedItem_Quantity", "Quantity"));
      if (quantity !== undefined) record.quantity = quantity;
      return record;
    }
    case "started_checkout": {
      const record: Raw = { ...base, type: role, items: itemsOf(p.Items) };
      const checkoutId = idOf(p, "$event_id", "CheckoutId");
      if (checkoutId !== undefined) record.checkoutId = checkoutId;
      const value = numberOf(p.$value);
      if (value !== undefined) record.value = value;
      return record;
    }
    case "placed_order": {
      const record: Raw = {
        ...base,
        type: role,
        orderId: orderIdOf(p),
        value: numberOf(p.$value),
        discount: discountOf(p),
        items: itemsOf(p.Items),
      };
      const currency = currencyOf(p);
      if (currency !== undefined) record.currency = currency;
      return record;
    }
    case "refunded": {
      const record: Raw = { ...base, type: role, orderId: orderIdOf(p), value: numberOf(p.$value) };
      setText(record, "reason", p.Reason);
      return record;
    }
    case "email_sent":
    case "email_opened":
    case "email_clicked":
    case "email_bounced":
    case "unsubscribed":
    case "complained":
      return toEmailEvent(base, role, p, eventId);
  }
}

/**
 * Klaviyo's email metrics carry `$message` (the message id), `$flow` (the flow id, flow sends
 * only) and `Campaign Name` (a name, not an id) in their properties. A flow's sends group under
 * the flow, a campaign's under its message; the name is the last resort.
 */
function toEmailEvent(base: Raw, role: KlaviyoMetricRole, p: Raw, eventId: string | undefined): unknown {
  if (role === "email_clicked" && isTrue(p["Bot Click"])) {
    // Klaviyo flags link-scanner clicks (the "Bot Click" property its segment builder filters on); no person clicked.
    return malformed(`klaviyo click ${eventId ?? "without id"} is a bot click (Bot Click = true)`);
  }
  const messageId = idOf(p, "$message");
  const record: Raw = { ...base, type: role, campaignId: idOf(p, "$flow") ?? messageId ?? text(p["Campaign Name"]) ?? "" };
  if (messageId !== undefined) record.messageId = messageId;
  if (role === "email_opened") record.machineOpen = isMachineOpen(p);
  if (role === "email_clicked") setText(record, "url", p.URL);
  if (role === "email_bounced") record.hard = !/soft/i.test(text(p["Bounce Type"]) ?? "");
  return record;
}

/**
 * Apple Mail Privacy Protection and link scanners open every email they fetch. Klaviyo flags
 * such opens with a boolean its UI calls "Apple Privacy Open" (help.klaviyo.com 4416791883163);
 * the raw key is not documented, so every spelling seen in the wild is read: "Apple Privacy
 * Open" (segment filters), "machine_open" and "Machine Open" (exports of Opened Email), and
 * `$`-prefixed forms. Any of them true makes the open a machine open.
 */
export const MACHINE_OPEN_KEYS = [
  "Apple Privacy Open",
  "$apple_privacy_open",
  "apple_privacy_open",
  "Machine Open",
  "machine_open",
  "$machine_open",
  "$is_machine_open",
] as const;

export const isMachineOpen = (properties: Readonly<Raw>): boolean => MACHINE_OPEN_KEYS.some((key) => isTrue(properties[key]));

/** `OrderId` where the integration sends one; else `$event_id`, which the guide sets to the order id. */
const orderIdOf = (p: Raw): string | undefined => idOf(p, "OrderId", "OrderID", "Order ID", "$event_id");

/** Money off the order: `DiscountValue`, or the guide's older "Discount Value". Some stores send it negative. */
function discountOf(p: Raw): number | string {
  const value = numberOf(first(p, "DiscountValue", "Discount Value"));
  return typeof value === "number" ? Math.abs(value) : (value ?? 0);
}

/** A three-letter currency code where the integration sends one (UNVERIFIED key names: `$currency_code`, `Currency`). */
function currencyOf(p: Raw): string | undefined {
  const code = text(first(p, "$currency_code", "Currency", "currency"))?.toUpperCase();
  return code !== undefined && /^[A-Z]{3}$/.test(code) ? code : undefined;
}

/**
 * Order lines from `Items`. A line without a product id is a custom line (a fee, a gift card),
 * not a catalog item: it counts toward `$value`, not the items. `RowTotal` over `Quantity` is
 * what one unit cost after line discounts; `ItemPrice` when there is no row total.
 */
function itemsOf(raw: unknown): Raw[] {
  if (!Array.isArray(raw)) return [];
  return (raw as unknown[]).flatMap((line): Raw[] => {
    if (!isObject(line)) return [];
    const productId = idOf(line, "ProductID", "ProductId", "Product ID");
    if (productId === undefined) return [];
    const quantity = numberOf(line.Quantity) ?? 1;
    const rowTotal = numberOf(line.RowTotal);
    const unit = numberOf(line.ItemPrice);
    const paid = typeof rowTotal === "number" && typeof quantity === "number" && quantity > 0 ? Math.round((rowTotal / quantity) * 100) / 100 : unit;
    const item: Raw = { productId, quantity, price: paid };
    setText(item, "title", line.ProductName);
    return [item];
  });
}

// ---------------------------------------------------------------------------------------------
// Catalog

/**
 * A catalog item (K-SPEC `CatalogItemResponseObjectResource`) as a product. Its id is the item's
 * `external_id`, the id `{% catalog person.tailor_rec_1 %}` looks up; the resource id is
 * `$custom:::$default:::<external_id>`, read when external_id is missing. `variants` are the
 * item's included variants (stock); `category` the name chosen from its catalog categories.
 */
export function toProduct(item: Resource, variants: readonly Resource[], category: string | undefined): Raw {
  const a = item.attributes;
  const metadata = isObject(a.custom_metadata) ? a.custom_metadata : {};
  const images = Array.isArray(a.images) ? (a.images as unknown[]) : [];
  const product: Raw = {
    id: catalogExternalIdOf(item),
    url: text(a.url) ?? "",
    imageUrl: text(a.image_full_url) ?? text(a.image_thumbnail_url) ?? text(images[0]) ?? "",
    price: numberOf(a.price) ?? null,
    inventory: inventoryOf(variants),
    // `published` is nullable; only an explicit false unpublishes (and makes `unpublished="cancel"` skip sends).
    active: a.published !== false,
  };
  setText(product, "title", a.title);
  const categoryName = category ?? text(first(metadata, "category", "Category"));
  if (categoryName !== undefined) product.category = categoryName;
  setText(product, "brand", first(metadata, "brand", "Brand", "vendor", "Vendor"));
  setText(product, "createdAt", a.created);
  return product;
}

/**
 * The id a catalog item is known by in templates and in Tailor: its `external_id`, else the one
 * inside its resource id. The pull and the catalog sync both key items by this.
 */
export const catalogExternalIdOf = (item: Resource): string | undefined => text(item.attributes.external_id) ?? externalIdOf(item.id);

/** The external id inside a catalog resource id `{integration}:::{catalog}:::{external_id}`. */
export function externalIdOf(resourceId: unknown): string | undefined {
  const id = text(resourceId);
  if (id === undefined) return undefined;
  const parts = id.split(":::");
  return parts.length === 3 ? text(parts[2]) : id;
}

/**
 * Units in stock across the item's published variants, or null when stock does not limit sales:
 * no variants, a variant whose `inventory_policy` is 0 or 2 (K-SPEC: shown "regardless of
 * inventory quantity") or absent, or a quantity Klaviyo does not have.
 */
export function inventoryOf(variants: readonly Resource[]): number | null {
  if (variants.length === 0) return null;
  let units = 0;
  for (const variant of variants.filter((v) => v.attributes.published !== false)) {
    const quantity = variant.attributes.inventory_quantity;
    if (variant.attributes.inventory_policy !== 1 || typeof quantity !== "number" || !Number.isFinite(quantity)) return null;
    units += Math.max(0, quantity);
  }
  return Math.floor(units);
}

// ---------------------------------------------------------------------------------------------
// Products described by events

/** The property names one kind of event gives a product's display fields under, most common first. */
type ProductKeys = {
  readonly id: readonly string[];
  readonly title: readonly string[];
  readonly url: readonly string[];
  readonly image: readonly string[];
  readonly price: readonly string[];
  readonly categories: readonly string[];
  readonly brand: readonly string[];
};

/** Viewed Product (Klaviyo's custom-integration guide): ProductID, ProductName, URL, ImageURL, Price, Categories, Brand. */
const VIEWED_KEYS: ProductKeys = {
  id: ["ProductID", "ProductId", "Product ID"],
  title: ["ProductName"],
  url: ["URL", "ProductURL"],
  image: ["ImageURL"],
  price: ["Price"],
  categories: ["Categories"],
  brand: ["Brand"],
};
/** Added to Cart: the same fields prefixed AddedItem (AddedItemBrand is not in the guide; read where sent). */
const ADDED_ITEM_KEYS: ProductKeys = {
  id: ["AddedItemProductID", "AddedItemProductId", "AddedItem_ProductID"],
  title: ["AddedItemProductName"],
  url: ["AddedItemURL"],
  image: ["AddedItemImageURL"],
  price: ["AddedItemPrice"],
  categories: ["AddedItemCategories"],
  brand: ["AddedItemBrand"],
};
/** One line of `Items[]` (Placed Order, Started Checkout, a cart's contents, refunds): ItemPrice is the unit list price. */
const LINE_KEYS: ProductKeys = {
  id: ["ProductID", "ProductId", "Product ID"],
  title: ["ProductName"],
  url: ["ProductURL", "URL"],
  image: ["ImageURL"],
  price: ["ItemPrice"],
  categories: ["Categories"],
  brand: ["Brand"],
};

/**
 * The products an e-commerce event describes, with the display fields it gives them: a store
 * whose catalog the API cannot read (Shopify-synced, or none) still names its products on events.
 * A product needs an id and a title; the rest is filled where the event has it (`category` is the
 * first of `Categories`; urls only when absolute http(s), as a catalog item's link must be).
 */
export function productsOfEvent(event: Resource, role: KlaviyoMetricRole): FeedProduct[] {
  const p: Raw = isObject(event.attributes.event_properties) ? event.attributes.event_properties : {};
  const found: (FeedProduct | undefined)[] = [];
  switch (role) {
    case "viewed_product":
      found.push(productOf(p, VIEWED_KEYS));
      break;
    case "added_to_cart":
      // Some integrations send the added item under the Viewed Product names (toEvent reads ProductID too).
      found.push(productOf(p, ADDED_ITEM_KEYS) ?? productOf(p, VIEWED_KEYS), ...linesOf(p.Items));
      break;
    case "started_checkout":
    case "placed_order":
    case "refunded":
      found.push(...linesOf(p.Items));
      break;
    default:
      break;
  }
  return found.filter((product) => product !== undefined);
}

const linesOf = (items: unknown): (FeedProduct | undefined)[] =>
  Array.isArray(items) ? (items as unknown[]).map((line) => (isObject(line) ? productOf(line, LINE_KEYS) : undefined)) : [];

function productOf(source: Readonly<Raw>, keys: ProductKeys): FeedProduct | undefined {
  const id = idOf(source, ...keys.id);
  const title = text(first(source, ...keys.title));
  if (id === undefined || title === undefined) return undefined;
  const price = numberOf(first(source, ...keys.price));
  return {
    id,
    title,
    url: webUrlOf(first(source, ...keys.url)),
    imageUrl: webUrlOf(first(source, ...keys.image)),
    price: typeof price === "number" && price >= 0 ? price : null,
    category: firstCategoryOf(first(source, ...keys.categories)),
    brand: text(first(source, ...keys.brand)) ?? "",
  };
}

/** An absolute http(s) URL, else "": a relative or malformed link would make Klaviyo refuse the catalog item. */
function webUrlOf(value: unknown): string {
  const t = text(value);
  if (t === undefined) return "";
  try {
    const { protocol } = new URL(t);
    return protocol === "https:" || protocol === "http:" ? t : "";
  } catch {
    return "";
  }
}

/** The first category of a list (the guide sends an array), or a lone category sent as a string. */
function firstCategoryOf(value: unknown): string {
  if (Array.isArray(value)) {
    for (const entry of value as unknown[]) {
      const t = text(entry);
      if (t !== undefined) return t;
    }
    return "";
  }
  return text(value) ?? "";
}

/** The ids in a relationship's `data` (one object or a list). */
export function relatedIds(resource: Resource, relationship: string): string[] {
  const rel = resource.relationships[relationship];
  const data = isObject(rel) ? rel.data : undefined;
  const list: unknown[] = Array.isArray(data) ? (data as unknown[]) : data === undefined || data === null ? [] : [data];
  return list.flatMap((entry) => {
    const id = isObject(entry) ? text(entry.id) : undefined;
    return id === undefined ? [] : [id];
  });
}

const relatedId = (resource: Resource, relationship: string): string | undefined => relatedIds(resource, relationship)[0];

// ---------------------------------------------------------------------------------------------
// Reading loose values

function isObject(value: unknown): value is Raw {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A record ingest quarantines with this reason: it names ids, never an email address. */
const malformed = (reason: string): Malformed => ({ _malformed: reason, line: 0, text: "" });

function text(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

function setText(target: Raw, key: string, value: unknown): void {
  const t = text(value);
  if (t !== undefined) target[key] = t;
}

/** An id sent as a string or a number (integrations do both). */
function idText(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return text(value);
}

const first = (source: Readonly<Raw>, ...keys: readonly string[]): unknown => {
  for (const key of keys) if (source[key] !== undefined && source[key] !== null && source[key] !== "") return source[key];
  return undefined;
};

const idOf = (source: Readonly<Raw>, ...keys: readonly string[]): string | undefined => idText(first(source, ...keys));

/** A number, or the value itself when it is not one (ingest reports it); undefined when absent. */
function numberOf(value: unknown): number | string | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  const t = text(value);
  if (t === undefined) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

function isTrue(value: unknown): boolean {
  return value === true || value === 1 || (typeof value === "string" && ["true", "1", "yes"].includes(value.trim().toLowerCase()));
}

function msOf(value: unknown): number | null {
  const t = text(value);
  const ms = t === undefined ? Number.NaN : Date.parse(t);
  return Number.isFinite(ms) ? ms : null;
}

/** When an event happened, in epoch ms (`datetime`, else `timestamp` seconds); null when neither reads. */
export function eventMsOf(event: Resource): number | null {
  const fromDatetime = msOf(event.attributes.datetime);
  if (fromDatetime !== null) return fromDatetime;
  const seconds = event.attributes.timestamp;
  return typeof seconds === "number" && Number.isFinite(seconds) ? seconds * 1000 : null;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
