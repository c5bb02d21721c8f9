/**
 * Reads one CRM object type incrementally: an optional backfill by list pages (no result cap),
 * then CRM search on the last-modified property, ascending.
 *
 * Search pages are anchored on values, not on `after` offsets. Every query asks for
 * `modified >= since`; a full page moves `since` to the page's last modified time and holds back
 * the records at exactly that time (the next query returns them first). So no query ever pages
 * past HubSpot's 10,000-result cap, and a record modified mid-sweep (which jumps to the end of
 * the sort order and would shift every offset) is read later instead of making us skip a neighbour.
 * Search takes one sort rule only, so when a whole page shares one modified time the sweep walks
 * that instant alone, sorted by hs_object_id with `hs_object_id > last id` (esp-apis.md 1.3).
 * A finished sweep restarts from the highest time seen minus a 2-minute overlap, because the
 * search index lags writes; records seen in the overlap are skipped by id + modified time.
 */
import type { Client } from "@hubspot/api-client";
import type { Cursor, Page } from "../../domain/index.js";
import { EspError } from "../shared/esp-error.js";
import type { HubSpotCall } from "./hubspot-call.js";
import { modifiedMsOf, type HubSpotObject } from "./map.js";

/** Where a sweep of one object type resumes. */
export type ObjectCursor =
  | { readonly phase: "backfill"; readonly after: string | null; readonly startedAt: number }
  | {
      readonly phase: "incremental";
      /** The next search asks for modified >= since (epoch ms). */
      readonly since: number;
      /** While walking records that all share `since`: the last hs_object_id read. */
      readonly tieAfter: string | null;
      /** Highest modified time emitted so far; the next sweep restarts from it minus the overlap. */
      readonly maxModified: number | null;
      /** [id, modified] already emitted at or after the dedupe floor. */
      readonly seen: readonly (readonly [string, number])[];
    };

export type SweepSpec = {
  /** CRM object type in the v3 paths: contacts, products, orders, tickets. */
  readonly objectType: string;
  readonly properties: readonly string[];
  /** contacts: lastmodifieddate; every other object: hs_lastmodifieddate. */
  readonly modifiedProperty: string;
};

/** One page of objects read and the cursor to resume after them. */
export type ObjectPage = { readonly objects: readonly HubSpotObject[]; readonly cursor: ObjectCursor };

// HubSpot: list pages hold at most 100 records, search pages at most 200.
export const LIST_LIMIT = 100;
export const SEARCH_LIMIT = 200;
/** How far a new sweep reaches back before the last change it saw: search results lag writes by seconds. */
export const OVERLAP_MS = 2 * 60 * 1000;
// Dedupe memory carried in the cursor; past this, overlap records may be read twice (harmless: re-pulls are idempotent).
const MAX_SEEN = 500;

/** A fresh cursor: a backfill by list pages first (contacts, products), or search from the beginning of time. */
export function startCursor(backfill: boolean, nowMs: number): ObjectCursor {
  return backfill ? { phase: "backfill", after: null, startedAt: nowMs } : incrementalFrom(0);
}

const incrementalFrom = (since: number): ObjectCursor => ({ phase: "incremental", since, tieAfter: null, maxModified: null, seen: [] });

/** Streams pages until the sweep has caught up; the last page's cursor is where the next run starts. */
export async function* sweepObjects(call: HubSpotCall, spec: SweepSpec, from: ObjectCursor): AsyncGenerator<ObjectPage> {
  let cursor = from;
  while (cursor.phase === "backfill") {
    const { after, startedAt } = cursor;
    const page = await call("standard", `list ${spec.objectType}`, (sdk) =>
      sdk.crm.objects.basicApi.getPage(spec.objectType, LIST_LIMIT, after ?? undefined, [...spec.properties], undefined, undefined, false),
    );
    const next = page.paging?.next?.after;
    // Changes made while the backfill ran are caught by the first search, which starts before it began.
    cursor = next === undefined || next === "" ? incrementalFrom(startedAt - OVERLAP_MS) : { phase: "backfill", after: next, startedAt };
    yield { objects: page.results, cursor };
  }
  const state = new SweepState(cursor);
  for (;;) {
    const page = await searchPage(call, spec, state);
    yield { objects: page.objects, cursor: state.cursor() };
    if (page.done) return;
  }
}

/** The incremental part of the cursor, mutable while a sweep runs. */
class SweepState {
  since: number;
  tieAfter: string | null;
  maxModified: number | null;
  readonly seen: Map<string, number>;

  constructor(cursor: Extract<ObjectCursor, { phase: "incremental" }>) {
    this.since = cursor.since;
    this.tieAfter = cursor.tieAfter;
    this.maxModified = cursor.maxModified;
    this.seen = new Map(cursor.seen);
  }

  /** Takes a record unless this exact version was already emitted. */
  accept(object: HubSpotObject, modified: number): boolean {
    if (this.seen.get(object.id) === modified) return false;
    this.seen.set(object.id, modified);
    if (this.maxModified === null || modified > this.maxModified) this.maxModified = modified;
    return true;
  }

  /** The sweep caught up: the next one starts an overlap before the newest change seen. */
  finish(): void {
    if (this.maxModified !== null) this.since = this.maxModified - OVERLAP_MS;
    this.tieAfter = null;
  }

  cursor(): ObjectCursor {
    // Keep what a later query can return again: records at or after `since`, and the overlap window.
    const floor = Math.min(this.since, this.maxModified === null ? this.since : this.maxModified - OVERLAP_MS);
    const kept = [...this.seen].filter(([, modified]) => modified >= floor).sort((a, b) => b[1] - a[1]).slice(0, MAX_SEEN);
    this.seen.clear();
    for (const [id, modified] of kept) this.seen.set(id, modified);
    return { phase: "incremental", since: this.since, tieAfter: this.tieAfter, maxModified: this.maxModified, seen: kept };
  }
}

type Filter = { propertyName: string; operator: "GTE" | "EQ" | "GT"; value: string };
type SearchRequest = Parameters<Client["crm"]["objects"]["searchApi"]["doSearch"]>[1];

async function searchPage(call: HubSpotCall, spec: SweepSpec, state: SweepState): Promise<{ objects: HubSpotObject[]; done: boolean }> {
  const tie = state.tieAfter !== null;
  const filters: Filter[] = tie
    ? [
        { propertyName: spec.modifiedProperty, operator: "EQ", value: String(state.since) },
        { propertyName: "hs_object_id", operator: "GT", value: state.tieAfter ?? "0" },
      ]
    : [{ propertyName: spec.modifiedProperty, operator: "GTE", value: String(state.since) }];
  const sorts = [{ propertyName: tie ? "hs_object_id" : spec.modifiedProperty, direction: "ASCENDING" }];
  // The SDK types operators as its own enum and sorts as strings; the search guide documents these
  // plain strings and {propertyName, direction} objects, and the SDK's serializer passes both through.
  const body = { filterGroups: [{ filters }], sorts, properties: [...spec.properties], limit: SEARCH_LIMIT } as unknown as SearchRequest;
  const response = await call("search", `search ${spec.objectType}`, (sdk) => sdk.crm.objects.searchApi.doSearch(spec.objectType, body));
  const results = response.results.map((object) => ({ object, modified: modifiedMsOf(object, spec.modifiedProperty) ?? state.since }));
  const full = results.length >= SEARCH_LIMIT;

  if (tie) {
    const objects = results.filter((r) => state.accept(r.object, r.modified)).map((r) => r.object);
    if (full) {
      // The highest id read, not the last row: progress never rests on the answer's order.
      state.tieAfter = String(Math.max(...results.map((r) => Number(r.object.id))));
    } else {
      // The instant is exhausted: continue strictly after it (modified times are whole milliseconds).
      state.tieAfter = null;
      state.since += 1;
    }
    return { objects, done: false };
  }

  if (!full) {
    const objects = results.filter((r) => state.accept(r.object, r.modified)).map((r) => r.object);
    state.finish();
    return { objects, done: true };
  }
  const lastModified = Math.max(...results.map((r) => r.modified));
  if (lastModified <= state.since) {
    // A whole page at one instant: read that instant by id before moving on.
    state.tieAfter = "0";
    return { objects: [], done: false };
  }
  // Records at lastModified may continue on the next page: hold them back, the next query starts with them.
  const objects = results.filter((r) => r.modified < lastModified && state.accept(r.object, r.modified)).map((r) => r.object);
  state.since = lastModified;
  return { objects, done: false };
}

/** Reads a cursor this module wrote; null for anything else. */
export function parseObjectCursor(raw: unknown): ObjectCursor | null {
  if (typeof raw !== "object" || raw === null) return null;
  const c = raw as Record<string, unknown>;
  if (c.phase === "backfill" && (c.after === null || typeof c.after === "string") && isMs(c.startedAt)) {
    return { phase: "backfill", after: c.after, startedAt: c.startedAt };
  }
  if (
    c.phase === "incremental" &&
    isMs(c.since) &&
    (c.tieAfter === null || typeof c.tieAfter === "string") &&
    (c.maxModified === null || isMs(c.maxModified)) &&
    Array.isArray(c.seen)
  ) {
    const seen = (c.seen as unknown[]).filter(
      (e): e is [string, number] => Array.isArray(e) && e.length === 2 && typeof e[0] === "string" && isMs(e[1]),
    );
    return { phase: "incremental", since: c.since, tieAfter: c.tieAfter, maxModified: c.maxModified, seen };
  }
  return null;
}

const isMs = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);

/**
 * Reads the stored cursor of a one-object pull (contacts, products). No cursor starts fresh; a
 * cursor this connector cannot read starts over too, and says so for the run report.
 */
export function readObjectCursor(text: string | null, backfill: boolean, nowMs: number): { cursor: ObjectCursor; warning?: string } {
  if (text === null) return { cursor: startCursor(backfill, nowMs) };
  let cursor: ObjectCursor | null = null;
  try {
    cursor = parseObjectCursor(JSON.parse(text));
  } catch {
    // Reported below like any other unreadable cursor.
  }
  if (cursor !== null) return { cursor };
  return { cursor: startCursor(backfill, nowMs), warning: "stored HubSpot cursor could not be read; pulling again from the start" };
}

/** A page; pending warnings ride on the first page that goes out. */
export function pageOf(records: readonly unknown[], next: Cursor, warnings: string[]): Page {
  return warnings.length > 0 ? { records, next, warnings: warnings.splice(0) } : { records, next };
}

/** A 403: the token lacks a scope or the portal's tier lacks the feature. A 401 is not this: it stops the run. */
export const isForbidden = (error: unknown): error is EspError => error instanceof EspError && error.status === 403;

/** The run-report line for a signal the portal withholds; the run goes on without it. */
export const notAvailable = (signal: string, scope: string): string => `${signal}: not available (scope ${scope} missing)`;
