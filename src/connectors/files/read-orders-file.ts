import { basename } from "node:path";
import { check, EventSchema, type EventOf } from "../../domain/index.js";
import { isOnlineRetailHeader, toInvoiceEvent } from "./map.js";
import { readCsvHeader } from "./read-csv.js";
import { readInvoices } from "./read-invoices.js";
import { readNdjson } from "./read-ndjson.js";

/** The layouts an orders file may have: the UCI Online Retail invoice CSV, or one domain Event per line. */
export type OrdersFormat = "online-retail" | "ndjson";

/** The events an orders file carries; any other event type in an NDJSON file is skipped. */
export type OrderEvent = EventOf<"placed_order"> | EventOf<"refunded">;

export type ReadOrdersOptions = {
  readonly format: OrdersFormat;
  /** Filled with skipped records per reason while the stream is read, so the caller can report them. */
  readonly skipped?: Map<string, number>;
};

/** The format a file name suggests: .ndjson (optionally .gz) is NDJSON, anything else the invoice CSV. */
export const ordersFormatOf = (path: string): OrdersFormat => (/\.ndjson(\.gz)?$/i.test(path) ? "ndjson" : "online-retail");

/**
 * Streams orders and refunds from one file (plain or .gz), each checked against the domain
 * schema; a record that fails is counted in `skipped` with its reason and never thrown.
 */
export async function* readOrdersFile(path: string, options: ReadOrdersOptions): AsyncGenerator<OrderEvent> {
  const skip = (reason: string) => options.skipped?.set(reason, (options.skipped.get(reason) ?? 0) + 1);
  for await (const raw of rawRecords(path, options.format)) {
    const checked = check(EventSchema, raw);
    if (!checked.ok) {
      skip(reasonKey(checked.reason));
      continue;
    }
    const event = checked.value;
    if (event.type === "placed_order" || event.type === "refunded") yield event;
    else skip(`not an order event: ${event.type}`);
  }
}

async function* rawRecords(path: string, format: OrdersFormat): AsyncGenerator {
  if (format === "ndjson") {
    for await (const item of readNdjson(path, basename(path), { offset: 0, line: 0 })) if (item.record !== null) yield item.record;
    return;
  }
  const header = await readCsvHeader(path);
  if (header === null) return;
  if (!isOnlineRetailHeader(header.columns)) throw new Error(`${basename(path)}: not the Online Retail layout (header: ${header.columns.join(",")})`);
  for await (const group of readInvoices(path, header.columns, header.end)) {
    yield* group.malformed;
    if (group.lines !== null) yield toInvoiceEvent(group.lines);
  }
}

// Quoted cell values are dropped, so a million bad rows of one kind make one line of the report.
function reasonKey(reason: string): string {
  return reason.replace(/"[^"]*"/g, '"…"');
}
