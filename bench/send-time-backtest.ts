// Send-time backtest on the demo store (issue item 1): does the chosen hour catch more of each
// contact's later clicks than the population hour does?
//   npx tsx bench/send-time-backtest.ts
// Generates the demo store as `tailor demo` does (3,000 contacts, 300 products, 120 days, seed 42;
// `now` fixed so the figures replay) into a temp dir, reads it back through the files connector
// and the cleaner, folds the events before a cutoff 28 days before the end and scores the clicks after:
// once with alpha0 estimated (the default), then with fixed alpha0 values to show how much shrinkage costs.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFilesConnector } from "../src/connectors/files/connector.js";
import { generateDemoStore } from "../src/demo/generate-demo-store.js";
import { defaultSettings, type Event, type Page, type Settings } from "../src/domain/index.js";
import { formatSendTimeBacktest, sendTimeBacktest } from "../src/engine/backtest/send-time-backtest.js";
import { createCleaner } from "../src/ingest/create-cleaner.js";

const NOW = new Date("2025-06-01T12:00:00Z");
const DAY_MS = 86_400_000;
const CUTOFF = new Date(NOW.getTime() - 28 * DAY_MS);

const settings = defaultSettings();
const withStrength = (priorStrength: Settings["sendTime"]["priorStrength"]): Settings => ({ ...settings, sendTime: { ...settings.sendTime, priorStrength } });
const seconds = (since: number): string => `${((performance.now() - since) / 1000).toFixed(1)} s`;
let started = performance.now();
const dir = await mkdtemp(join(tmpdir(), "tailor-send-time-"));
try {
  // BENCH_CONTACTS=20000 for a tighter figure; 3,000 is the `tailor demo` shop.
  await generateDemoStore({ dir, seed: 42, contacts: Number(process.env.BENCH_CONTACTS ?? 3000), products: 300, days: 120, now: NOW });
  process.stdout.write(`generated the demo store in ${seconds(started)}\n`);

  started = performance.now();
  const connector = createFilesConnector({ inputDir: dir, outputDir: join(dir, "out") });
  const cleaner = createCleaner(settings.cleaning, null);
  const records = async (pages: AsyncIterable<Page>): Promise<unknown[]> => {
    const all: unknown[] = [];
    for await (const page of pages) all.push(...page.records);
    return all;
  };
  const zones = new Map<string, string | undefined>();
  for (const c of cleaner.contacts(await records(connector.pullContacts(null))).records) zones.set(c.id, c.timezone);
  cleaner.products(await records(connector.pullProducts(null)));
  const events: Event[] = cleaner.events(await records(connector.pullEvents(null))).records;
  process.stdout.write(`read and cleaned ${zones.size} contacts and ${events.length} events in ${seconds(started)}\n`);

  for (const priorStrength of ["auto", 2, 8, 32, 128] as const) {
    started = performance.now();
    const report = sendTimeBacktest({ events, zones, cutoff: CUTOFF, end: NOW, settings: withStrength(priorStrength) });
    process.stdout.write(`\n== priorStrength ${priorStrength} (${seconds(started)})\n${formatSendTimeBacktest(report)}\n`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
