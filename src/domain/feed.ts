/** The display fields a template needs for one product. */
export type FeedProduct = {
  readonly id: string;
  readonly title: string;
  readonly url: string;
  readonly imageUrl: string;
  /** null when the catalog has no price for it. */
  readonly price: number | null;
  readonly category: string;
  readonly brand: string;
};

/**
 * Products to show when a contact has no personal slots yet (new in the ESP, held out, or a
 * template without the contact's properties): the products most often in the slots of everyone
 * (`all`) and of each named segment's members, best first. Ids only; `products` has their fields.
 */
export type FeedFallbacks = {
  readonly all: readonly string[];
  readonly bySegment: Readonly<Record<string, readonly string[]>>;
};

/**
 * The account-level feed an ESP fetches on its own schedule (a Klaviyo web feed): the fallbacks
 * and only the products they name, so it stays small whatever the catalog size.
 */
export type SharedFeed = {
  readonly generatedAt: string;
  readonly fallbacks: FeedFallbacks;
  readonly products: Readonly<Record<string, FeedProduct>>;
  /** Segments left out to stay under the ESP's size limit (none in any realistic store). */
  readonly omittedSegments: readonly string[];
};

/**
 * Largest shared feed Klaviyo takes: 3.3 MB per its help center (help.klaviyo.com/hc/en-us/articles/115005258768;
 * the API overview still says 4 MB and older copies 3.9 MB, so the smallest current figure rules).
 */
export const SHARED_FEED_MAX_BYTES = 3_300_000;

/** Dynamic-content feed: products keyed by id, read by templates and the panel, and the shared fallbacks. */
export type Feed = {
  readonly generatedAt: string;
  readonly products: Readonly<Record<string, FeedProduct>>;
  readonly fallbacks: FeedFallbacks;
};
