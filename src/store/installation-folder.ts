import { createReadStream } from "node:fs";
import { open, readdir, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import type {
  Contact,
  Cursor,
  Erasure,
  Event,
  Feed,
  GuardKey,
  GuardLogEntry,
  PageCommit,
  Product,
  Profile,
  PropertyChange,
  PropertyName,
  PropertyValue,
  Quarantined,
  QuarantineEntry,
  QuarantinePage,
  SlotExposure,
  Stream,
  WrittenValues,
} from "../domain/index.js";
import { GUARD_LOG_KEPT, SLOT_EXPOSURES_KEPT } from "../domain/index.js";
import { appendDurably, sizeOf, truncateTo } from "./append-durably.js";
import { keepLatest } from "./keep-latest.js";
import { NDJSON_CHUNK, readNdjson, toNdjson } from "./read-ndjson.js";
import { reviveContact, reviveEvent, reviveProduct, toEventLine } from "./revive-dates.js";
import { createFrozenStringifier } from "./stringify-frozen.js";
import { isCode, syncFolder, writeFileAtomic, writeFileDurably } from "./write-file-atomic.js";

/*
 * One installation's big data, as files in its own folder:
 *
 *   commit.json           the commit record: cursors, the committed byte length of every
 *                         append-only log, the live contacts/products generation, the
 *                         cleanState file. Replaced atomically; it is the commit point.
 *   contacts.<gen>.ndjson append-only; the last line for an id wins. Rewritten as a new
 *   products.<gen>.ndjson generation (live records only) when it grows past 2x live records.
 *   events[.<gen>].ndjson append-only; `at` stored as epoch ms. Rewritten as a new generation
 *                         only by a privacy erasure (the first generation has no number).
 *   quarantine[.<gen>].ndjson  append-only QuarantineEntry lines, oldest first; rewritten like
 *                         the events by an erasure.
 *   clean-state.<seq>.json  ingest's memory as of commit <seq>.
 *   written.json          last-written values snapshot; written.ndjson is the journal since.
 *   slot-history.ndjson   append-only [contactId, [[at, productIds], ...]] lines, a contact's
 *                         lines oldest first; rewritten as one line per contact when it
 *                         holds more than 2 lines per contact.
 *   guard-log.ndjson      append-only [contactId, [[at, key, on, reason, until, ref?], ...]]
 *                         lines, a contact's lines oldest first; rewritten as one line per
 *                         contact when it holds more than twice the entries still kept.
 *   profiles.ndjson       replaced whole by saveProfiles.
 *   feed.json             replaced whole by saveFeed.
 *   aliases.json          [mergedId, primaryId] pairs from ESP merges: readEvents counts a merged
 *                         contact's events as the primary's. Replaced whole.
 *   refresh.ndjson        append-only arrays of ESP ids to re-read next run; emptied when taken.
 *
 * commitPage appends and fsyncs the logs, writes a new clean-state file, then replaces
 * commit.json. Opening the folder truncates every log to its committed length and deletes
 * files no commit refers to, so a crash anywhere leaves the whole page or none of it.
 */

type CommitRecord = {
  readonly seq: number;
  readonly cursors: Partial<Record<Stream, Cursor>>;
  readonly contactsFile: string;
  readonly productsFile: string;
  readonly cleanStateFile: string | null;
  /** The live events / quarantine generation; absent in folders written before erasure existed. */
  readonly eventsFile?: string;
  readonly quarantineFile?: string;
  /** Committed byte length per append-only log file; anything past it was never committed. */
  readonly bytes: Readonly<Record<string, number>>;
  readonly quarantined: number;
};

const COMMIT = "commit.json";
const EVENTS = "events.ndjson";
const QUARANTINE = "quarantine.ndjson";
const WRITTEN_SNAPSHOT = "written.json";
const WRITTEN_JOURNAL = "written.ndjson";
const SLOT_HISTORY = "slot-history.ndjson";
const GUARD_LOG = "guard-log.ndjson";
const PROFILES = "profiles.ndjson";
const FEED = "feed.json";
const ALIASES = "aliases.json";
const REFRESH = "refresh.ndjson";
/** Generation files a commit may refer to; anything else of this shape is left over from a crash. */
const GENERATED = /^(contacts\.\d+\.ndjson|products\.\d+\.ndjson|clean-state\.\d+\.json|(events|quarantine)(\.\d+)?\.ndjson)$/;
/** Keys of a quarantined record that hold a contact's id, lowercased: whatever shape the source gave it. */
const ID_KEYS = new Set(["id", "contactid", "contact_id", "customerid", "customer_id", "objectid", "espid", "hs_object_id", "vid"]);
// Below this many lines a log is too small for compaction to be worth a rewrite.
const MIN_LINES_TO_COMPACT = 1_000;
// Profiles are written in slices so 100k profiles never become one giant string.
const PROFILES_PER_WRITE = 1_000;

const EMPTY_COMMIT: CommitRecord = {
  seq: 0,
  cursors: {},
  contactsFile: "contacts.0.ndjson",
  productsFile: "products.0.ndjson",
  cleanStateFile: null,
  bytes: {},
  quarantined: 0,
};

type Keyed = Contact | Product;
type RecordLog<T extends Keyed> = { byId: Map<string, T>; lines: number };
/** Arrays, not objects: a million contacts' history parses noticeably faster without the keys. */
type SlotHistoryLine = readonly [contactId: string, exposures: readonly (readonly [at: number, productIds: readonly string[]])[]];
/** One guard change as an array, like slot history; `ref` only when the entry has one. */
type GuardTuple = readonly [at: number, key: GuardKey, on: boolean, reason: string, until: number | null, ref?: string];
type GuardLogLine = readonly [contactId: string, entries: readonly GuardTuple[]];
type JournalLine = { readonly runId: string; readonly at: string; readonly changes: readonly { contactId: string; set: Readonly<Record<PropertyName, PropertyValue>> }[] };

/** An installation's folder, opened (and recovered) once; every write goes through one queue. */
export type InstallationFolder = Awaited<ReturnType<typeof openInstallationFolder>>;

/** Opens an installation's folder, rolling back whatever a crash left uncommitted. */
export async function openInstallationFolder(folder: string) {
  const at = (name: string) => join(folder, name);
  let commit = await recover(folder);
  const eventsFile = (): string => commit.eventsFile ?? EVENTS;
  const quarantineFile = (): string => commit.quarantineFile ?? QUARANTINE;
  // Replaced, never changed in place, so a read that took it keeps a stable snapshot.
  let aliases: ReadonlyMap<string, string> = new Map(JSON.parse((await readOptional(at(ALIASES))) ?? "[]") as [string, string][]);
  // Events generations being streamed right now: an erasure deletes the old one once its last reader is done.
  const eventReaders = new Map<string, number>();
  const unlinkWhenRead = new Set<string>();
  const stringifyState = createFrozenStringifier();
  let cleanStateJson = commit.cleanStateFile === null ? "null" : await readFile(at(commit.cleanStateFile), "utf8");
  let contacts: RecordLog<Contact> | null = null;
  let products: RecordLog<Product> | null = null;
  let quarantineStarts: number[] | null = null;
  let written: Map<string, Readonly<Record<PropertyName, PropertyValue>>> | null = null;
  let journalLines = -1;
  let profiles: Map<string, Profile> | null = null;
  let slotHistory: Map<string, readonly SlotExposure[]> | null = null;
  let slotHistoryLines = 0;
  let guardLog: Map<string, readonly GuardLogEntry[]> | null = null;
  // Entries in the file and entries kept: their gap is what a compaction would drop.
  let guardLogOnDisk = 0;
  let guardLogKept = 0;
  let queue: Promise<unknown> = Promise.resolve();
  // Set when a failed write could not be rolled back: the files no longer match `commit`.
  let broken: unknown = null;

  /**
   * Runs writes (and the lazy loads they race with) one at a time, in call order, so
   * offsets, indexes and the commit record never interleave.
   */
  function serially<T>(work: () => Promise<T>): Promise<T> {
    const result = queue.then(() => {
      if (broken !== null) throw new Error(`${folder} needs reopening after a failed write`, { cause: broken });
      return work();
    });
    queue = result.catch(() => undefined);
    return result;
  }

  /** Undoes a failed write's partial appends, or marks the folder unusable until reopened. */
  async function rollBack(error: unknown): Promise<never> {
    try {
      for (const file of [commit.contactsFile, commit.productsFile, eventsFile(), quarantineFile()]) await truncateTo(at(file), committed(file));
    } catch {
      broken = error;
    }
    throw error;
  }

  /** Work after the commit point is housekeeping: if it fails, the next open or commit redoes it. */
  async function tidy(work: () => Promise<void>): Promise<void> {
    await work().catch(() => undefined);
  }

  const committed = (file: string): number => commit.bytes[file] ?? 0;

  async function loadLog<T extends Keyed>(file: string, revive: (raw: unknown) => T): Promise<RecordLog<T>> {
    const log: RecordLog<T> = { byId: new Map(), lines: 0 };
    for await (const chunk of readNdjson(at(file), committed(file), revive)) {
      for (const record of chunk) log.byId.set(record.id, record);
      log.lines += chunk.length;
    }
    return log;
  }
  const contactLog = async () => (contacts ??= await loadLog(commit.contactsFile, reviveContact));
  const productLog = async () => (products ??= await loadLog(commit.productsFile, reviveProduct));

  async function replaceCommit(next: CommitRecord): Promise<void> {
    await writeFileAtomic(at(COMMIT), JSON.stringify(next));
    commit = next;
  }

  async function appendQuarantine(items: readonly Quarantined[], runId: string, bytes: Record<string, number>): Promise<number[]> {
    const now = new Date().toISOString();
    const lines = items.map((q) => quarantineLine({ ...q, runId, at: now }));
    const starts: number[] = [];
    const file = quarantineFile();
    let offset = bytes[file] ?? 0;
    for (const line of lines) {
      starts.push(offset);
      offset += Buffer.byteLength(line);
    }
    bytes[file] = (bytes[file] ?? 0) + (await appendDurably(at(file), lines.join("")));
    return starts;
  }

  async function compact<T extends Keyed>(kind: "contacts" | "products", log: RecordLog<T>): Promise<void> {
    if (log.lines < MIN_LINES_TO_COMPACT || log.lines <= 2 * log.byId.size) return;
    const seq = commit.seq + 1;
    const file = `${kind}.${seq}.ndjson`;
    const text = toNdjson([...log.byId.values()]);
    await writeFileDurably(at(file), text);
    const old = kind === "contacts" ? commit.contactsFile : commit.productsFile;
    const bytes = { ...Object.fromEntries(Object.entries(commit.bytes).filter(([name]) => name !== old)), [file]: Buffer.byteLength(text) };
    await replaceCommit({ ...commit, seq, bytes, ...(kind === "contacts" ? { contactsFile: file } : { productsFile: file }) });
    log.lines = log.byId.size;
    await unlink(at(old)).catch(ignoreMissing);
  }

  async function loadWritten(): Promise<Map<string, Readonly<Record<PropertyName, PropertyValue>>>> {
    if (written !== null) return written;
    const values = new Map<string, Readonly<Record<PropertyName, PropertyValue>>>();
    const snapshot = await readOptional(at(WRITTEN_SNAPSHOT));
    if (snapshot !== null) for (const [id, set] of JSON.parse(snapshot) as [string, Record<PropertyName, PropertyValue>][]) values.set(id, set);
    journalLines = 0;
    for await (const chunk of readNdjson(at(WRITTEN_JOURNAL), await sizeOf(at(WRITTEN_JOURNAL)), (raw) => raw as JournalLine)) {
      for (const line of chunk) applyWritten(values, line.changes);
      journalLines += chunk.length;
    }
    written = values;
    return values;
  }

  async function loadProfiles(): Promise<Map<string, Profile>> {
    if (profiles !== null) return profiles;
    const loaded = new Map<string, Profile>();
    for await (const chunk of readNdjson(at(PROFILES), await sizeOf(at(PROFILES)), (raw) => raw as Profile)) {
      for (const p of chunk) loaded.set(p.contactId, p);
    }
    profiles = loaded;
    return loaded;
  }

  async function loadSlotHistory(): Promise<Map<string, readonly SlotExposure[]>> {
    if (slotHistory !== null) return slotHistory;
    const loaded = new Map<string, readonly SlotExposure[]>();
    // Each parsed line has its own copy of every product id string; a catalog's worth of shared
    // strings instead keeps a million contacts' history to a fraction of the memory.
    const interned = new Map<string, string>();
    const intern = (id: string): string => interned.get(id) ?? (interned.set(id, id), id);
    slotHistoryLines = 0;
    for await (const chunk of readNdjson(at(SLOT_HISTORY), await sizeOf(at(SLOT_HISTORY)), (raw) => raw as SlotHistoryLine)) {
      for (const [contactId, exposures] of chunk) {
        const list = exposures.map(([shownAt, productIds]): SlotExposure => ({ at: shownAt, productIds: productIds.map(intern) }));
        // A compacted line is already the contact's sorted, bounded list: taken as it is.
        if (!loaded.has(contactId) && list.length <= SLOT_EXPOSURES_KEPT && list.every((e, i) => i === 0 || (list[i - 1]?.at ?? 0) <= e.at)) loaded.set(contactId, list);
        else for (const exposure of list) addExposure(loaded, contactId, exposure);
      }
      slotHistoryLines += chunk.length;
    }
    slotHistory = loaded;
    return loaded;
  }

  /** Rewrites the history as one line per contact, holding only the kept exposures. */
  async function compactSlotHistory(history: Map<string, readonly SlotExposure[]>): Promise<void> {
    if (slotHistoryLines < MIN_LINES_TO_COMPACT || slotHistoryLines <= 2 * history.size) return;
    await writeFileAtomic(at(SLOT_HISTORY), slotHistoryText(history));
    slotHistoryLines = history.size;
  }

  async function loadGuardLog(): Promise<Map<string, readonly GuardLogEntry[]>> {
    if (guardLog !== null) return guardLog;
    const loaded = new Map<string, readonly GuardLogEntry[]>();
    // Keys and most reasons repeat across a million contacts: one shared string each, as for product ids.
    const interned = new Map<string, string>();
    const intern = <S extends string>(text: S): S => (interned.get(text) as S | undefined) ?? (interned.set(text, text), text);
    guardLogOnDisk = 0;
    guardLogKept = 0;
    for await (const chunk of readNdjson(at(GUARD_LOG), await sizeOf(at(GUARD_LOG)), (raw) => raw as GuardLogLine)) {
      for (const [contactId, tuples] of chunk) {
        const list = tuples.map((t) => fromGuardTuple(t, intern));
        // A compacted line is already the contact's sorted, bounded list: taken as it is.
        if (!loaded.has(contactId) && list.length <= GUARD_LOG_KEPT && isOldestFirst(list)) loaded.set(contactId, list);
        else for (const entry of list) loaded.set(contactId, keepLatest(loaded.get(contactId) ?? [], entry, GUARD_LOG_KEPT));
        guardLogOnDisk += list.length;
      }
    }
    for (const list of loaded.values()) guardLogKept += list.length;
    guardLog = loaded;
    return loaded;
  }

  /**
   * Rewrites the guard log as one line per contact once most of its entries are ones no longer
   * kept. Counted in entries, not lines as for slot history: a contact keeps up to 50 entries, so
   * a line count would rewrite every kept entry each time as many changes as contacts arrived.
   */
  async function compactGuardLog(log: ReadonlyMap<string, readonly GuardLogEntry[]>): Promise<void> {
    if (guardLogOnDisk < MIN_LINES_TO_COMPACT || guardLogOnDisk <= 2 * guardLogKept) return;
    await writeFileAtomic(at(GUARD_LOG), linesPerContact(log, (contactId, list): GuardLogLine => [contactId, list.map(toGuardTuple)]));
    guardLogOnDisk = guardLogKept;
  }

  /** Removes these contacts' profiles, written values, slot history and guard log, each file replaced atomically. */
  async function forgetDerived(ids: ReadonlySet<string>): Promise<void> {
    const named = (map: ReadonlyMap<string, unknown>): boolean => [...ids].some((id) => map.has(id));
    const byId = await loadProfiles();
    if (named(byId)) {
      const kept = [...byId.values()].filter((p) => !ids.has(p.contactId));
      await writeFileAtomic(at(PROFILES), slices(kept));
      profiles = new Map(kept.map((p) => [p.contactId, p]));
    }
    const values = await loadWritten();
    if (named(values)) {
      // The journal is folded in first: a crash before it was emptied must never replay an erased value.
      if (journalLines > 0) {
        await writeFileAtomic(at(WRITTEN_SNAPSHOT), JSON.stringify([...values]));
        await writeFileAtomic(at(WRITTEN_JOURNAL), "");
        journalLines = 0;
      }
      const next = new Map([...values].filter(([id]) => !ids.has(id)));
      await writeFileAtomic(at(WRITTEN_SNAPSHOT), JSON.stringify([...next]));
      written = next;
    }
    const history = await loadSlotHistory();
    if (named(history)) {
      const next = new Map([...history].filter(([id]) => !ids.has(id)));
      await writeFileAtomic(at(SLOT_HISTORY), slotHistoryText(next));
      slotHistory = next;
      slotHistoryLines = next.size;
    }
    const log = await loadGuardLog();
    if (named(log)) {
      const next = new Map([...log].filter(([id]) => !ids.has(id)));
      await writeFileAtomic(at(GUARD_LOG), linesPerContact(next, (contactId, list): GuardLogLine => [contactId, list.map(toGuardTuple)]));
      guardLog = next;
      guardLogKept = 0;
      for (const list of next.values()) guardLogKept += list.length;
      guardLogOnDisk = guardLogKept;
    }
  }

  async function readRefresh(): Promise<string[]> {
    const ids = new Set<string>();
    for await (const chunk of readNdjson(at(REFRESH), await sizeOf(at(REFRESH)), (raw) => raw as string[])) {
      for (const line of chunk) for (const id of line) ids.add(id);
    }
    return [...ids];
  }

  async function dropFromRefresh(ids: ReadonlySet<string>): Promise<void> {
    const pending = await readRefresh();
    const kept = pending.filter((id) => !ids.has(id));
    if (kept.length < pending.length) await writeFileAtomic(at(REFRESH), kept.length === 0 ? "" : JSON.stringify(kept) + "\n");
  }

  async function saveAliases(next: ReadonlyMap<string, string>): Promise<void> {
    if (next.size === 0 && aliases.size === 0) return;
    await writeFileAtomic(at(ALIASES), JSON.stringify([...next]));
    aliases = next;
  }

  /**
   * Copies a committed log into a new generation without the lines `drop` names, streaming and
   * keeping every other line byte for byte; null (and no new file) when nothing would be dropped.
   */
  async function filterLog(file: string, next: string, drop: (line: string) => boolean): Promise<{ bytes: number; kept: number } | null> {
    const end = committed(file);
    if (end === 0) return null;
    let dropped = 0;
    let kept = 0;
    let bytes = 0;
    const handle = await open(at(next), "w");
    try {
      let out = "";
      const flush = async (): Promise<void> => {
        const data = Buffer.from(out, "utf8");
        out = "";
        if (data.length > 0) bytes += (await handle.write(data)).bytesWritten;
      };
      let rest = "";
      const take = (line: string): void => {
        if (line.length === 0) return;
        if (drop(line)) dropped++;
        else {
          out += line + "\n";
          kept++;
        }
      };
      for await (const text of createReadStream(at(file), { start: 0, end: end - 1, highWaterMark: 1 << 20, encoding: "utf8" }) as AsyncIterable<string>) {
        const lines = (rest + text).split("\n");
        rest = lines.pop() ?? "";
        for (const line of lines) take(line);
        // About 1 MB per write, so a two-million-event log never becomes one string.
        if (out.length > 1 << 20) await flush();
      }
      take(rest);
      await flush();
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (dropped > 0) return { bytes, kept };
    await unlink(at(next));
    return null;
  }

  /**
   * One new commit without these contacts' records and, when `logs`, without their events (merged
   * ids' included) and the quarantined records naming them. The new generations are written
   * durably first and commit.json switches to all of them at once, so a crash keeps either the
   * old files or the new ones. Resolves to the order ids of the placed_order events it dropped.
   */
  async function rewriteLogs(ids: ReadonlySet<string>, emails: ReadonlySet<string>, logs: boolean): Promise<string[]> {
    const seq = commit.seq + 1;
    const added: Record<string, number> = {};
    const next: { -readonly [K in keyof CommitRecord]?: CommitRecord[K] } = {};
    const created: string[] = [];
    const replaced: string[] = [];
    const swap = (old: string, file: string, size: number): void => {
      added[file] = size;
      created.push(file);
      replaced.push(old);
    };
    const log = await contactLog();
    const remaining = [...log.byId.values()].filter((c) => !ids.has(c.id));
    const orderIds: string[] = [];
    try {
      if (logs) {
        const aliasOf = aliases;
        const events = await filterLog(eventsFile(), `events.${seq}.ndjson`, (line) => {
          const id = eventContactId(line);
          const drop = id !== null && (ids.has(id) || ids.has(aliasOf.get(id) ?? id));
          // Only the dropped lines are parsed, and only orders: ingest's order keys must forget them too.
          if (drop && line.includes('"placed_order"')) {
            const event = JSON.parse(line) as Event;
            if (event.type === "placed_order") orderIds.push(event.orderId);
          }
          return drop;
        });
        if (events !== null) {
          swap(eventsFile(), `events.${seq}.ndjson`, events.bytes);
          next.eventsFile = `events.${seq}.ndjson`;
        }
        const quarantine = await filterLog(quarantineFile(), `quarantine.${seq}.ndjson`, (line) => namesContact((JSON.parse(line) as { raw?: unknown }).raw, ids, emails));
        if (quarantine !== null) {
          swap(quarantineFile(), `quarantine.${seq}.ndjson`, quarantine.bytes);
          next.quarantineFile = `quarantine.${seq}.ndjson`;
          next.quarantined = quarantine.kept;
        }
      }
      if (remaining.length < log.byId.size) {
        const file = `contacts.${seq}.ndjson`;
        const text = toNdjson(remaining);
        await writeFileDurably(at(file), text);
        swap(commit.contactsFile, file, Buffer.byteLength(text));
        next.contactsFile = file;
      }
      if (created.length === 0) return orderIds;
      const bytes = { ...Object.fromEntries(Object.entries(commit.bytes).filter(([name]) => !replaced.includes(name))), ...added };
      await replaceCommit({ ...commit, ...next, seq, bytes });
    } catch (error) {
      for (const file of created) await unlink(at(file)).catch(() => undefined);
      throw error;
    }
    log.byId = new Map(remaining.map((c) => [c.id, c]));
    log.lines = log.byId.size;
    if (next.quarantineFile !== undefined) quarantineStarts = null;
    for (const old of replaced) {
      // A run streaming the old events keeps its file until it is done; the next open deletes it otherwise.
      if ((eventReaders.get(old) ?? 0) > 0) unlinkWhenRead.add(old);
      else await tidy(() => unlink(at(old)).catch(ignoreMissing));
    }
    return orderIds;
  }

  return {
    getCursor: (stream: Stream): Cursor | null => commit.cursors[stream] ?? null,
    getCleanState: (): unknown => JSON.parse(cleanStateJson),

    /** A new clean-state file and a commit pointing at it, like a page's; the old file is deleted. */
    saveCleanState: (cleanState: unknown): Promise<void> =>
      serially(async () => {
        const json = stringifyState(cleanState ?? null);
        if (json === cleanStateJson) return;
        const seq = commit.seq + 1;
        const file = `clean-state.${seq}.json`;
        const previous = commit.cleanStateFile;
        try {
          await writeFileDurably(at(file), json);
          await replaceCommit({ ...commit, seq, cleanStateFile: file });
        } catch (error) {
          // Not committed: the next open would delete the file, but it may hold what is being forgotten.
          await unlink(at(file)).catch(() => undefined);
          throw error;
        }
        cleanStateJson = json;
        // The old state holds what an erasure forgets; if this unlink fails, the next open deletes it.
        if (previous !== null) await tidy(() => unlink(at(previous)).catch(ignoreMissing));
      }),

    commitPage: (runId: string, page: PageCommit): Promise<void> =>
      serially(async () => {
        const seq = commit.seq + 1;
        const bytes: Record<string, number> = { ...commit.bytes };
        const contactLines = page.contacts.length > 0 ? toNdjson(page.contacts) : "";
        const productLines = page.products.length > 0 ? toNdjson(page.products) : "";
        const json = stringifyState(page.cleanState ?? null);
        // Read before replaceCommit moves `commit` on: the file this page's state replaces.
        const replacedCleanState = commit.cleanStateFile;
        let cleanStateFile = commit.cleanStateFile;
        let starts: number[] = [];
        try {
          // Every log first, each fsynced; commit.json last, so it only ever points at durable bytes.
          if (contactLines !== "") bytes[commit.contactsFile] = committed(commit.contactsFile) + (await appendDurably(at(commit.contactsFile), contactLines));
          if (productLines !== "") bytes[commit.productsFile] = committed(commit.productsFile) + (await appendDurably(at(commit.productsFile), productLines));
          if (page.events.length > 0) bytes[eventsFile()] = committed(eventsFile()) + (await appendDurably(at(eventsFile()), page.events.map(toEventLine).join("")));
          if (page.quarantine.length > 0) starts = await appendQuarantine(page.quarantine, runId, bytes);
          if (json !== cleanStateJson) {
            cleanStateFile = `clean-state.${seq}.json`;
            await writeFileDurably(at(cleanStateFile), json);
          }
          await replaceCommit({
            ...commit,
            seq,
            cursors: { ...commit.cursors, [page.stream]: page.cursor },
            cleanStateFile,
            bytes,
            quarantined: commit.quarantined + page.quarantine.length,
          });
        } catch (error) {
          await rollBack(error);
        }
        const previousCleanState = cleanStateJson === json ? null : replacedCleanState;
        cleanStateJson = json;
        quarantineStarts?.push(...starts);
        // The page is committed; in-memory indexes follow, and old files can go (an old clean state
        // may hold people an erasure since forgot: it must not wait for the next open).
        if (contacts !== null) addRecords(contacts, page.contacts);
        if (products !== null) addRecords(products, page.products);
        if (previousCleanState !== null && previousCleanState !== commit.cleanStateFile) await tidy(() => unlink(at(previousCleanState)));
        if (page.contacts.length > 0) await tidy(async () => { await compact("contacts", await contactLog()); });
        if (page.products.length > 0) await tidy(async () => { await compact("products", await productLog()); });
      }),

    async *readContacts(): AsyncIterable<readonly Contact[]> {
      yield* chunksOf([...(await serially(contactLog)).byId.values()]);
    },
    async *readProducts(): AsyncIterable<readonly Product[]> {
      yield* chunksOf([...(await serially(productLog)).byId.values()]);
    },
    /** The committed events as of the first read, a merged contact's under its primary's id. */
    async *readEvents(): AsyncIterable<readonly Event[]> {
      const file = eventsFile();
      const end = committed(file);
      const aliasOf = aliases;
      eventReaders.set(file, (eventReaders.get(file) ?? 0) + 1);
      try {
        yield* readNdjson(at(file), end, aliasOf.size === 0 ? reviveEvent : (raw) => {
          const event = reviveEvent(raw);
          event.contactId = aliasOf.get(event.contactId) ?? event.contactId;
          return event;
        });
      } finally {
        const left = (eventReaders.get(file) ?? 1) - 1;
        if (left > 0) eventReaders.set(file, left);
        else eventReaders.delete(file);
        if (left <= 0 && unlinkWhenRead.delete(file)) await unlink(at(file)).catch(() => undefined);
      }
    },

    listQuarantine: (page: QuarantinePage): Promise<{ total: number; items: QuarantineEntry[] }> =>
      serially(async () => {
        const matches = quarantineMatcher(page);
        const limit = Math.max(0, page.limit);
        const offset = Math.max(0, page.offset);
        const end = committed(quarantineFile());
        if (matches !== null) return filterQuarantine(at(quarantineFile()), end, matches, limit, offset);
        const total = commit.quarantined;
        // Newest first: item 0 is the last line of the log.
        const newest = total - 1 - offset;
        const oldest = Math.max(0, newest - limit + 1);
        // A count alone (the overview's) needs no line index.
        if (newest < 0 || limit <= 0) return { total, items: [] };
        quarantineStarts ??= await lineStarts(at(quarantineFile()), end);
        const starts = quarantineStarts;
        const from = starts[oldest] ?? 0;
        const to = starts[newest + 1] ?? end;
        const text = await readRange(at(quarantineFile()), from, to - from);
        const items = text.split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l) as QuarantineEntry);
        return { total, items: items.reverse() };
      }),

    lastWritten: async (): Promise<WrittenValues> => new Map(await serially(loadWritten)),

    checkpointPush: (runId: string, changes: readonly PropertyChange[], refused: readonly Quarantined[]): Promise<void> =>
      serially(async () => {
        const line: JournalLine = { runId, at: new Date().toISOString(), changes: changes.map((c) => ({ contactId: c.contactId, set: c.set })) };
        // Durable before the next batch goes: a restart must never write these values again.
        if (changes.length > 0) await appendDurably(at(WRITTEN_JOURNAL), JSON.stringify(line) + "\n");
        if (written !== null) {
          applyWritten(written, line.changes);
          if (changes.length > 0) journalLines++;
        }
        if (refused.length === 0) return;
        const bytes: Record<string, number> = { ...commit.bytes };
        try {
          const starts = await appendQuarantine(refused, runId, bytes);
          await replaceCommit({ ...commit, seq: commit.seq + 1, bytes, quarantined: commit.quarantined + refused.length });
          quarantineStarts?.push(...starts);
        } catch (error) {
          await rollBack(error);
        }
      }),

    /** Folds the journal into the snapshot; called when a run finishes, not per batch. */
    compactWritten: (): Promise<void> =>
      serially(async () => {
        const values = await loadWritten();
        if (journalLines === 0) return;
        await writeFileAtomic(at(WRITTEN_SNAPSHOT), JSON.stringify([...values]));
        // A crash before this truncate only replays the journal onto a snapshot that has it: harmless.
        await writeFileAtomic(at(WRITTEN_JOURNAL), "");
        journalLines = 0;
      }),

    appendSlotHistory: (entries: readonly { readonly contactId: string; readonly exposure: SlotExposure }[]): Promise<void> =>
      serially(async () => {
        if (entries.length === 0) return;
        const history = await loadSlotHistory();
        const lines = entries.map(({ contactId, exposure }): SlotHistoryLine => [contactId, [[exposure.at, exposure.productIds]]]);
        // Durable before it counts: the torn tail of a crash mid-append is trimmed on open.
        await appendDurably(at(SLOT_HISTORY), toNdjson(lines));
        // Copied: the caller may reuse its arrays.
        for (const { contactId, exposure } of entries) addExposure(history, contactId, { at: exposure.at, productIds: [...exposure.productIds] });
        slotHistoryLines += lines.length;
        await tidy(() => compactSlotHistory(history));
      }),

    /** Lists are replaced, never changed in place, so a shallow copy of the map is a stable snapshot. */
    readSlotHistory: async (): Promise<ReadonlyMap<string, readonly SlotExposure[]>> => new Map(await serially(loadSlotHistory)),

    appendGuardLog: (entries: readonly { readonly contactId: string; readonly entry: GuardLogEntry }[]): Promise<void> =>
      serially(async () => {
        if (entries.length === 0) return;
        const log = await loadGuardLog();
        const lines = entries.map(({ contactId, entry }): GuardLogLine => [contactId, [toGuardTuple(entry)]]);
        const before = await sizeOf(at(GUARD_LOG));
        try {
          // Durable before it counts: the torn tail of a crash mid-append is trimmed on open. In
          // slices, so a first run's change for every one of a million contacts is never one string.
          for (let i = 0; i < lines.length; i += NDJSON_CHUNK) await appendDurably(at(GUARD_LOG), toNdjson(lines.slice(i, i + NDJSON_CHUNK)));
        } catch (error) {
          // A partial line left in place would glue itself to the next append and fail every later load.
          await truncateTo(at(GUARD_LOG), before).catch(() => { broken = error; });
          throw error;
        }
        for (const [contactId, [tuple]] of lines) {
          if (tuple === undefined) continue;
          const kept = log.get(contactId) ?? [];
          // Revived from its own line, so the entry is exactly what a reopen would read back.
          const next = keepLatest(kept, fromGuardTuple(tuple), GUARD_LOG_KEPT);
          log.set(contactId, next);
          guardLogKept += next.length - kept.length;
        }
        guardLogOnDisk += lines.length;
        await tidy(() => compactGuardLog(log));
      }),

    /** Lists are replaced, never changed in place, so a shallow copy of the map is a stable snapshot. */
    readGuardLog: async (): Promise<ReadonlyMap<string, readonly GuardLogEntry[]>> => new Map(await serially(loadGuardLog)),

    saveProfiles: (list: readonly Profile[]): Promise<void> =>
      serially(async () => {
        await writeFileAtomic(at(PROFILES), slices(list));
        profiles = new Map(list.map((p) => [p.contactId, p]));
      }),

    async getProfile(contactId: string): Promise<Profile | null> {
      const byId = profiles ?? (await serially(loadProfiles));
      return byId.get(contactId) ?? null;
    },

    /** From the same in-memory index getProfile uses, so a concurrent save never tears the read. */
    async *readProfiles(): AsyncIterable<readonly Profile[]> {
      const byId = profiles ?? (await serially(loadProfiles));
      yield* chunksOf([...byId.values()]);
    },

    saveFeed: (feed: Feed): Promise<void> => serially(() => writeFileAtomic(at(FEED), JSON.stringify(feed))),

    async getFeed(): Promise<Feed | null> {
      const text = await readOptional(at(FEED));
      return text === null ? null : (JSON.parse(text) as Feed);
    },

    /**
     * Erases contacts named by our id or any ESP id, with everything derived from them; resolves to
     * how many stored contacts that was. Derived data goes first and the logs last, so an erasure
     * cut short by a crash finds the same contacts, and so the same ids, when it is run again.
     */
    eraseContacts: (contactIds: readonly string[]): Promise<Erasure> =>
      serially(async () => {
        const given = new Set(contactIds);
        if (given.size === 0) return { erased: 0, contactIds: [], emails: [], orderIds: [] };
        const matched = [...(await contactLog()).byId.values()].filter((c) => given.has(c.id) || Object.values(c.espIds).some((id) => given.has(id)));
        const ids = new Set([...given, ...matched.map((c) => c.id)]);
        // Contacts merged into an erased one are the same person.
        for (const [from, to] of aliases) if (ids.has(to)) ids.add(from);
        const emails = new Set(matched.flatMap((c) => (c.email === undefined ? [] : [c.email.trim().toLowerCase()])));
        await forgetDerived(ids);
        await dropFromRefresh(ids);
        const orderIds = await rewriteLogs(ids, emails, true);
        await saveAliases(new Map([...aliases].filter(([from, to]) => !ids.has(from) && !ids.has(to))));
        return { erased: matched.length, contactIds: [...ids], emails: [...emails], orderIds };
      }),

    /** Folds `mergedIds` into `primaryId`: their events read as the primary's from now on; their other data goes. */
    mergeContacts: (primaryId: string, mergedIds: readonly string[]): Promise<void> =>
      serially(async () => {
        // The primary may itself have been merged away by an event delivered first: HubSpot does not promise order.
        const target = aliases.get(primaryId) ?? primaryId;
        const merged = new Set(mergedIds.filter((id) => id !== target));
        if (merged.size === 0) return;
        const next = new Map([...aliases].map(([from, to]): [string, string] => [from, merged.has(to) ? target : to]));
        for (const id of merged) next.set(id, target);
        next.delete(target);
        // The alias first: once the merged contact is gone, its events must already read as the primary's.
        await saveAliases(next);
        await forgetDerived(merged);
        await dropFromRefresh(merged);
        await rewriteLogs(merged, new Set(), false);
      }),

    requestRefresh: (espIds: readonly string[]): Promise<void> =>
      serially(async () => {
        if (espIds.length > 0) await appendDurably(at(REFRESH), JSON.stringify(espIds) + "\n");
      }),

    /** The pending ids, each once, oldest request first; the set is emptied. */
    takeRefresh: (): Promise<string[]> =>
      serially(async () => {
        const ids = await readRefresh();
        if (ids.length > 0) await writeFileAtomic(at(REFRESH), "");
        return ids;
      }),
  };
}

/** Reads commit.json, truncates every log to it, and deletes files only a crash could have left. */
async function recover(folder: string): Promise<CommitRecord> {
  const text = await readOptional(join(folder, COMMIT));
  const commit = text === null ? EMPTY_COMMIT : (JSON.parse(text) as CommitRecord);
  const logs = [commit.contactsFile, commit.productsFile, commit.eventsFile ?? EVENTS, commit.quarantineFile ?? QUARANTINE];
  for (const file of logs) {
    await truncateTo(join(folder, file), commit.bytes[file] ?? 0);
  }
  await trimTornLine(join(folder, WRITTEN_JOURNAL));
  await trimTornLine(join(folder, SLOT_HISTORY));
  await trimTornLine(join(folder, GUARD_LOG));
  await trimTornLine(join(folder, REFRESH));
  // An erasure's old events / quarantine generation is garbage too, and holds what the portal asked to delete.
  const live = new Set([...logs, commit.cleanStateFile]);
  for (const name of await readdir(folder)) {
    if ((GENERATED.test(name) && !live.has(name)) || name.endsWith(".tmp")) await unlink(join(folder, name)).catch(ignoreMissing);
  }
  await syncFolder(folder);
  return commit;
}

/** The journal is fsynced line by line; a crash mid-append can only tear its last line. */
async function trimTornLine(path: string): Promise<void> {
  const size = await sizeOf(path);
  if (size === 0) return;
  const handle = await open(path, "r+");
  try {
    // Walk back from the end in 64 KiB steps to the last newline.
    const step = 65_536;
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - step);
      const buffer = Buffer.alloc(end - start);
      await handle.read(buffer, 0, buffer.length, start);
      const newline = buffer.lastIndexOf(0x0a);
      if (newline >= 0) {
        end = start + newline + 1;
        break;
      }
      end = start;
    }
    if (end < size) {
      await handle.truncate(end);
      await handle.sync();
    }
  } finally {
    await handle.close();
  }
}

/** Byte offset of the start of every line in the first `end` bytes of a file. */
async function lineStarts(path: string, end: number): Promise<number[]> {
  if (end === 0) return [];
  const buffer = Buffer.from(await readRange(path, 0, end), "utf8");
  const starts = [0];
  for (let i = buffer.indexOf(0x0a); i >= 0 && i + 1 < end; i = buffer.indexOf(0x0a, i + 1)) starts.push(i + 1);
  return starts;
}

async function readRange(path: string, position: number, length: number): Promise<string> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead).toString("utf8");
  } finally {
    await handle.close();
  }
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if (isCode(error, "ENOENT")) return null;
    throw error;
  }
}

function ignoreMissing(error: unknown): void {
  if (!isCode(error, "ENOENT")) throw error;
}

/** Quarantined raw input can be anything; a value JSON cannot hold is kept as its string form. */
function quarantineLine(entry: QuarantineEntry): string {
  try {
    return JSON.stringify(entry) + "\n";
  } catch {
    return JSON.stringify({ ...entry, raw: String(entry.raw) }) + "\n";
  }
}

function addRecords<T extends Keyed>(log: RecordLog<T>, records: readonly T[]): void {
  for (const record of records) log.byId.set(record.id, record);
  log.lines += records.length;
}

function applyWritten(values: Map<string, Readonly<Record<PropertyName, PropertyValue>>>, changes: JournalLine["changes"]): void {
  for (const { contactId, set } of changes) values.set(contactId, { ...values.get(contactId), ...set });
}

function addExposure(history: Map<string, readonly SlotExposure[]>, contactId: string, exposure: SlotExposure): void {
  history.set(contactId, keepLatest(history.get(contactId) ?? [], exposure, SLOT_EXPOSURES_KEPT));
}

function slotHistoryText(history: ReadonlyMap<string, readonly SlotExposure[]>): Iterable<string> {
  return linesPerContact(history, (contactId, list): SlotHistoryLine => [contactId, list.map((e) => [e.at, e.productIds])]);
}

/** One NDJSON line per contact, for rewriting a per-contact log whole. */
function* linesPerContact<T>(lists: ReadonlyMap<string, T>, toLine: (contactId: string, list: T) => unknown): Iterable<string> {
  let text = "";
  for (const [contactId, list] of lists) {
    text += JSON.stringify(toLine(contactId, list)) + "\n";
    // Written in pieces of about 1 MB, so a million contacts never become one giant string.
    if (text.length > 1 << 20) {
      yield text;
      text = "";
    }
  }
  if (text !== "") yield text;
}

function toGuardTuple({ at, key, on, reason, until, ref }: GuardLogEntry): GuardTuple {
  return ref === undefined ? [at, key, on, reason, until] : [at, key, on, reason, until, ref];
}

function fromGuardTuple([at, key, on, reason, until, ref]: GuardTuple, intern: <S extends string>(text: S) => S = (text) => text): GuardLogEntry {
  const entry = { at, key: intern(key), on, reason: intern(reason), until };
  return ref === undefined ? entry : { ...entry, ref };
}

function isOldestFirst(list: readonly { readonly at: number }[]): boolean {
  return list.every((e, i) => i === 0 || (list[i - 1]?.at ?? 0) <= e.at);
}

function* slices(list: readonly Profile[]): Iterable<string> {
  for (let i = 0; i < list.length; i += PROFILES_PER_WRITE) yield toNdjson(list.slice(i, i + PROFILES_PER_WRITE));
}

function* chunksOf<T>(items: readonly T[]): Iterable<readonly T[]> {
  // Same chunk size as the event log, so callers see one rhythm.
  for (let i = 0; i < items.length; i += NDJSON_CHUNK) yield items.slice(i, i + NDJSON_CHUNK);
}

/**
 * An event line's contactId without parsing the line: a million lines parse in seconds, and an
 * erasure should answer the webhook within HubSpot's 5. Lines are JSON.stringify output, so the
 * key appears exactly as `"contactId":"…"`; inside a string value its quotes would be escaped.
 */
function eventContactId(line: string): string | null {
  const match = /"contactId":("(?:[^"\\]|\\.)*")/.exec(line);
  return match?.[1] === undefined ? null : (JSON.parse(match[1]) as string);
}

/**
 * The quarantine browser's filter: the stream exactly, the reason as a case-insensitive substring
 * (reasons are sentences like "email: invalid email address"); null when nothing is filtered.
 */
export function quarantineMatcher(page: Pick<QuarantinePage, "stream" | "reason">): ((entry: Quarantined) => boolean) | null {
  const { stream } = page;
  const reason = (page.reason ?? "").toLowerCase();
  if (stream === undefined && reason === "") return null;
  return (entry) => (stream === undefined || entry.stream === stream) && (reason === "" || entry.reason.toLowerCase().includes(reason));
}

/**
 * One page of the matching entries, newest first, in one pass over the log (oldest first): the
 * newest `offset + limit` matches are kept in a ring, so memory grows with how deep a person pages,
 * not with the log.
 */
async function filterQuarantine(path: string, end: number, matches: (entry: Quarantined) => boolean, limit: number, offset: number): Promise<{ total: number; items: QuarantineEntry[] }> {
  const keep = offset + limit;
  const ring: QuarantineEntry[] = [];
  let total = 0;
  for await (const chunk of readNdjson(path, end, (raw) => raw as QuarantineEntry)) {
    for (const entry of chunk) {
      if (!matches(entry)) continue;
      if (keep > 0) ring[total % keep] = entry;
      total++;
    }
  }
  const items: QuarantineEntry[] = [];
  // The i-th newest match is match number total - 1 - i, kept while i < keep.
  for (let i = offset; i < Math.min(total, keep); i++) {
    const entry = ring[(total - 1 - i) % keep];
    if (entry !== undefined) items.push(entry);
  }
  return { total, items };
}

/**
 * Whether a quarantined record names one of these contacts: an id under an id-like key (or among
 * its ESP ids), or one of the emails anywhere in its text. Errs towards erasing: quarantine is a
 * diagnostic, and a privacy deletion must not leave a copy behind.
 */
export function namesContact(raw: unknown, ids: ReadonlySet<string>, emails: ReadonlySet<string>, depth = 0): boolean {
  if (typeof raw === "string") {
    const text = raw.toLowerCase();
    for (const email of emails) if (text.includes(email)) return true;
    return false;
  }
  // Quarantined input is whatever a source sent; a deep nest is not where a contact's id lives.
  if (typeof raw !== "object" || raw === null || depth > 6) return false;
  if (Array.isArray(raw)) return raw.some((value) => namesContact(value, ids, emails, depth + 1));
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const name = key.toLowerCase();
    if ((typeof value === "string" || typeof value === "number") && ID_KEYS.has(name) && ids.has(String(value))) return true;
    if (name === "espids" && typeof value === "object" && value !== null && Object.values(value).some((id) => typeof id === "string" && ids.has(id))) return true;
    if (namesContact(value, ids, emails, depth + 1)) return true;
  }
  return false;
}
