import { basename } from "node:path";
import { readCsv, readCsvHeader } from "./read-csv.js";

/** A product as the backtest's catalog file gives it: the id, and the category when the file has one. */
export type CatalogRow = { readonly id: string; readonly category: string };

/**
 * Streams the `--products` catalog CSV (product_id,title,category,price,inventory,margin,replenish_days;
 * only product_id is required). Rows without a product id are skipped: they name nothing to look up.
 */
export async function* readCatalogFile(path: string): AsyncGenerator<CatalogRow> {
  const header = await readCsvHeader(path);
  if (header === null) return;
  if (!header.columns.includes("product_id")) throw new Error(`${basename(path)}: a catalog needs a product_id column (header: ${header.columns.join(",")})`);
  for await (const item of readCsv(path, header.columns, header.end)) {
    const id = item.row?.product_id?.trim() ?? "";
    if (id !== "") yield { id, category: item.row?.category?.trim() ?? "" };
  }
}
