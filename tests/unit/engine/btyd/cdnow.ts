import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { rftOf } from "../../../../src/engine/btyd/rft.js";
import type { Rft } from "../../../../src/engine/btyd/rft.js";

/** One CDNOW purchase day: records on the same customer and day summed into one transaction. */
export type CdnowDay = { readonly customer: string; readonly at: number; readonly value: number };

const WEEK_MS = 7 * 86_400_000;
const FILE = fileURLToPath(new URL("../../../fixtures/cdnow/CDNOW_sample.txt", import.meta.url));

/** The vendored CDNOW sample as purchase days (columns: master id, sample id, YYYYMMDD, CDs, dollars). */
export function cdnowDays(): CdnowDay[] {
  const byKey = new Map<string, CdnowDay>();
  for (const line of readFileSync(FILE, "utf8").split("\n")) {
    const [, customer, ymd, , dollars] = line.trim().split(/\s+/);
    if (customer === undefined || ymd === undefined || dollars === undefined) continue;
    const at = Date.UTC(Number(ymd.slice(0, 4)), Number(ymd.slice(4, 6)) - 1, Number(ymd.slice(6, 8)));
    const key = `${customer}|${at}`;
    const seen = byKey.get(key);
    byKey.set(key, { customer, at, value: (seen?.value ?? 0) + Number(dollars) });
  }
  return [...byKey.values()];
}

// FHL's calibration ends with 1997-09-30 included (T = 38.86 weeks for a 1997-01-01 buyer = 272 days / 7):
// `now` is 1 ms past its midnight so that day's orders count and T stays 272 days to within 1 ms.
export const CALIBRATION_END = new Date(Date.UTC(1997, 8, 30) + 1);

/** One calibration-period customer: (x, t_x, T) in weeks and the values of their purchase days in time order. */
export type CdnowCustomer = { readonly id: string; readonly rft: Rft; readonly values: readonly number[] };

/** Per-customer (x, t_x, T) in weeks for the 39-week calibration, with each purchase day's value. */
export function cdnowCalibration(days: readonly CdnowDay[] = cdnowDays(), end: Date = CALIBRATION_END): CdnowCustomer[] {
  const byCustomer = new Map<string, CdnowDay[]>();
  for (const d of days) {
    if (d.at >= end.getTime()) continue;
    const list = byCustomer.get(d.customer) ?? [];
    list.push(d);
    byCustomer.set(d.customer, list);
  }
  return [...byCustomer].map(([id, list]) => {
    list.sort((p, q) => p.at - q.at);
    const rft = rftOf(list.map((d) => d.at), end, WEEK_MS);
    if (rft === null) throw new Error(`customer ${id} has no calibration order`);
    return { id, rft, values: list.map((d) => d.value) };
  });
}
