import quantile from "@stdlib/stats-base-dists-normal-quantile";
import { EXPERIMENT_FEATURES } from "../../domain/index.js";
import type { Event, ExperimentFeature } from "../../domain/index.js";
import type { Assignment } from "./assign.js";

/** The events a lift report reads: from inclusive, to exclusive. */
export type LiftWindow = { readonly from: Date; readonly to: Date };

// One bit per "at least one" outcome, so a contact costs a byte plus its revenue.
const ORDERED = 1;
const CLICKED = 2;
const HUMAN_OPENED = 4;
const UNSUBSCRIBED = 8;
const COMPLAINED = 16;
const HAD_REVENUE = 32;

const FIRST_CAPACITY = 1024;

/**
 * Per-contact outcomes in the window, folded from event chunks in any order: a slot index per
 * contact seen, revenue in a Float64Array and outcome bits in a Uint8Array. Read it through
 * liftReport; the fields are the fold's working state.
 */
export type LiftBook = {
  readonly fromMs: number;
  readonly toMs: number;
  readonly slots: Map<string, number>;
  revenue: Float64Array;
  flags: Uint8Array;
  humanOpens: number;
  machineOpens: number;
};

export function createLiftBook(window: LiftWindow): LiftBook {
  const fromMs = window.from.getTime();
  const toMs = window.to.getTime();
  if (!(fromMs < toMs)) throw new RangeError(`lift window must end after it starts (${window.from.toISOString()} to ${window.to.toISOString()})`);
  return { fromMs, toMs, slots: new Map(), revenue: new Float64Array(FIRST_CAPACITY), flags: new Uint8Array(FIRST_CAPACITY), humanOpens: 0, machineOpens: 0 };
}

function slotOf(book: LiftBook, contactId: string): number {
  const known = book.slots.get(contactId);
  if (known !== undefined) return known;
  const slot = book.slots.size;
  if (slot === book.flags.length) {
    const revenue = new Float64Array(slot * 2);
    revenue.set(book.revenue);
    const flags = new Uint8Array(slot * 2);
    flags.set(book.flags);
    book.revenue = revenue;
    book.flags = flags;
  }
  book.slots.set(contactId, slot);
  return slot;
}

const mark = (book: LiftBook, contactId: string, bits: number, revenue = 0): void => {
  const slot = slotOf(book, contactId);
  book.flags[slot] = (book.flags[slot] ?? 0) | bits;
  book.revenue[slot] = (book.revenue[slot] ?? 0) + revenue;
};

/** Folds in the events with from <= at < to; others, and event types no metric reads, are skipped. */
export function addLiftEvents(book: LiftBook, events: readonly Event[]): void {
  for (const e of events) {
    const at = e.at.getTime();
    if (at < book.fromMs || at >= book.toMs) continue;
    switch (e.type) {
      case "placed_order":
        mark(book, e.contactId, ORDERED | HAD_REVENUE, e.value);
        break;
      case "refunded":
        mark(book, e.contactId, HAD_REVENUE, -e.value);
        break;
      case "email_clicked":
        mark(book, e.contactId, CLICKED);
        break;
      case "email_opened":
        // A machine open (Apple MPP pre-fetch) fires on delivery, read or not: it only feeds the share.
        if (e.machineOpen) {
          book.machineOpens++;
        } else {
          book.humanOpens++;
          mark(book, e.contactId, HUMAN_OPENED);
        }
        break;
      case "unsubscribed":
        mark(book, e.contactId, UNSUBSCRIBED);
        break;
      case "complained":
        mark(book, e.contactId, COMPLAINED);
        break;
      default:
        break;
    }
  }
}

export type LiftMetricName = "revenue_per_recipient" | "conversion_rate" | "click_rate" | "human_open_rate" | "unsubscribe_rate" | "complaint_rate";
export type LiftVerdict = "treated_better" | "holdout_better" | "no_difference" | "not_enough_data";

/** One metric, treated against holdout. */
export type LiftMetric = {
  readonly name: LiftMetricName;
  /** Which direction is good: "lower" for unsubscribe and complaint rates. */
  readonly better: "higher" | "lower";
  /** Per recipient: revenue in the store's currency, rates as shares (0-1). 0 for an empty arm. */
  readonly treated: number;
  readonly holdout: number;
  /** treated - holdout. */
  readonly difference: number;
  /** Two-sided (1 - alpha) interval of the difference; null while an arm has fewer than 2 contacts. */
  readonly ci: readonly [number, number] | null;
  /** difference / |holdout|; null when the holdout's value is 0. */
  readonly relativeLift: number | null;
  /** Contacts each arm needs to show the observed difference at alpha and power; null when there is none to show. */
  readonly requiredTreated: number | null;
  readonly requiredHoldout: number | null;
  readonly verdict: LiftVerdict;
  readonly why: string;
};

/** The global holdout against everyone else, or one feature's treated arm against its holdout. */
export type LiftComparison = {
  readonly name: "global" | ExperimentFeature;
  readonly treated: { readonly contacts: number };
  readonly holdout: { readonly contacts: number };
  readonly metrics: readonly LiftMetric[];
};

export type LiftReport = {
  readonly window: { readonly from: string; readonly to: string };
  readonly alpha: number;
  readonly power: number;
  readonly comparisons: readonly LiftComparison[];
  /** Machine opens over all opens in the window; null when there were no opens. */
  readonly machineOpenShare: number | null;
  readonly notes: readonly string[];
};

export type LiftOptions = { readonly alpha?: number; readonly power?: number };

type MetricSpec = {
  readonly name: LiftMetricName;
  readonly better: "higher" | "lower";
  /** The outcome bit a rate counts; revenue reads the revenue column instead. */
  readonly bit: number;
  /** "who ordered" / "who did not order": contacts with and without the outcome, for reasons. */
  readonly outcome: string;
  readonly lacking: string;
};

const METRICS: readonly MetricSpec[] = [
  { name: "revenue_per_recipient", better: "higher", bit: HAD_REVENUE, outcome: "with an order or refund", lacking: "without" },
  { name: "conversion_rate", better: "higher", bit: ORDERED, outcome: "who ordered", lacking: "who did not order" },
  { name: "click_rate", better: "higher", bit: CLICKED, outcome: "who clicked", lacking: "who did not click" },
  { name: "human_open_rate", better: "higher", bit: HUMAN_OPENED, outcome: "who opened (machine opens excluded)", lacking: "who did not open" },
  { name: "unsubscribe_rate", better: "lower", bit: UNSUBSCRIBED, outcome: "who unsubscribed", lacking: "who stayed subscribed" },
  { name: "complaint_rate", better: "lower", bit: COMPLAINED, outcome: "who complained", lacking: "who did not complain" },
];
const BITS = METRICS.map((m) => m.bit);

/**
 * One arm's running totals: contacts, revenue sum (the reported mean, exact for equal arms), and
 * Welford's running mean and squared deviations (no cancellation over millions), outcome counts.
 */
type ArmTally = { n: number; sum: number; mean: number; m2: number; readonly outcomes: number[] };

const createArm = (): ArmTally => ({ n: 0, sum: 0, mean: 0, m2: 0, outcomes: BITS.map(() => 0) });

type ComparisonName = LiftComparison["name"];

/** The per-arm totals of every comparison, built from assignments streamed in chunks. */
export type LiftTally = {
  readonly book: LiftBook;
  readonly arms: ReadonlyMap<ComparisonName, { readonly treated: ArmTally; readonly holdout: ArmTally }>;
};

export function createLiftTally(book: LiftBook): LiftTally {
  const names: ComparisonName[] = ["global", ...EXPERIMENT_FEATURES];
  return { book, arms: new Map(names.map((name) => [name, { treated: createArm(), holdout: createArm() }])) };
}

function addToArm(arm: ArmTally, revenue: number, flags: number): void {
  arm.n++;
  arm.sum += revenue;
  const delta = revenue - arm.mean;
  arm.mean += delta / arm.n;
  arm.m2 += delta * (revenue - arm.mean);
  BITS.forEach((bit, i) => {
    if ((flags & bit) !== 0) arm.outcomes[i] = (arm.outcomes[i] ?? 0) + 1;
  });
}

/**
 * Counts each contact (once) in its arms, by assignment alone: intention to treat, so a contact a
 * cap skipped still counts where it was assigned. Global: everyone outside the global holdout is
 * treated. Feature f: its "treated" and "holdout" arms among contacts outside the global holdout
 * ("off" is outside the pilot and excluded).
 */
export function addAssignments(tally: LiftTally, assignments: Iterable<{ readonly contactId: string; readonly assignment: Assignment }>): void {
  const { book } = tally;
  for (const { contactId, assignment } of assignments) {
    const slot = book.slots.get(contactId);
    const revenue = slot === undefined ? 0 : (book.revenue[slot] ?? 0);
    const flags = slot === undefined ? 0 : (book.flags[slot] ?? 0);
    const global = tally.arms.get("global");
    if (global !== undefined) addToArm(assignment.globalHoldout ? global.holdout : global.treated, revenue, flags);
    if (assignment.globalHoldout) continue;
    for (const feature of EXPERIMENT_FEATURES) {
      const arms = tally.arms.get(feature);
      const arm = assignment.arms[feature];
      if (arms !== undefined && arm !== "off") addToArm(arms[arm], revenue, flags);
    }
  }
}

/** Every contact's assignment against the book: the whole report in one call. */
export function liftReport(book: LiftBook, assignments: Iterable<{ readonly contactId: string; readonly assignment: Assignment }>, options: LiftOptions = {}): LiftReport {
  const tally = createLiftTally(book);
  addAssignments(tally, assignments);
  return liftReportOf(tally, options);
}

// np >= 5 and n(1-p) >= 5, the textbook condition for the normal approximation; counted over both
// arms together, so an arm with no complaints next to one with many can still show a difference.
const MIN_OUTCOMES = 5;

type Z = { readonly alpha: number; readonly power: number; readonly interval: number; readonly sum: number };

/** The report from a finished tally: every comparison's metrics, the machine-open share and how to read it. */
export function liftReportOf(tally: LiftTally, options: LiftOptions = {}): LiftReport {
  const alpha = options.alpha ?? 0.05;
  const power = options.power ?? 0.8;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be between 0 and 1, got ${alpha}`);
  if (!(power > 0 && power < 1)) throw new RangeError(`power must be between 0 and 1, got ${power}`);
  const interval = quantile(1 - alpha / 2, 0, 1);
  const z: Z = { alpha, power, interval, sum: interval + quantile(power, 0, 1) };
  const comparisons = [...tally.arms].map(([name, { treated, holdout }]): LiftComparison => ({
    name,
    treated: { contacts: treated.n },
    holdout: { contacts: holdout.n },
    metrics: METRICS.map((spec, i) => metricOf(spec, statsOf(spec, i, treated), statsOf(spec, i, holdout), z)),
  }));
  const { book } = tally;
  const opens = book.humanOpens + book.machineOpens;
  const machineOpenShare = opens === 0 ? null : book.machineOpens / opens;
  return {
    window: { from: new Date(book.fromMs).toISOString(), to: new Date(book.toMs).toISOString() },
    alpha,
    power,
    comparisons,
    machineOpenShare,
    notes: notesOf(z, machineOpenShare, book),
  };
}

/** What the interval and the sample size need from an arm. */
type ArmStats = { readonly n: number; readonly value: number; readonly variance: number; readonly outcomes: number };

function statsOf(spec: MetricSpec, index: number, arm: ArmTally): ArmStats {
  const outcomes = arm.outcomes[index] ?? 0;
  if (spec.name === "revenue_per_recipient") {
    // Sample variance (n - 1), as Welch uses; a single contact has no spread to estimate.
    return { n: arm.n, value: arm.n === 0 ? 0 : arm.sum / arm.n, variance: arm.n < 2 ? 0 : arm.m2 / (arm.n - 1), outcomes };
  }
  const p = arm.n === 0 ? 0 : outcomes / arm.n;
  return { n: arm.n, value: p, variance: p * (1 - p), outcomes };
}

/**
 * Interval: difference ± z_{1-α/2} · √(var_t/n_t + var_h/n_h) (Wald for rates with var = p(1-p),
 * Welch's normal approximation for revenue with sample variances). Needed sample for the observed
 * difference δ at the observed ratio k = n_t/n_h: n_h = (z_{1-α/2} + z_{1-β})² · (var_t/k + var_h) / δ²,
 * n_t = k · n_h, each rounded up. Arms at that size put |δ| at least z_{1-α/2} + z_{1-β} standard
 * errors from 0, so the interval then excludes 0: "no_difference" only survives rounding at the edge.
 */
function metricOf(spec: MetricSpec, t: ArmStats, h: ArmStats, z: Z): LiftMetric {
  const difference = t.value - h.value;
  const relativeLift = h.value === 0 ? null : difference / Math.abs(h.value);
  const base = { name: spec.name, better: spec.better, treated: t.value, holdout: h.value, difference, relativeLift };
  const show = showOf(spec);
  const shortArm = t.n < 2 ? "treated" : h.n < 2 ? "holdout" : null;
  if (shortArm !== null) {
    return { ...base, ci: null, requiredTreated: null, requiredHoldout: null, verdict: "not_enough_data", why: `${plural(shortArm === "treated" ? t.n : h.n, "contact")} in the ${shortArm} arm: at least 2 are needed to compare` };
  }
  const se = Math.sqrt(t.variance / t.n + h.variance / h.n);
  const ci = [difference - z.interval * se, difference + z.interval * se] as const;
  const none = { ...base, ci, requiredTreated: null, requiredHoldout: null, verdict: "not_enough_data" } as const;
  if (difference === 0) return { ...none, why: `treated and holdout are equal (${show.value(t.value)}): no sample size can show a difference from that` };
  if (t.variance === 0 && h.variance === 0) return { ...none, why: `every contact in each arm has the same value: no spread to size a test from` };

  const k = t.n / h.n;
  const holdoutNeeded = (z.sum ** 2 * (t.variance / k + h.variance)) / difference ** 2;
  const requiredHoldout = Math.ceil(holdoutNeeded);
  const requiredTreated = Math.ceil(k * holdoutNeeded);
  const sized = { ...base, ci, requiredTreated, requiredHoldout };
  const confidence = `${pctText(1 - z.alpha)} CI ${show.signed(ci[0])} to ${show.signed(ci[1])}`;
  const observed = `${show.signed(difference)} (${confidence})`;

  const pooledWith = t.outcomes + h.outcomes;
  const pooledWithout = spec.name === "revenue_per_recipient" ? Infinity : t.n + h.n - pooledWith;
  if (pooledWith < MIN_OUTCOMES || pooledWithout < MIN_OUTCOMES) {
    const few = pooledWith < MIN_OUTCOMES ? `${count(pooledWith)} contacts ${spec.outcome}` : `${count(pooledWithout)} contacts ${spec.lacking}`;
    return { ...sized, verdict: "not_enough_data", why: `${observed}, but only ${few} in both arms together: the interval needs at least ${MIN_OUTCOMES}` };
  }
  if (t.n < requiredTreated || h.n < requiredHoldout) {
    return {
      ...sized,
      verdict: "not_enough_data",
      why: `${observed}; showing a difference this size at ${pctText(1 - z.alpha)} confidence and ${pctText(z.power)} power needs ${count(requiredTreated)} treated and ${count(requiredHoldout)} holdout contacts, there are ${count(t.n)} and ${count(h.n)}`,
    };
  }
  if (ci[0] > 0 || ci[1] < 0) {
    const treatedWins = spec.better === "higher" ? difference > 0 : difference < 0;
    const direction = `treated ${difference > 0 ? "higher" : "lower"}, and ${spec.better} is better`;
    return { ...sized, verdict: treatedWins ? "treated_better" : "holdout_better", why: `${observed}: ${direction} (${count(t.n)} treated and ${count(h.n)} holdout contacts, ${count(requiredTreated)} and ${count(requiredHoldout)} needed)` };
  }
  return { ...sized, verdict: "no_difference", why: `${observed}: the interval includes 0 with ${count(t.n)} treated and ${count(h.n)} holdout contacts` };
}

type Show = { readonly value: (v: number) => string; readonly signed: (v: number) => string };

/** Revenue in money with 2 decimals; rates in percent, differences in percentage points. */
function showOf(spec: MetricSpec): Show {
  const sign = (v: number, text: string): string => (v > 0 ? `+${text}` : text);
  if (spec.name === "revenue_per_recipient") return { value: (v) => v.toFixed(2), signed: (v) => sign(v, v.toFixed(2)) };
  return { value: (v) => `${(v * 100).toFixed(2)} %`, signed: (v) => sign(v, `${(v * 100).toFixed(2)} points`) };
}

const count = (n: number): string => n.toLocaleString("en-US");
const plural = (n: number, word: string): string => `${count(n)} ${word}${n === 1 ? "" : "s"}`;
const pctText = (share: number): string => `${Number((share * 100).toFixed(1))} %`;

function notesOf(z: Z, machineOpenShare: number | null, book: LiftBook): string[] {
  const days = (book.toMs - book.fromMs) / 86_400_000;
  return [
    `Window: events from ${new Date(book.fromMs).toISOString()} (inclusive) to ${new Date(book.toMs).toISOString()} (exclusive), ${Number(days.toFixed(2))} days.`,
    "Per recipient: every contact assigned to an arm counts, sent anything or not (intention to treat: a contact a frequency cap skipped stays in its arm). Rates are the share of those contacts with at least one such event.",
    "Revenue per recipient is orders minus refunds in the window, in the store's currencies as recorded (not converted).",
    "Global compares everyone outside the global holdout with it; each feature compares its treated and holdout arms among contacts outside the global holdout (contacts outside the pilot are left out).",
    `Intervals are ${pctText(1 - z.alpha)} two-sided on treated minus holdout (Wald for rates, Welch's normal approximation for revenue). "Needed" is the sample each arm must reach to show the observed difference at ${pctText(z.power)} power; no verdict is given below it.`,
    "Unsubscribe and complaint rates: lower is better.",
    "Arms are the assignment under today's salt and shares: after changing either, pick a window that starts after the change.",
    machineOpenShare === null
      ? "Machine opens (Apple Mail Privacy Protection pre-fetches) are excluded from every metric; there were no opens in the window."
      : `Machine opens (Apple Mail Privacy Protection pre-fetches) are excluded from every metric; they were ${pctText(machineOpenShare)} of opens in the window.`,
    // guardrails-facts 4.4: 5 looks inflate a 5 % false-positive rate to 14 %.
    "Read the report once, at the end of a window fixed in advance: stopping at the first look that shows a winner inflates false positives (5 looks: about 14 % instead of 5 %).",
  ];
}
