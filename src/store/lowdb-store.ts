import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { Low } from "lowdb";
import { JSONFile } from "lowdb/node";
import { SettingsSchema } from "../domain/index.js";
import type { Credentials, Installation, RunSummary, Store } from "../domain/index.js";
import { keepNewestRuns } from "./keep-newest-runs.js";
import { openInstallationFolder } from "./installation-folder.js";
import type { InstallationFolder } from "./installation-folder.js";
import { appendSettingsVersion, toSettingsVersion, type StoredSettingsVersion } from "./settings-versions.js";
import { createTokenCipher } from "./token-cipher.js";

/**
 * The lowdb document: only small things, because lowdb rewrites the whole file on every
 * write. Cursors live in each installation's commit.json instead, so they move in the
 * same atomic step as the page they belong to.
 */
type Doc = {
  installations: Installation[];
  /** Settings saved before versions existed: read as version 1 until the next save. */
  settings: { installationId: string; settings: unknown }[];
  /** Every installation's settings versions, newest first within each. Absent in documents written before versions. */
  settingsVersions?: (StoredSettingsVersion & { installationId: string })[];
  /** Newest first within each installation. */
  runs: RunSummary[];
  /** Each installation's ESP secrets as `v1:` AES-256-GCM ciphertext; absent in documents written before OAuth. */
  credentials?: { installationId: string; sealed: string }[];
};

export type LowdbStoreOptions = {
  /** TOKEN_KEY: 64 hex digits. Without it the store works, but cannot save or read ESP credentials. */
  readonly tokenKey?: string | undefined;
};

/**
 * The embedded default store: `<dir>/tailor.json` (lowdb) for installations, settings and
 * runs, and `<dir>/<installationId>/` for records, events, quarantine, written values,
 * slot history, the guard log, profiles and the feed (see installation-folder.ts for the
 * files and the commit protocol). Credentials are only ever on disk encrypted with `tokenKey`.
 */
export async function createLowdbStore(dir: string, options: LowdbStoreOptions = {}): Promise<Store> {
  // Checked before anything is opened: a bad key fails at startup, not at the first install.
  const cipher = options.tokenKey === undefined ? null : createTokenCipher(options.tokenKey);
  await mkdir(dir, { recursive: true });
  // Not JSONFilePreset: it silently swaps in an in-memory adapter when NODE_ENV is "test".
  const db = new Low<Doc>(new JSONFile<Doc>(join(dir, "tailor.json")), { installations: [], settings: [], runs: [] });
  await db.read();
  const folders = new Map<string, Promise<InstallationFolder>>();

  /** Opens (and recovers) an installation's folder once per process. */
  function folderOf(installationId: string): Promise<InstallationFolder> {
    let opening = folders.get(installationId);
    if (opening === undefined) {
      const path = join(dir, folderName(installationId));
      opening = mkdir(path, { recursive: true }).then(() => openInstallationFolder(path));
      // A failed open is not cached, so the next call tries again.
      opening.catch(() => folders.delete(installationId));
      folders.set(installationId, opening);
    }
    return opening;
  }

  /** Newest first; settings saved before versions existed are version 1. */
  function versionsOf(installationId: string): StoredSettingsVersion[] {
    const versions = (db.data.settingsVersions ?? []).filter((v) => v.installationId === installationId).map(({ installationId: _, ...v }) => v);
    if (versions.length > 0) return versions;
    const legacy = db.data.settings.find((s) => s.installationId === installationId);
    return legacy === undefined ? [] : [{ version: 1, at: "", by: "saved before settings were versioned", note: "", settings: legacy.settings }];
  }

  return {
    listInstallations: () => Promise.resolve([...db.data.installations]),
    getInstallation: (installationId) => Promise.resolve(db.data.installations.find((i) => i.id === installationId) ?? null),
    async saveInstallation(installation) {
      const others = db.data.installations.filter((i) => i.id !== installation.id);
      db.data.installations = [...others, installation];
      await db.write();
    },

    getSettings(installationId) {
      // Parsing fills defaults for settings added since these were saved.
      return Promise.resolve(SettingsSchema.parse(structuredClone(versionsOf(installationId)[0]?.settings ?? {})));
    },
    async saveSettings(installationId, settings, change) {
      const { saved, kept } = appendSettingsVersion(versionsOf(installationId), settings, change);
      db.data.settingsVersions = [...(db.data.settingsVersions ?? []).filter((v) => v.installationId !== installationId), ...kept.map((v) => ({ ...v, installationId }))];
      db.data.settings = db.data.settings.filter((s) => s.installationId !== installationId);
      await db.write();
      return toSettingsVersion(saved);
    },
    listSettingsVersions: (installationId, limit) => Promise.resolve(versionsOf(installationId).slice(0, Math.max(0, limit)).map(toSettingsVersion)),
    getSettingsVersion(installationId, version) {
      const found = versionsOf(installationId).find((v) => v.version === version);
      return Promise.resolve(found === undefined ? null : toSettingsVersion(found));
    },

    getCredentials(installationId) {
      const saved = (db.data.credentials ?? []).find((c) => c.installationId === installationId);
      // In a promise, so a missing or wrong key rejects instead of throwing at the call.
      return Promise.resolve().then(() => {
        if (saved === undefined) return null;
        if (cipher === null) throw new Error(`TOKEN_KEY is not set: the credentials of installation ${installationId} are encrypted at rest and cannot be read without it`);
        return JSON.parse(cipher.decrypt(saved.sealed)) as Credentials;
      });
    },
    async saveCredentials(installationId, credentials) {
      const others = (db.data.credentials ?? []).filter((c) => c.installationId !== installationId);
      if (credentials === null) {
        // Forgetting needs no key: an uninstall must always be able to drop the tokens.
        if (others.length === (db.data.credentials ?? []).length) return;
        db.data.credentials = others;
      } else {
        if (cipher === null) throw new Error("TOKEN_KEY is not set: ESP credentials are encrypted at rest, so saving them needs a 32-byte hex key (64 hex digits)");
        db.data.credentials = [...others, { installationId, sealed: cipher.encrypt(JSON.stringify(credentials)) }];
      }
      await db.write();
    },

    eraseContacts: async (installationId, contactIds) => (await folderOf(installationId)).eraseContacts(contactIds),
    mergeContacts: async (installationId, primaryId, mergedIds) => { await (await folderOf(installationId)).mergeContacts(primaryId, mergedIds); },
    requestRefresh: async (installationId, espIds) => { await (await folderOf(installationId)).requestRefresh(espIds); },
    takeRefresh: async (installationId) => (await folderOf(installationId)).takeRefresh(),

    getCursor: async (installationId, stream) => (await folderOf(installationId)).getCursor(stream),
    getCleanState: async (installationId) => (await folderOf(installationId)).getCleanState(),
    saveCleanState: async (installationId, cleanState) => { await (await folderOf(installationId)).saveCleanState(cleanState); },
    commitPage: async (installationId, runId, commit) => { await (await folderOf(installationId)).commitPage(runId, commit); },

    async *readContacts(installationId) {
      yield* (await folderOf(installationId)).readContacts();
    },
    async *readProducts(installationId) {
      yield* (await folderOf(installationId)).readProducts();
    },
    async *readEvents(installationId) {
      yield* (await folderOf(installationId)).readEvents();
    },

    lastWritten: async (installationId) => (await folderOf(installationId)).lastWritten(),
    checkpointPush: async (installationId, runId, written, refused) => { await (await folderOf(installationId)).checkpointPush(runId, written, refused); },

    appendSlotHistory: async (installationId, entries) => { await (await folderOf(installationId)).appendSlotHistory(entries); },
    readSlotHistory: async (installationId) => (await folderOf(installationId)).readSlotHistory(),
    appendGuardLog: async (installationId, entries) => { await (await folderOf(installationId)).appendGuardLog(entries); },
    readGuardLog: async (installationId) => (await folderOf(installationId)).readGuardLog(),

    saveProfiles: async (installationId, profiles) => { await (await folderOf(installationId)).saveProfiles(profiles); },
    getProfile: async (installationId, contactId) => (await folderOf(installationId)).getProfile(contactId),
    async *readProfiles(installationId) {
      yield* (await folderOf(installationId)).readProfiles();
    },
    saveFeed: async (installationId, feed) => { await (await folderOf(installationId)).saveFeed(feed); },
    getFeed: async (installationId) => (await folderOf(installationId)).getFeed(),

    async saveRun(run) {
      db.data.runs = keepNewestRuns(db.data.runs, run);
      await db.write();
      // A finished run is a quiet moment: fold the written-values journal into its snapshot.
      if (run.status !== "running") await (await folderOf(run.installationId)).compactWritten();
    },
    listRuns: (installationId, limit) =>
      Promise.resolve(db.data.runs.filter((r) => r.installationId === installationId).slice(0, Math.max(0, limit))),
    listQuarantine: async (installationId, page) => (await folderOf(installationId)).listQuarantine(page),
  };
}

/** A folder name that cannot escape `dir`, whatever the ESP's account id looks like. */
function folderName(installationId: string): string {
  const name = encodeURIComponent(installationId);
  if (name === "" || name === "." || name === "..") throw new Error(`unusable installation id ${JSON.stringify(installationId)}`);
  return name;
}
