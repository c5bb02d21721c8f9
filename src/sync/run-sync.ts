import type {
  Connector, Contact, Page, Profile, PropertyChange, PushReport, Quarantined, RecommendationReport, RunSummary, Settings, SlotExposure, Store, Stream,
} from "../domain/index.js";
import { emptyIngestReport, MAX_REC_SLOTS, STREAMS } from "../domain/index.js";
import { buildFeed } from "../engine/build-feed.js";
import { addEvents, createFeatureBook } from "../engine/feature-book.js";
import { recommendationAlerts } from "../engine/recommend/monitor.js";
import { createRng } from "../engine/rng.js";
import { scoreRun } from "../engine/score.js";
import { createCleaner, type Cleaner } from "../ingest/create-cleaner.js";
import { chunk } from "./chunk.js";
import { eraseFromStore } from "./apply-webhook-events.js";
import { defineMissingProperties } from "./define-missing-properties.js";
import { diff } from "./diff.js";

export type SyncPhase = "pull" | "score" | "push";
/** Where a run is; `total` is known for scoring and pushing, not for pulls. */
export type SyncProgress = { readonly phase: SyncPhase; readonly label: string; readonly done: number; readonly total: number | null };

export type SyncDeps = {
  readonly connector: Connector;
  readonly store: Store;
  /** The run's single instant is read once, at its start, so every score in a run agrees. */
  readonly now: () => Date;
  /** Seed for the engine's rng; a run is deterministic given data, settings, now and seed. */
  readonly seed?: number;
  readonly onProgress?: (progress: SyncProgress) => void;
};

export type SyncOptions = {
  /** Pull, clean, score and diff, but write nothing to the ESP. */
  readonly dryRun?: boolean;
};

export type SyncResult = { readonly summary: RunSummary; readonly changes: readonly PropertyChange[] };

/** One run, top to bottom: pull → clean → score → diff → push. Resumable at every page and batch. */
export async function runSync(deps: SyncDeps, installationId: string, options: SyncOptions = {}): Promise<SyncResult> {
  const { connector, store } = deps;
  const startedAt = deps.now();
  const dryRun = options.dryRun ?? false;
  const installation = await store.getInstallation(installationId);
  if (installation === null) throw new Error(`No installation "${installationId}": install Tailor for it first.`);
  if (installation.status === "uninstalled") throw new Error(`Installation "${installationId}" was uninstalled from ${installation.esp}: syncing stopped. Install Tailor again to resume.`);
  const settings = await store.getSettings(installationId);
  const runId = `run-${startedAt.toISOString()}`;
  const running = emptySummary(runId, installationId, startedAt, dryRun);
  await store.saveRun(running);
  const progress = deps.onProgress ?? (() => undefined);

  try {
    if (!dryRun) await defineMissingProperties(connector, store, installation);
    const cleaner = createCleaner(settings.cleaning, await store.getCleanState(installationId));
    // State from before the cleaner remembered product ids: teach it the stored catalog once.
    if (!cleaner.catalogComplete) cleaner.learnCatalog((await collect(store.readProducts(installationId))).map((p) => p.id));
    const warnings = await pullAll(connector, store, cleaner, installationId, runId, progress);
    const ingest = cleaner.report();

    const { profiles, contacts, products, notes, guardChanges } = await scoreStored(store, installationId, settings, startedAt, deps.seed ?? 0, progress);
    const changes = diff(await store.lastWritten(installationId), profiles, contacts, connector.esp);
    const pushed = dryRun ? { written: 0, failures: 0, quarantined: 0, calls: 0, slotsShown: [], gone: [] } : await pushAll(connector, store, installationId, runId, changes, settings, progress);
    if (pushed.slotsShown.length > 0) await store.appendSlotHistory(installationId, exposuresOf(profiles, pushed.slotsShown, startedAt));
    // A dry run decides nothing: its guard changes (a flow starting, a suppression ending) are not logged.
    if (!dryRun && guardChanges.length > 0) await store.appendGuardLog(installationId, guardChanges);

    const { recommendations } = notes;
    const alerts = recommendationAlerts(recommendations, await previousReport(store, installationId, runId));

    const feed = buildFeed(products, profiles, startedAt);
    if (!dryRun) await connector.publishFeed(feed);
    await store.saveFeed(installationId, feed);
    await store.saveProfiles(installationId, profiles);
    // Last, after profiles and logs are saved: contacts the ESP no longer has (deleted there): nothing of them may stay here either.
    const erased = pushed.gone.length === 0 ? 0 : (await eraseFromStore(store, installationId, pushed.gone)).erased;

    const summary: RunSummary = {
      ...running,
      status: "succeeded",
      finishedAt: deps.now().toISOString(),
      ingest,
      quarantined: sumValues(ingest.quarantinedByReason) + pushed.quarantined,
      contactsScored: profiles.length,
      contactsChanged: changes.length,
      propertiesChanged: changes.reduce((n, c) => n + Object.keys(c.set).length, 0),
      written: pushed.written,
      writeFailures: pushed.failures,
      writeCalls: pushed.calls,
      durationMs: deps.now().getTime() - startedAt.getTime(),
      warnings: [...warnings, ...(erased > 0 ? [`${connector.esp}: ${erased} contacts no longer exist there; erased from Tailor's store`] : []), ...alerts],
      model: notes.predictions,
      machineOpenShare: notes.machineOpenShare,
      recommendations,
      guardrails: notes.guardrails,
      segments: segmentSizesOf(profiles),
      alerts,
    };
    await store.saveRun(summary);
    return { summary, changes };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await store.saveRun({ ...running, status: "failed", finishedAt: deps.now().toISOString(), durationMs: deps.now().getTime() - startedAt.getTime(), error: message });
    throw error;
  }
}

/** Contacts first, so events can be tied to people; products before events, so categories are canonical. */
async function pullAll(connector: Connector, store: Store, cleaner: Cleaner, installationId: string, runId: string, progress: (p: SyncProgress) => void): Promise<string[]> {
  const warnings: string[] = [];
  // Contacts a webhook marked (email or subscription changed) are re-read first; if the pull
  // throws they are marked again (a killed process loses them, but the incremental pull sees the change anyway).
  const refresh = await store.takeRefresh(installationId);
  try {
    for (const stream of STREAMS) {
      let done = 0;
      const pages = pullStream(connector, stream, await store.getCursor(installationId, stream), stream === "contacts" ? refresh : []);
      for await (const page of pages) {
        const cleaned = cleanPage(cleaner, stream, page);
        await store.commitPage(installationId, runId, { stream, ...cleaned, cleanState: cleaner.state(), cursor: page.next });
        warnings.push(...(page.warnings ?? []));
        done += page.records.length;
        progress({ phase: "pull", label: stream, done, total: null });
      }
    }
  } catch (error) {
    if (refresh.length > 0) await store.requestRefresh(installationId, refresh);
    throw error;
  }
  return warnings;
}

function pullStream(connector: Connector, stream: Stream, from: string | null, refresh: readonly string[]): AsyncIterable<Page> {
  switch (stream) {
    case "contacts": return connector.pullContacts(from, refresh);
    case "products": return connector.pullProducts(from);
    case "events": return connector.pullEvents(from);
  }
}

function cleanPage(cleaner: Cleaner, stream: Stream, page: Page) {
  const none = { contacts: [], products: [], events: [] };
  switch (stream) {
    case "contacts": {
      const { records, quarantine } = cleaner.contacts(page.records);
      return { ...none, contacts: records, quarantine };
    }
    case "products": {
      const { records, quarantine } = cleaner.products(page.records);
      return { ...none, products: records, quarantine };
    }
    case "events": {
      const { records, quarantine } = cleaner.events(page.records);
      return { ...none, events: records, quarantine };
    }
  }
}

/**
 * Scores every stored contact under `settings` at `now`. Events are folded chunk by chunk into
 * per-contact aggregates; they are never all in memory at once. The settings panel's dry run
 * calls it too, with proposed settings, so a preview and the next run score alike.
 */
export async function scoreStored(store: Store, installationId: string, settings: Settings, now: Date, seed: number, progress: (p: SyncProgress) => void) {
  const products = await collect(store.readProducts(installationId));
  const contactList = await collect(store.readContacts(installationId));
  const slotHistory = await store.readSlotHistory(installationId);
  const guardLog = await store.readGuardLog(installationId);
  const book = createFeatureBook(products, settings);
  let folded = 0;
  for await (const events of store.readEvents(installationId)) {
    addEvents(book, events);
    folded += events.length;
    progress({ phase: "score", label: "events", done: folded, total: null });
  }
  const { profiles, notes, guardChanges } = scoreRun({ contacts: contactList, products, book, slotHistory, guardLog, installationId }, settings, now, createRng(seed));
  progress({ phase: "score", label: "contacts", done: profiles.length, total: profiles.length });
  const contacts = new Map<string, Contact>(contactList.map((c) => [c.id, c]));
  return { profiles, contacts, products, notes, guardChanges };
}

/**
 * Each batch is checkpointed before the next is sent, so a crash never loses or repeats a write.
 * Also returns the contacts the ESP accepted new slot products for: their slots were just shown.
 */
async function pushAll(connector: Connector, store: Store, installationId: string, runId: string, changes: readonly PropertyChange[], settings: Settings, progress: (p: SyncProgress) => void) {
  const slotsShown: string[] = [];
  const gone: string[] = [];
  let written = 0;
  let failures = 0;
  let quarantined = 0;
  let calls = 0;
  let done = 0;
  const batches = chunk(changes, Math.min(settings.sync.batchSize, connector.maxBatch));
  // Up to pushConcurrency calls in flight (one call at a time spends most of a rate window waiting
  // on the network); results are checkpointed strictly in batch order, each before the next.
  const inFlight: Promise<PushReport>[] = [];
  let next = 0;
  const launch = () => {
    while (inFlight.length < settings.sync.pushConcurrency && next < batches.length) {
      const batch = batches[next++] ?? [];
      const report = connector.pushChanges(batch);
      // A later batch may fail while an earlier one is awaited; it is rethrown when its turn comes.
      report.catch(() => undefined);
      inFlight.push(report);
    }
  };
  launch();
  for (const batch of batches) {
    const report = await (inFlight.shift() ?? Promise.reject(new Error("push pipeline out of step")));
    calls++;
    const failed = new Map(report.failed.map((f) => [f.contactId, f]));
    const accepted = batch.filter((c) => !failed.has(c.contactId));
    // Retryable failures are simply not recorded as written: the next run's diff sends them again.
    // A contact the ESP no longer has is erased, not quarantined: its data must not be kept anywhere.
    const refused: Quarantined[] = batch.flatMap((c) => {
      const f = failed.get(c.contactId);
      if (f?.gone === true) gone.push(c.contactId);
      return f === undefined || f.retryable || f.gone === true ? [] : [{ stream: "push" as const, reason: `push: ${f.reason}`, raw: c }];
    });
    await store.checkpointPush(installationId, runId, accepted, refused);
    quarantined += refused.length;
    launch();
    for (const c of accepted) if (SLOT_ID_PROPERTIES.some((name) => Object.hasOwn(c.set, name))) slotsShown.push(c.contactId);
    written += report.written;
    failures += report.failed.length;
    done += batch.length;
    progress({ phase: "push", label: "contacts", done, total: changes.length });
  }
  return { written, failures, quarantined, calls, slotsShown, gone };
}

const SLOT_ID_PROPERTIES = Array.from({ length: MAX_REC_SLOTS }, (_, i) => `tailor_rec_${i + 1}`);

/** What each contact's slots now hold (every filled slot, not just the changed ones), stamped with the run's start. */
function exposuresOf(profiles: readonly Profile[], contactIds: readonly string[], startedAt: Date): { contactId: string; exposure: SlotExposure }[] {
  const byId = new Map(profiles.map((p) => [p.contactId, p]));
  return contactIds.flatMap((contactId) => {
    const profile = byId.get(contactId);
    if (profile === undefined) return [];
    const productIds = SLOT_ID_PROPERTIES.map((name) => profile.properties[name]?.value).filter((v): v is string => typeof v === "string" && v !== "");
    return [{ contactId, exposure: { at: startedAt.getTime(), productIds } }];
  });
}

/** The report of the latest earlier successful run that has one, for the coverage-drop alert. */
async function previousReport(store: Store, installationId: string, runId: string): Promise<RecommendationReport | null> {
  // Runs are listed newest first; a handful is plenty to skip failed or older-version runs.
  const runs = await store.listRuns(installationId, 20);
  return runs.find((r) => r.runId !== runId && r.status === "succeeded" && r.recommendations !== undefined)?.recommendations ?? null;
}

async function collect<T>(chunks: AsyncIterable<readonly T[]>): Promise<T[]> {
  const all: T[] = [];
  // Not push(...c): spreading a 10,000-record chunk as arguments can overflow the stack.
  for await (const c of chunks) for (const item of c) all.push(item);
  return all;
}

/** Contacts per named segment; an empty or missing tailor_segment is no segment. */
export function segmentSizesOf(profiles: readonly Profile[]): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (const p of profiles) {
    const name = p.properties.tailor_segment?.value;
    if (typeof name === "string" && name !== "") sizes[name] = (sizes[name] ?? 0) + 1;
  }
  return sizes;
}

const sumValues = (counts: Readonly<Record<string, number>>): number => Object.values(counts).reduce((a, b) => a + b, 0);

function emptySummary(runId: string, installationId: string, startedAt: Date, dryRun: boolean): RunSummary {
  const ingest = emptyIngestReport();
  return {
    runId, installationId, status: "running", startedAt: startedAt.toISOString(), finishedAt: null, dryRun, ingest,
    quarantined: 0, contactsScored: 0, contactsChanged: 0, propertiesChanged: 0, written: 0, writeFailures: 0, writeCalls: 0, durationMs: 0, warnings: [],
  };
}
