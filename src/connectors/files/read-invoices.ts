import type { FileState } from "./file-cursor.js";
import { malformed, type Malformed } from "./malformed.js";
import { toInvoiceLine, type InvoiceLine } from "./map.js";
import { readCsv } from "./read-csv.js";

/** One whole invoice (or only bad rows) and the resume point after its last row. */
export type InvoiceGroup = {
  readonly lines: readonly [InvoiceLine, ...InvoiceLine[]] | null;
  readonly malformed: readonly Malformed[];
  readonly end: FileState;
};

/**
 * Online Retail rows grouped by InvoiceNo. Rows of one invoice are contiguous in the export, so
 * the open invoice is held until the next number or the end of the file: a resume point is never
 * inside an invoice. Bad rows travel with the invoice they sit in.
 */
export async function* readInvoices(path: string, columns: readonly string[], from: FileState): AsyncGenerator<InvoiceGroup> {
  let open: InvoiceLine[] = [];
  let bad: Malformed[] = [];
  let end = from;
  for await (const item of readCsv(path, columns, from)) {
    const line = item.row === null ? null : toInvoiceLine(item.row);
    if (line !== null && "invoiceNo" in line) {
      const [head] = open;
      if (head !== undefined && head.invoiceNo !== line.invoiceNo) {
        yield { lines: [head, ...open.slice(1)], malformed: bad, end };
        open = [];
        bad = [];
      }
      open.push(line);
    }
    bad.push(...item.malformed);
    if (line !== null && "problem" in line) bad.push(malformed(line.problem, item.end.line, item.text));
    end = item.end;
    if (open.length === 0 && bad.length > 0) {
      yield { lines: null, malformed: bad, end };
      bad = [];
    }
  }
  const [head] = open;
  if (head !== undefined || bad.length > 0) yield { lines: head === undefined ? null : [head, ...open.slice(1)], malformed: bad, end };
}
