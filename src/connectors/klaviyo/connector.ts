import type { Connector, Cursor, Feed, FeedProduct, KlaviyoSettings, Page } from "../../domain/index.js";
import { EspError } from "../shared/esp-error.js";
import { syncCatalog, type CatalogEntry } from "./catalog-sync.js";
import type { KlaviyoCall } from "./klaviyo-call.js";
import { CATALOG_UNREADABLE_WARNING, pullCatalog, readsWholeCatalog } from "./pull-catalog.js";
import { pullEvents } from "./pull-events.js";
import { pullProfiles } from "./pull-profiles.js";
import { requestDeletion } from "./privacy.js";
import { IMPORT_JOB_LIMITS, pushChanges } from "./push.js";
import { ensureWebFeed } from "./web-feed.js";

export type KlaviyoConnectorDeps = {
  /** The installation's call: its credentials, its per-operation limiters, our retry (see createKlaviyoCall). */
  readonly call: KlaviyoCall;
  readonly settings: KlaviyoSettings;
  /** Where Klaviyo fetches Tailor's shared feed (PUBLIC_URL + /feeds/<id>/shared.json); null leaves web feeds alone. */
  readonly webFeedUrl: string | null;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Setup and publish notes (catalog sync, web feed, missing scopes); never given secrets. */
  readonly log?: (message: string) => void;
};

/** The name templates read the shared feed by: `{{ feeds.tailor.fallbacks.all }}`. */
export const WEB_FEED_NAME = "tailor";

const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * A product last seen on an event longer ago than this is not added to the catalog: it may be
 * discontinued, and an item Tailor creates is published, so Tailor would go on recommending it.
 */
export const DISCOVERY_MAX_AGE_MS = 90 * DAY_MS;
/**
 * Most distinct products one run's events may add. Discovery keeps one entry per product id, so it
 * is bounded by the store's catalog; this guards against an integration that sends a new id per view.
 */
export const MAX_DISCOVERED_PRODUCTS = 100_000;

/** A product as this run's events describe it, and the newest event that did. */
type Sighting = { readonly product: FeedProduct; readonly at: number };

/**
 * One Klaviyo account as a Connector. Klaviyo takes any custom property on a profile, so there is
 * nothing to define. Nothing is read twice: the catalog pulled this run is remembered so publishing
 * compares against it, and the products the event pull sees are remembered so publishing can add
 * those the catalog lacks.
 */
export function createKlaviyoConnector(deps: KlaviyoConnectorDeps): Connector {
  const { call, settings, now } = deps;
  const log = deps.log ?? (() => undefined);
  // The $custom catalog as read by this run's complete product pull; null until one completes.
  let pulledCatalog: Map<string, CatalogEntry> | null = null;
  // Products named on this run's events, by id (see remember).
  let discovered = new Map<string, Sighting>();
  let discoveryFull = false;

  async function* pullProducts(from: Cursor | null): AsyncIterable<Page> {
    pulledCatalog = null;
    // Only a pull that reads the whole catalog, and could read it at all, can stand in for it; otherwise the sync reads it.
    const whole = readsWholeCatalog(from, now());
    const seen = new Map<string, CatalogEntry>();
    let readable = true;
    const onEntry = whole ? (id: string, entry: CatalogEntry) => { seen.set(id, entry); } : undefined;
    for await (const page of pullCatalog(call, from, now, onEntry)) {
      if (page.warnings?.includes(CATALOG_UNREADABLE_WARNING) === true) readable = false;
      yield page;
    }
    if (whole && readable) pulledCatalog = seen;
  }

  /**
   * Keeps what the events say of a product. The newest event wins field by field: an older one
   * fills only what the newer did not say (an order line without an image, say), because metrics
   * are read one after another, not in time order.
   */
  function remember(product: FeedProduct, at: number): void {
    const known = discovered.get(product.id);
    if (known === undefined) {
      if (discovered.size >= MAX_DISCOVERED_PRODUCTS) {
        if (!discoveryFull) log(`klaviyo: events named more than ${MAX_DISCOVERED_PRODUCTS} products; only the first are considered for the catalog this run`);
        discoveryFull = true;
        return;
      }
      discovered.set(product.id, { product, at });
      return;
    }
    discovered.set(product.id, at >= known.at ? { product: filled(product, known.product), at } : { product: filled(known.product, product), at: known.at });
  }

  /**
   * The discovered products the catalog sync may create: in neither the feed (the sync handles
   * those) nor the catalog pulled this run (the store's items are left to the store), seen
   * recently, and with the link Klaviyo requires of an item.
   */
  function toCreate(feed: Feed): FeedProduct[] {
    const cutoff = now() - DISCOVERY_MAX_AGE_MS;
    const out: FeedProduct[] = [];
    let stale = 0;
    let linkless = 0;
    for (const { product, at } of discovered.values()) {
      if (Object.hasOwn(feed.products, product.id) || pulledCatalog?.has(product.id) === true) continue;
      if (at < cutoff) stale++;
      else if (product.url === "") linkless++;
      else out.push(product);
    }
    if (out.length + stale + linkless > 0) {
      log(`klaviyo: ${out.length} products known only from events are offered to the catalog (created where it lacks them); ${linkless} without a product link and ${stale} not seen for ${DISCOVERY_MAX_AGE_MS / DAY_MS} days are left out`);
    }
    return out;
  }

  return {
    esp: "klaviyo",
    maxBatch: IMPORT_JOB_LIMITS.profiles,
    pullContacts: (from, refresh = []) => pullProfiles(call, from, refresh, now),
    pullProducts,
    pullEvents: (from) => {
      discovered = new Map();
      discoveryFull = false;
      return pullEvents(call, from, settings, now, settings.catalog === "sync" ? remember : undefined);
    },
    defineProperties: () => Promise.resolve(),
    pushChanges: (changes) => pushChanges(call, changes, { sleep: deps.sleep, now }),
    async publishFeed(feed) {
      if (settings.catalog === "sync") {
        // Products known only from events are created in the $custom catalog now; the next run's
        // catalog pull reads them as Tailor products, so they are recommended one run later.
        // Products that came from the catalog are never written back: the catalog is their source,
        // and an item the merchant deleted there must stay deleted (Tailor's store keeps products).
        const discoveredProducts = toCreate(feed);
        if (discoveredProducts.length > 0) {
          await warnOnMissingScope(log, "catalog sync", () =>
            syncCatalog(call, [], pulledCatalog, { sleep: deps.sleep, now, log }, discoveredProducts));
        }
      }
      if (settings.webFeed && deps.webFeedUrl !== null) {
        const url = deps.webFeedUrl;
        await warnOnMissingScope(log, "web feed", async () => {
          const outcome = await ensureWebFeed(call, { name: WEB_FEED_NAME, url });
          if (outcome !== "unchanged") log(`klaviyo: web feed "${WEB_FEED_NAME}" ${outcome} (${url})`);
        });
      }
    },
    requestErasure: (contact) => requestDeletion(call, contact),
  };
}

/** `newer`, with `older`'s value wherever newer says nothing (empty text, unknown price). */
function filled(newer: FeedProduct, older: FeedProduct): FeedProduct {
  const text = (a: string, b: string): string => (a === "" ? b : a);
  return {
    id: newer.id,
    title: newer.title,
    url: text(newer.url, older.url),
    imageUrl: text(newer.imageUrl, older.imageUrl),
    price: newer.price ?? older.price,
    category: text(newer.category, older.category),
    brand: text(newer.brand, older.brand),
  };
}

/**
 * Catalog sync and the web feed need optional scopes; without one the run still writes every
 * profile, and the missing scope is said out loud instead of failing the run.
 */
async function warnOnMissingScope(log: (message: string) => void, what: string, work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!(error instanceof EspError) || error.status !== 403) throw error;
    log(`klaviyo: ${what} skipped: ${error.message}`);
  }
}
