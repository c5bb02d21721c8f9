/**
 * The events pull, one metric at a time. Klaviyo names metrics per integration ("Placed Order"
 * from Shopify, "Order Placed" from another), so the account's metrics are listed first
 * (`GET /api/metrics`) and matched by name to Settings.klaviyo.metrics; every other metric that
 * is not deliberately ignored is named in a warning for the run report.
 *
 * Each mapped metric is read oldest first with
 * `filter=and(equals(metric_id,"…"),greater-than(datetime,…))&sort=datetime`, following
 * `links.next`. One JSON cursor holds a place per metric id: mid-read the page cursor and the
 * filter's lower bound, after it the lower bound of the next read, an overlap before the newest
 * event seen (events indexed a little late, or sharing that second, are read again; ingest drops
 * the copies by event id and order id). A first read reaches back Settings.klaviyo.historyDays.
 */
import type { Cursor, FeedProduct, KlaviyoMetricRole, KlaviyoSettings, Page } from "../../domain/index.js";
import { EspError } from "../shared/esp-error.js";
import { paginate, type CursorPage } from "../shared/paginate.js";
import type { KlaviyoCall } from "./klaviyo-call.js";
import { equalsTo, eventMsOf, greaterThan, metricRolesOf, pageOf, productsOfEvent, readCollection, toEvent, type Resource } from "./map.js";

/** Where one metric's read resumes. */
export type MetricCursor = {
  /** Events after this instant (epoch ms) are read. */
  readonly since: number;
  /** Klaviyo's `page[cursor]` inside a read; null between reads. */
  readonly page: string | null;
  /** The newest event time seen in this read so far (epoch ms). */
  readonly max: number | null;
};

export type EventsCursor = { readonly metrics: Readonly<Record<string, MetricCursor>> };

/**
 * Sparse fieldset: the time and properties. The spec lists only attributes for `fields[event]`,
 * so the profile and metric relationships still come (UNVERIFIED against a live account; an
 * event that came without its profile would be quarantined with that reason, not lost silently).
 */
export const EVENT_FIELDS = ["datetime", "event_properties"] as const;
// K-SPEC get_events: page[size] default 200, max 1000 (the operation's prose still says 200).
export const EVENT_PAGE_SIZE = 1000;
/** How far before the newest event seen the next read starts. */
export const EVENTS_OVERLAP_MS = 10 * 60_000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The run-report line for metrics the settings neither map nor ignore. */
export const unmappedWarning = (names: readonly string[]): string =>
  `klaviyo: metrics not read: ${names.join(", ")} — map them in Settings → klaviyo.metrics or ignore them`;

/**
 * Told of every product an event describes (map.ts productsOfEvent), with the event's time in epoch
 * ms, as the page that holds the event is read: the products reach the connector without a second
 * read of the events. Events without a readable time tell nothing (ingest refuses them anyway).
 */
export type ProductSink = (product: FeedProduct, seenAt: number) => void;

/** Streams the mapped metrics' events as domain-shaped events; every page carries the whole cursor. */
export async function* pullEvents(
  call: KlaviyoCall,
  from: Cursor | null,
  settings: KlaviyoSettings,
  now: () => number,
  onProduct?: ProductSink,
): AsyncIterable<Page> {
  const nowMs = now();
  const read = readEventsCursor(from);
  const warnings = read.warning === undefined ? [] : [read.warning];

  const { roles, unmapped, missing } = metricRolesOf(await listMetrics(call), settings);
  if (unmapped.length > 0) warnings.push(unmappedWarning(unmapped));
  for (const role of missing) warnings.push(`klaviyo: no metric named ${settings.metrics[role].map((n) => `"${n}"`).join(" or ")}; no ${role} events read`);

  // Only mapped metrics keep a place: one mapped again later starts over from historyDays back.
  const state = new Map<string, MetricCursor>();
  for (const id of roles.keys()) state.set(id, read.cursor.metrics[id] ?? { since: nowMs - settings.historyDays * DAY_MS, page: null, max: null });
  const next = (): Cursor => JSON.stringify({ metrics: Object.fromEntries(state) } satisfies EventsCursor);

  let yielded = false;
  for (const [metricId, role] of roles) {
    const start = state.get(metricId) ?? { since: nowMs, page: null, max: null };
    let max = start.max;
    for await (const page of paginate((c) => eventsPage(call, metricId, role, start.since, c), start.page)) {
      for (const event of page.items) {
        const at = eventMsOf(event);
        if (at === null) continue;
        if (max === null || at > max) max = at;
        if (onProduct !== undefined) for (const product of productsOfEvent(event, role)) onProduct(product, at);
      }
      state.set(metricId, page.cursor === null ? afterRead(start.since, max, nowMs) : { since: start.since, page: page.cursor, max });
      yield pageOf(page.items.map((event) => toEvent(event, role)), next(), warnings);
      yielded = true;
    }
  }
  if (!yielded || warnings.length > 0) yield pageOf([], next(), warnings);
}

/**
 * Where the metric's next read starts: an overlap before the newest event seen, never after
 * now (an event sent with a future time would otherwise hide every event until then).
 */
function afterRead(since: number, max: number | null, nowMs: number): MetricCursor {
  if (max === null) return { since, page: null, max: null };
  return { since: Math.min(max, nowMs) - EVENTS_OVERLAP_MS, page: null, max: null };
}

/** Every metric in the account (a few hundred at most; K-SPEC get_metrics returns up to 200 a page). */
async function listMetrics(call: KlaviyoCall): Promise<Resource[]> {
  const metrics: Resource[] = [];
  const fetchPage = async (pageCursor: string | null): Promise<CursorPage<Resource>> => {
    const result = await call("get_metrics", "list metrics", (apis) =>
      apis.metrics.getMetrics({ fieldsMetric: ["name"], ...(pageCursor === null ? {} : { pageCursor }) }),
    );
    return collection(result.response.data, "list metrics");
  };
  for await (const page of paginate(fetchPage, null)) metrics.push(...page.items);
  return metrics;
}

async function eventsPage(call: KlaviyoCall, metricId: string, role: KlaviyoMetricRole, since: number, pageCursor: string | null): Promise<CursorPage<Resource>> {
  const what = `read ${role} events`;
  const result = await call("get_events", what, (apis) =>
    apis.events.getEvents({
      filter: `and(${equalsTo("metric_id", metricId)},${greaterThan("datetime", since)})`,
      fieldsEvent: [...EVENT_FIELDS],
      sort: "datetime",
      pageSize: EVENT_PAGE_SIZE,
      ...(pageCursor === null ? {} : { pageCursor }),
    }),
  );
  return collection(result.response.data, what);
}

function collection(body: unknown, what: string): CursorPage<Resource> {
  const page = readCollection(body);
  if (page === null) throw new EspError("server", `Klaviyo ${what}: the response is not a readable JSON:API page`);
  return { items: page.data, next: page.next };
}

/** Reads a cursor this module wrote; none starts fresh, an unreadable one starts fresh and says so. */
export function readEventsCursor(text: string | null): { cursor: EventsCursor; warning?: string } {
  const fresh: EventsCursor = { metrics: {} };
  if (text === null) return { cursor: fresh };
  try {
    const raw: unknown = JSON.parse(text);
    const metrics = typeof raw === "object" && raw !== null ? (raw as { metrics?: unknown }).metrics : undefined;
    if (typeof metrics === "object" && metrics !== null) {
      const out: Record<string, MetricCursor> = {};
      let readable = true;
      for (const [id, c] of Object.entries(metrics)) {
        const cursor = metricCursorOf(c);
        if (cursor === null) readable = false;
        else out[id] = cursor;
      }
      if (readable) return { cursor: { metrics: out } };
    }
  } catch {
    // Reported below like any other unreadable cursor.
  }
  return { cursor: fresh, warning: "stored Klaviyo events cursor could not be read; reading events again from the start of the history window" };
}

function metricCursorOf(raw: unknown): MetricCursor | null {
  if (typeof raw !== "object" || raw === null) return null;
  const { since, page, max } = raw as Record<string, unknown>;
  if (!isMs(since) || !(page === null || typeof page === "string") || !(max === null || isMs(max))) return null;
  return { since, page, max };
}

const isMs = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);
