import type { Esp } from "./contact.js";
import type { Feed } from "./feed.js";
import type { PropertyDefinition, PropertyName, PropertyValue } from "./properties.js";

/** Opaque resume point: only the connector that produced it can read it. */
export type Cursor = string;

/**
 * One page of a pull: records already mapped to domain shape but not yet validated
 * (ingest checks them), and where to resume. The pull is complete when the iterable ends;
 * `next` is always set, even on the last page, so the next run picks up only what is new
 * (a paging token mid-backfill, a high-water mark after it).
 */
export type Page = {
  readonly records: readonly unknown[];
  readonly next: Cursor;
  /** Signals the ESP could not give (tier, scopes): the run report lists them, the run goes on. */
  readonly warnings?: readonly string[];
};

/** Values to set on one contact in the ESP; only changed properties are present. */
export type PropertyChange = {
  readonly contactId: string;
  /** The contact's id in this ESP. */
  readonly espId: string;
  readonly email?: string;
  readonly set: Readonly<Record<PropertyName, PropertyValue>>;
};

export type PushFailure = {
  readonly contactId: string;
  readonly reason: string;
  readonly retryable: boolean;
  /** The ESP no longer has this contact (deleted or erased there): the run erases it from the store too. */
  readonly gone?: boolean;
};

export type PushReport = {
  /** Contacts the ESP accepted. */
  readonly written: number;
  /** Records the ESP refused; the rest of the batch was written. */
  readonly failed: readonly PushFailure[];
};

/**
 * What every ESP adapter implements; the only shape sync/ knows.
 * Pulls are incremental: pass the cursor stored after the last page of the previous
 * run (or null for a backfill); every page's `next` is a safe place to resume from.
 */
export interface Connector {
  readonly esp: Esp;
  /** Most changes one pushChanges call takes (HubSpot 100 per batch call, Klaviyo 10,000 per import job). */
  readonly maxBatch: number;
  /** `refresh`: ESP ids to re-read first whatever the cursor says (webhook marks); connectors without ids ignore it. */
  pullContacts(from: Cursor | null, refresh?: readonly string[]): AsyncIterable<Page>;
  pullEvents(from: Cursor | null): AsyncIterable<Page>;
  pullProducts(from: Cursor | null): AsyncIterable<Page>;
  /** Creates missing property definitions; idempotent, never alters existing ones. */
  defineProperties(definitions: readonly PropertyDefinition[]): Promise<void>;
  /** At most `maxBatch` (and `Settings.sync.batchSize`) changes per call; per-record failures come back as data. */
  pushChanges(changes: readonly PropertyChange[]): Promise<PushReport>;
  publishFeed(feed: Feed): Promise<void>;
  /**
   * Asks the ESP to delete the person everywhere it keeps them (a privacy request made from
   * Tailor's side); absent where the ESP has no such API or Tailor lacks the scope.
   */
  requestErasure?(contact: { readonly espId: string; readonly email?: string }): Promise<void>;
}
