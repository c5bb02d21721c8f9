// Klaviyo write-back bench: 100,000 changed profiles, about 50 tailor_* values each (types from
// PROPERTIES, seeded), pushed through createKlaviyoCall + klaviyoLimiters + pushChanges against
// tests/helpers/klaviyo-mock.ts in a worker thread (so its JSON work never delays the client),
// 10,000 changes per pushChanges call and BENCH_IN_FLIGHT (default 4) calls at once, like run-sync.
//
// The ceiling. With Klaviyo's published limits (bulk_import_profiles 10/s and 150/min) 100k profiles
// need only ~50 jobs, so job creation never binds: that run is bound by how long Klaviyo takes to
// process a job, which it does not publish (the mock takes BENCH_JOB_MS). To see how close the
// client gets to a rate limit, the first run lowers the create limit on both sides so it binds:
// BENCH_CREATE_PER_MIN (default 10) in the 60-second window, BENCH_CREATE_BURST (default 10, the
// published figure) in the 1-second one. The ceiling is the fastest schedule those two windows allow
// for the jobs the 5 MB packing needs, plus one job's processing time for the last job: no client can
// finish sooner. Profiles per job come from packing these profiles in 10,000-change calls (what the
// connector's maxBatch hands pushChanges); the figure for full jobs (all 100k packed as one stream)
// is printed too. The second run uses the published limits and prints elapsed and profiles/s. A
// third, unchanged run (diff of the same profiles, as run-sync does) must make 0 calls.
//
// BENCH_PROFILES (100000), BENCH_IN_FLIGHT (4), BENCH_CREATE_PER_MIN (10), BENCH_CREATE_BURST (10),
// BENCH_JOB_MS (2000), BENCH_LATENCY_MS (50: every answer's delay), BENCH_SEED (7).
import { setTimeout as delay } from "node:timers/promises";
import { isMainThread, parentPort, Worker } from "node:worker_threads";
import { createKlaviyoCall, klaviyoLimiters } from "../src/connectors/klaviyo/client.js";
import type { KlaviyoCall } from "../src/connectors/klaviyo/klaviyo-call.js";
import { IMPORT_JOB_LIMITS, pushChanges, toKlaviyoValue, type ImportProfile, type KlaviyoValue } from "../src/connectors/klaviyo/push.js";
import type { KlaviyoOperation } from "../src/connectors/klaviyo/rate-limits.js";
import { defaultRetryPolicy } from "../src/connectors/shared/retry.js";
import { PROPERTIES, type Contact, type Profile, type PropertyDefinition, type PropertyValue } from "../src/domain/index.js";
import { chunk } from "../src/sync/chunk.js";
import { diff } from "../src/sync/diff.js";
import { startKlaviyoMock, type KlaviyoMock, type KlaviyoMockOptions, type KlaviyoMockStats } from "../tests/helpers/klaviyo-mock.js";

const profileCount = Number(process.env.BENCH_PROFILES ?? 100_000);
const inFlight = Number(process.env.BENCH_IN_FLIGHT ?? 4);
const createPerMinute = Number(process.env.BENCH_CREATE_PER_MIN ?? 10);
const createBurst = Number(process.env.BENCH_CREATE_BURST ?? 10);
const jobMs = Number(process.env.BENCH_JOB_MS ?? 2_000);
const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 50);
const seed = Number(process.env.BENCH_SEED ?? 7);
const PER_CALL = IMPORT_JOB_LIMITS.profiles; // what the connector's maxBatch hands pushChanges
const PROPERTIES_PER_PROFILE = 50;
const now = () => performance.now();
const sleep = async (ms: number) => { await delay(ms); };

type Limits = Partial<Record<KlaviyoOperation, { burst: number; steady: number }>>;
type Message = { cmd: "start"; options: KlaviyoMockOptions } | { cmd: "stats" } | { cmd: "close" };
type Written = Map<string, Record<string, PropertyValue>>;

/** The mock Klaviyo, in the worker thread: (re)started per run, asked for stats, closed. */
function serve(): void {
  const port = parentPort;
  if (port === null) return;
  let mock: KlaviyoMock | null = null;
  port.on("message", (message: Message) => {
    void (async () => {
      if (message.cmd === "start") {
        await mock?.close();
        mock = await startKlaviyoMock(message.options);
        port.postMessage(mock.url);
      } else if (message.cmd === "stats") {
        port.postMessage(mock?.stats() ?? null);
      } else {
        await mock?.close();
        port.close(); // nothing else keeps the worker alive: it exits
      }
    })();
  });
}

/** Seeded uniform [0, 1) (mulberry32), so every run scores the same profiles. */
function rng(start: number): () => number {
  let a = start >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const WORDS = ["organic", "cotton", "linen", "classic", "everyday", "merino", "slim", "relaxed", "recycled", "tee", "hoodie", "jacket", "sneaker", "tote", "beanie", "dress", "shirt", "chino"];
const CATEGORIES = ["Apparel > Tops", "Apparel > Outerwear", "Footwear > Sneakers", "Accessories > Bags", "Home > Textiles"];
const SEGMENTS = ["Win-back", "VIP", "New subscribers", "Discount hunters", ""];

const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)] as T;
const words = (n: number, random: () => number): string => Array.from({ length: n }, () => pick(WORDS, random)).join(" ");
const slug = (random: () => number): string => `${words(3, random).replaceAll(" ", "-")}-${Math.floor(random() * 9000) + 1000}`;

/** A value a scored profile would plausibly hold for `def` (the engine's kinds of values, not its logic). */
function valueFor(def: PropertyDefinition, random: () => number): PropertyValue {
  if (random() < 0.05) return def.type === "boolean" ? false : null; // a few values cleared
  if (/^tailor_(rec_\d|abandoned_product|replenish_product)$/.test(def.name)) return `prod-${Math.floor(random() * 90_000) + 10_000}`;
  if (def.name.endsWith("_title")) return words(4, random);
  if (def.name.endsWith("_url")) return `https://shop.example.com/products/${slug(random)}`;
  if (def.name.endsWith("_image")) return `https://cdn.shop.example.com/files/${slug(random)}_800x800.jpg`;
  if (def.name.endsWith("_category")) return pick(CATEGORIES, random);
  if (def.name === "tailor_segment") return pick(SEGMENTS, random);
  if (def.name === "tailor_segment_why" || def.name === "tailor_suppress_reason") return `${words(6, random)}: orders ${Math.floor(random() * 9)} >= 2, last order ${Math.floor(random() * 300)} days ago`;
  if (def.name === "tailor_variant") return `send_time=${pick(["treated", "holdout"], random)} recommendations=${pick(["treated", "holdout"], random)} segments=off`;
  switch (def.type) {
    case "number": return Math.round(random() * 100_000) / 100;
    case "boolean": return random() < 0.5;
    case "date": return new Date(Date.UTC(2026, 0, 1) + Math.floor(random() * 365) * 86_400_000).toISOString().slice(0, 10);
    case "datetime": return new Date(Date.UTC(2026, 10, 1) + Math.floor(random() * 86_400) * 60_000).toISOString();
    case "enumeration": return pick(def.options ?? [""], random);
    case "string": return words(2, random);
  }
}

/** `n` items of `items` in a seeded random order (a partial Fisher-Yates shuffle). */
function sample<T>(items: readonly T[], n: number, random: () => number): T[] {
  const pool = [...items];
  for (let i = 0; i < Math.min(n, pool.length); i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j] as T, pool[i] as T];
  }
  return pool.slice(0, n);
}

const byName = new Map(PROPERTIES.map((p) => [p.name, p]));

/** The import entry pushChanges builds for these values, to size jobs the way it packs them. */
function entryBytes(espId: string, values: Readonly<Record<string, PropertyValue>>): number {
  const properties: Record<string, KlaviyoValue> = {};
  for (const [name, value] of Object.entries(values)) {
    const def = byName.get(name);
    if (def === undefined) continue;
    const converted = toKlaviyoValue(def.type, value, def.options);
    if (converted.ok) properties[name] = converted.value;
  }
  const entry: ImportProfile = { type: "profile", id: espId, attributes: { properties } };
  return Buffer.byteLength(JSON.stringify(entry));
}

/** How many jobs a stream of entries of these sizes takes, packed greedily by both limits. */
function jobsFor(sizes: readonly number[]): number {
  const envelope = Buffer.byteLength(JSON.stringify({ data: { type: "profile-bulk-import-job", attributes: { profiles: { data: [] } } } }));
  let jobs = 0;
  let count = 0;
  let bytes = envelope;
  for (const size of sizes) {
    if (count > 0 && (count >= IMPORT_JOB_LIMITS.profiles || bytes + 1 + size > IMPORT_JOB_LIMITS.bytes)) {
      jobs++;
      count = 0;
      bytes = envelope;
    }
    bytes += (count === 0 ? 0 : 1) + size;
    count++;
  }
  return jobs + (count > 0 ? 1 : 0);
}

/**
 * When each of `n` creations may start at the earliest under a burst window (1 s) and a steady
 * window (60 s), sliding as the mock enforces them, the first at 0.
 */
function fastestStarts(n: number, burst: number, steady: number): number[] {
  const starts: number[] = [];
  for (let i = 0; i < n; i++) {
    let t = starts.at(-1) ?? 0;
    if (starts.length >= burst) t = Math.max(t, (starts[starts.length - burst] ?? 0) + 1_000);
    if (starts.length >= steady) t = Math.max(t, (starts[starts.length - steady] ?? 0) + 60_000);
    starts.push(t);
  }
  return starts;
}

async function bench(): Promise<void> {
  // Node 20 does not hand tsx's loader to workers: the worker registers it, then loads this file.
  const worker = new Worker(`import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); });`, { eval: true });
  const ask = <T>(message: Message): Promise<T> => {
    const answer = new Promise<T>((resolve) => worker.once("message", resolve));
    worker.postMessage(message);
    return answer;
  };

  // What the engine would have scored: ~50 properties per contact, all new on the first run.
  const random = rng(seed);
  const contacts = new Map<string, Contact>();
  const profiles: Profile[] = [];
  const sizes: number[] = [];
  const createdAt = new Date("2025-01-01T00:00:00.000Z");
  for (let i = 0; i < profileCount; i++) {
    const id = `c${i}`;
    const espId = `01KLAVIYOBENCH${String(i).padStart(12, "0")}`;
    contacts.set(id, { id, espIds: { klaviyo: espId }, createdAt, consent: "subscribed", preferences: {} });
    const chosen = sample(PROPERTIES, PROPERTIES_PER_PROFILE, random);
    const values = Object.fromEntries(chosen.map((def) => [def.name, valueFor(def, random)]));
    profiles.push({ contactId: id, properties: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { value: v, why: "bench" }])) });
    sizes.push(entryBytes(espId, Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null && v !== ""))));
  }
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  const fullJobs = jobsFor(sizes);
  const batchJobs = chunk(sizes, PER_CALL).reduce((n, part) => n + jobsFor(part), 0);

  /** One run against a fresh mock with `limits` on both sides; records accepted values as written, like run-sync. */
  async function run(written: Written, limits: Limits) {
    const url = await ask<string>({ cmd: "start", options: { limits, processingMs: jobMs, latencyMs, rateHeaders: true } });
    let retries = 0;
    const retryReasons = new Map<string, number>();
    const call = createKlaviyoCall({
      auth: () => Promise.resolve({ scheme: "private", token: "pk_bench_fake_0000000000000000" }),
      basePath: url,
      limiters: klaviyoLimiters(now, sleep, limits),
      retry: defaultRetryPolicy({
        onRetry: ({ error }) => {
          retries++;
          const reason = error instanceof Error ? error.message.replace(/\d+/g, "#") : String(error);
          retryReasons.set(reason, (retryReasons.get(reason) ?? 0) + 1);
        },
      }),
      now: () => Date.now(),
    });
    // When each job creation ran on the wire (after its limiter let it go), relative to the run's start.
    const creates: { start: number; end: number }[] = [];
    const timed: KlaviyoCall = (operation, what, fn) => call(operation, what, async (apis) => {
      const start = now();
      const result = await fn(apis);
      if (operation === "bulk_import_profiles") creates.push({ start: start - started, end: now() - started });
      return result;
    });
    const changes = diff(written, profiles, contacts, "klaviyo");
    const batches = chunk(changes, PER_CALL);
    const started = now();
    let failed = 0;
    let next = 0;
    const lane = async () => {
      for (let i = next++; i < batches.length; i = next++) {
        const batch = batches[i] ?? [];
        const report = await pushChanges(timed, batch, { now, sleep });
        failed += report.failed.length;
        const refused = new Set(report.failed.map((f) => f.contactId));
        for (const c of batch) if (!refused.has(c.contactId)) written.set(c.contactId, { ...written.get(c.contactId), ...c.set });
      }
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
    const seconds = (now() - started) / 1000;
    const stats = await ask<KlaviyoMockStats>({ cmd: "stats" });
    return { changes: changes.length, failed, seconds, stats, retries, retryReasons, creates };
  }

  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const print = (label: string, r: Awaited<ReturnType<typeof run>>) => {
    const calls = Object.entries(r.stats.calls).map(([op, n]) => `${op} ${n}`).join(", ") || "none";
    console.log(`${label}: ${fmt(r.changes)} changed profiles in ${r.stats.jobs} jobs; ${fmt(r.stats.profilesWritten)} written (${r.stats.duplicates} written twice), ${r.failed} failed`);
    console.log(`    calls: ${calls}; ${r.stats.throttledTotal} answered 429, ${r.retries} retries; ${r.seconds.toFixed(2)} s, ${fmt(r.changes / r.seconds)} profiles/s`);
    for (const [reason, n] of r.retryReasons) console.log(`    retried ${n}x: ${reason}`);
  };

  try {
    console.log(`klaviyo push bench: ${fmt(profileCount)} profiles x ${PROPERTIES_PER_PROFILE} properties (seed ${seed}), import entries ${(totalBytes / 1e6).toFixed(1)} MB (${fmt(totalBytes / profileCount)} bytes each); ${fmt(PER_CALL)} per pushChanges, ${inFlight} in flight; mock: job ${jobMs} ms, latency ${latencyMs} ms`);
    console.log(`    5 MB packing: ${batchJobs} jobs in ${fmt(PER_CALL)}-change calls (${fmt(profileCount / batchJobs)} profiles per job), ${fullJobs} jobs packed as one stream (${fmt(profileCount / fullJobs)} per full job)`);

    const bound: Limits = { bulk_import_profiles: { burst: createBurst, steady: createPerMinute } };
    const ceiling = await run(new Map(), bound);
    const ceilingSeconds = ((fastestStarts(batchJobs, createBurst, createPerMinute).at(-1) ?? 0) + jobMs) / 1000;
    const fullSeconds = ((fastestStarts(fullJobs, createBurst, createPerMinute).at(-1) ?? 0) + jobMs) / 1000;
    print(`ceiling run, bulk_import_profiles limited to ${createBurst}/s and ${createPerMinute}/min (BENCH_CREATE_BURST, BENCH_CREATE_PER_MIN)`, ceiling);
    console.log(`    ceiling: ${batchJobs} jobs of ${fmt(profileCount / batchJobs)} profiles need ${ceilingSeconds.toFixed(2)} s = ${fmt(profileCount / ceilingSeconds)} profiles/s; the run reached ${pct(ceilingSeconds / ceiling.seconds)} of it`);
    const windows = ceiling.creates.filter((_, i) => i % createPerMinute === 0).map((c) => (c.start / 1000).toFixed(1));
    const lastCreate = ceiling.creates.at(-1);
    console.log(`    each window's first creation started at ${windows.join(", ")} s (the ceiling: every 60 s from 0); the last creation ended at ${((lastCreate?.end ?? 0) / 1000).toFixed(1)} s; mean creation ${(ceiling.creates.reduce((a, c) => a + c.end - c.start, 0) / Math.max(1, ceiling.creates.length)).toFixed(0)} ms on the wire`);
    console.log(`    against full jobs (${fullJobs} jobs, ${fullSeconds.toFixed(2)} s = ${fmt(profileCount / fullSeconds)} profiles/s) it reached ${pct(fullSeconds / ceiling.seconds)}`);

    const written: Written = new Map();
    print("published limits (bulk_import_profiles 10/s, 150/min; job reads 10/s, 150/min)", await run(written, {}));
    const unchanged = await run(written, {});
    const unchangedCalls = Object.values(unchanged.stats.calls).reduce((a, b) => a + b, 0) + unchanged.stats.throttledTotal;
    console.log(`second run, nothing changed: ${unchanged.changes} changed profiles, ${unchangedCalls} calls (must be 0)`);
    if (unchangedCalls !== 0 || ceiling.stats.duplicates !== 0) process.exitCode = 1;
  } finally {
    const exited = new Promise((resolve) => worker.once("exit", resolve));
    worker.postMessage({ cmd: "close" } satisfies Message);
    await exited;
  }
}

// Last, so every constant above is initialised before either thread starts.
if (isMainThread) await bench();
else serve();
