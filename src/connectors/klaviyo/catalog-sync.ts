import type { CouponCodeCreateJobResponseObjectResourceAttributes } from "klaviyo-api";
import type { FeedProduct } from "../../domain/index.js";
import { EspError } from "../shared/esp-error.js";
import { paginate } from "../shared/paginate.js";
import type { KlaviyoCall } from "./klaviyo-call.js";
import { catalogExternalIdOf, readCollection, type Resource } from "./map.js";
import { KLAVIYO_RATE_LIMITS } from "./rate-limits.js";

/** The display fields of one item of the $custom/$default catalog, keyed elsewhere by its external_id. */
export type CatalogEntry = {
  readonly title: string;
  readonly url: string;
  readonly imageUrl: string;
  readonly price: number | null;
  readonly published: boolean;
};

export type CatalogSyncReport = {
  readonly created: number;
  readonly updated: number;
  /** Products the catalog already showed as Tailor would. */
  readonly unchanged: number;
  /** Products Klaviyo refused, by product id; the next run tries them again. */
  readonly failed: readonly { readonly id: string; readonly reason: string }[];
};

export type CatalogSyncDeps = {
  readonly sleep: (ms: number) => Promise<void>;
  /** A clock that never goes backwards, in ms: bounds how long jobs are polled. */
  readonly now: () => number;
  readonly log?: (message: string) => void;
};

/** K-SPEC bulk_create_catalog_items / bulk_update_catalog_items: "Accepts up to 100 catalog items per request". */
export const CATALOG_JOB_LIMIT = 100;
/** K-SPEC get_catalog_items: page[size] maximum 100. */
const PAGE_SIZE = 100;
/** K-SPEC: at most 500 catalog jobs in progress per account; a tenth leaves room for the store's own jobs. */
const JOBS_IN_FLIGHT = 50;
const POLL_FIRST_MS = 1_000;
const POLL_MAX_MS = 30_000;
/** Catalog jobs of 100 items normally finish in seconds; past this the items are reported and retried next run. */
const POLL_DEADLINE_MS = 15 * 60_000;
/** Prices within half a cent are the same price: Klaviyo may store fewer decimals than the store sends (UNVERIFIED). */
const PRICE_TOLERANCE = 0.005;
/** K-SPEC: the only integration and catalog the catalog API writes; item ids are `{integration}:::{catalog}:::{external_id}`. */
const ITEM_ID_PREFIX = "$custom:::$default:::";

/** The catalog item id Klaviyo gives the product with this external id. */
export const catalogItemId = (externalId: string): string => `${ITEM_ID_PREFIX}${externalId}`;

/**
 * A catalog item's wire attributes (K-SPEC CatalogItemResponseObjectResource, snake_case as the
 * JSON:API document has them) as the entry syncCatalog compares with. Values are kept as Klaviyo
 * stores them (no trimming, no image fallbacks), so a title with a stray space is corrected once
 * rather than reported unchanged for ever.
 */
export function toCatalogEntry(attributes: Readonly<Record<string, unknown>>): CatalogEntry {
  const { title, url, image_full_url: image, price, published } = attributes;
  return {
    title: typeof title === "string" ? title : "",
    url: typeof url === "string" ? url : "",
    imageUrl: typeof image === "string" ? image : "",
    price: typeof price === "number" && Number.isFinite(price) ? price : null,
    // K-SPEC: `published` defaults to true; only an explicit false unpublishes.
    published: published !== false,
  };
}

/**
 * One catalog item off the wire as [external id, entry]; null when it names no id. The catalog
 * pull (pull-catalog.ts onEntry) and this module's own read both build entries with it, so a pull
 * and a sync never disagree about what "unchanged" means.
 */
export function catalogEntryOf(item: Resource): [string, CatalogEntry] | null {
  const id = catalogExternalIdOf(item);
  return id === undefined ? null : [id, toCatalogEntry(item.attributes)];
}

/**
 * Keeps the $custom catalog showing Tailor's products, so `{% catalog person.tailor_rec_1 %}`
 * resolves: creates the products it lacks and updates those whose title, url, image or price differ,
 * through bulk jobs of ≤ 100 items that are polled to the end. Categories, descriptions and the
 * published flag of existing items belong to the store and are never touched; products the catalog
 * has but `products` lacks are left alone. `existing` is the catalog as pulled this run (null: it is
 * read here). A 403 throws an auth EspError naming the missing scope; other refusals are per product.
 *
 * `createOnly` are products known only from events (the connector's discovery): created when the
 * catalog lacks them, never updated (an item the catalog already has is the store's), and ignored
 * when `products` lists the same id.
 */
export async function syncCatalog(
  call: KlaviyoCall,
  products: readonly FeedProduct[],
  existing: ReadonlyMap<string, CatalogEntry> | null,
  deps: CatalogSyncDeps,
  createOnly: readonly FeedProduct[] = [],
): Promise<CatalogSyncReport> {
  const scoped = withScopeHints(call);
  const wanted = new Map<string, FeedProduct>();
  for (const product of products) if (!wanted.has(product.id)) wanted.set(product.id, product);
  const discovered = new Map<string, FeedProduct>();
  for (const product of createOnly) if (!wanted.has(product.id) && !discovered.has(product.id)) discovered.set(product.id, product);
  if (wanted.size === 0 && discovered.size === 0) return { created: 0, updated: 0, unchanged: 0, failed: [] };
  const catalog = existing ?? (await readCatalog(scoped, new Set([...wanted.keys(), ...discovered.keys()])));

  const creates: CreateItem[] = [];
  const updates: UpdateItem[] = [];
  let unchanged = 0;
  for (const product of wanted.values()) {
    const entry = catalog.get(product.id);
    if (entry === undefined) {
      creates.push(toCreateItem(product));
      continue;
    }
    const attributes = changedAttributes(product, entry);
    if (attributes === null) unchanged++;
    else updates.push({ type: "catalog-item", id: catalogItemId(product.id), attributes });
  }
  for (const product of discovered.values()) if (!catalog.has(product.id)) creates.push(toCreateItem(product));

  const jobs: PlannedJob[] = [
    ...chunks(creates).map((items): PlannedJob => ({ kind: "create", ids: items.map((i) => i.attributes.externalId), items })),
    ...chunks(updates).map((items): PlannedJob => ({ kind: "update", ids: items.map((i) => externalIdOf(i.id)), items })),
  ];
  const failed: { id: string; reason: string }[] = [];
  const failedIn = { create: 0, update: 0 };
  for (const wave of chunks(jobs, JOBS_IN_FLIGHT)) {
    for (const [job, refusals] of await runWave(scoped, wave, deps)) {
      for (const [id, reason] of refusals) failed.push({ id, reason });
      failedIn[job.kind] += refusals.size;
    }
  }
  const report = { created: creates.length - failedIn.create, updated: updates.length - failedIn.update, unchanged, failed };
  if (jobs.length > 0) deps.log?.(`Klaviyo catalog: ${report.created} created, ${report.updated} updated, ${unchanged} unchanged, ${failed.length} refused`);
  return report;
}

/**
 * A KlaviyoCall whose 403s say which scope the operation needs (K-SPEC `x-klaviyo-scopes`):
 * Klaviyo's own message does not, and a marketer can only fix it by reconnecting with that scope.
 */
export function withScopeHints(call: KlaviyoCall): KlaviyoCall {
  return async (operation, what, fn) => {
    try {
      return await call(operation, what, fn);
    } catch (error) {
      if (!(error instanceof EspError) || error.kind !== "auth" || error.status !== 403) throw error;
      const scopes = KLAVIYO_RATE_LIMITS[operation].scopes.join(" and ");
      throw new EspError("auth", `${error.message} (${what} needs the ${scopes} scope: reconnect Klaviyo and grant it)`, {
        status: error.status,
        retryAfterMs: error.retryAfterMs,
        cause: error,
      });
    }
  };
}

/**
 * The entries of the wanted products, read page by page; the rest of the catalog is not kept.
 * Read from the wire document (`response.data`), as the pull reads it, so both build entries alike.
 */
async function readCatalog(call: KlaviyoCall, wanted: ReadonlySet<string>): Promise<Map<string, CatalogEntry>> {
  const found = new Map<string, CatalogEntry>();
  const fetchPage = async (cursor: string | null) => {
    const { response } = await call("get_catalog_items", "get catalog items", (apis) =>
      apis.catalogs.getCatalogItems({
        fieldsCatalogItem: ["external_id", "title", "url", "image_full_url", "price", "published"],
        pageSize: PAGE_SIZE,
        ...(cursor === null ? {} : { pageCursor: cursor }),
      }),
    );
    // readCollection keeps only links.next's page[cursor]: the SDK would unpack https:// URLs only, and loop against a local http mock.
    const page = readCollection(response.data);
    if (page === null) throw new EspError("server", "Klaviyo get catalog items: the response is not a readable JSON:API page");
    return { items: page.data, next: page.next };
  };
  for await (const { items } of paginate(fetchPage, null)) {
    for (const item of items) {
      const read = catalogEntryOf(item);
      if (read !== null && wanted.has(read[0])) found.set(read[0], read[1]);
    }
  }
  return found;
}

const externalIdOf = (itemId: string): string => (itemId.startsWith(ITEM_ID_PREFIX) ? itemId.slice(ITEM_ID_PREFIX.length) : itemId);

/**
 * K-SPEC CatalogItemCreateQueryResourceObject requires external_id, title, description and url;
 * Tailor has no description, so the title stands in. Empty images and unknown prices are left out
 * rather than sent empty. Category and brand go in custom_metadata, where the catalog pull
 * (map.ts toProduct) reads them back: an item Tailor created keeps them on the next run.
 */
function toCreateItem(product: FeedProduct): CreateItem {
  const metadata = {
    ...(product.category === "" ? {} : { category: product.category }),
    ...(product.brand === "" ? {} : { brand: product.brand }),
  };
  return {
    type: "catalog-item",
    attributes: {
      externalId: product.id,
      integrationType: "$custom",
      catalogType: "$default",
      title: product.title,
      description: product.title,
      url: product.url,
      ...(product.imageUrl === "" ? {} : { imageFullUrl: product.imageUrl }),
      ...(product.price === null ? {} : { price: product.price }),
      ...(Object.keys(metadata).length === 0 ? {} : { customMetadata: metadata }),
      published: true,
    },
  };
}

/**
 * The display fields that differ, or null when none do. Tailor not knowing an image or a price
 * (empty, null) never clears the one the catalog has.
 */
function changedAttributes(product: FeedProduct, entry: CatalogEntry): UpdateItem["attributes"] | null {
  const changed: { -readonly [K in keyof UpdateItem["attributes"]]: UpdateItem["attributes"][K] } = {};
  if (product.title !== entry.title) changed.title = product.title;
  if (product.url !== entry.url) changed.url = product.url;
  if (product.imageUrl !== "" && product.imageUrl !== entry.imageUrl) changed.imageFullUrl = product.imageUrl;
  if (product.price !== null && (entry.price === null || Math.abs(product.price - entry.price) >= PRICE_TOLERANCE)) changed.price = product.price;
  return Object.keys(changed).length === 0 ? null : changed;
}

/**
 * Request items (K-SPEC CatalogItemCreateQueryResourceObject / CatalogItemUpdateQueryResourceObject)
 * with the SDK's camelCase names: its serializer writes them out as the spec's snake_case.
 */
type CreateItem = {
  readonly type: "catalog-item";
  readonly attributes: {
    readonly externalId: string;
    readonly integrationType: "$custom";
    readonly catalogType: "$default";
    readonly title: string;
    readonly description: string;
    readonly url: string;
    readonly imageFullUrl?: string;
    readonly price?: number;
    readonly customMetadata?: { readonly category?: string; readonly brand?: string };
    readonly published: boolean;
  };
};
type UpdateItem = {
  readonly type: "catalog-item";
  readonly id: string;
  readonly attributes: { readonly title?: string; readonly url?: string; readonly imageFullUrl?: string; readonly price?: number };
};

type PlannedJob =
  | { readonly kind: "create"; readonly ids: readonly string[]; readonly items: readonly CreateItem[] }
  | { readonly kind: "update"; readonly ids: readonly string[]; readonly items: readonly UpdateItem[] };

/** What both job kinds answer (K-SPEC CatalogItemCreate/UpdateJobResponseObjectResource), as the SDK deserializes it. */
type JobState = {
  readonly id: string;
  // The SDK names the attributes of every bulk job after the coupon-code job's.
  readonly attributes: Pick<CouponCodeCreateJobResponseObjectResourceAttributes, "status" | "failedCount"> & { readonly errors?: readonly JobError[] | null | undefined };
  readonly relationships?: { readonly items?: { readonly data?: readonly { readonly id: string }[] | undefined } | undefined } | undefined;
};
/** K-SPEC APIJobErrorPayload; read as if any field may be missing, since it comes off the wire unchecked. */
type JobError = {
  readonly code?: string | undefined;
  readonly title?: string | undefined;
  readonly detail?: string | undefined;
  readonly source?: { readonly pointer?: string | null | undefined } | undefined;
};

const isSettled = (state: JobState): boolean => state.attributes.status === "complete" || state.attributes.status === "cancelled";

/** Product id -> why Klaviyo refused it, for each job of the wave. */
type Refusals = Map<string, string>;

/**
 * Submits the wave's jobs, then polls the unfinished ones with doubling pauses until all are
 * settled or the deadline passes. A job Klaviyo refuses whole (4xx) fails each of its products.
 */
async function runWave(call: KlaviyoCall, wave: readonly PlannedJob[], deps: CatalogSyncDeps): Promise<Map<PlannedJob, Refusals>> {
  const outcomes = new Map<PlannedJob, Refusals>();
  const pending = new Map<PlannedJob, JobState>();
  for (const job of wave) {
    try {
      pending.set(job, await submit(call, job));
    } catch (error) {
      if (!(error instanceof EspError) || error.kind !== "client") throw error;
      outcomes.set(job, new Map(job.ids.map((id) => [id, error.message])));
    }
  }
  const deadline = deps.now() + POLL_DEADLINE_MS;
  let pause = POLL_FIRST_MS;
  // Every job is read at least once after its POST: only a read with include=items lists the items done.
  const polled = new Set<PlannedJob>();
  const open = (job: PlannedJob, state: JobState): boolean => !polled.has(job) || !isSettled(state);
  while ([...pending].some(([job, state]) => open(job, state)) && deps.now() < deadline) {
    await deps.sleep(pause);
    pause = Math.min(pause * 2, POLL_MAX_MS);
    for (const [job, state] of pending) {
      if (!open(job, state)) continue;
      pending.set(job, await poll(call, job.kind, state.id));
      polled.add(job);
    }
  }
  for (const [job, state] of pending) {
    const refusals = refusalsOf(job, state);
    if (!isSettled(state)) deps.log?.(`Klaviyo catalog job ${state.id} still ${state.attributes.status} after ${POLL_DEADLINE_MS / 60_000} min`);
    outcomes.set(job, refusals);
  }
  return outcomes;
}

async function submit(call: KlaviyoCall, job: PlannedJob): Promise<JobState> {
  if (job.kind === "create") {
    const body = { data: { type: "catalog-item-bulk-create-job" as const, attributes: { items: { data: [...job.items] } } } };
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- the SDK documents plain objects for its codegen body classes
    const { body: answer } = await call("bulk_create_catalog_items", "bulk create catalog items", (apis) => apis.catalogs.bulkCreateCatalogItems(body));
    return answer.data;
  }
  const body = { data: { type: "catalog-item-bulk-update-job" as const, attributes: { items: { data: [...job.items] } } } };
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- the SDK documents plain objects for its codegen body classes
  const { body: answer } = await call("bulk_update_catalog_items", "bulk update catalog items", (apis) => apis.catalogs.bulkUpdateCatalogItems(body));
  return answer.data;
}

/**
 * One look at a job. `include=items` lists the items it created or updated (K-SPEC relationships
 * "IDs of the created/updated catalog items"), which tells refused items apart when an error does
 * not point at one; only their external_id is asked for, to keep the answer small.
 */
async function poll(call: KlaviyoCall, kind: PlannedJob["kind"], jobId: string): Promise<JobState> {
  const options = { include: ["items" as const], fieldsCatalogItem: ["external_id" as const] };
  if (kind === "create") {
    const { body } = await call("get_bulk_create_catalog_items_job", "get catalog create job", (apis) => apis.catalogs.getBulkCreateCatalogItemsJob(jobId, options));
    return body.data;
  }
  const { body } = await call("get_bulk_update_catalog_items_job", "get catalog update job", (apis) => apis.catalogs.getBulkUpdateCatalogItemsJob(jobId, options));
  return body.data;
}

/** `/data/attributes/items/data/3/...`: the request item an error is about (JSON:API source.pointer). */
const ITEM_POINTER = /^\/data\/attributes\/items\/data\/(\d+)(?:\/|$)/;

/**
 * Which products of a settled (or abandoned) job Klaviyo refused, and why. An error is pinned on
 * its item by source.pointer, else by the item id in its detail; errors naming no item are pinned
 * on the items Klaviyo does not list as done, so nothing refused is counted as written. Without
 * that list every unconfirmed item is reported: the next run reads the catalog and sends only
 * what is really missing.
 */
function refusalsOf(job: PlannedJob, state: JobState): Refusals {
  const refusals: Refusals = new Map();
  const { status, failedCount, errors } = state.attributes;
  if (status !== "complete") {
    const reason = status === "cancelled" ? `Klaviyo cancelled catalog job ${state.id}` : `catalog job ${state.id} still ${status} when Tailor stopped waiting`;
    for (const id of job.ids) refusals.set(id, reason);
    return refusals;
  }
  const allErrors = errors ?? [];
  if ((failedCount ?? 0) === 0 && allErrors.length === 0) return refusals;

  const unnamed: string[] = [];
  for (const error of allErrors) {
    const reason = reasonOf(error);
    const index = ITEM_POINTER.exec(error.source?.pointer ?? "")?.[1];
    const byPointer = index === undefined ? undefined : job.ids[Number(index)];
    const byDetail = job.ids.find((id) => (error.detail ?? "").includes(catalogItemId(id)));
    const id = byPointer ?? byDetail;
    if (id === undefined) unnamed.push(reason);
    else refusals.set(id, refusals.has(id) ? `${refusals.get(id) ?? ""}; ${reason}` : reason);
  }
  const listed = state.relationships?.items?.data;
  const counted = failedCount ?? 0;
  const reason = unnamed.length > 0 ? unnamed.join("; ") : `Klaviyo reported ${counted} of ${job.ids.length} items failed in catalog job ${state.id}`;
  if (listed !== undefined) {
    const done = new Set(listed.map((item) => externalIdOf(item.id)));
    for (const id of job.ids) if (!done.has(id) && !refusals.has(id)) refusals.set(id, reason);
  } else if (unnamed.length > 0 || counted > refusals.size) {
    for (const id of job.ids) if (!refusals.has(id)) refusals.set(id, reason);
  }
  return refusals;
}

const reasonOf = (error: JobError): string => {
  const text = [error.title, error.detail].filter((s): s is string => s !== undefined && s !== "");
  return text.length > 0 ? text.join(": ") : (error.code ?? "refused by Klaviyo");
};

function chunks<T>(items: readonly T[], size = CATALOG_JOB_LIMIT): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
