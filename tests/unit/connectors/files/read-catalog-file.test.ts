import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readCatalogFile, type CatalogRow } from "../../../../src/connectors/files/read-catalog-file.js";

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "catalog-")), "products.csv");
  writeFileSync(path, text);
  return path;
}

async function collect(path: string): Promise<CatalogRow[]> {
  const out: CatalogRow[] = [];
  for await (const row of readCatalogFile(path)) out.push(row);
  return out;
}

describe("readCatalogFile", () => {
  it("reads product ids and categories, blank category when absent", async () => {
    const rows = await collect(file("product_id,title,category,price\n85123A,Heart,Home/Lights,2.55\n71053,Lantern,,3.39\n"));
    expect(rows).toEqual([{ id: "85123A", category: "Home/Lights" }, { id: "71053", category: "" }]);
  });

  it("accepts a file with only the product_id column", async () => {
    expect(await collect(file("product_id\np1\n"))).toEqual([{ id: "p1", category: "" }]);
  });

  it("skips rows without a product id", async () => {
    expect(await collect(file("product_id,category\n,shoes\np2,bags\n"))).toEqual([{ id: "p2", category: "bags" }]);
  });

  it("refuses a file without a product_id column", async () => {
    await expect(collect(file("id,category\np1,x\n"))).rejects.toThrow("products.csv: a catalog needs a product_id column (header: id,category)");
  });
});
