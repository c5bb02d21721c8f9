import type { Confidence } from "./decided.js";
import type { RecSource } from "./recommendation-settings.js";
import type { Flow, SuppressionKind } from "./guard.js";
import type { ExperimentFeature } from "./guardrail-settings.js";

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
  /**
   * Order lines naming a product the catalog does not have: the order is kept (its revenue is
   * real) and the line counted here. Absent in runs saved before it was counted.
   */
  readonly unknownProductLines?: number;
};

export type RunStatus = "running" | "succeeded" | "failed";

/** How the run's prediction model was fitted, and how sure it is. */
export type ModelReport = {
  readonly source: "fit" | "shrunk" | "prior";
  readonly confidence: Confidence;
  readonly why: string;
  readonly repeatCustomers: number;
};

/**
 * Ways a recommended product can break a business rule. The run monitor checks every slot
 * against the settings on its own, apart from the rules that chose it; every count must be 0.
 */
export const REC_LEAKS = [
  "unknown_product", // not in the catalog at all
  "inactive",
  "out_of_stock", // tracked inventory below minInventory
  "excluded", // blocklist, include / exclude categories, or a seasonal category out of season
  "below_margin_floor",
  "already_bought_not_replenishable", // bought within excludePurchasedDays and not a consumable
  "outside_price_band",
  "repeated", // the same product twice in one contact's slots
] as const;
export type RecLeak = (typeof REC_LEAKS)[number];

/** What a run recommended, measured after the fact, for the run report and its alerts. */
export type RecommendationReport = {
  readonly contacts: number;
  readonly slotsFilled: number;
  readonly slotsEmpty: number;
  /** Distinct products in any slot. */
  readonly productsRecommended: number;
  /** Products any contact could be shown: active, in stock, not excluded, above the margin floor (the rules that do not depend on the contact). */
  readonly productsEligible: number;
  /** Distinct eligible products recommended / productsEligible; null when nothing is eligible. */
  readonly coverage: number | null;
  /** Mean over contacts with 2+ filled slots of the share of their slot pairs in different categories; null when no contact has 2. */
  readonly diversity: number | null;
  /** Share of filled slots that came from a fallback step, not the slot's own source; null when none was filled. */
  readonly fallbackShare: number | null;
  /** Share of filled slots given to exploration; null when none was filled. */
  readonly explorationShare: number | null;
  /** Filled slots by the source that filled them. */
  readonly bySource: Readonly<Partial<Record<RecSource | "exploration", number>>>;
  /** Catalog products that only price-free or category-free sources can recommend (issue 5, "Bad input"). */
  readonly catalog: { readonly products: number; readonly withoutPrice: number; readonly withoutCategory: number };
  /** Slots that break a rule, by rule; a slot breaking two rules counts in both. */
  readonly leaks: Readonly<Record<RecLeak, number>>;
  /** The first few leaking slots, so an alert can name one. */
  readonly leakExamples: readonly { readonly leak: RecLeak; readonly contactId: string; readonly productId: string }[];
};

/** Who may get what and when, counted over the run's contacts, for the run report. */
export type GuardrailReport = {
  readonly contacts: number;
  /** Contacts with tailor_suppress_promos true, and per reason (a contact with two reasons counts in both). */
  readonly suppressed: number;
  readonly suppressedBy: Readonly<Partial<Record<SuppressionKind, number>>>;
  readonly fatigued: number;
  /** Contacts flagged per flow (replenishment: a due date written). */
  readonly flows: Readonly<Record<Flow, number>>;
  /** Abandonment flows held back because another started within the gap. */
  readonly abandonmentHeldBack: number;
  readonly sendTime: {
    /** Contacts whose own signals chose their hour (the rest got the population hour). */
    readonly ownHour: number;
    /** The store's best hour, local time, e.g. "Tuesday 10:00". */
    readonly populationHour: string;
    readonly priorStrength: number;
    readonly why: string;
  };
  /** Contacts in the global holdout, and per feature per arm. */
  readonly holdout: number;
  readonly arms: Readonly<Record<ExperimentFeature, Readonly<Record<"treated" | "holdout" | "off", number>>>>;
  /** Guard changes appended to the log this run. */
  readonly logEntries: number;
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
  /** Coverage, diversity, fallbacks and leak counts of the run's recommendation slots. */
  readonly recommendations?: RecommendationReport;
  /** Suppressions, caps, flows, send hours and holdout arms. */
  readonly guardrails?: GuardrailReport;
  /** Scored contacts per named segment (tailor_segment), for the panel's sizes over time; contacts in none are not counted. */
  readonly segments?: Readonly<Record<string, number>>;
  /** Problems a marketer must look at (a leak, a sudden coverage drop); each is also in `warnings`. */
  readonly alerts?: readonly string[];
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
  unknownProductLines: 0,
});
