/**
 * The profiles pull: ids marked by webhooks first, then a sweep of every profile changed since
 * the last one, oldest change first (`filter=greater-than(updated,…)&sort=updated`), following
 * Klaviyo's `links.next` page by page.
 *
 * Mid-sweep the cursor holds Klaviyo's page cursor together with the filter's lower bound, so a
 * resumed request is the same query at the same place. Once the sweep ends, the next one starts
 * a minute before the newest `updated` it saw: a profile written in the same second as that one,
 * or indexed a moment late, is read again rather than skipped (ingest upserts, so twice is harmless).
 */
import type { Cursor, Page } from "../../domain/index.js";
import { EspError } from "../shared/esp-error.js";
import { paginate, type CursorPage } from "../shared/paginate.js";
import type { KlaviyoCall } from "./klaviyo-call.js";
import { anyOf, greaterThan, pageOf, readCollection, toContact, updatedMsOf, type Resource } from "./map.js";

/** Where the profiles pull resumes. */
export type ProfilesCursor = {
  /** The sweep reads profiles updated after this instant (epoch ms); null reads them all. */
  readonly since: number | null;
  /** Klaviyo's `page[cursor]` inside the sweep; null between sweeps. */
  readonly page: string | null;
  /** The newest `updated` seen in this sweep so far (epoch ms). */
  readonly max: number | null;
};

/** Sparse fieldset: what toContact reads, and nothing of `properties`, which can be large. */
export const PROFILE_FIELDS = [
  "email",
  "first_name",
  "created",
  "updated",
  "location.country",
  "location.timezone",
  "subscriptions.email.marketing",
] as const;

// K-SPEC get_profiles: page[size] max 100.
export const PROFILE_PAGE_SIZE = 100;
/** How far before the newest change seen the next sweep starts. */
export const PROFILES_OVERLAP_MS = 60_000;

const START: ProfilesCursor = { since: null, page: null, max: null };

/**
 * Streams profiles as domain-shaped contacts. `refresh` profile ids are re-read first whatever
 * the cursor says, 100 per request; their pages carry the incoming cursor, so a crash there
 * loses no place in the sweep.
 */
export async function* pullProfiles(call: KlaviyoCall, from: Cursor | null, refresh: readonly string[], now: () => number): AsyncIterable<Page> {
  const { cursor, warning } = readProfilesCursor(from);
  const warnings = warning === undefined ? [] : [warning];

  const ids = [...new Set(refresh)];
  // Profile ids are alphanumeric (26-character ULIDs); anything else is no profile id and could break the filter for the whole batch.
  const readable = ids.filter((id) => /^[A-Za-z0-9]+$/.test(id));
  if (readable.length < ids.length) warnings.push(`klaviyo profiles: ${ids.length - readable.length} refresh ids cannot be read; skipped`);
  const here = JSON.stringify(cursor);
  for (let i = 0; i < readable.length; i += PROFILE_PAGE_SIZE) {
    const filter = anyOf("id", readable.slice(i, i + PROFILE_PAGE_SIZE));
    for await (const page of paginate((c) => profilesPage(call, "read marked profiles", { filter }, c), null)) {
      yield pageOf(page.items.map(toContact), here, warnings);
    }
  }

  const { since } = cursor;
  const query = since === null ? {} : { filter: greaterThan("updated", since) };
  let max = cursor.max;
  for await (const page of paginate((c) => profilesPage(call, "sweep profiles", query, c), cursor.page)) {
    for (const profile of page.items) {
      const updated = updatedMsOf(profile);
      if (updated !== null && (max === null || updated > max)) max = updated;
    }
    const next: ProfilesCursor = page.cursor === null ? afterSweep(since, max, now()) : { since, page: page.cursor, max };
    yield pageOf(page.items.map(toContact), JSON.stringify(next), warnings);
  }
}

/**
 * Where the next sweep starts: an overlap before the newest change seen, never after now (a
 * clock-skewed `updated` in the future would otherwise hide every change until then).
 */
function afterSweep(since: number | null, max: number | null, nowMs: number): ProfilesCursor {
  if (max === null) return { since, page: null, max: null };
  return { since: Math.min(max, nowMs) - PROFILES_OVERLAP_MS, page: null, max: null };
}

async function profilesPage(call: KlaviyoCall, what: string, query: { filter?: string }, pageCursor: string | null): Promise<CursorPage<Resource>> {
  const result = await call("get_profiles", what, (apis) =>
    apis.profiles.getProfiles({
      ...query,
      additionalFieldsProfile: ["subscriptions"],
      fieldsProfile: [...PROFILE_FIELDS],
      sort: "updated",
      pageSize: PROFILE_PAGE_SIZE,
      ...(pageCursor === null ? {} : { pageCursor }),
    }),
  );
  const page = readCollection(result.response.data);
  if (page === null) throw new EspError("server", `Klaviyo ${what}: the response is not a readable JSON:API page`);
  return { items: page.data, next: page.next };
}

/** Reads a cursor this module wrote; none starts fresh, an unreadable one starts fresh and says so. */
export function readProfilesCursor(text: string | null): { cursor: ProfilesCursor; warning?: string } {
  if (text === null) return { cursor: START };
  try {
    const raw: unknown = JSON.parse(text);
    if (typeof raw === "object" && raw !== null) {
      const { since, page, max } = raw as Record<string, unknown>;
      if (isMsOrNull(since) && (page === null || typeof page === "string") && isMsOrNull(max)) return { cursor: { since, page, max } };
    }
  } catch {
    // Reported below like any other unreadable cursor.
  }
  return { cursor: START, warning: "stored Klaviyo profiles cursor could not be read; pulling every profile again" };
}

const isMsOrNull = (value: unknown): value is number | null => value === null || (typeof value === "number" && Number.isFinite(value));
