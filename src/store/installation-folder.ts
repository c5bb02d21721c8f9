import { open, readdir, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import type {
  Contact,
  Cursor,
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
 *   events.ndjson         append-only, never rewritten; `at` stored as epoch ms.
 *   quarantine.ndjson     append-only QuarantineEntry lines, oldest first.
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
/** Generation files a commit may refer to; anything else of this shape is left over from a crash. */
const GENERATED = /^(contacts\.\d+\.ndjson|products\.\d+\.ndjson|clean-state\.\d+\.json)$/;
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
      for (const file of [commit.contactsFile, commit.productsFile, EVENTS, QUARANTINE]) await truncateTo(at(file), committed(file));
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
    let offset = bytes[QUARANTINE] ?? 0;
    for (const line of lines) {
      starts.push(offset);
      offset += Buffer.byteLength(line);
    }
    bytes[QUARANTINE] = (bytes[QUARANTINE] ?? 0) + (await appendDurably(at(QUARANTINE), lines.join("")));
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

  return {
    getCursor: (stream: Stream): Cursor | null => commit.cursors[stream] ?? null,
    getCleanState: (): unknown => JSON.parse(cleanStateJson),

    commitPage: (runId: string, page: PageCommit): Promise<void> =>
      serially(async () => {
        const seq = commit.seq + 1;
        const bytes: Record<string, number> = { ...commit.bytes };
        const contactLines = page.contacts.length > 0 ? toNdjson(page.contacts) : "";
        const productLines = page.products.length > 0 ? toNdjson(page.products) : "";
        const json = stringifyState(page.cleanState ?? null);
        let cleanStateFile = commit.cleanStateFile;
        let starts: number[] = [];
        try {
          // Every log first, each fsynced; commit.json last, so it only ever points at durable bytes.
          if (contactLines !== "") bytes[commit.contactsFile] = committed(commit.contactsFile) + (await appendDurably(at(commit.contactsFile), contactLines));
          if (productLines !== "") bytes[commit.productsFile] = committed(commit.productsFile) + (await appendDurably(at(commit.productsFile), productLines));
          if (page.events.length > 0) bytes[EVENTS] = committed(EVENTS) + (await appendDurably(at(EVENTS), page.events.map(toEventLine).join("")));
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
        const previousCleanState = cleanStateJson === json ? null : commit.cleanStateFile;
        cleanStateJson = json;
        quarantineStarts?.push(...starts);
        // The page is committed; in-memory indexes follow, and old files can go.
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
    readEvents: (): AsyncIterable<readonly Event[]> => readNdjson(at(EVENTS), committed(EVENTS), reviveEvent),

    listQuarantine: (limit: number, offset: number): Promise<{ total: number; items: QuarantineEntry[] }> =>
      serially(async () => {
        const end = committed(QUARANTINE);
        quarantineStarts ??= await lineStarts(at(QUARANTINE), end);
        const starts = quarantineStarts;
        const total = commit.quarantined;
        // Newest first: item 0 is the last line of the log.
        const newest = total - 1 - Math.max(0, offset);
        const oldest = Math.max(0, newest - Math.max(0, limit) + 1);
        if (newest < 0 || limit <= 0) return { total, items: [] };
        const from = starts[oldest] ?? 0;
        const to = starts[newest + 1] ?? end;
        const text = await readRange(at(QUARANTINE), from, to - from);
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
  };
}

/** Reads commit.json, truncates every log to it, and deletes files only a crash could have left. */
async function recover(folder: string): Promise<CommitRecord> {
  const text = await readOptional(join(folder, COMMIT));
  const commit = text === null ? EMPTY_COMMIT : (JSON.parse(text) as CommitRecord);
  for (const file of [commit.contactsFile, commit.productsFile, EVENTS, QUARANTINE]) {
    await truncateTo(join(folder, file), commit.bytes[file] ?? 0);
  }
  await trimTornLine(join(folder, WRITTEN_JOURNAL));
  await trimTornLine(join(folder, SLOT_HISTORY));
  await trimTornLine(join(folder, GUARD_LOG));
  const live = new Set([commit.contactsFile, commit.productsFile, commit.cleanStateFile]);
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
