import type { Contact, Esp } from "./contact.js";
import type { Cursor, PropertyChange } from "./connector.js";
import type { Event } from "./event.js";
import type { Feed } from "./feed.js";
import type { GuardLogEntry } from "./guard.js";
import type { Product } from "./product.js";
import type { Profile } from "./profile.js";
import type { PropertyName, PropertyValue } from "./properties.js";
import type { Quarantined, RunSummary, Stream } from "./run.js";
import type { Settings } from "./settings.js";

/** One ESP account that installed Tailor. */
export type Installation = {
  readonly id: string;
  readonly esp: Esp;
  readonly name: string;
  readonly createdAt: string;
  /** Property names already created in the ESP, so setup only adds new ones. */
  readonly propertiesDefined: readonly string[];
};

/**
 * Everything one pulled page leaves behind, committed together: a crash either keeps
 * all of it (and the cursor moves on) or none of it (and the page is pulled again).
 */
export type PageCommit = {
  readonly stream: Stream;
  readonly contacts: readonly Contact[];
  readonly products: readonly Product[];
  readonly events: readonly Event[];
  readonly quarantine: readonly Quarantined[];
  /** ingest's memory between pages and runs (identities, order keys, taxonomy); opaque JSON here. */
  readonly cleanState: unknown;
  readonly cursor: Cursor;
};

export type QuarantineEntry = Quarantined & { readonly runId: string; readonly at: string };

/** The products one push put in a contact's slots, and when: what rotation demotes in later runs. */
export type SlotExposure = { readonly at: number; readonly productIds: readonly string[] };

/** Slot exposures kept per contact: rotation looks back at most this many sends (settings.recommendations.rotationSends is capped by it). */
export const SLOT_EXPOSURES_KEPT = 10;

/** The values last written to the ESP, per contact: the diff's "before". */
export type WrittenValues = ReadonlyMap<string, Readonly<Record<PropertyName, PropertyValue>>>;

/** Persistence for every installation; lowdb is the embedded default, a server database can implement it later. */
export interface Store {
  listInstallations(): Promise<Installation[]>;
  getInstallation(installationId: string): Promise<Installation | null>;
  saveInstallation(installation: Installation): Promise<void>;
  /** The saved settings, or the documented defaults when none were saved. */
  getSettings(installationId: string): Promise<Settings>;
  saveSettings(installationId: string, settings: Settings): Promise<void>;

  getCursor(installationId: string, stream: Stream): Promise<Cursor | null>;
  getCleanState(installationId: string): Promise<unknown>;
  /** Upserts contacts and products by id, appends events, keeps the quarantine, moves the cursor: all or nothing. */
  commitPage(installationId: string, runId: string, commit: PageCommit): Promise<void>;

  /** Stored records in chunks, so a big store is never one array. Contacts and products are the latest version of each id. */
  readContacts(installationId: string): AsyncIterable<readonly Contact[]>;
  readProducts(installationId: string): AsyncIterable<readonly Product[]>;
  readEvents(installationId: string): AsyncIterable<readonly Event[]>;

  lastWritten(installationId: string): Promise<WrittenValues>;
  /** Durably records what one pushed batch wrote (and what the ESP refused) before the next batch goes. */
  checkpointPush(installationId: string, runId: string, written: readonly PropertyChange[], refused: readonly Quarantined[]): Promise<void>;

  /** Records the slots each contact was just sent; keeps the newest SLOT_EXPOSURES_KEPT per contact (by `at`, the later append winning a tie). */
  appendSlotHistory(installationId: string, entries: readonly { readonly contactId: string; readonly exposure: SlotExposure }[]): Promise<void>;
  /** Every contact's kept exposures, oldest first. */
  readSlotHistory(installationId: string): Promise<ReadonlyMap<string, readonly SlotExposure[]>>;

  /** Appends guard changes (suppressions and flows turning on or off); keeps the newest GUARD_LOG_KEPT per contact. */
  appendGuardLog(installationId: string, entries: readonly { readonly contactId: string; readonly entry: GuardLogEntry }[]): Promise<void>;
  /** Every contact's kept guard log, oldest first. */
  readGuardLog(installationId: string): Promise<ReadonlyMap<string, readonly GuardLogEntry[]>>;

  saveProfiles(installationId: string, profiles: readonly Profile[]): Promise<void>;
  getProfile(installationId: string, contactId: string): Promise<Profile | null>;
  /** Every profile of the last saveProfiles, in chunks; empty before the first save. */
  readProfiles(installationId: string): AsyncIterable<readonly Profile[]>;
  saveFeed(installationId: string, feed: Feed): Promise<void>;
  getFeed(installationId: string): Promise<Feed | null>;

  /** Inserts or replaces the run with this runId. */
  saveRun(run: RunSummary): Promise<void>;
  /** Newest first. */
  listRuns(installationId: string, limit: number): Promise<RunSummary[]>;
  listQuarantine(installationId: string, page: { readonly limit: number; readonly offset: number }): Promise<{ readonly total: number; readonly items: readonly QuarantineEntry[] }>;
}
