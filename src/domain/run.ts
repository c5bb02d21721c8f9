import type { Confidence } from "./decided.js";

/** The three things pulled from an ESP, each with its own cursor. */
export type Stream = "contacts" | "products" | "events";
export const STREAMS: readonly Stream[] = ["contacts", "products", "events"];

/** A record that did not pass cleaning, kept with its reason; never dropped silently. */
export type Quarantined = {
  readonly stream: Stream | "push";
  readonly reason: string;
  readonly raw: unknown;
};

/** What cleaning did to one run's input, counted. */
export type IngestReport = {
  readonly received: Readonly<Record<Stream, number>>;
  readonly accepted: Readonly<Record<Stream, number>>;
  /** Quarantined records by reason (the reason's first clause, so similar ones group). */
  readonly quarantinedByReason: Readonly<Record<string, number>>;
  /** Contact ids folded into another contact with the same email: merged id -> kept id. */
  readonly identitiesMerged: number;
  /** Purchase events dropped as copies of an order already seen, by rule. */
  readonly ordersDeduped: { readonly sameOrderId: number; readonly sameContents: number };
  /** Other events seen before (same event id): re-pulled pages. */
  readonly eventsRepeated: number;
  /** Raw category name -> canonical path, for every name that was rewritten. */
  readonly categoriesMerged: Readonly<Record<string, string>>;
};

export type RunStatus = "running" | "succeeded" | "failed";

/** How the run's prediction model was fitted, and how sure it is. */
export type ModelReport = {
  readonly source: "fit" | "shrunk" | "prior";
  readonly confidence: Confidence;
  readonly why: string;
  readonly repeatCustomers: number;
};

/** One sync, as the summary printed at the end and the panel's run history show it. */
export type RunSummary = {
  readonly runId: string;
  readonly installationId: string;
  readonly status: RunStatus;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly dryRun: boolean;
  readonly ingest: IngestReport;
  readonly quarantined: number;
  readonly contactsScored: number;
  /** Contacts with at least one property to write. */
  readonly contactsChanged: number;
  /** Property values changed, summed over contacts. */
  readonly propertiesChanged: number;
  /** Contacts the ESP accepted. */
  readonly written: number;
  readonly writeFailures: number;
  /** Write-back calls made. */
  readonly writeCalls: number;
  readonly durationMs: number;
  readonly warnings: readonly string[];
  readonly model?: ModelReport;
  /** Share of email opens judged machine opens (Apple MPP pre-fetch), which never count as engagement. */
  readonly machineOpenShare?: number | null;
  readonly error?: string;
};

/** A report of a run that has cleaned nothing yet. */
export const emptyIngestReport = (): IngestReport => ({
  received: { contacts: 0, products: 0, events: 0 },
  accepted: { contacts: 0, products: 0, events: 0 },
  quarantinedByReason: {},
  identitiesMerged: 0,
  ordersDeduped: { sameOrderId: 0, sameContents: 0 },
  eventsRepeated: 0,
  categoriesMerged: {},
});
