// Converts a CDNOW transaction log (Fader, Hardie & Lee 2005; ../shared/data/cdnow/README.md) into
// placed_order NDJSON that `tailor backtest --format ndjson` reads:
//   npx tsx scripts/cdnow-to-ndjson.ts CDNOW_sample.txt > cdnow.ndjson
// One order per customer-day (the paper counts days with a purchase): value = the day's dollars,
// one item with productId "cd" and quantity = the day's CDs.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

/** One placed_order event as an NDJSON line would hold it. */
export type CdnowOrder = {
  readonly id: string;
  readonly type: "placed_order";
  readonly contactId: string;
  readonly at: string;
  readonly orderId: string;
  readonly value: number;
  readonly discount: number;
  readonly currency: "USD";
  readonly items: readonly [{ readonly productId: "cd"; readonly quantity: number; readonly price: number }];
};

/**
 * Orders from the text of CDNOW_sample.txt (id, sample id, YYYYMMDD, CDs, dollars) or
 * CDNOW_master.txt (id, YYYYMMDD, CDs, dollars): the last three columns are the same in both.
 */
export function cdnowToOrders(text: string): CdnowOrder[] {
  const days = new Map<string, { contactId: string; day: string; cds: number; cents: number }>();
  for (const line of text.split("\n")) {
    const cells = line.trim().split(/\s+/);
    if (cells.length < 4) continue;
    const [contactId = "", ...rest] = cells;
    const [day = "", cds = "", dollars = ""] = rest.slice(-3);
    // CDNOW_master.txt opens with a header line (customer_id date number_of_cds dollar_value).
    if (!/^\d{8}$/.test(day)) continue;
    const key = `${contactId}|${day}`;
    const open = days.get(key) ?? { contactId, day, cds: 0, cents: 0 };
    open.cds += Number(cds);
    // Cents, so a day's sum of 2-decimal amounts is not off by float dust.
    open.cents += Math.round(Number(dollars) * 100);
    days.set(key, open);
  }
  return [...days.values()].map(({ contactId, day, cds, cents }) => {
    const orderId = `${contactId}-${day}`;
    const at = `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6, 8)}T00:00:00.000Z`;
    const value = cents / 100;
    // No record in either file has 0 CDs, but the schema wants a positive quantity whatever the input.
    const quantity = Math.max(1, cds);
    return { id: orderId, type: "placed_order", contactId, at, orderId, value, discount: 0, currency: "USD", items: [{ productId: "cd", quantity, price: Math.round((value / quantity) * 100) / 100 }] };
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const path = process.argv[2];
  if (path === undefined) {
    process.stderr.write("usage: tsx scripts/cdnow-to-ndjson.ts CDNOW_sample.txt > orders.ndjson\n");
    process.exit(2);
  }
  for (const order of cdnowToOrders(readFileSync(path, "utf8"))) process.stdout.write(`${JSON.stringify(order)}\n`);
}
