import { setImmediate } from "node:timers/promises";
import { GUARD_LOG_KEPT, SettingsSchema, SLOT_EXPOSURES_KEPT } from "../domain/index.js";
import type {
  Contact,
  Credentials,
  Cursor,
  Event,
  Feed,
  GuardLogEntry,
  Installation,
  Product,
  Profile,
  PropertyName,
  PropertyValue,
  QuarantineEntry,
  RunSummary,
  SlotExposure,
  Stream,
  Store,
} from "../domain/index.js";
import { namesContact, quarantineMatcher } from "./installation-folder.js";
import { keepLatest } from "./keep-latest.js";
import { keepNewestRuns } from "./keep-newest-runs.js";
import { NDJSON_CHUNK } from "./read-ndjson.js";
import { appendSettingsVersion, toSettingsVersion, type StoredSettingsVersion } from "./settings-versions.js";

/** Everything one installation keeps, in memory. */
type Space = {
  /** Newest first. */
  settings: StoredSettingsVersion[];
  cursors: Map<Stream, Cursor>;
  cleanState: unknown;
  contacts: Map<string, Contact>;
  products: Map<string, Product>;
  events: Event[];
  /** Oldest first, like the lowdb log; listed newest first. */
  quarantine: QuarantineEntry[];
  written: Map<string, Readonly<Record<PropertyName, PropertyValue>>>;
  profiles: Map<string, Profile>;
  feed: Feed | null;
  slotHistory: Map<string, readonly SlotExposure[]>;
  guardLog: Map<string, readonly GuardLogEntry[]>;
  /** Merged contact id -> the primary it was merged into; readEvents reads their events as the primary's. */
  aliases: Map<string, string>;
  /** ESP ids to re-read next run, in request order. */
  refresh: Set<string>;
};

/** A Store in Maps, for tests and dry runs: same behaviour as the lowdb store, nothing on disk. */
export function createMemoryStore(): Store {
  const installations = new Map<string, Installation>();
  const spaces = new Map<string, Space>();
  // In memory only, so nothing to encrypt; cloned both ways, as if it went through the lowdb document.
  const credentials = new Map<string, Credentials>();
  let runs: RunSummary[] = [];

  function spaceOf(installationId: string): Space {
    let space = spaces.get(installationId);
    if (space === undefined) {
      space = {
        settings: [],
        cursors: new Map(),
        cleanState: null,
        contacts: new Map(),
        products: new Map(),
        events: [],
        quarantine: [],
        written: new Map(),
        profiles: new Map(),
        feed: null,
        slotHistory: new Map(),
        guardLog: new Map(),
        aliases: new Map(),
        refresh: new Set(),
      };
      spaces.set(installationId, space);
    }
    return space;
  }

  return {
    listInstallations: () => Promise.resolve([...installations.values()]),
    getInstallation: (installationId) => Promise.resolve(installations.get(installationId) ?? null),
    saveInstallation(installation) {
      // Delete first so a replaced installation moves to the end, as in the lowdb store.
      installations.delete(installation.id);
      installations.set(installation.id, installation);
      return Promise.resolve();
    },

    getSettings: (installationId) => Promise.resolve(SettingsSchema.parse(structuredClone(spaceOf(installationId).settings[0]?.settings ?? {}))),
    saveSettings(installationId, settings, change) {
      const space = spaceOf(installationId);
      const { saved, kept } = appendSettingsVersion(space.settings, settings, change);
      space.settings = kept;
      return Promise.resolve(toSettingsVersion(saved));
    },
    listSettingsVersions: (installationId, limit) => Promise.resolve(spaceOf(installationId).settings.slice(0, Math.max(0, limit)).map(toSettingsVersion)),
    getSettingsVersion(installationId, version) {
      const found = spaceOf(installationId).settings.find((v) => v.version === version);
      return Promise.resolve(found === undefined ? null : toSettingsVersion(found));
    },

    getCredentials: (installationId) => Promise.resolve(structuredClone(credentials.get(installationId) ?? null)),
    saveCredentials(installationId, saved) {
      if (saved === null) credentials.delete(installationId);
      else credentials.set(installationId, structuredClone(saved));
      return Promise.resolve();
    },

    eraseContacts(installationId, contactIds) {
      const space = spaceOf(installationId);
      const given = new Set(contactIds);
      const matched = [...space.contacts.values()].filter((c) => given.has(c.id) || Object.values(c.espIds).some((id) => given.has(id)));
      const ids = new Set([...given, ...matched.map((c) => c.id)]);
      // Contacts merged into an erased one are the same person.
      for (const [from, to] of space.aliases) if (ids.has(to)) ids.add(from);
      const emails = new Set(matched.flatMap((c) => (c.email === undefined ? [] : [c.email.trim().toLowerCase()])));
      const erasedEvent = (e: Event): boolean => ids.has(e.contactId) || ids.has(space.aliases.get(e.contactId) ?? e.contactId);
      const orderIds = space.events.flatMap((e) => (e.type === "placed_order" && erasedEvent(e) ? [e.orderId] : []));
      space.events = space.events.filter((e) => !erasedEvent(e));
      space.quarantine = space.quarantine.filter((q) => !namesContact(q.raw, ids, emails));
      forget(space, ids);
      for (const [from, to] of space.aliases) if (ids.has(from) || ids.has(to)) space.aliases.delete(from);
      return Promise.resolve({ erased: matched.length, contactIds: [...ids], emails: [...emails], orderIds });
    },
    mergeContacts(installationId, primaryId, mergedIds) {
      const space = spaceOf(installationId);
      // The primary may itself have been merged away by an event delivered first.
      const target = space.aliases.get(primaryId) ?? primaryId;
      const merged = new Set(mergedIds.filter((id) => id !== target));
      for (const [from, to] of space.aliases) if (merged.has(to)) space.aliases.set(from, target);
      for (const id of merged) space.aliases.set(id, target);
      space.aliases.delete(target);
      forget(space, merged);
      return Promise.resolve();
    },
    requestRefresh(installationId, espIds) {
      const { refresh } = spaceOf(installationId);
      for (const id of espIds) refresh.add(id);
      return Promise.resolve();
    },
    takeRefresh(installationId) {
      const space = spaceOf(installationId);
      const ids = [...space.refresh];
      space.refresh = new Set();
      return Promise.resolve(ids);
    },

    getCursor: (installationId, stream) => Promise.resolve(spaceOf(installationId).cursors.get(stream) ?? null),
    // Cloned both ways, as if it went through JSON: ingest may keep mutating its own copy.
    getCleanState: (installationId) => Promise.resolve(structuredClone(spaceOf(installationId).cleanState)),
    saveCleanState(installationId, cleanState) {
      spaceOf(installationId).cleanState = structuredClone(cleanState ?? null);
      return Promise.resolve();
    },
    commitPage(installationId, runId, commit) {
      // No await between the first and the last change, so the page lands whole.
      const space = spaceOf(installationId);
      const at = new Date().toISOString();
      for (const contact of commit.contacts) space.contacts.set(contact.id, contact);
      for (const product of commit.products) space.products.set(product.id, product);
      for (const event of commit.events) space.events.push(event);
      for (const q of commit.quarantine) space.quarantine.push({ ...q, runId, at });
      space.cleanState = structuredClone(commit.cleanState ?? null);
      space.cursors.set(commit.stream, commit.cursor);
      return Promise.resolve();
    },

    readContacts: (installationId) => chunked([...spaceOf(installationId).contacts.values()]),
    readProducts: (installationId) => chunked([...spaceOf(installationId).products.values()]),
    readEvents(installationId) {
      const { events, aliases } = spaceOf(installationId);
      if (aliases.size === 0) return chunked(events.slice());
      // Copies: the stored event keeps the id it arrived with, as in the lowdb log.
      return chunked(events.map((e) => {
        const primary = aliases.get(e.contactId);
        return primary === undefined ? e : { ...e, contactId: primary };
      }));
    },

    lastWritten: (installationId) => Promise.resolve(new Map(spaceOf(installationId).written)),
    checkpointPush(installationId, runId, written, refused) {
      const space = spaceOf(installationId);
      for (const { contactId, set } of written) space.written.set(contactId, { ...space.written.get(contactId), ...set });
      const at = new Date().toISOString();
      for (const q of refused) space.quarantine.push({ ...q, runId, at });
      return Promise.resolve();
    },

    appendSlotHistory(installationId, entries) {
      const history = spaceOf(installationId).slotHistory;
      for (const { contactId, exposure } of entries) {
        // Copied, as if it went through JSON: the caller may reuse its arrays.
        history.set(contactId, keepLatest(history.get(contactId) ?? [], { at: exposure.at, productIds: [...exposure.productIds] }, SLOT_EXPOSURES_KEPT));
      }
      return Promise.resolve();
    },
    // Lists are replaced, never changed in place, so a shallow copy of the map is a stable snapshot.
    readSlotHistory: (installationId) => Promise.resolve(new Map(spaceOf(installationId).slotHistory)),

    appendGuardLog(installationId, entries) {
      const log = spaceOf(installationId).guardLog;
      for (const { contactId, entry } of entries) log.set(contactId, keepLatest(log.get(contactId) ?? [], copyGuardEntry(entry), GUARD_LOG_KEPT));
      return Promise.resolve();
    },
    // Lists are replaced, never changed in place, as for slot history.
    readGuardLog: (installationId) => Promise.resolve(new Map(spaceOf(installationId).guardLog)),

    saveProfiles(installationId, profiles) {
      spaceOf(installationId).profiles = new Map(profiles.map((p) => [p.contactId, p]));
      return Promise.resolve();
    },
    getProfile: (installationId, contactId) => Promise.resolve(spaceOf(installationId).profiles.get(contactId) ?? null),
    readProfiles: (installationId) => chunked([...spaceOf(installationId).profiles.values()]),
    saveFeed(installationId, feed) {
      spaceOf(installationId).feed = feed;
      return Promise.resolve();
    },
    getFeed: (installationId) => Promise.resolve(spaceOf(installationId).feed),

    saveRun(run) {
      runs = keepNewestRuns(runs, run);
      return Promise.resolve();
    },
    listRuns: (installationId, limit) => Promise.resolve(runs.filter((r) => r.installationId === installationId).slice(0, Math.max(0, limit))),
    listQuarantine(installationId, page) {
      const matches = quarantineMatcher(page);
      const all = spaceOf(installationId).quarantine;
      const newestFirst = (matches === null ? all.slice() : all.filter(matches)).reverse();
      const offset = Math.max(0, page.offset);
      return Promise.resolve({ total: newestFirst.length, items: newestFirst.slice(offset, offset + Math.max(0, page.limit)) });
    },
  };
}

/** Drops the contacts' records and what was derived from them; events and quarantine are the caller's choice. */
function forget(space: Space, ids: ReadonlySet<string>): void {
  for (const id of ids) {
    space.contacts.delete(id);
    space.written.delete(id);
    space.profiles.delete(id);
    space.slotHistory.delete(id);
    space.guardLog.delete(id);
    space.refresh.delete(id);
  }
}

/** Only the entry's own fields, as if it went through JSON: the caller may reuse or extend its object. */
function copyGuardEntry({ at, key, on, reason, until, ref }: GuardLogEntry): GuardLogEntry {
  return ref === undefined ? { at, key, on, reason, until } : { at, key, on, reason, until, ref };
}

/** Chunks of an in-memory list, the same size the lowdb store reads its logs in. */
async function* chunked<T>(items: readonly T[]): AsyncIterable<readonly T[]> {
  for (let i = 0; i < items.length; i += NDJSON_CHUNK) {
    // Let timers and I/O run between chunks, as they would between reads from disk.
    await setImmediate();
    yield items.slice(i, i + NDJSON_CHUNK);
  }
}
