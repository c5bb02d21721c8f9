/**
 * The events pull, in three streams read one after the other under one cursor:
 *   1. e-commerce orders (search on hs_lastmodifieddate) with their contacts and line items
 *      (associations v4, then a batch read of the line items);
 *   2. marketing email events from the legacy Email Events API, one event type at a time, in
 *      fixed time windows paged by HubSpot's offset token;
 *   3. tickets (search on hs_lastmodifieddate) with their contacts.
 * A stream the portal withholds (403: scope not granted, or not in its subscription) becomes a
 * warning on the page and the pull goes on. Behavioral (custom) events are Enterprise-only and
 * never read; the first page says which signals that leaves out.
 */
import type { Cursor, Page } from "../../domain/index.js";
import { EspError } from "../shared/esp-error.js";
import { paginate } from "../shared/paginate.js";
import type { HubSpotCall } from "./hubspot-call.js";
import {
  EMAIL_EVENT_TYPES,
  LINE_ITEM_PROPERTIES,
  ORDER_PROPERTIES,
  TICKET_PROPERTIES,
  toEmailEvent,
  toOrderEvents,
  toTicketEvents,
  type EmailEvent,
  type EmailEventType,
  type HubSpotObject,
} from "./map.js";
import {
  OVERLAP_MS,
  isForbidden,
  notAvailable,
  pageOf,
  parseObjectCursor,
  startCursor,
  sweepObjects,
  type ObjectCursor,
  type SweepSpec,
} from "./sweep-objects.js";

export const ORDERS: SweepSpec = { objectType: "orders", properties: ORDER_PROPERTIES, modifiedProperty: "hs_lastmodifieddate" };
export const TICKETS: SweepSpec = { objectType: "tickets", properties: TICKET_PROPERTIES, modifiedProperty: "hs_lastmodifieddate" };

/** Said on every events pull: the custom behavioral events API needs Enterprise (esp-apis.md 1.4), so Tailor does not call it. */
export const BEHAVIORAL_EVENTS_WARNING =
  "behavioral events: not read (HubSpot's custom behavioral events API is Enterprise-only); product views, carts and checkouts are missing, so intent comes from orders and email engagement";

/** One email event type's place: the window [since, end] being read and HubSpot's offset in it. */
export type EmailCursor = { readonly since: number; readonly end: number | null; readonly offset: string | null };

export type EventsCursor = {
  readonly orders: ObjectCursor;
  readonly tickets: ObjectCursor;
  readonly email: Readonly<Partial<Record<EmailEventType, EmailCursor>>>;
};

// HubSpot: batch reads and association batch reads take at most 100 ids here; email event pages at most 1,000.
const BATCH_SIZE = 100;
const EMAIL_PAGE_SIZE = 1000;
/** How far back a first pull reads email events: engagement older than a year says little about the next send. */
export const EMAIL_HISTORY_MS = 365 * 24 * 60 * 60 * 1000;
// Email -> contact id lookups kept for one pull; past this the memo restarts (a few repeat lookups, no growth).
const MAX_KNOWN_RECIPIENTS = 50_000;

/** Streams orders, email events and tickets as domain-shaped events; every page carries the whole cursor. */
export async function* pullEvents(call: HubSpotCall, from: Cursor | null, now: () => number): AsyncIterable<Page> {
  const read = readEventsCursor(from, now());
  let state: EventsCursor = read.cursor;
  const warnings = [BEHAVIORAL_EVENTS_WARNING, ...(read.warning === undefined ? [] : [read.warning])];
  const next = (): Cursor => JSON.stringify(state);

  try {
    for await (const page of sweepObjects(call, ORDERS, state.orders)) {
      const records = await toOrderRecords(call, page.objects);
      state = { ...state, orders: page.cursor };
      yield pageOf(records, next(), warnings);
    }
  } catch (error) {
    if (!isForbidden(error)) throw error;
    warnings.push(notAvailable("orders", "crm.objects.orders.read"));
  }

  const contactIdOf = createRecipientLookup(call);
  try {
    for (const type of EMAIL_EVENT_TYPES) {
      const start = state.email[type] ?? { since: now() - EMAIL_HISTORY_MS, end: null, offset: null };
      for await (const page of emailEventPages(call, type, start, now())) {
        const ids = await contactIdOf(page.events.map((e) => recipientOf(e)).filter((r) => r !== undefined));
        const records = page.events.map((e) => toEmailEvent(e, ids.get(recipientOf(e) ?? "") ?? undefined)).filter((r) => r !== null);
        state = { ...state, email: { ...state.email, [type]: page.cursor } };
        yield pageOf(records, next(), warnings);
      }
    }
  } catch (error) {
    if (!isForbidden(error)) throw error;
    warnings.push(notAvailable("email events", "content"));
  }

  try {
    for await (const page of sweepObjects(call, TICKETS, state.tickets)) {
      const contacts = await associatedIds(call, "tickets", "contacts", page.objects.map((t) => t.id));
      const records = page.objects.flatMap((ticket) => toTicketEvents(ticket, contacts.get(ticket.id) ?? []));
      state = { ...state, tickets: page.cursor };
      yield pageOf(records, next(), warnings);
    }
  } catch (error) {
    if (!isForbidden(error)) throw error;
    warnings.push(notAvailable("tickets", "tickets"));
  }
  if (warnings.length > 0) yield pageOf([], next(), warnings);
}

/** Orders with their first associated contact and their line items, as placed_order (and refunded) events. */
async function toOrderRecords(call: HubSpotCall, orders: readonly HubSpotObject[]): Promise<unknown[]> {
  if (orders.length === 0) return [];
  const ids = orders.map((o) => o.id);
  const contacts = await associatedIds(call, "orders", "contacts", ids);
  const lines = await associatedIds(call, "orders", "line_items", ids);
  const lineItems = await batchRead(call, "line_items", [...new Set([...lines.values()].flat())], LINE_ITEM_PROPERTIES);
  return orders.flatMap((order) => {
    const items = (lines.get(order.id) ?? []).flatMap((id) => {
      const item = lineItems.get(id);
      return item === undefined ? [] : [item];
    });
    return toOrderEvents(order, contacts.get(order.id)?.[0], items);
  });
}

/** Ids associated from each object (associations v4 batch read); objects without any are absent. */
async function associatedIds(call: HubSpotCall, fromType: string, toType: string, ids: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < ids.length; i += BATCH_SIZE) {
    const inputs = ids.slice(i, i + BATCH_SIZE).map((id) => ({ id }));
    // Objects with no associations come back as per-item errors in a 207; the SDK returns those as results too.
    const response = await call("standard", `read ${fromType} to ${toType} associations`, (sdk) =>
      // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- the SDK documents plain objects for its codegen body classes
      sdk.crm.associations.v4.batchApi.getPage(fromType, toType, { inputs }),
    );
    for (const result of response.results) out.set(idText(result._from.id), result.to.map((t) => idText(t.toObjectId)));
  }
  return out;
}

async function batchRead(call: HubSpotCall, objectType: string, ids: readonly string[], properties: readonly string[]): Promise<Map<string, HubSpotObject>> {
  const out = new Map<string, HubSpotObject>();
  for (let i = 0; i < ids.length; i += BATCH_SIZE) {
    const inputs = ids.slice(i, i + BATCH_SIZE).map((id) => ({ id }));
    const response = await call("standard", `batch read ${objectType}`, (sdk) =>
      // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- the SDK documents plain objects for its codegen body classes
      sdk.crm.objects.batchApi.read(objectType, { inputs, properties: [...properties], propertiesWithHistory: [] }),
    );
    for (const object of response.results) out.set(object.id, object);
  }
  return out;
}

/**
 * The contact id for each recipient address, by batch-reading contacts with idProperty=email.
 * Remembered for the pull, so a campaign's sends, opens and clicks cost one lookup per person.
 */
function createRecipientLookup(call: HubSpotCall): (emails: readonly string[]) => Promise<Map<string, string | null>> {
  const known = new Map<string, string | null>();
  return async (emails) => {
    const unique = [...new Set(emails)];
    if (known.size + unique.length > MAX_KNOWN_RECIPIENTS) known.clear();
    const missing = unique.filter((e) => !known.has(e));
    for (let i = 0; i < missing.length; i += BATCH_SIZE) {
      const chunk = missing.slice(i, i + BATCH_SIZE);
      const inputs = chunk.map((id) => ({ id }));
      const response = await call("standard", "batch read contacts by email", (sdk) =>
        // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- the SDK documents plain objects for its codegen body classes
        sdk.crm.objects.batchApi.read("contacts", { inputs, idProperty: "email", properties: ["email"], propertiesWithHistory: [] }),
      );
      for (const contact of response.results) {
        const email = contact.properties.email?.trim().toLowerCase();
        if (email !== undefined && email !== "") known.set(email, contact.id);
      }
      for (const email of chunk) if (!known.has(email)) known.set(email, null);
    }
    return known;
  };
}

/** v4 sends object ids as JSON numbers although the SDK types them as strings. */
const idText = (id: unknown): string => (typeof id === "number" ? String(id) : typeof id === "string" ? id : "");

const recipientOf = (event: EmailEvent): string | undefined =>
  typeof event.recipient === "string" && event.recipient.trim() !== "" ? event.recipient.trim().toLowerCase() : undefined;

/**
 * Pages of one email event type. A window's end is fixed when it starts, so HubSpot's offset
 * stays valid across a resume; once read to the end, the next window starts an overlap before it.
 */
async function* emailEventPages(
  call: HubSpotCall,
  type: EmailEventType,
  from: EmailCursor,
  nowMs: number,
): AsyncGenerator<{ events: readonly EmailEvent[]; cursor: EmailCursor }> {
  const { since } = from;
  const end = from.end ?? nowMs;
  const fetchPage = (offset: string | null) => fetchEmailEvents(call, { type, since, end, offset });
  for await (const { items, cursor } of paginate(fetchPage, from.offset)) {
    yield { events: items, cursor: cursor === null ? { since: Math.max(since, end - OVERLAP_MS), end: null, offset: null } : { since, end, offset: cursor } };
  }
}

type EmailEventsQuery = { readonly type: EmailEventType; readonly since: number; readonly end: number; readonly offset: string | null };

/** One page of `GET /email/public/v1/events` (not in the SDK, so through sdk.apiRequest). */
async function fetchEmailEvents(call: HubSpotCall, query: EmailEventsQuery): Promise<{ items: readonly EmailEvent[]; next: string | null }> {
  const qs: Record<string, string> = {
    eventType: query.type,
    startTimestamp: String(query.since),
    endTimestamp: String(query.end),
    limit: String(EMAIL_PAGE_SIZE),
  };
  if (query.offset !== null) qs.offset = query.offset;
  // apiRequest resolves on any status; hubspot-call turns a failed answer into an EspError, so here it is a 2xx.
  const response = await call("standard", `email events ${query.type}`, (sdk) => sdk.apiRequest({ method: "GET", path: "/email/public/v1/events", qs }));
  const body: unknown = await response.json().catch(() => null);
  if (typeof body !== "object" || body === null || !Array.isArray((body as { events?: unknown }).events)) {
    throw new EspError("server", "HubSpot email events: the response has no events list");
  }
  const { events, hasMore, offset } = body as { events: unknown[]; hasMore?: unknown; offset?: unknown };
  const items = events.filter((e): e is EmailEvent => typeof e === "object" && e !== null);
  return { items, next: hasMore === true && typeof offset === "string" && offset !== "" ? offset : null };
}

/** Reads the stored events cursor; none or an unreadable one starts every stream fresh (the latter says so). */
export function readEventsCursor(text: string | null, nowMs: number): { cursor: EventsCursor; warning?: string } {
  const fresh: EventsCursor = { orders: startCursor(false, nowMs), tickets: startCursor(false, nowMs), email: {} };
  if (text === null) return { cursor: fresh };
  try {
    const raw: unknown = JSON.parse(text);
    if (typeof raw === "object" && raw !== null) {
      const c = raw as Record<string, unknown>;
      const orders = parseObjectCursor(c.orders);
      const tickets = parseObjectCursor(c.tickets);
      const email = parseEmailCursors(c.email);
      if (orders !== null && tickets !== null && email !== null) return { cursor: { orders, tickets, email } };
    }
  } catch {
    // Reported below like any other unreadable cursor.
  }
  return { cursor: fresh, warning: "stored HubSpot events cursor could not be read; pulling again from the start" };
}

function parseEmailCursors(raw: unknown): Partial<Record<EmailEventType, EmailCursor>> | null {
  if (typeof raw !== "object" || raw === null) return null;
  const out: Partial<Record<EmailEventType, EmailCursor>> = {};
  for (const type of EMAIL_EVENT_TYPES) {
    const c = (raw as Record<string, unknown>)[type];
    if (c === undefined) continue;
    if (typeof c !== "object" || c === null) return null;
    const { since, end, offset } = c as Record<string, unknown>;
    if (typeof since !== "number" || !(end === null || typeof end === "number") || !(offset === null || typeof offset === "string")) return null;
    out[type] = { since, end, offset };
  }
  return out;
}
