/**
 * The files connector: reads a folder, writes to another. Input folder layout:
 *
 *   contacts.ndjson | contacts.csv   id,email,createdAt,timezone,consent,firstName,country (extra columns ignored)
 *   products.ndjson | products.csv   id,title,url,imageUrl,category,brand,price,cost,inventory,active,replenishDays,createdAt
 *   events.ndjson                    one domain Event per line, dates as ISO strings
 *   *.csv                            any other CSV with the UCI Online Retail header (InvoiceNo,StockCode,
 *                                    Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country[,TotalPrice]):
 *                                    invoices become events, and contacts and products are derived from them
 *
 * Any of these may be gzipped (`name.gz`). Output folder: properties.json, changes.ndjson, feed.json.
 * Rows that cannot be read come through as `{ _malformed, line, text }` so ingest quarantines them;
 * bad invoice rows come through the events pull only, so each is quarantined once.
 */
import { open, readdir, readFile, rename, mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Connector, Cursor, Feed, Page, PropertyChange, PropertyDefinition, PushFailure, PushReport, Stream } from "../../domain/index.js";
import { parseFileCursor, stringifyFileCursor, type FileState } from "./file-cursor.js";
import { isNonProductCode, isOnlineRetailHeader, toContact, toInvoiceContact, toInvoiceEvent, toProduct, withFilesId, type InvoiceLine } from "./map.js";
import { readCsv, readCsvHeader } from "./read-csv.js";
import { readInvoices } from "./read-invoices.js";
import { readNdjson } from "./read-ndjson.js";

export type FilesConnectorOptions = {
  readonly inputDir: string;
  readonly outputDir: string;
  /** Records per page; large enough that a page is one store commit, small enough to stay in memory. */
  readonly pageSize?: number;
};

// A local file has no API page limit; each page commits the cleaner state with it, so bigger pages mean fewer state writes.
const DEFAULT_PAGE_SIZE = 50_000;

/** A Connector over a folder of CSV / NDJSON files (see the layout above). */
export function createFilesConnector(options: FilesConnectorOptions): Connector {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const pull = (stream: Stream) => (from: Cursor | null) => pullStream(options.inputDir, stream, from, pageSize);
  return {
    esp: "files",
    // A file append has no call limit; this is how often a crashed push can resume.
    maxBatch: 1_000,
    pullContacts: pull("contacts"),
    pullProducts: pull("products"),
    pullEvents: pull("events"),
    defineProperties: (definitions) => defineProperties(options.outputDir, definitions),
    pushChanges: (changes) => pushChanges(options.outputDir, changes),
    publishFeed: (feed) => publishFeed(options.outputDir, feed),
  };
}

type Source =
  | { readonly name: string; readonly kind: "ndjson" }
  | { readonly name: string; readonly kind: "csv" | "invoices"; readonly columns: readonly string[]; readonly dataStart: FileState };

/** One readable step of a file: records keyed for the page (a later record with the same key replaces it). */
type Unit = { readonly records: readonly (readonly [string, unknown])[]; readonly end: FileState; readonly warning?: string };

async function* pullStream(dir: string, stream: Stream, from: Cursor | null, pageSize: number): AsyncGenerator<Page> {
  const parsed = parseFileCursor(from);
  const files: Record<string, FileState> = { ...parsed.cursor.files };
  const seen = new Set(parsed.cursor.seenCustomers);
  const { sources, warnings } = await findSources(dir, stream);
  if (parsed.warning !== undefined) warnings.unshift(parsed.warning);
  let records = new Map<string, unknown>();
  let pages = 0;
  const page = (): Page => {
    const out: Page = {
      records: [...records.values()],
      next: stringifyFileCursor({ files: { ...files }, seenCustomers: [...seen] }),
      ...(warnings.length > 0 ? { warnings: warnings.splice(0) } : {}),
    };
    records = new Map();
    pages += 1;
    return out;
  };
  let serial = 0;
  const units = { stream, seen, products: new Map<string, ProductSeen>(), key: () => `#${serial++}` };
  for (const source of sources) {
    const path = join(dir, source.name);
    const start = await startOf(path, source, files[source.name], warnings);
    for await (const unit of unitsOf(path, source, start.state, units)) {
      for (const [key, record] of unit.records) records.set(key, record);
      files[source.name] = start.size === undefined ? unit.end : { ...unit.end, size: start.size };
      if (unit.warning !== undefined) warnings.push(unit.warning);
      if (records.size >= pageSize) yield page();
    }
  }
  if (records.size > 0 || pages === 0 || warnings.length > 0) yield page();
}

/** Where to start a file: after what was read before, unless the file shrank (it was replaced). */
async function startOf(path: string, source: Source, stored: FileState | undefined, warnings: string[]): Promise<{ state: FileState; size?: number }> {
  const { size } = await stat(path);
  const gz = path.endsWith(".gz");
  const fresh = source.kind === "ndjson" ? { offset: 0, line: 0 } : source.dataStart;
  const withSize = gz ? { size } : {};
  if (stored === undefined) return { state: fresh, ...withSize };
  const shrank = gz ? stored.size !== undefined && size < stored.size : size < stored.offset;
  if (!shrank) return { state: stored.offset < fresh.offset ? fresh : stored, ...withSize };
  warnings.push(`${source.name}: file is smaller than what was already read; reading it again from the start`);
  return { state: fresh, ...withSize };
}

type ProductSeen = { title: string; titleFromSale: boolean; price: number };
type UnitContext = { readonly stream: Stream; readonly seen: Set<string>; readonly products: Map<string, ProductSeen>; readonly key: () => string };

async function* unitsOf(path: string, source: Source, from: FileState, context: UnitContext): AsyncGenerator<Unit> {
  const keyed = (record: unknown): readonly [string, unknown] => [context.key(), record];
  if (source.kind === "ndjson") {
    for await (const item of readNdjson(path, source.name, from)) {
      const records = item.record === null ? [] : [keyed(context.stream === "contacts" ? withFilesId(item.record) : item.record)];
      yield { records, end: item.end, ...(item.warning === undefined ? {} : { warning: item.warning }) };
    }
    return;
  }
  if (source.kind === "csv") {
    const toRecord = context.stream === "contacts" ? toContact : toProduct;
    for await (const item of readCsv(path, source.columns, from)) {
      yield { records: [...item.malformed, ...(item.row === null ? [] : [toRecord(item.row)])].map(keyed), end: item.end };
    }
    return;
  }
  for await (const group of readInvoices(path, source.columns, from)) {
    if (context.stream === "events") {
      yield { records: [...group.malformed, ...(group.lines === null ? [] : [toInvoiceEvent(group.lines)])].map(keyed), end: group.end };
    } else if (context.stream === "contacts") {
      const first = group.lines?.[0];
      const isNew = first !== undefined && first.customerId !== "" && !context.seen.has(first.customerId);
      if (isNew) context.seen.add(first.customerId);
      yield { records: isNew ? [keyed(toInvoiceContact(first))] : [], end: group.end };
    } else {
      yield { records: (group.lines ?? []).filter((l) => !isNonProductCode(l.stockCode)).map((l) => productFrom(l, context.products)), end: group.end };
    }
  }
}

/**
 * The export has no catalog: a stock code's title is its first description on a priced line
 * (zero-price lines are write-offs like "damaged") and its price the latest positive unit price.
 */
function productFrom(line: InvoiceLine, products: Map<string, ProductSeen>): readonly [string, unknown] {
  const known = products.get(line.stockCode) ?? { title: "", titleFromSale: false, price: 0 };
  const priced = line.unitPrice > 0;
  if (line.description !== "" && (known.title === "" || (priced && !known.titleFromSale))) {
    known.title = line.description;
    known.titleFromSale = priced;
  }
  if (priced) known.price = line.unitPrice;
  products.set(line.stockCode, known);
  return [`p:${line.stockCode}`, { id: line.stockCode, title: known.title, price: known.price, category: "", active: true, inventory: null }];
}

/** The files each stream reads, in a stable order: the stream's own file, then invoice exports. */
async function findSources(dir: string, stream: Stream): Promise<{ sources: Source[]; warnings: string[] }> {
  const names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort();
  const own: Source[] = [];
  const invoices: Source[] = [];
  const warnings: string[] = [];
  for (const name of names) {
    const base = name.replace(/\.gz$/, "");
    if (base === `${stream}.ndjson`) own.push({ name, kind: "ndjson" });
    if (!base.endsWith(".csv")) continue;
    const role = base === "contacts.csv" ? "contacts" : base === "products.csv" ? "products" : "invoices";
    if (role !== "invoices" && role !== stream) continue;
    const header = await readCsvHeader(join(dir, name));
    if (header === null) continue;
    if (role !== "invoices") own.push({ name, kind: "csv", columns: header.columns, dataStart: header.end });
    else if (isOnlineRetailHeader(header.columns)) invoices.push({ name, kind: "invoices", columns: header.columns, dataStart: header.end });
    else if (stream === "events") warnings.push(`${name}: header is not contacts, products or the Online Retail layout; file skipped`);
  }
  return { sources: [...own, ...invoices], warnings };
}

/** Adds definitions not yet in properties.json; existing ones are kept as they are. */
async function defineProperties(dir: string, definitions: readonly PropertyDefinition[]): Promise<void> {
  const path = join(dir, "properties.json");
  const existing = await readJsonArray(path);
  const known = new Set(existing.map((d) => (typeof d === "object" && d !== null && "name" in d ? d.name : undefined)));
  const added = definitions.filter((d) => !known.has(d.name));
  await writeAtomically(path, `${JSON.stringify([...existing, ...added], null, 2)}\n`);
}

async function readJsonArray(path: string): Promise<unknown[]> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path, "utf8"));
    return Array.isArray(parsed) ? (parsed as unknown[]) : [];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

/** Appends one line per change to changes.ndjson and fsyncs, so a crash right after leaves the batch on disk. */
async function pushChanges(dir: string, changes: readonly PropertyChange[]): Promise<PushReport> {
  const failed: PushFailure[] = [];
  const lines: string[] = [];
  for (const change of changes) {
    if (change.espId === "") failed.push({ contactId: change.contactId, reason: "no files id for this contact", retryable: false });
    else lines.push(JSON.stringify({ contactId: change.contactId, espId: change.espId, ...(change.email === undefined ? {} : { email: change.email }), set: change.set }));
  }
  if (lines.length > 0) {
    await mkdir(dir, { recursive: true });
    const file = await open(join(dir, "changes.ndjson"), "a");
    try {
      await file.appendFile(`${lines.join("\n")}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
  }
  return { written: lines.length, failed };
}

/** Replaces feed.json in one step, so a template never reads half a feed. */
async function publishFeed(dir: string, feed: Feed): Promise<void> {
  await writeAtomically(join(dir, "feed.json"), `${JSON.stringify(feed, null, 2)}\n`);
}

async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(join(path, ".."), { recursive: true });
  const tmp = `${path}.${String(process.pid)}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}
