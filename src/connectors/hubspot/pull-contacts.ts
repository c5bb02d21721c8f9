/**
 * The contacts pull: ids marked by webhooks first, then a backfill by list pages, then
 * incremental search on lastmodifieddate (see sweep-objects.ts for the paging technique).
 */
import type { Cursor, Page } from "../../domain/index.js";
import type { HubSpotCall } from "./hubspot-call.js";
import { CONTACT_PROPERTIES, toContact } from "./map.js";
import { pageOf, readObjectCursor, sweepObjects, type SweepSpec } from "./sweep-objects.js";

export const CONTACTS: SweepSpec = { objectType: "contacts", properties: CONTACT_PROPERTIES, modifiedProperty: "lastmodifieddate" };

// HubSpot: batch endpoints take at most 100 inputs.
const BATCH_SIZE = 100;

/**
 * Streams contacts as domain-shaped records. `refresh` ids are re-read first whatever the cursor
 * says; their pages carry the incoming cursor, so a crash there loses no place in the sweep.
 */
export async function* pullContacts(call: HubSpotCall, from: Cursor | null, refresh: readonly string[], now: () => number): AsyncIterable<Page> {
  const { cursor, warning } = readObjectCursor(from, true, now());
  const warnings = warning === undefined ? [] : [warning];
  const ids = [...new Set(refresh)];
  // Webhooks carry numeric record ids; anything else would fail the whole batch with a 400.
  const readable = ids.filter((id) => /^\d+$/.test(id));
  if (readable.length < ids.length) warnings.push(`contacts: ${ids.length - readable.length} refresh ids are not HubSpot record ids; skipped`);
  const here = JSON.stringify(cursor);
  for (let i = 0; i < readable.length; i += BATCH_SIZE) {
    const inputs = readable.slice(i, i + BATCH_SIZE).map((id) => ({ id }));
    // Ids HubSpot no longer has come back as per-item errors (207): deletions arrive by webhook.
    const response = await call("standard", "batch read contacts", (sdk) =>
      // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- the SDK documents plain objects for its codegen body classes
      sdk.crm.objects.batchApi.read("contacts", { inputs, properties: [...CONTACT_PROPERTIES], propertiesWithHistory: [] }),
    );
    yield pageOf(response.results.map(toContact), here, warnings);
  }
  for await (const page of sweepObjects(call, CONTACTS, cursor)) {
    yield pageOf(page.objects.map(toContact), JSON.stringify(page.cursor), warnings);
  }
}
