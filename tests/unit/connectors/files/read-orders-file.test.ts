import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ordersFormatOf, readOrdersFile, type OrderEvent, type ReadOrdersOptions } from "../../../../src/connectors/files/read-orders-file.js";

const fixture = (name: string) => fileURLToPath(new URL(`../../../fixtures/${name}`, import.meta.url));

async function collect(path: string, options: ReadOrdersOptions): Promise<OrderEvent[]> {
  const out: OrderEvent[] = [];
  for await (const event of readOrdersFile(path, options)) out.push(event);
  return out;
}

function ndjson(lines: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "orders-"));
  const path = join(dir, "orders.ndjson");
  writeFileSync(path, lines.map((l) => `${l}\n`).join(""));
  return path;
}

const ORDER = { id: "o1", type: "placed_order", contactId: "c1", at: "2024-01-02T00:00:00Z", orderId: "o1", value: 12.5, items: [{ productId: "cd", quantity: 1, price: 12.5 }] };

describe("readOrdersFile", () => {
  it("turns each Online Retail invoice into one order event", async () => {
    const events = await collect(fixture("online-retail/online_retail_iso.csv"), { format: "online-retail" });
    expect(events.map((e) => [e.type, e.contactId, e.orderId])).toEqual([["placed_order", "17850", "536365"], ["placed_order", "17850", "536366"], ["placed_order", "13047", "536367"]]);
  });

  it("reads NDJSON orders as domain events with dates", async () => {
    const [event] = await collect(ndjson([JSON.stringify(ORDER)]), { format: "ndjson" });
    expect(event?.at).toEqual(new Date("2024-01-02T00:00:00Z"));
  });

  it("skips events that are not orders or refunds, and counts them", async () => {
    const skipped = new Map<string, number>();
    const view = { id: "v1", type: "viewed_product", contactId: "c1", at: "2024-01-02T00:00:00Z", productId: "p" };
    const events = await collect(ndjson([JSON.stringify(view), JSON.stringify(ORDER)]), { format: "ndjson", skipped });
    expect(events).toHaveLength(1);
    expect([...skipped]).toEqual([["not an order event: viewed_product", 1]]);
  });

  it("counts invalid records by reason instead of throwing", async () => {
    const skipped = new Map<string, number>();
    await collect(ndjson(["{not json", JSON.stringify({ ...ORDER, contactId: "" }), JSON.stringify({ ...ORDER, id: "o2", contactId: "" })]), { format: "ndjson", skipped });
    expect(skipped.get("contactId: Too small: expected string to have >=1 characters")).toBe(2);
  });

  it("refuses a CSV that is not the Online Retail layout", async () => {
    const dir = mkdtempSync(join(tmpdir(), "orders-"));
    writeFileSync(join(dir, "x.csv"), "a,b\n1,2\n");
    await expect(collect(join(dir, "x.csv"), { format: "online-retail" })).rejects.toThrow("x.csv: not the Online Retail layout (header: a,b)");
  });
});

describe("ordersFormatOf", () => {
  it.each([
    { path: "orders.ndjson", format: "ndjson" },
    { path: "orders.ndjson.gz", format: "ndjson" },
    { path: "online_retail.csv.gz", format: "online-retail" },
    { path: "export.csv", format: "online-retail" },
  ])("reads $path as $format", ({ path, format }) => {
    expect(ordersFormatOf(path)).toBe(format);
  });
});
