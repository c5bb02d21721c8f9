// Full-run bench: a generated shop of 100,000 contacts (~2M events) through one complete sync
// (files connector -> ingest -> engine -> diff -> push, lowdb store), then a second, incremental
// run. Prints records/s and peak RSS, and the ratio to a baseline measured in the same process:
// reading and JSON-parsing the same files with nothing else done (the I/O floor).
import { createReadStream, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createFilesConnector } from "../src/connectors/files/connector.js";
import { generateDemoStore } from "../src/demo/generate-demo-store.js";
import { createLowdbStore } from "../src/store/lowdb-store.js";
import { runSync } from "../src/sync/run-sync.js";

const contacts = Number(process.env.BENCH_CONTACTS ?? 100_000);
const NOW = new Date("2026-11-01T00:00:00Z");
const work = mkdtempSync(join(tmpdir(), "tailor-bench-"));
const input = join(work, "input");
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const peakRss = () => process.resourceUsage().maxRSS * 1024;

async function baseline(dir: string): Promise<{ records: number; ms: number }> {
  const started = performance.now();
  let records = 0;
  for (const file of readdirSync(dir)) {
    const lines = createInterface({ input: createReadStream(join(dir, file)), crlfDelay: Infinity });
    for await (const line of lines) {
      if (file.endsWith(".ndjson")) {
        try { JSON.parse(line); } catch { /* counted like any other line */ }
      } else line.split(",");
      records++;
    }
  }
  return { records, ms: performance.now() - started };
}

try {
  let t = performance.now();
  const stats = await generateDemoStore({ dir: input, seed: 1, contacts, products: 2_000, days: 120, now: NOW });
  const size = readdirSync(input).reduce((n, f) => n + statSync(join(input, f)).size, 0);
  console.log(`generated ${stats.contacts.toLocaleString("en-US")} contacts, ${stats.products.toLocaleString("en-US")} products, ${stats.events.toLocaleString("en-US")} events (${mb(size)}) in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  const floor = await baseline(input);
  const floorRate = floor.records / (floor.ms / 1000);
  console.log(`baseline  read+parse only: ${floor.records.toLocaleString("en-US")} records in ${(floor.ms / 1000).toFixed(1)} s = ${Math.round(floorRate).toLocaleString("en-US")} records/s`);

  const store = await createLowdbStore(join(work, "store"));
  await store.saveInstallation({ id: "bench", esp: "files", name: "bench", createdAt: NOW.toISOString(), propertiesDefined: [] });
  const connector = createFilesConnector({ inputDir: input, outputDir: join(work, "output") });
  const phases: Record<string, number> = {};
  let phase = "";
  let phaseStart = performance.now();
  const onProgress = (p: { phase: string }) => {
    if (p.phase === phase) return;
    if (phase) phases[phase] = performance.now() - phaseStart;
    phase = p.phase;
    phaseStart = performance.now();
  };
  t = performance.now();
  const first = await runSync({ connector, store, now: () => NOW, seed: 1, onProgress }, "bench");
  const ms = performance.now() - t;
  phases[phase] = performance.now() - phaseStart;
  const received = first.summary.ingest.received;
  const records = received.contacts + received.products + received.events;
  const rate = records / (ms / 1000);
  console.log(`full run  ${records.toLocaleString("en-US")} records in ${(ms / 1000).toFixed(1)} s = ${Math.round(rate).toLocaleString("en-US")} records/s (${(rate / floorRate).toFixed(2)}x the read+parse baseline)`);
  console.log(`          phases: ${Object.entries(phases).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(", ")}`);
  console.log(`          quarantined ${first.summary.quarantined}, scored ${first.summary.contactsScored.toLocaleString("en-US")}, wrote ${first.summary.written.toLocaleString("en-US")} contacts / ${first.summary.propertiesChanged.toLocaleString("en-US")} values in ${first.summary.writeCalls} calls`);

  t = performance.now();
  const second = await runSync({ connector, store, now: () => NOW, seed: 1 }, "bench");
  console.log(`second run (nothing new): ${((performance.now() - t) / 1000).toFixed(1)} s, ${second.summary.written} contacts written`);
  console.log(`peak RSS ${mb(peakRss())}`);
} finally {
  if (existsSync(work)) rmSync(work, { recursive: true, force: true });
}
