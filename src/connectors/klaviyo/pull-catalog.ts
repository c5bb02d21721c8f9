/**
 * The catalog pull: every item of the account's custom catalog with its variants (for stock)
 * and a category.
 *
 * Catalog items have no incremental filter (K-SPEC get_catalog_items filters on ids,
 * category.id, title and published only, and sorts on created), so every run reads the whole
 * catalog again: 100 items per request at 350 requests/s. The cursor only lets an interrupted
 * read resume where it stopped; once a read ends, the next run starts from the first item.
 * Only the `$custom:::$default` catalog is readable through the API (K-SPEC): a store whose
 * products come from a platform integration (Shopify, ...) reads an empty catalog here, and is told so.
 *
 * Items carry no category relationship in this revision (`include` offers variants only), so
 * categories come first: each category's item ids (`filter=equals(category.id,"…")`) give every
 * item the name of its most specific category, the one with the fewest items ("Men's Shirts"
 * rather than "All products"). That map holds item ids only; it is rebuilt on every run.
 */
import type { Cursor, Page } from "../../domain/index.js";
import { EspError } from "../shared/esp-error.js";
import { paginate, type CursorPage } from "../shared/paginate.js";
import { catalogEntryOf, type CatalogEntry } from "./catalog-sync.js";
import type { KlaviyoCall } from "./klaviyo-call.js";
import { equalsTo, isFilterSafe, pageOf, readCollection, relatedIds, toProduct, type CollectionPage, type Resource } from "./map.js";

/** Where an interrupted catalog read resumes. */
export type CatalogCursor = {
  /** Klaviyo's `page[cursor]` mid-read; null when the next run starts a new read. */
  readonly page: string | null;
  /** When the interrupted read began (epoch ms); null between reads. */
  readonly startedAt: number | null;
};

/** Sparse fieldsets: what toProduct reads. */
export const ITEM_FIELDS = ["external_id", "title", "url", "image_full_url", "image_thumbnail_url", "images", "price", "published", "custom_metadata", "created"] as const;
export const VARIANT_FIELDS = ["inventory_quantity", "inventory_policy", "published"] as const;
// K-SPEC get_catalog_items and get_catalog_categories: page[size] max 100.
export const CATALOG_PAGE_SIZE = 100;
/**
 * An interrupted read older than this starts over: Klaviyo does not document how long a page
 * cursor stays valid, and finishing a day-old read would mix two days' catalogs.
 */
export const MAX_RESUME_MS = 6 * 60 * 60 * 1000;

const FRESH: CatalogCursor = { page: null, startedAt: null };

export const EMPTY_CATALOG_WARNING =
  "klaviyo catalog: the custom catalog has no items (catalogs synced by a platform integration such as Shopify are not readable through Klaviyo's API); recommendations come from order history only";

/**
 * Whether a pull from `from` reads the whole catalog from its first item (a new read), rather
 * than resuming an interrupted one: only then have its pages seen every item.
 */
export function readsWholeCatalog(from: Cursor | null, nowMs: number): boolean {
  const { cursor } = readCatalogCursor(from);
  return cursor.page === null || cursor.startedAt === null || nowMs - cursor.startedAt > MAX_RESUME_MS;
}

/** The page a token without `catalogs:read` gets: the catalog was not read at all. */
export const CATALOG_UNREADABLE_WARNING = "klaviyo catalog: not available (scope catalogs:read missing)";

/**
 * Told of every item read, by external id, with the entry catalog-sync compares with (built from
 * the same wire attributes by catalog-sync's own catalogEntryOf), so the connector can hand the
 * sync this run's catalog instead of the sync reading it again.
 */
export type CatalogEntrySink = (externalId: string, entry: CatalogEntry) => void;

/**
 * Streams the catalog as domain-shaped products. A token without `catalogs:read` (403) yields
 * one page with CATALOG_UNREADABLE_WARNING and the cursor unchanged: the run goes on without a catalog.
 */
export async function* pullCatalog(call: KlaviyoCall, from: Cursor | null, now: () => number, onEntry?: CatalogEntrySink): AsyncIterable<Page> {
  const nowMs = now();
  const read = readCatalogCursor(from);
  const warnings = read.warning === undefined ? [] : [read.warning];
  let cursor = read.cursor;
  if (cursor.page !== null && readsWholeCatalog(from, nowMs)) {
    warnings.push("klaviyo catalog: the interrupted read is too old to resume; reading the catalog again from the start");
    cursor = FRESH;
  }
  const fromStart = cursor.page === null;
  const startedAt = fromStart ? nowMs : (cursor.startedAt ?? nowMs);
  let items = 0;
  // Where the run stands: a 403 met mid-read must not move the stored cursor back.
  let last = from ?? JSON.stringify(FRESH);
  try {
    const categoryOf = await categoriesOfItems(call, warnings);
    for await (const page of paginate((c) => itemsPage(call, c), cursor.page)) {
      const { included } = page.page;
      const variants = new Map(included.filter((r) => r.type === "catalog-variant").map((r) => [r.id, r]));
      const records = page.items.map((item) => {
        const own = relatedIds(item, "variants").flatMap((id) => variants.get(id) ?? []);
        if (onEntry !== undefined) {
          const entry = catalogEntryOf(item);
          if (entry !== null) onEntry(...entry);
        }
        return toProduct(item, own, typeof item.id === "string" ? categoryOf.get(item.id) : undefined);
      });
      items += records.length;
      if (page.cursor === null && fromStart && items === 0) warnings.push(EMPTY_CATALOG_WARNING);
      const next: CatalogCursor = page.cursor === null ? FRESH : { page: page.cursor, startedAt };
      last = JSON.stringify(next);
      yield pageOf(records, last, warnings);
    }
  } catch (error) {
    if (!(error instanceof EspError && error.status === 403)) throw error;
    warnings.push(CATALOG_UNREADABLE_WARNING);
    yield pageOf([], last, warnings);
  }
}

type ItemsPage = CursorPage<Resource> & { readonly included: readonly Resource[] };

async function itemsPage(call: KlaviyoCall, pageCursor: string | null): Promise<ItemsPage> {
  const what = "read catalog items";
  const result = await call("get_catalog_items", what, (apis) =>
    apis.catalogs.getCatalogItems({
      fieldsCatalogItem: [...ITEM_FIELDS],
      fieldsCatalogVariant: [...VARIANT_FIELDS],
      include: ["variants"],
      // Oldest first: items created during the read land after the current page instead of shifting it.
      sort: "created",
      pageSize: CATALOG_PAGE_SIZE,
      ...(pageCursor === null ? {} : { pageCursor }),
    }),
  );
  const page = collection(result.response.data, what);
  return { items: page.data, next: page.next, included: page.included };
}

/**
 * Item resource id -> the name of its most specific category (fewest items; ties by name).
 * Categories without a name, or with an id no filter can carry, are skipped (the latter said).
 */
async function categoriesOfItems(call: KlaviyoCall, warnings: string[]): Promise<Map<string, string>> {
  const categories: { id: string; name: string }[] = [];
  const categoryPage = async (pageCursor: string | null): Promise<CursorPage<Resource>> => {
    const result = await call("get_catalog_categories", "read catalog categories", (apis) =>
      apis.catalogs.getCatalogCategories({ fieldsCatalogCategory: ["name"], pageSize: CATALOG_PAGE_SIZE, ...(pageCursor === null ? {} : { pageCursor }) }),
    );
    const page = collection(result.response.data, "read catalog categories");
    return { items: page.data, next: page.next };
  };
  let unreadable = 0;
  for await (const page of paginate(categoryPage, null)) {
    for (const category of page.items) {
      const name = typeof category.attributes.name === "string" ? category.attributes.name.trim() : "";
      if (typeof category.id !== "string" || name === "") continue;
      if (isFilterSafe(category.id)) categories.push({ id: category.id, name });
      else unreadable += 1;
    }
  }
  if (unreadable > 0) warnings.push(`klaviyo catalog: ${unreadable} categories have ids no filter can carry; their items get no category from them`);

  const chosen = new Map<string, { name: string; size: number }>();
  for (const category of categories) {
    const members: string[] = [];
    const memberPage = async (pageCursor: string | null): Promise<CursorPage<Resource>> => {
      const result = await call("get_catalog_items", "read catalog category members", (apis) =>
        apis.catalogs.getCatalogItems({
          filter: equalsTo("category.id", category.id),
          fieldsCatalogItem: ["external_id"],
          pageSize: CATALOG_PAGE_SIZE,
          ...(pageCursor === null ? {} : { pageCursor }),
        }),
      );
      const page = collection(result.response.data, "read catalog category members");
      return { items: page.data, next: page.next };
    };
    for await (const page of paginate(memberPage, null)) {
      for (const item of page.items) if (typeof item.id === "string") members.push(item.id);
    }
    for (const itemId of members) {
      const current = chosen.get(itemId);
      const better = current === undefined || members.length < current.size || (members.length === current.size && category.name < current.name);
      if (better) chosen.set(itemId, { name: category.name, size: members.length });
    }
  }
  return new Map([...chosen].map(([itemId, { name }]) => [itemId, name]));
}

function collection(body: unknown, what: string): CollectionPage {
  const page = readCollection(body);
  if (page === null) throw new EspError("server", `Klaviyo ${what}: the response is not a readable JSON:API page`);
  return page;
}

/** Reads a cursor this module wrote; none starts fresh, an unreadable one starts fresh and says so. */
export function readCatalogCursor(text: string | null): { cursor: CatalogCursor; warning?: string } {
  if (text === null) return { cursor: FRESH };
  try {
    const raw: unknown = JSON.parse(text);
    if (typeof raw === "object" && raw !== null) {
      const { page, startedAt } = raw as Record<string, unknown>;
      const validStart = startedAt === null || (typeof startedAt === "number" && Number.isFinite(startedAt));
      if ((page === null || typeof page === "string") && validStart) return { cursor: { page, startedAt } };
    }
  } catch {
    // Reported below like any other unreadable cursor.
  }
  return { cursor: FRESH, warning: "stored Klaviyo catalog cursor could not be read; reading the catalog from the start" };
}
