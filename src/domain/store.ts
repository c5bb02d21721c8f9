import type { Contact, Esp } from "./contact.js";
import type { Cursor, PropertyChange } from "./connector.js";
import type { Credentials } from "./credentials.js";
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
  /** The ESP account (HubSpot portal id, Klaviyo account id); webhooks are routed by it. */
  readonly accountId?: string;
  /** "uninstalled" stops every sync; absent means active. */
  readonly status?: "active" | "uninstalled";
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

/** What a privacy erasure removed, for the clean state to forget too. */
export type Erasure = {
  /** Stored contacts that matched, by our id or an ESP id. */
  readonly erased: number;
  /** The ids given, the matched contacts' ids, and the ids merged into them. */
  readonly contactIds: readonly string[];
  /** The matched contacts' emails, trimmed and lowercased. */
  readonly emails: readonly string[];
  /** Order ids of the placed_order events removed. */
  readonly orderIds: readonly string[];
};

export type QuarantineEntry = Quarantined & { readonly runId: string; readonly at: string };

/** A page of the quarantine browser. */
export type QuarantinePage = {
  readonly limit: number;
  readonly offset: number;
  readonly stream?: Quarantined["stream"];
  readonly reason?: string;
};

/** Who changed an installation's settings, when (ISO), and their note ("rollback to version 3"). */
export type SettingsChange = { readonly by: string; readonly at: string; readonly note: string };

/** One saved version of an installation's settings. */
export type SettingsVersion = SettingsChange & { readonly version: number; readonly settings: Settings };

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
  /** The newest saved version's settings, or the documented defaults when none were saved. */
  getSettings(installationId: string): Promise<Settings>;
  /**
   * Saves the settings as a new version (1, 2, …; never overwriting one) with who changed them,
   * when and why. A rollback is a new version holding an older version's settings.
   */
  saveSettings(installationId: string, settings: Settings, change: SettingsChange): Promise<SettingsVersion>;
  /** Saved versions, newest first, at most `limit`. */
  listSettingsVersions(installationId: string, limit: number): Promise<SettingsVersion[]>;
  /** One saved version, or null when there is no such version. */
  getSettingsVersion(installationId: string, version: number): Promise<SettingsVersion | null>;

  getCursor(installationId: string, stream: Stream): Promise<Cursor | null>;
  getCleanState(installationId: string): Promise<unknown>;
  /** Replaces the clean state outside a page commit (a privacy erasure), atomically; cursors and records stay. */
  saveCleanState(installationId: string, cleanState: unknown): Promise<void>;
  /** The installation's ESP secrets, decrypted; null when none are stored. */
  getCredentials(installationId: string): Promise<Credentials | null>;
  /** Encrypts and stores the secrets (null forgets them). Throws when the store has no token key. */
  saveCredentials(installationId: string, credentials: Credentials | null): Promise<void>;

  /**
   * Privacy deletion: removes the contacts and everything derived from them (events, profiles,
   * written values, slot history, guard log, quarantined records naming them). Resolves to how
   * many were known and every key their data was held under, for ingest's clean state to forget.
   */
  eraseContacts(installationId: string, contactIds: readonly string[]): Promise<Erasure>;
  /** The ESP merged `mergedIds` into `primaryId`: their events count as the primary's from now on, their other data goes. */
  mergeContacts(installationId: string, primaryId: string, mergedIds: readonly string[]): Promise<void>;
  /** Contacts (ESP ids) to re-read in the next run, whatever the cursor says. */
  requestRefresh(installationId: string, espIds: readonly string[]): Promise<void>;
  /** Takes the pending refresh ids (the set is emptied). */
  takeRefresh(installationId: string): Promise<string[]>;

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
  /** Quarantined records, newest first, optionally only one stream's or those whose reason contains `reason` (case-insensitive); `total` counts the matches. */
  listQuarantine(installationId: string, page: QuarantinePage): Promise<{ readonly total: number; readonly items: readonly QuarantineEntry[] }>;
}
