import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EventSchema, type Event } from "../../../src/domain/index.js";
import { backtestCommand } from "../../../src/sync/backtest-command.js";

async function* stream<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield await Promise.resolve(item);
}

const order = (contactId: string, at: string): Event => EventSchema.parse({
  id: `${contactId}${at}`, type: "placed_order", contactId, at, orderId: `${contactId}${at}`, value: 10, items: [{ productId: "p", quantity: 1, price: 10 }],
});

const events = [
  order("a", "2024-01-01T00:00:00Z"), order("a", "2024-01-20T00:00:00Z"), order("a", "2024-02-10T00:00:00Z"),
  order("b", "2024-01-05T00:00:00Z"), order("c", "2024-02-01T00:00:00Z"), order("c", "2024-02-03T00:00:00Z"),
];

describe("backtestCommand", () => {
  async function runIn(): Promise<{ dir: string; table: string }> {
    const dir = join(mkdtempSync(join(tmpdir(), "backtest-")), "out");
    const { table } = await backtestCommand({ events: stream(events), cutoff: new Date("2024-02-05T00:00:00Z"), horizonDays: 30, outDir: dir, skipped: new Map([["bad row", 2]]) });
    return { dir, table };
  }

  it("writes predictions.csv with the fixed header and one line per known customer", async () => {
    const { dir } = await runIn();
    const lines = readFileSync(join(dir, "predictions.csv"), "utf8").trimEnd().split("\n");
    expect(lines[0]).toBe("customer_id,expected_orders,p_alive,churn_risk,expected_spend,clv,next_order_date,top_category,segment");
    expect(lines.slice(1).map((l) => l.split(",")[0])).toEqual(["a", "b", "c"]);
  });

  it("writes report.json with both methods and what the input held", async () => {
    const { dir } = await runIn();
    const json = JSON.parse(readFileSync(join(dir, "report.json"), "utf8")) as { tailor: { actualOrders: number }; baseline: { actualOrders: number }; input: { skipped: Record<string, number> } };
    expect([json.tailor.actualOrders, json.baseline.actualOrders, json.input.skipped]).toEqual([1, 1, { "bad row": 2 }]);
  });

  it("writes report.md with the skipped records listed", async () => {
    const { dir } = await runIn();
    expect(readFileSync(join(dir, "report.md"), "utf8")).toContain("- 2 records skipped: bad row");
  });

  it("returns the printed table", async () => {
    const { table } = await runIn();
    expect(table.split("\n")[0]).toBe("Backtest: cutoff 2024-02-05, horizon 30 days, 3 customers (2 repeat, 2 with no order in the horizon)");
  });
});
