// HubSpot write-back bench: 100,000 changed contacts (1,000 batch calls) through createHubSpotCall +
// pushChanges, against tests/helpers/ceiling-server.ts enforcing HubSpot's 100 requests / 10 s
// rolling limit the way HubSpot does (429 with policyName TEN_SECONDLY_ROLLING, rate headers on
// every answer). The server runs in a worker thread, so its JSON work never delays the client.
//
// Time is scaled: BENCH_SCALE=10 (default) runs 100 requests per 1 s on both sides, the same ratio
// 10x faster; BENCH_SCALE=1 is the real window. The server answers after BENCH_LATENCY_MS (default
// 200 ms real, a batch update's round trip; scaled too). Prints requests/s as a share of the ceiling
// (goal >= 90 %), 429s and time, sending one batch at a time (what run-sync's pushAll does today)
// and BENCH_IN_FLIGHT (default 4) at once; then a second, unchanged run, which must make 0 calls.
import { setTimeout as delay } from "node:timers/promises";
import { isMainThread, parentPort, Worker } from "node:worker_threads";
import { createHubSpotCall } from "../src/connectors/hubspot/client.js";
import { pushChanges } from "../src/connectors/hubspot/push.js";
import { createRateLimiter, HUBSPOT_LIMITS, HUBSPOT_WINDOW_SLACK } from "../src/connectors/shared/rate-limit.js";
import { defaultRetryPolicy } from "../src/connectors/shared/retry.js";
import type { Contact, Profile, PropertyValue } from "../src/domain/index.js";
import { chunk } from "../src/sync/chunk.js";
import { diff } from "../src/sync/diff.js";
import { startCeilingServer, type CeilingServer } from "../tests/helpers/ceiling-server.js";

const scale = Number(process.env.BENCH_SCALE ?? 10);
const contactCount = Number(process.env.BENCH_CONTACTS ?? 100_000);
const inFlight = Number(process.env.BENCH_IN_FLIGHT ?? 4);
// BENCH_SLACK widens our window further (0.02 = 2 % more than HUBSPOT_LIMITS' own slack).
const slack = Number(process.env.BENCH_SLACK ?? 0);
const max = HUBSPOT_LIMITS.standard.max;
// The mock enforces HubSpot's published 100 / 10 s; our limiter runs it with hubspotLimiters' 2 % slack.
const intervalMs = HUBSPOT_LIMITS.standard.intervalMs / scale;
const limiterIntervalMs = intervalMs * (1 + HUBSPOT_WINDOW_SLACK);
const ceilingPerSecond = (max / intervalMs) * 1000;
const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 200) / scale;
const now = () => performance.now();
const sleep = async (ms: number) => { await delay(ms); };

type Update = { inputs: { id: string; properties: Record<string, string> }[] };
type Stats = ReturnType<CeilingServer["stats"]>;
type Written = Map<string, Record<string, PropertyValue>>;

if (isMainThread) await bench();
else await serve();

/** The mock HubSpot, in the worker thread; answers "stats" and "close" messages. */
async function serve(): Promise<void> {
  const port = parentPort;
  if (port === null) return;
  const server = await startCeilingServer({
    max,
    intervalMs,
    handler: async (_req, body) => {
      await delay(latencyMs);
      const { inputs } = JSON.parse(body) as Update;
      const at = new Date().toISOString();
      const results = inputs.map((i) => ({ id: i.id, properties: i.properties, createdAt: at, updatedAt: at, archived: false }));
      return { status: 200, body: { status: "COMPLETE", results, startedAt: at, completedAt: at } };
    },
  });
  port.on("message", (message: string) => {
    if (message === "stats") port.postMessage(server.stats());
    else void server.close().then(() => { port.close(); });
  });
  port.postMessage(server.url);
}

async function bench(): Promise<void> {
  // Node 20 does not hand tsx's loader to workers: the worker registers it, then loads this file.
  const worker = new Worker(`import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); });`, { eval: true });
  const reply = <T>(): Promise<T> => new Promise((resolve) => worker.once("message", resolve));
  const url = await reply<string>();
  const serverStats = (): Promise<Stats> => { const answer = reply<Stats>(); worker.postMessage("stats"); return answer; };

  let retries = 0;
  const limiters = {
    standard: createRateLimiter({ max, intervalMs: limiterIntervalMs * (1 + slack), now, sleep }),
    search: createRateLimiter({ max: HUBSPOT_LIMITS.search.max, intervalMs: HUBSPOT_LIMITS.search.intervalMs / scale, now, sleep }),
  };
  const call = createHubSpotCall({
    accessToken: () => Promise.resolve("pat-bench-fake-token"),
    basePath: url,
    limiters,
    retry: defaultRetryPolicy({ baseDelayMs: 500 / scale, maxDelayMs: 30_000 / scale, onRetry: () => { retries++; } }),
    now: () => Date.now(),
  });

  // What the engine would have scored: a handful of properties per contact, all new on the first run.
  const contacts = new Map<string, Contact>();
  const profiles: Profile[] = [];
  const createdAt = new Date("2025-01-01T00:00:00.000Z");
  const stages = ["new_lead", "new_customer", "active_customer", "lapsing", "churned"] as const;
  for (let i = 0; i < contactCount; i++) {
    const id = `c${i}`;
    contacts.set(id, { id, espIds: { hubspot: String(100_000 + i) }, createdAt, consent: "subscribed", preferences: {} });
    const values: Record<string, PropertyValue> = {
      tailor_lifecycle: stages[i % stages.length] ?? "new_lead",
      tailor_churn_risk: (i % 100) / 100,
      tailor_fatigued: i % 3 === 0,
      tailor_next_order_date: "2026-11-19",
      tailor_segment: i % 4 === 0 ? "Win-back" : "",
    };
    profiles.push({ contactId: id, properties: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { value: v, why: "bench" }])) });
  }

  /** Diffs and pushes like run-sync: 100 per call, accepted values recorded as written; `lanes` batches in flight. */
  async function run(written: Written, lanes: number) {
    const changes = diff(written, profiles, contacts, "hubspot");
    const batches = chunk(changes, 100);
    const before = await serverStats();
    const retriesBefore = retries;
    const started = now();
    const finished: number[] = [];
    let failed = 0;
    let nextBatch = 0;
    const lane = async () => {
      for (let i = nextBatch++; i < batches.length; i = nextBatch++) {
        const batch = batches[i] ?? [];
        const report = await pushChanges(call, batch);
        finished.push(now());
        failed += report.failed.length;
        const refused = new Set(report.failed.map((f) => f.contactId));
        for (const c of batch) if (!refused.has(c.contactId)) written.set(c.contactId, { ...written.get(c.contactId), ...c.set });
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
    const after = await serverStats();
    return { changes: changes.length, failed, finished, started, accepted: after.accepted - before.accepted, refused: after.refused - before.refused, retries: retries - retriesBefore };
  }

  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const print = (label: string, r: Awaited<ReturnType<typeof run>>) => {
    const last = r.finished.at(-1) ?? r.started;
    const seconds = (last - r.started) / 1000;
    // The window starts empty, so the first `max` calls go at once; the steady rate is measured
    // from the end of that burst to the last call, which is what a long run settles to.
    const afterBurst = r.finished[max - 1] ?? r.started;
    const steady = (r.finished.length - max) / ((last - afterBurst) / 1000);
    console.log(`${label}: ${r.changes.toLocaleString("en-US")} changed contacts, ${r.accepted.toLocaleString("en-US")} calls accepted, ${r.refused} answered 429, ${r.retries} retries, ${r.failed} records failed`);
    console.log(`    ${seconds.toFixed(2)} s (${(seconds * scale).toFixed(0)} s at the real window); ${(r.accepted / seconds).toFixed(1)} requests/s overall = ${pct(r.accepted / seconds / ceilingPerSecond)} of the ceiling, ${steady.toFixed(1)} requests/s after the first window = ${pct(steady / ceilingPerSecond)}`);
  };

  try {
    console.log(`hubspot push bench: ${contactCount.toLocaleString("en-US")} contacts; scale 1/${scale}: ceiling ${max} requests / ${intervalMs} ms = ${ceilingPerSecond.toFixed(0)} requests/s; server latency ${latencyMs} ms; limiter slack ${pct(slack)}`);
    print("sequential, 1 batch in flight (sync.pushConcurrency 1)", await run(new Map(), 1));
    await delay(intervalMs);
    const written: Written = new Map();
    print(`pipelined, ${inFlight} batches in flight (sync.pushConcurrency default 4)`, await run(written, inFlight));
    const unchanged = await run(written, inFlight);
    console.log(`second run, nothing changed: ${unchanged.changes} changed contacts, ${unchanged.accepted + unchanged.refused} calls (must be 0)`);
    if (unchanged.accepted + unchanged.refused !== 0) process.exitCode = 1;
  } finally {
    worker.postMessage("close");
    await new Promise((resolve) => worker.once("exit", resolve));
  }
}
