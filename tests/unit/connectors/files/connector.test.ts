import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { createFilesConnector } from "../../../../src/connectors/files/connector.js";
import type { Page } from "../../../../src/domain/index.js";

const FIXTURES = join(import.meta.dirname, "../../../fixtures/online-retail");
const SAMPLE = join(import.meta.dirname, "../../../../../shared/data/online-retail/online_retail_sample.csv");

const folder = (files: Record<string, string | Buffer> = {}): string => {
  const dir = mkdtempSync(join(tmpdir(), "tailor-files-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
};
const connectorFor = (inputDir: string, pageSize?: number) =>
  createFilesConnector({ inputDir, outputDir: join(inputDir, "out"), ...(pageSize === undefined ? {} : { pageSize }) });

async function collect(pages: AsyncIterable<Page>): Promise<Page[]> {
  const out: Page[] = [];
  for await (const page of pages) out.push(page);
  return out;
}
const recordsOf = (pages: readonly Page[]) => pages.flatMap((p) => p.records) as Record<string, unknown>[];
const lastCursor = (pages: readonly Page[]) => pages.at(-1)!.next;

const CONTACTS_CSV = "id,email,createdAt,timezone,consent,firstName,country,extra\nc1,a@x.com,2024-01-02T00:00:00Z,,unsubscribed,Ann,FR,zzz\nc2,b@x.com,2024-02-03T00:00:00Z,Europe/Paris,,,,\n";
const EVENT = { id: "e1", type: "viewed_product", contactId: "c1", at: "2024-03-01T10:00:00.000Z", productId: "p1" };

describe("files connector: contacts, products and events", () => {
  it("reads contacts.csv with empty cells left out and the files id set", async () => {
    const records = recordsOf(await collect(connectorFor(folder({ "contacts.csv": CONTACTS_CSV })).pullContacts(null)));
    expect(records).toEqual([
      { id: "c1", email: "a@x.com", createdAt: "2024-01-02T00:00:00Z", consent: "unsubscribed", firstName: "Ann", country: "FR", espIds: { files: "c1" } },
      { id: "c2", email: "b@x.com", createdAt: "2024-02-03T00:00:00Z", timezone: "Europe/Paris", espIds: { files: "c2" } },
    ]);
  });

  it("reads contacts.ndjson and keeps a files id the file already gives", async () => {
    const lines = [{ id: "c1", createdAt: "2024-01-01" }, { id: "c2", createdAt: "2024-01-01", espIds: { files: "F2" } }];
    const records = recordsOf(await collect(connectorFor(folder({ "contacts.ndjson": lines.map((l) => JSON.stringify(l)).join("\n") + "\n" })).pullContacts(null)));
    expect(records).toEqual([{ id: "c1", createdAt: "2024-01-01", espIds: { files: "c1" } }, { id: "c2", createdAt: "2024-01-01", espIds: { files: "F2" } }]);
  });

  it("parses numbers and booleans in products.csv and leaves unparseable cells as text", async () => {
    const csv = "id,title,url,imageUrl,category,brand,price,cost,inventory,active,replenishDays,createdAt\np1,Mug,,,Kitchen,Acme,9.5,3,,0,30,\np2,Cup,,,,,abc,,7,true,,\n";
    const records = recordsOf(await collect(connectorFor(folder({ "products.csv": csv })).pullProducts(null)));
    expect(records).toEqual([
      { id: "p1", title: "Mug", category: "Kitchen", brand: "Acme", price: 9.5, cost: 3, active: false, replenishDays: 30 },
      { id: "p2", title: "Cup", price: "abc", inventory: 7, active: true },
    ]);
  });

  it("reads events.ndjson one event per line", async () => {
    const records = recordsOf(await collect(connectorFor(folder({ "events.ndjson": `${JSON.stringify(EVENT)}\r\n` })).pullEvents(null)));
    expect(records).toEqual([EVENT]);
  });

  it("turns a bad NDJSON line into a malformed record with its line number", async () => {
    const text = `${JSON.stringify(EVENT)}\n{"id": "e2",\n\n${JSON.stringify({ ...EVENT, id: "e3" })}\n`;
    const records = recordsOf(await collect(connectorFor(folder({ "events.ndjson": text })).pullEvents(null)));
    expect(records.map((r) => r.id ?? r._malformed)).toEqual(["e1", expect.stringMatching(/^invalid JSON: /) as unknown, "e3"]);
    expect(records[1]).toMatchObject({ line: 2, text: '{"id": "e2",' });
  });

  it("turns a CSV row with the wrong number of cells into a malformed record", async () => {
    const records = recordsOf(await collect(connectorFor(folder({ "contacts.csv": "id,createdAt\nc1,2024-01-01\nc2,2024-01-01,oops\n" })).pullContacts(null)));
    expect(records[1]).toEqual({ _malformed: "expected 2 columns, got 3", line: 3, text: "c2,2024-01-01,oops" });
  });

  it("leaves an unfinished last NDJSON line for the next run and says so", async () => {
    const pages = await collect(connectorFor(folder({ "events.ndjson": `${JSON.stringify(EVENT)}\n{"id":"e` })).pullEvents(null));
    expect(recordsOf(pages)).toEqual([EVENT]);
    expect(pages.at(-1)!.warnings).toEqual(["events.ndjson: line 2 has no newline and is not valid JSON yet; left for the next run"]);
  });

  it("splits a pull into pages of pageSize records, each with a cursor", async () => {
    const text = [1, 2, 3, 4, 5].map((n) => JSON.stringify({ ...EVENT, id: `e${n}` })).join("\n") + "\n";
    const pages = await collect(connectorFor(folder({ "events.ndjson": text }), 2).pullEvents(null));
    expect(pages.map((p) => p.records.length)).toEqual([2, 2, 1]);
  });

  it("yields one empty page with a cursor when the folder has nothing for the stream", async () => {
    const pages = await collect(connectorFor(folder()).pullEvents(null));
    expect(pages).toEqual([{ records: [], next: JSON.stringify({ files: {}, seenCustomers: [] }) }]);
  });
});

describe("files connector: incremental pulls", () => {
  it("yields only rows appended since the stored cursor", async () => {
    const dir = folder({ "events.ndjson": `${JSON.stringify(EVENT)}\n` });
    const first = await collect(connectorFor(dir).pullEvents(null));
    appendFileSync(join(dir, "events.ndjson"), `${JSON.stringify({ ...EVENT, id: "e2" })}\n`);
    const second = await collect(connectorFor(dir).pullEvents(lastCursor(first)));
    expect(recordsOf(second).map((r) => r.id)).toEqual(["e2"]);
  });

  it("yields only CSV rows appended since the stored cursor", async () => {
    const dir = folder({ "contacts.csv": "id,createdAt\r\nc1,2024-01-01\r\n" });
    const first = await collect(connectorFor(dir).pullContacts(null));
    appendFileSync(join(dir, "contacts.csv"), "c2,2024-01-02\r\nc3,2024-01-03\r\n");
    const second = await collect(connectorFor(dir).pullContacts(lastCursor(first)));
    expect(recordsOf(second).map((r) => r.id)).toEqual(["c2", "c3"]);
  });

  it("resumes from a mid-pull page cursor without repeating or skipping rows", async () => {
    const dir = folder({ "events.ndjson": [1, 2, 3].map((n) => JSON.stringify({ ...EVENT, id: `e${n}` })).join("\n") + "\n" });
    const pages = await collect(connectorFor(dir, 1).pullEvents(null));
    const rest = await collect(connectorFor(dir).pullEvents(pages[0]!.next));
    expect(recordsOf(rest).map((r) => r.id)).toEqual(["e2", "e3"]);
  });

  it("reads a file again from the start, with a warning, when it shrank below the cursor", async () => {
    const dir = folder({ "events.ndjson": `${JSON.stringify(EVENT)}\n${JSON.stringify({ ...EVENT, id: "e2" })}\n` });
    const first = await collect(connectorFor(dir).pullEvents(null));
    writeFileSync(join(dir, "events.ndjson"), `${JSON.stringify({ ...EVENT, id: "e9" })}\n`);
    const second = await collect(connectorFor(dir).pullEvents(lastCursor(first)));
    expect(recordsOf(second).map((r) => r.id)).toEqual(["e9"]);
    expect(second[0]!.warnings).toEqual(["events.ndjson: file is smaller than what was already read; reading it again from the start"]);
  });

  it("starts over, with a warning, from a cursor it did not write", async () => {
    const pages = await collect(connectorFor(folder({ "events.ndjson": `${JSON.stringify(EVENT)}\n` })).pullEvents("not json"));
    expect(recordsOf(pages)).toEqual([EVENT]);
    expect(pages[0]!.warnings).toEqual(["files: stored cursor is not one this connector wrote; reading every file from the start"]);
  });
});

describe("files connector: Online Retail invoices", () => {
  const head = () => {
    const dir = folder();
    copyFileSync(join(FIXTURES, "online_retail_head.csv"), join(dir, "online_retail_head.csv"));
    return dir;
  };
  const events = async (dir: string, pageSize?: number) => recordsOf(await collect(connectorFor(dir, pageSize).pullEvents(null)));

  // Counts computed independently with Python's csv module on the fixture (see tests/fixtures/README.md).
  it("emits one event per invoice: 45 orders and 3 refunds", async () => {
    const records = await events(head());
    expect(records.filter((r) => r.type === "placed_order")).toHaveLength(45);
    expect(records.filter((r) => r.type === "refunded")).toHaveLength(3);
  });

  it("emits the guest invoice with an empty contact id, for ingest to quarantine", async () => {
    const guests = (await events(head())).filter((r) => r.contactId === "");
    expect(guests.map((r) => r.orderId)).toEqual(["536414"]);
  });

  it("maps invoice 536365 to an order with its exact value and items", async () => {
    const order = (await events(head())).find((r) => r.id === "or:536365")!;
    expect(order).toMatchObject({ type: "placed_order", orderId: "536365", contactId: "17850", at: "2010-12-01T08:26:00.000Z", value: 139.12, discount: 0 });
    expect((order.items as unknown[])[0]).toEqual({ productId: "85123A", quantity: 6, price: 2.55, title: "WHITE HANGING HEART T-LIGHT HOLDER" });
    expect(order.items).toHaveLength(7);
  });

  it("counts postage in an order's value but not among its items", async () => {
    const order = (await events(head())).find((r) => r.id === "or:536370")!;
    expect(order.value).toBe(855.86);
    expect(order.items).toHaveLength(19);
  });

  it("maps a cancellation to a refund of the original order with a positive value", async () => {
    const refund = (await events(head())).find((r) => r.id === "or:C536379");
    expect(refund).toEqual({ id: "or:C536379", type: "refunded", contactId: "14527", at: "2010-12-01T09:41:00.000Z", orderId: "536379", value: 27.5 });
  });

  it("never splits an invoice across pages", async () => {
    expect((await events(head(), 1)).filter((r) => r.id === "or:536365")).toHaveLength(1);
    const pages = await collect(connectorFor(head(), 1).pullEvents(null));
    const resumed = recordsOf(await collect(connectorFor(head()).pullEvents(pages[0]!.next)));
    expect(resumed[0]!.id).toBe("or:536366");
  });

  it("emits one contact per customer, created at their first invoice", async () => {
    const contacts = recordsOf(await collect(connectorFor(head()).pullContacts(null)));
    expect(contacts).toHaveLength(33);
    expect(contacts[0]).toEqual({ id: "17850", espIds: { files: "17850" }, createdAt: "2010-12-01T08:26:00.000Z", country: "United Kingdom", consent: "subscribed" });
  });

  it("does not emit a customer again on the next incremental pull", async () => {
    const dir = head();
    const first = await collect(connectorFor(dir).pullContacts(null));
    appendFileSync(join(dir, "online_retail_head.csv"), "999999,85123A,WHITE HANGING HEART T-LIGHT HOLDER,1,12/9/11 12:50,2.95,17850,United Kingdom,2.95\r\n");
    expect(recordsOf(await collect(connectorFor(dir).pullContacts(lastCursor(first))))).toEqual([]);
  });

  it("emits one product per stock code, without charge codes, at the latest price", async () => {
    const products = recordsOf(await collect(connectorFor(head(), 50).pullProducts(null)));
    const ids = products.map((p) => p.id);
    expect(new Set(ids).size).toBe(403);
    expect(ids).not.toContain("POST");
    expect(products.find((p) => p.id === "85123A")).toEqual({ id: "85123A", title: "WHITE HANGING HEART T-LIGHT HOLDER", price: 2.55, category: "", active: true, inventory: null });
  });

  it("reads the ISO-date, float-CustomerID export the same way", async () => {
    const dir = folder();
    copyFileSync(join(FIXTURES, "online_retail_iso.csv"), join(dir, "online_retail_iso.csv"));
    const records = await events(dir);
    expect(records.map((r) => r.id)).toEqual(["or:536365", "or:536366", "or:536367"]);
    expect(records[0]).toMatchObject({ contactId: "17850", at: "2010-12-01T08:26:00.000Z", value: 139.12 });
  });

  it("reads a gzipped export and resumes it by decompressed offset", async () => {
    const lines = readFileSync(join(FIXTURES, "online_retail_iso.csv"), "utf8");
    const dir = folder({ "orders.csv.gz": gzipSync(lines) });
    const pages = await collect(connectorFor(dir, 1).pullEvents(null));
    expect(recordsOf(pages).map((r) => r.id)).toEqual(["or:536365", "or:536366", "or:536367"]);
    expect(recordsOf(await collect(connectorFor(dir).pullEvents(pages[0]!.next))).map((r) => r.id)).toEqual(["or:536366", "or:536367"]);
  });

  it("emits an invoice row with a bad quantity as a malformed record next to its invoice", async () => {
    const csv = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n1,A,Thing,2,12/1/10 8:26,1.5,7,UK\n1,B,Other,two,12/1/10 8:26,1,7,UK\n";
    const records = await events(folder({ "orders.csv": csv }));
    expect(records).toEqual([
      { _malformed: 'Quantity is not a number: "two"', line: 3, text: "1,B,Other,two,12/1/10 8:26,1,7,UK" },
      { id: "or:1", type: "placed_order", contactId: "7", at: "2010-12-01T08:26:00.000Z", orderId: "1", value: 3, discount: 0, items: [{ productId: "A", quantity: 2, price: 1.5, title: "Thing" }] },
    ]);
  });

  it("warns about a CSV whose header it does not know", async () => {
    const pages = await collect(connectorFor(folder({ "misc.csv": "a,b\n1,2\n" })).pullEvents(null));
    expect(pages[0]!.warnings).toEqual(["misc.csv: header is not contacts, products or the Online Retail layout; file skipped"]);
  });

  it.skipIf(!existsSync(SAMPLE))("matches a direct count on the whole 28k-row sample", async () => {
    const rows = parse<Record<string, string>>(readFileSync(SAMPLE), { columns: true });
    const invoices = new Set(rows.map((r) => r.InvoiceNo));
    const dir = folder();
    copyFileSync(SAMPLE, join(dir, "online_retail_sample.csv"));
    const records = await events(dir);
    expect(records).toHaveLength(invoices.size);
    expect(records.filter((r) => r.type === "refunded")).toHaveLength([...invoices].filter((i) => i!.startsWith("C")).length);
    const guestInvoices = new Set(rows.filter((r) => r.CustomerID === "").map((r) => r.InvoiceNo));
    expect(records.filter((r) => r.contactId === "")).toHaveLength(guestInvoices.size);
    const contacts = recordsOf(await collect(connectorFor(dir).pullContacts(null)));
    expect(contacts).toHaveLength(new Set(rows.filter((r) => r.CustomerID !== "").map((r) => r.CustomerID)).size);
  });
});

describe("files connector: writes to the output folder", () => {
  const change = (contactId: string, espId: string) => ({ contactId, espId, set: { tailor_orders: 2 } });

  it("appends one line per change and reports a change without a files id as a failure", async () => {
    const dir = folder();
    const connector = connectorFor(dir);
    const report = await connector.pushChanges([change("c1", "c1"), change("c2", "")]);
    await connector.pushChanges([{ ...change("c3", "c3"), email: "c@x.com" }]);
    expect(report).toEqual({ written: 1, failed: [{ contactId: "c2", reason: "no files id for this contact", retryable: false }] });
    expect(readFileSync(join(dir, "out", "changes.ndjson"), "utf8")).toBe(
      '{"contactId":"c1","espId":"c1","set":{"tailor_orders":2}}\n{"contactId":"c3","espId":"c3","email":"c@x.com","set":{"tailor_orders":2}}\n',
    );
  });

  it("keeps existing property definitions and adds only new ones", async () => {
    const dir = folder();
    const connector = connectorFor(dir);
    const def = (name: string, label: string) => ({ name, label, type: "number" as const, description: "d", example: "e" });
    await connector.defineProperties([def("tailor_a", "first")]);
    await connector.defineProperties([def("tailor_a", "changed"), def("tailor_b", "second")]);
    const written = JSON.parse(readFileSync(join(dir, "out", "properties.json"), "utf8")) as { name: string; label: string }[];
    expect(written.map((d) => [d.name, d.label])).toEqual([["tailor_a", "first"], ["tailor_b", "second"]]);
  });

  it("writes the feed as feed.json", async () => {
    const dir = folder();
    const feed = { generatedAt: "2024-01-01T00:00:00.000Z", products: {}, fallbacks: { all: [], bySegment: {} } };
    await connectorFor(dir).publishFeed(feed);
    expect(JSON.parse(readFileSync(join(dir, "out", "feed.json"), "utf8"))).toEqual(feed);
  });
});
