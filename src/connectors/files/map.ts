/** Pure mapping from file rows to domain-shaped records; ingest validates them. */

type Row = Readonly<Record<string, string>>;
type Raw = Record<string, unknown>;

/** Column names of the UCI Online Retail invoice export; a TotalPrice column may follow. */
export const ONLINE_RETAIL_COLUMNS = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"] as const;

/** Stock codes that are charges or adjustments, not goods (postage, discount, manual, bank charges, fees, ...). */
const NON_PRODUCT_CODES: ReadonlySet<string> = new Set(["POST", "D", "M", "BANK CHARGES", "DOT", "AMAZONFEE", "CRUK", "C2", "PADS", "S", "B"]);

/** True when a CSV header is the Online Retail invoice layout. */
export const isOnlineRetailHeader = (columns: readonly string[]): boolean =>
  ONLINE_RETAIL_COLUMNS.every((c) => columns.includes(c));

/** True for lines that carry money but no goods; they count toward an order's value, not its items. */
export const isNonProductCode = (stockCode: string): boolean => NON_PRODUCT_CODES.has(stockCode.trim().toUpperCase());

/** A contacts.csv row; empty cells are left out so the schema's defaults apply. */
export function toContact(row: Row): Raw {
  const contact = present(row, ["id", "email", "createdAt", "timezone", "consent", "firstName", "country"]);
  return typeof contact.id === "string" ? { ...contact, espIds: { files: contact.id } } : contact;
}

/** Any contact record: the files id is the contact's own id unless the file says otherwise. */
export function withFilesId(record: unknown): unknown {
  if (typeof record !== "object" || record === null || Array.isArray(record) || "_malformed" in record) return record;
  const contact = record as Raw;
  const espIds = typeof contact.espIds === "object" && contact.espIds !== null ? (contact.espIds as Raw) : {};
  if (typeof contact.id !== "string" || typeof espIds.files === "string") return contact;
  return { ...contact, espIds: { ...espIds, files: contact.id } };
}

/** A products.csv row; numbers and booleans are parsed, and a cell that is neither stays text so ingest can say why. */
export function toProduct(row: Row): Raw {
  const product = present(row, ["id", "title", "url", "imageUrl", "category", "brand", "createdAt"]);
  for (const key of ["price", "cost", "inventory", "replenishDays"]) {
    const cell = row[key]?.trim();
    if (cell) product[key] = Number.isFinite(Number(cell)) ? Number(cell) : cell;
  }
  const active = row.active?.trim().toLowerCase();
  if (active) product.active = active === "true" || active === "1" ? true : active === "false" || active === "0" ? false : active;
  return product;
}

function present(row: Row, keys: readonly string[]): Raw {
  const out: Raw = {};
  for (const key of keys) {
    const cell = row[key]?.trim();
    if (cell) out[key] = cell;
  }
  return out;
}

/** One line of an Online Retail invoice, typed. */
export type InvoiceLine = {
  readonly invoiceNo: string;
  readonly stockCode: string;
  readonly description: string;
  readonly quantity: number;
  readonly at: string;
  readonly unitPrice: number;
  readonly customerId: string;
  readonly country: string;
};

/** Types one invoice row, or says why it cannot be typed. */
export function toInvoiceLine(row: Row): InvoiceLine | { readonly problem: string } {
  const quantity = Number(row.Quantity);
  const unitPrice = Number(row.UnitPrice);
  const invoiceNo = (row.InvoiceNo ?? "").trim();
  if (invoiceNo === "") return { problem: "InvoiceNo is empty" };
  if (row.Quantity?.trim() === "" || !Number.isFinite(quantity)) return { problem: `Quantity is not a number: "${row.Quantity ?? ""}"` };
  if (row.UnitPrice?.trim() === "" || !Number.isFinite(unitPrice)) return { problem: `UnitPrice is not a number: "${row.UnitPrice ?? ""}"` };
  return {
    invoiceNo,
    stockCode: (row.StockCode ?? "").trim(),
    description: (row.Description ?? "").trim(),
    quantity,
    at: toInvoiceDate(row.InvoiceDate ?? ""),
    unitPrice,
    customerId: toCustomerId(row.CustomerID ?? ""),
    country: (row.Country ?? "").trim(),
  };
}

/** "17850.0" (the pandas export) and "17850" are one customer. */
export function toCustomerId(cell: string): string {
  const trimmed = cell.trim();
  const whole = /^(\d+)(?:\.0+)?$/.exec(trimmed);
  return whole?.[1] ?? trimmed;
}

/**
 * Invoice dates as ISO UTC (the export has no zone): "12/1/10 8:26" (M/D/YY H:MM, the UCI
 * spreadsheet) or "2010-12-01 08:26:00"; anything else passes through for ingest to reject.
 */
export function toInvoiceDate(cell: string): string {
  const text = cell.trim();
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (us) {
    const [, month, day, year, hour, minute, second] = us;
    // Two-digit years: the dataset spans 2010-2011, and nothing in this layout predates 2000.
    const fullYear = year?.length === 2 ? 2000 + Number(year) : Number(year);
    return isoUtc(fullYear, Number(month), Number(day), Number(hour), Number(minute), Number(second ?? 0)) ?? text;
  }
  const iso = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (iso) {
    const [, year, month, day, hour, minute, second] = iso;
    return isoUtc(Number(year), Number(month), Number(day), Number(hour), Number(minute), Number(second ?? 0)) ?? text;
  }
  return text;
}

function isoUtc(year: number, month: number, day: number, hour: number, minute: number, second: number): string | null {
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC rolls 2/30 over to 3/2; a date that rolled over was not a real date.
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? date.toISOString() : null;
}

/**
 * One invoice as an event: a sale is `placed_order`, an invoice numbered "C..." is a
 * cancellation and becomes `refunded` for the original order. Charge lines (postage,
 * fees) count toward the value but are not items, so they never become recommendations.
 */
export function toInvoiceEvent(lines: readonly [InvoiceLine, ...InvoiceLine[]]): Raw {
  const first = lines[0];
  const cents = lines.reduce((sum, l) => sum + l.quantity * l.unitPrice * 100, 0);
  const value = Math.round(cents) / 100;
  const base = { id: `or:${first.invoiceNo}`, contactId: first.customerId, at: first.at };
  if (first.invoiceNo.startsWith("C")) {
    return { ...base, type: "refunded", orderId: first.invoiceNo.slice(1), value: Math.abs(value) };
  }
  const items = lines
    .filter((l) => !isNonProductCode(l.stockCode))
    .map((l) => ({ productId: l.stockCode, quantity: l.quantity, price: l.unitPrice, title: l.description }));
  return { ...base, type: "placed_order", orderId: first.invoiceNo, value, discount: 0, items };
}

/** A contact known only from its first invoice: the export has no email, only a customer number. */
export function toInvoiceContact(line: InvoiceLine): Raw {
  return { id: line.customerId, espIds: { files: line.customerId }, createdAt: line.at, country: line.country, consent: "subscribed" };
}
