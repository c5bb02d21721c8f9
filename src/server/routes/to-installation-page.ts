import type { GuardrailReport, Installation, RecommendationReport, RunSummary, Stream } from "../../domain/index.js";
import { REC_LEAKS, STREAMS } from "../../domain/index.js";
import { panelUrl } from "../panel-context.js";

// Enough reasons to see what dominates; the run page lists them all.
const TOP_REASONS = 3;

/** One line of the run history: what came in, what was kept out, what was written. */
export type RunRow = {
  readonly runId: string;
  readonly href: string;
  readonly status: RunSummary["status"];
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly duration: string;
  readonly received: Readonly<Record<Stream, number>>;
  readonly recordsIn: number;
  readonly quarantined: number;
  /** The most frequent reasons, most frequent first. */
  readonly topReasons: readonly { readonly reason: string; readonly count: number }[];
  readonly contactsScored: number;
  readonly contactsChanged: number;
  readonly written: number;
  readonly writeFailures: number;
  readonly alerts: number;
};

/** A count with a label, for tables whose rows come from a record (sources, flows, reasons). */
export type Counted = { readonly label: string; readonly count: number };

/** Everything one run's report holds, flattened for run.hbs: every field present, tables as rows. */
export type RunDetail = RunRow & {
  readonly finishedAt: string | null;
  readonly error: string | null;
  readonly alertTexts: readonly string[];
  /** Warnings that are not alerts (alerts are warnings too, and shown on their own above). */
  readonly warnings: readonly string[];
  readonly streams: readonly { readonly stream: Stream; readonly received: number; readonly accepted: number }[];
  readonly quarantineReasons: readonly { readonly reason: string; readonly count: number; readonly href: string }[];
  readonly quarantineHref: string;
  readonly taxonomy: { readonly merged: readonly { readonly raw: string; readonly canonical: string }[]; readonly unknownProductLines: number | null };
  readonly dedupe: { readonly sameOrderId: number; readonly sameContents: number; readonly eventsRepeated: number; readonly identitiesMerged: number };
  readonly propertiesChanged: number;
  readonly writeCalls: number;
  /** How the prediction model was fitted ("high confidence: fitted on 508 repeat customers of 824"); null for runs before predictions. */
  readonly predictions: string | null;
  /** Machine opens over all opens; null when no opens were seen or the run predates the count. */
  readonly machineOpenShare: number | null;
  readonly recommendations: RecommendationView | null;
  readonly guardrails: GuardrailView | null;
  readonly segments: readonly Counted[];
};

export type RecommendationView = Omit<RecommendationReport, "bySource" | "leaks" | "leakExamples"> & {
  readonly bySource: readonly Counted[];
  readonly leaksTotal: number;
  readonly leaks: readonly {
    readonly leak: string;
    readonly count: number;
    readonly examples: readonly { readonly contactId: string; readonly productId: string; readonly href: string }[];
  }[];
};

export type GuardrailView = Omit<GuardrailReport, "suppressedBy" | "flows" | "arms"> & {
  readonly suppressedBy: readonly Counted[];
  readonly flows: readonly Counted[];
  readonly arms: readonly { readonly feature: string; readonly treated: number; readonly holdout: number; readonly off: number }[];
};

/** What installation.hbs (the panel's overview) renders. */
export type InstallationPage = {
  readonly installation: { readonly id: string; readonly name: string; readonly esp: string };
  readonly lastRun: (RunRow & { readonly finishedAt: string | null; readonly error: string | null; readonly alertTexts: readonly string[]; readonly propertiesChanged: number }) | null;
  readonly earlierRuns: readonly RunRow[];
  readonly quarantineTotal: number;
  readonly links: { readonly runs: string; readonly quarantine: string; readonly lift: string };
};

/** The overview: the latest run at a glance with its alerts, a few earlier runs, and where to look next. Runs come newest first. */
export function toInstallationPage(installation: Installation, runs: readonly RunSummary[], quarantineTotal: number): InstallationPage {
  const [last, ...earlier] = runs;
  return {
    installation: { id: installation.id, name: installation.name, esp: installation.esp },
    lastRun: last === undefined
      ? null
      : { ...toRunRow(last), finishedAt: toIsoOrNull(last.finishedAt), error: last.error ?? null, alertTexts: last.alerts ?? [], propertiesChanged: last.propertiesChanged },
    earlierRuns: earlier.map(toRunRow),
    quarantineTotal,
    links: { runs: panelUrl(installation.id, "/runs"), quarantine: panelUrl(installation.id, "/quarantine"), lift: panelUrl(installation.id, "/lift") },
  };
}

/** One run as a history row. */
export function toRunRow(run: RunSummary): RunRow {
  const { received } = run.ingest;
  return {
    runId: run.runId,
    href: panelUrl(run.installationId, `/runs/${encodeURIComponent(run.runId)}`),
    status: run.status,
    dryRun: run.dryRun,
    startedAt: toIso(run.startedAt),
    duration: formatDuration(run.durationMs),
    received,
    recordsIn: STREAMS.reduce((sum, stream) => sum + received[stream], 0),
    quarantined: run.quarantined,
    topReasons: reasonsOf(run).slice(0, TOP_REASONS),
    contactsScored: run.contactsScored,
    contactsChanged: run.contactsChanged,
    written: run.written,
    writeFailures: run.writeFailures,
    alerts: run.alerts?.length ?? 0,
  };
}

/** One run in full, for its own page. */
export function toRunDetail(run: RunSummary): RunDetail {
  const { ingest } = run;
  const alerts = run.alerts ?? [];
  const quarantineHref = panelUrl(run.installationId, "/quarantine");
  return {
    ...toRunRow(run),
    finishedAt: toIsoOrNull(run.finishedAt),
    error: run.error ?? null,
    alertTexts: alerts,
    warnings: run.warnings.filter((w) => !alerts.includes(w)),
    streams: STREAMS.map((stream) => ({ stream, received: ingest.received[stream], accepted: ingest.accepted[stream] })),
    quarantineReasons: reasonsOf(run).map((r) => ({ ...r, href: `${quarantineHref}?${new URLSearchParams({ reason: r.reason }).toString()}` })),
    quarantineHref,
    taxonomy: {
      merged: Object.entries(ingest.categoriesMerged).map(([raw, canonical]) => ({ raw, canonical })).sort((a, b) => a.raw.localeCompare(b.raw)),
      unknownProductLines: ingest.unknownProductLines ?? null,
    },
    dedupe: {
      sameOrderId: ingest.ordersDeduped.sameOrderId,
      sameContents: ingest.ordersDeduped.sameContents,
      eventsRepeated: ingest.eventsRepeated,
      identitiesMerged: ingest.identitiesMerged,
    },
    propertiesChanged: run.propertiesChanged,
    writeCalls: run.writeCalls,
    predictions: run.model === undefined ? null : `${run.model.confidence} confidence: ${run.model.why}`,
    machineOpenShare: run.machineOpenShare ?? null,
    recommendations: run.recommendations === undefined ? null : toRecommendationView(run.recommendations, run.installationId),
    guardrails: run.guardrails === undefined ? null : toGuardrailView(run.guardrails),
    segments: counted(run.segments ?? {}),
  };
}

function toRecommendationView(report: RecommendationReport, installationId: string): RecommendationView {
  const { bySource, leaks, leakExamples, ...rest } = report;
  return {
    ...rest,
    bySource: counted(bySource),
    leaksTotal: REC_LEAKS.reduce((sum, leak) => sum + leaks[leak], 0),
    // Every rule is listed, zeros included: "0 leaks" is the check a marketer wants to see passed.
    leaks: REC_LEAKS.map((leak) => ({
      leak,
      count: leaks[leak],
      examples: leakExamples.filter((e) => e.leak === leak).map((e) => ({
        contactId: e.contactId,
        productId: e.productId,
        href: panelUrl(installationId, `/contacts/${encodeURIComponent(e.contactId)}`),
      })),
    })),
  };
}

function toGuardrailView(report: GuardrailReport): GuardrailView {
  const { suppressedBy, flows, arms, ...rest } = report;
  return {
    ...rest,
    suppressedBy: counted(suppressedBy),
    // Flows keep their lifecycle order, not a ranking: they are different flows, not rivals.
    flows: Object.entries(flows).map(([label, count]) => ({ label, count })),
    arms: Object.entries(arms).map(([feature, a]) => ({ feature, treated: a.treated, holdout: a.holdout, off: a.off })),
  };
}

/** A record of counts as rows, largest first (ties by name, so the order is stable). */
function counted(record: Readonly<Partial<Record<string, number>>>): Counted[] {
  return Object.entries(record)
    .flatMap(([label, count]) => (count === undefined ? [] : [{ label, count }]))
    .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
}

function reasonsOf(run: RunSummary): { reason: string; count: number }[] {
  return counted(run.ingest.quarantinedByReason).map(({ label, count }) => ({ reason: label, count }));
}

/** "850 ms", "12.3 s", "4 min 05 s": the unit a person reads at a glance. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, "0")} s`;
}

/** Stores write ISO already; anything else is shown as stored rather than hidden. */
export function toIso(at: string): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? at : date.toISOString();
}

const toIsoOrNull = (at: string | null): string | null => (at === null ? null : toIso(at));
