import type { Installation, QuarantineEntry, RunSummary, Stream } from "../../domain/index.js";
import { STREAMS } from "../../domain/index.js";

/** The latest run, flattened for the template: every field present, tables as rows. */
export type RunView = {
  readonly runId: string;
  readonly status: RunSummary["status"];
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly duration: string;
  readonly dryRun: boolean;
  readonly error: string | null;
  readonly streams: readonly { readonly stream: Stream; readonly received: number; readonly accepted: number }[];
  readonly quarantined: number;
  readonly quarantineReasons: readonly { readonly reason: string; readonly count: number }[];
  readonly identitiesMerged: number;
  readonly ordersDedupedSameOrderId: number;
  readonly ordersDedupedSameContents: number;
  readonly eventsRepeated: number;
  readonly categoriesMerged: readonly { readonly raw: string; readonly canonical: string }[];
  readonly contactsScored: number;
  readonly contactsChanged: number;
  readonly propertiesChanged: number;
  readonly written: number;
  readonly writeFailures: number;
  readonly writeCalls: number;
  readonly warnings: readonly string[];
  /** How the prediction model was fitted ("high confidence: fitted on 508 repeat customers of 824"); null for runs before predictions. */
  readonly predictions: string | null;
  /** Share of opens judged Apple MPP machine opens, as "69.0 %"; null when no opens were seen. */
  readonly machineOpenShare: string | null;
};

/** One line of the run history table. */
export type RunRow = Pick<RunView, "runId" | "status" | "startedAt" | "duration" | "dryRun" | "contactsScored" | "contactsChanged" | "written" | "writeFailures">;

export type QuarantineRow = { readonly stream: string; readonly reason: string; readonly at: string; readonly raw: string };

/** What the installation page renders. */
export type InstallationPage = {
  readonly installation: { readonly id: string; readonly name: string; readonly esp: string };
  readonly lastRun: RunView | null;
  readonly earlierRuns: readonly RunRow[];
  readonly quarantine: { readonly total: number; readonly items: readonly QuarantineRow[] };
};

/** Maps what the store holds for one installation to the page's view model; runs come newest first. */
export function toInstallationPage(
  installation: Installation,
  runs: readonly RunSummary[],
  quarantine: { readonly total: number; readonly items: readonly QuarantineEntry[] },
): InstallationPage {
  const [last, ...earlier] = runs;
  return {
    installation: { id: installation.id, name: installation.name, esp: installation.esp },
    lastRun: last === undefined ? null : toRunView(last),
    earlierRuns: earlier.map(toRunRow),
    quarantine: {
      total: quarantine.total,
      items: quarantine.items.map((q) => ({ stream: q.stream, reason: q.reason, at: toIso(q.at), raw: toJson(q.raw) })),
    },
  };
}

function toRunView(run: RunSummary): RunView {
  const { ingest } = run;
  return {
    ...toRunRow(run),
    finishedAt: run.finishedAt === null ? null : toIso(run.finishedAt),
    error: run.error ?? null,
    streams: STREAMS.map((stream) => ({ stream, received: ingest.received[stream], accepted: ingest.accepted[stream] })),
    quarantined: run.quarantined,
    quarantineReasons: Object.entries(ingest.quarantinedByReason)
      .map(([reason, count]) => ({ reason, count }))
      .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
    identitiesMerged: ingest.identitiesMerged,
    ordersDedupedSameOrderId: ingest.ordersDeduped.sameOrderId,
    ordersDedupedSameContents: ingest.ordersDeduped.sameContents,
    eventsRepeated: ingest.eventsRepeated,
    categoriesMerged: Object.entries(ingest.categoriesMerged)
      .map(([raw, canonical]) => ({ raw, canonical }))
      .sort((a, b) => a.raw.localeCompare(b.raw)),
    propertiesChanged: run.propertiesChanged,
    writeCalls: run.writeCalls,
    warnings: run.warnings,
    predictions: run.model === undefined ? null : `${run.model.confidence} confidence: ${run.model.why}`,
    machineOpenShare: run.machineOpenShare === undefined || run.machineOpenShare === null ? null : `${(run.machineOpenShare * 100).toFixed(1)} %`,
  };
}

function toRunRow(run: RunSummary): RunRow {
  return {
    runId: run.runId,
    status: run.status,
    startedAt: toIso(run.startedAt),
    duration: formatDuration(run.durationMs),
    dryRun: run.dryRun,
    contactsScored: run.contactsScored,
    contactsChanged: run.contactsChanged,
    written: run.written,
    writeFailures: run.writeFailures,
  };
}

/** "850 ms", "12.3 s", "4 min 05 s": the unit a person reads at a glance. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, "0")} s`;
}

/** Stores write ISO already; anything else is shown as stored rather than hidden. */
function toIso(at: string): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? at : date.toISOString();
}

function toJson(raw: unknown): string {
  // Stored records are JSON; only a missing one would make JSON.stringify return undefined.
  return raw === undefined ? "(no record)" : JSON.stringify(raw, null, 2);
}
