/**
 * Pure mapping from HubSpot shapes to domain-shaped records; ingest validates them. HubSpot
 * sends every CRM property as a string (or null), so numbers and dates are parsed here once;
 * a value that cannot be parsed passes through as text so ingest can say why it was refused.
 */
import type { Consent, Malformed } from "../../domain/index.js";

type Raw = Record<string, unknown>;

/** A CRM object as the v3 objects, search and batch endpoints return it (the SDK's SimplePublicObject fits). */
export type HubSpotObject = {
  readonly id: string;
  readonly properties: Readonly<Record<string, string | null | undefined>>;
  readonly createdAt?: Date | string;
  readonly updatedAt?: Date | string;
};

/** Contact properties Tailor reads (HubSpot's default contact properties). */
export const CONTACT_PROPERTIES = [
  "email",
  "firstname",
  "country",
  "hs_timezone",
  "createdate",
  "lastmodifieddate",
  "hs_email_optout", // "Unsubscribed from all email" (bool)
  "hs_email_hard_bounce_reason_enum", // set once an address hard-bounced
  "hs_email_bad_address", // "Invalid email address" (bool)
  "hs_email_quarantined", // "Email address quarantined" (bool): HubSpot will not send to it
] as const;

export const PRODUCT_PROPERTIES = ["name", "price", "hs_sku", "hs_url", "hs_images", "hs_cost_of_goods_sold", "createdate", "hs_lastmodifieddate"] as const;

export const ORDER_PROPERTIES = [
  "hs_order_name",
  "hs_total_price",
  "hs_order_discount",
  "hs_currency_code",
  "hs_external_created_date", // when the store took the order; hs_createdate is when HubSpot got it
  "hs_createdate",
  "hs_lastmodifieddate",
  "hs_refund_amount",
  "hs_external_canceled_date",
  "hs_cancellation_reason",
] as const;

export const LINE_ITEM_PROPERTIES = ["hs_product_id", "quantity", "price", "amount", "name"] as const;

export const TICKET_PROPERTIES = ["subject", "createdate", "closed_date", "hs_lastmodifieddate"] as const;

/** A contact. `id` is the HubSpot record id, so events keyed by it join without a lookup. */
export function toContact(object: HubSpotObject): Raw {
  const p = object.properties;
  const contact: Raw = {
    id: object.id,
    espIds: { hubspot: object.id },
    createdAt: timestampOf(p.createdate) ?? object.createdAt,
    consent: consentOf(p),
  };
  setText(contact, "email", p.email);
  setText(contact, "firstName", p.firstname);
  setText(contact, "country", p.country);
  const zone = text(p.hs_timezone);
  if (zone !== undefined) contact.timezone = toTimeZone(zone);
  return contact;
}

/**
 * The stricter of HubSpot's delivery flags: a hard bounce, an invalid or quarantined address
 * all mean no email gets through ("bounced"); "Unsubscribed from all email" means the contact
 * said no. Spam complaints arrive as SPAMREPORT email events, not as a contact property.
 */
export function consentOf(properties: HubSpotObject["properties"]): Consent {
  const hardBounced = text(properties.hs_email_hard_bounce_reason_enum) !== undefined;
  if (hardBounced || isTrue(properties.hs_email_bad_address) || isTrue(properties.hs_email_quarantined)) return "bounced";
  return isTrue(properties.hs_email_optout) ? "unsubscribed" : "subscribed";
}

/**
 * hs_timezone holds slugs such as "america_slash_new_york" or "us_slash_eastern". IANA names are
 * case-insensitive in Intl, which also canonicalises links ("us/eastern" -> "America/New_York").
 * A slug that does not resolve passes through; the engine then uses the workspace zone and says so.
 */
export function toTimeZone(slug: string): string {
  const candidate = slug.trim().replaceAll("_slash_", "/");
  try {
    return new Intl.DateTimeFormat("en", { timeZone: candidate }).resolvedOptions().timeZone;
  } catch {
    return slug;
  }
}

/** A catalog item. HubSpot products have no category or brand; stock is not tracked. */
export function toProduct(object: HubSpotObject): Raw {
  const p = object.properties;
  const product: Raw = {
    id: object.id,
    url: text(p.hs_url) ?? "",
    imageUrl: text(p.hs_images) ?? "",
    price: numberOf(p.price) ?? null,
    inventory: null,
    active: true,
  };
  setText(product, "title", p.name);
  const cost = numberOf(p.hs_cost_of_goods_sold);
  if (cost !== undefined) product.cost = cost;
  const created = timestampOf(p.createdate) ?? object.createdAt;
  if (created !== undefined) product.createdAt = created;
  return product;
}

/**
 * One order as `placed_order`, plus `refunded` when HubSpot records a refund amount or a
 * cancellation (a cancelled order never happened: it is refunded in full). Line items without
 * a product id are custom lines, not catalog items: they count toward the value, not the items.
 * The refund keeps one id per order, so a later, larger refund of the same order is not counted twice.
 */
export function toOrderEvents(order: HubSpotObject, contactId: string | undefined, lineItems: readonly HubSpotObject[]): unknown[] {
  if (contactId === undefined) return [unmatched(`order ${order.id} has no associated contact`)];
  const p = order.properties;
  const at = timestampOf(p.hs_external_created_date) ?? timestampOf(p.hs_createdate) ?? order.createdAt;
  const placed: Raw = {
    id: `hubspot-order:${order.id}`,
    type: "placed_order",
    contactId,
    at,
    orderId: order.id,
    value: numberOf(p.hs_total_price),
    discount: numberOf(p.hs_order_discount) ?? 0,
    items: lineItems.flatMap(toOrderItem),
  };
  const currency = text(p.hs_currency_code);
  if (currency !== undefined) placed.currency = currency;

  const refund = numberOf(p.hs_refund_amount);
  const canceledAt = timestampOf(p.hs_external_canceled_date);
  const refunded = typeof refund === "number" && refund > 0;
  if (!refunded && canceledAt === undefined) return [placed];
  const reason = text(p.hs_cancellation_reason) ?? (canceledAt === undefined ? undefined : "cancelled");
  return [
    placed,
    {
      id: `hubspot-order:${order.id}:refund`,
      type: "refunded",
      contactId,
      at: canceledAt ?? timestampOf(p.hs_lastmodifieddate) ?? order.updatedAt ?? at,
      orderId: order.id,
      value: refunded ? refund : placed.value,
      ...(reason === undefined ? {} : { reason }),
    },
  ];
}

function toOrderItem(line: HubSpotObject): Raw[] {
  const p = line.properties;
  const productId = text(p.hs_product_id);
  if (productId === undefined) return [];
  const quantity = numberOf(p.quantity);
  const unit = numberOf(p.price);
  const amount = numberOf(p.amount);
  // `amount` is the line total after line discounts; per unit it is what was paid for one.
  const paid = typeof amount === "number" && typeof quantity === "number" && quantity > 0 ? Math.round((amount / quantity) * 100) / 100 : unit;
  const item: Raw = { productId, quantity, price: paid };
  setText(item, "title", p.name);
  return [item];
}

/**
 * An event of the legacy Email Events API (`GET /email/public/v1/events`). Only the fields
 * Tailor reads; see https://developers.hubspot.com/docs/api-reference/legacy/email-analytics-v1/guide.
 */
export type EmailEvent = {
  readonly id?: unknown;
  readonly created?: unknown;
  readonly type?: unknown;
  readonly recipient?: unknown;
  readonly emailCampaignId?: unknown;
  readonly sentBy?: { readonly id?: unknown } | null;
  /** OPEN and CLICK: true when the portal's filtering settings (bots, excluded IPs) left it out of reporting. */
  readonly filteredEvent?: unknown;
  readonly url?: unknown;
  /** BOUNCE: HubSpot's bounce category. */
  readonly category?: unknown;
  /** STATUSCHANGE: the portal-wide subscription state, and per-subscription changes. */
  readonly portalSubscriptionStatus?: unknown;
  readonly subscriptions?: unknown;
};

/** Email event types Tailor reads; the rest (PROCESSED, DELIVERED, DEFERRED, DROPPED, ...) have no domain event. */
export const EMAIL_EVENT_TYPES = ["SENT", "OPEN", "CLICK", "BOUNCE", "STATUSCHANGE", "SPAMREPORT"] as const;
export type EmailEventType = (typeof EMAIL_EVENT_TYPES)[number];

// Bounce categories that name a temporary failure; every other category (and none) counts as hard.
const SOFT_BOUNCE_CATEGORIES: ReadonlySet<string> = new Set(["GREYLISTING", "TIMEOUT", "THROTTLED", "TEMPORARY_PROBLEM"]);

/**
 * One email event for the contact it was sent to, or null when it is no signal Tailor uses
 * (a resubscribe, a delivery receipt). An open HubSpot filtered out of reporting is kept as a
 * machine open: it happened, but no person is behind it.
 */
export function toEmailEvent(event: EmailEvent, contactId: string | undefined): unknown {
  const type = typeof event.type === "string" ? event.type : "";
  const domainType = emailTypeOf(type, event);
  if (domainType === null) return null;
  const id = scalarText(event.id);
  if (contactId === undefined) return unmatched(`email event ${id ?? "without id"} is for a recipient with no HubSpot contact`);
  const record: Raw = {
    id: `hubspot-email:${id ?? ""}`,
    type: domainType,
    contactId,
    at: event.created,
    campaignId: scalarText(event.emailCampaignId) ?? "",
  };
  const sentBy = scalarText(event.sentBy?.id);
  const messageId = type === "SENT" ? id : sentBy;
  if (messageId !== undefined) record.messageId = messageId;
  if (domainType === "email_opened") record.machineOpen = event.filteredEvent === true;
  if (domainType === "email_clicked" && typeof event.url === "string" && event.url !== "") record.url = event.url;
  if (domainType === "email_bounced") record.hard = !(typeof event.category === "string" && SOFT_BOUNCE_CATEGORIES.has(event.category));
  if (domainType === "unsubscribed") {
    const listId = unsubscribedListOf(event);
    if (listId !== undefined) record.listId = listId;
  }
  return record;
}

function emailTypeOf(type: string, event: EmailEvent): string | null {
  switch (type) {
    case "SENT":
      return "email_sent";
    case "OPEN":
      return "email_opened";
    case "CLICK":
      return "email_clicked";
    case "BOUNCE":
      return "email_bounced";
    case "SPAMREPORT":
      return "complained";
    case "STATUSCHANGE":
      return event.portalSubscriptionStatus === "UNSUBSCRIBED" || unsubscribedListOf(event) !== undefined ? "unsubscribed" : null;
    default:
      return null;
  }
}

/** The subscription type a STATUSCHANGE unsubscribed from; undefined for a portal-wide opt-out. */
function unsubscribedListOf(event: EmailEvent): string | undefined {
  if (event.portalSubscriptionStatus === "UNSUBSCRIBED" || !Array.isArray(event.subscriptions)) return undefined;
  for (const sub of event.subscriptions as unknown[]) {
    if (typeof sub !== "object" || sub === null) continue;
    const { id, status } = sub as { id?: unknown; status?: unknown };
    if (status === "UNSUBSCRIBED") return scalarText(id);
  }
  return undefined;
}

/** A ticket as `ticket_opened` (and `ticket_closed` once it has a close date), once per associated contact. */
export function toTicketEvents(ticket: HubSpotObject, contactIds: readonly string[]): unknown[] {
  if (contactIds.length === 0) return [unmatched(`ticket ${ticket.id} has no associated contact`)];
  const p = ticket.properties;
  const closedAt = timestampOf(p.closed_date);
  const subject = text(p.subject);
  return contactIds.flatMap((contactId) => {
    const opened: Raw = {
      id: `hubspot-ticket:${ticket.id}:opened:${contactId}`,
      type: "ticket_opened",
      contactId,
      at: timestampOf(p.createdate) ?? ticket.createdAt,
      ticketId: ticket.id,
    };
    if (subject !== undefined) opened.subject = subject;
    if (closedAt === undefined) return [opened];
    return [opened, { id: `hubspot-ticket:${ticket.id}:closed:${contactId}`, type: "ticket_closed", contactId, at: closedAt, ticketId: ticket.id }];
  });
}

/**
 * When an object last changed, in epoch ms: the named property (contacts: lastmodifieddate,
 * other objects: hs_lastmodifieddate), else the record's updatedAt; null when neither reads.
 */
export function modifiedMsOf(object: HubSpotObject, property: string): number | null {
  const fromProperty = msOf(timestampOf(object.properties[property]));
  if (fromProperty !== null) return fromProperty;
  return msOf(object.updatedAt);
}

function msOf(value: Date | string | number | undefined): number | null {
  if (value === undefined) return null;
  const ms = value instanceof Date ? value.getTime() : typeof value === "number" ? value : Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

/** A record ingest quarantines with this reason: it names ids, never an email address. */
const unmatched = (reason: string): Malformed => ({ _malformed: reason, line: 0, text: "" });

function text(value: string | null | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
}

function setText(target: Raw, key: string, value: string | null | undefined): void {
  const t = text(value);
  if (t !== undefined) target[key] = t;
}

function isTrue(value: string | null | undefined): boolean {
  return text(value)?.toLowerCase() === "true";
}

/** A number, or the text itself when it is not one (ingest reports it); undefined when empty. */
function numberOf(value: string | null | undefined): number | string | undefined {
  const t = text(value);
  if (t === undefined) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

/** HubSpot datetimes come as ISO strings, some (hs_external_*) as epoch-ms strings. */
function timestampOf(value: string | null | undefined): string | number | undefined {
  const t = text(value);
  if (t === undefined) return undefined;
  return /^\d{10,}$/.test(t) ? Number(t) : t;
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}
