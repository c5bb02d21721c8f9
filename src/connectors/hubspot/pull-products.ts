/** The products pull: a backfill by list pages, then incremental search on hs_lastmodifieddate. */
import type { Cursor, Page } from "../../domain/index.js";
import type { HubSpotCall } from "./hubspot-call.js";
import { PRODUCT_PROPERTIES, toProduct } from "./map.js";
import { isForbidden, notAvailable, pageOf, readObjectCursor, sweepObjects, type SweepSpec } from "./sweep-objects.js";

export const PRODUCTS: SweepSpec = { objectType: "products", properties: PRODUCT_PROPERTIES, modifiedProperty: "hs_lastmodifieddate" };

/**
 * Streams the product library as domain-shaped products. A portal that withholds products (403:
 * scope not granted) yields one page with a warning and the cursor unchanged: recommendations then
 * come from order history alone.
 */
export async function* pullProducts(call: HubSpotCall, from: Cursor | null, now: () => number): AsyncIterable<Page> {
  const { cursor, warning } = readObjectCursor(from, true, now());
  const warnings = warning === undefined ? [] : [warning];
  let next = JSON.stringify(cursor);
  try {
    for await (const page of sweepObjects(call, PRODUCTS, cursor)) {
      next = JSON.stringify(page.cursor);
      yield pageOf(page.objects.map(toProduct), next, warnings);
    }
  } catch (error) {
    if (!isForbidden(error)) throw error;
    warnings.push(notAvailable("products", "crm.objects.products.read"));
    yield pageOf([], next, warnings);
  }
}
