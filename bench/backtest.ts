// Runs the issue-4 backtests and prints their tables and wall times:
//   npx tsx bench/backtest.ts
// CDNOW (sample and master; cutoff 1997-10-01, horizon 273 days) and the full Online Retail export
// (cutoff 2011-09-09, horizon 90 days), read from ../shared/data. Reports go to .tailor/backtest/<name>/.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readOrdersFile } from "../src/connectors/files/read-orders-file.js";
import { EventSchema, type Event } from "../src/domain/index.js";
import { backtestCommand } from "../src/sync/backtest-command.js";
import { cdnowToOrders } from "../scripts/cdnow-to-ndjson.js";

const DATA = join(import.meta.dirname, "..", "..", "shared", "data");
const OUT = join(import.meta.dirname, "..", ".tailor", "backtest");

async function* cdnowEvents(file: string): AsyncGenerator<Event> {
  for (const order of cdnowToOrders(readFileSync(join(DATA, "cdnow", file), "utf8"))) yield await Promise.resolve(EventSchema.parse(order));
}

async function timed(name: string, run: (outDir: string) => Promise<{ table: string }>): Promise<void> {
  const started = performance.now();
  const { table } = await run(join(OUT, name));
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`\n== ${name} (${seconds.toFixed(1)} s, peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB)\n${table}\n`);
}

for (const file of ["CDNOW_sample.txt", "CDNOW_master.txt"]) {
  await timed(file.replace(".txt", ""), (outDir) => backtestCommand({ events: cdnowEvents(file), cutoff: new Date("1997-10-01T00:00:00Z"), horizonDays: 273, outDir }));
}
const skipped = new Map<string, number>();
await timed("online-retail", (outDir) => backtestCommand({
  events: readOrdersFile(join(DATA, "online-retail", "online_retail.csv.gz"), { format: "online-retail", skipped }),
  cutoff: new Date("2011-09-09T00:00:00Z"), horizonDays: 90, outDir, skipped,
}));
