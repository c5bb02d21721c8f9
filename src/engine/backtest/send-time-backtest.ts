import { defaultSettings, type Event, type Settings } from "../../domain/index.js";
import { createUtcOffset } from "../create-utc-offset.js";
import { addEvents, createFeatureBook, featuresOf } from "../feature-book.js";
import { buildSendTimeModel, resolveZone, sendTimeCounts, sendTimeOf, WEEK_BINS, weekBinOf } from "../send-time.js";

export type SendTimeBacktestInput = {
  /** Cleaned events in any order: those before the cutoff are folded, clicks from it on are scored. */
  readonly events: Iterable<Event>;
  /** Contact id -> time zone as the ESP gave it (missing and unknown zones fall back as in a sync). */
  readonly zones: ReadonlyMap<string, string | undefined>;
  readonly cutoff: Date;
  /** End of the scored window (exclusive); every later click when absent. */
  readonly end?: Date;
  /** Installation settings; the defaults when absent. */
  readonly settings?: Settings;
};

/** Which contacts a row covers: every scored one, those given their own hour, those with high confidence. */
export type SendTimeGroup = "all" | "own_hour" | "high_confidence";

/** One group's figures: shares are means over contacts of the share of their later clicks caught. */
export type SendTimeGroupScores = {
  readonly group: SendTimeGroup;
  readonly contacts: number;
  readonly clicks: number;
  /** Clicks whose local hour is within 1 hour (either side) of the chosen hour. */
  readonly chosenWithin1h: number;
  readonly populationWithin1h: number;
  /** Clicks in exactly the chosen local hour. */
  readonly chosenExact: number;
  readonly populationExact: number;
};

export type SendTimeBacktestReport = {
  readonly cutoff: string;
  readonly priorStrength: number;
  readonly strengthWhy: string;
  /** The population's best local hour (0-23): what every contact gets without Tailor. */
  readonly populationHour: number;
  readonly contactsWithSignal: number;
  readonly groups: readonly SendTimeGroupScores[];
};

// Events are folded in chunks so a long history never needs a second array of its own.
const CHUNK = 10_000;

/**
 * Fits the send-time model on the events before the cutoff, as a sync on that day would, and
 * scores each contact's chosen local hour against the local hours of their clicks after it,
 * next to the population hour every contact would otherwise get.
 */
export function sendTimeBacktest(input: SendTimeBacktestInput): SendTimeBacktestReport {
  const settings = input.settings ?? defaultSettings();
  const cutoffMs = input.cutoff.getTime();
  const endMs = input.end?.getTime() ?? Infinity;
  const utcOffset = createUtcOffset();
  const book = createFeatureBook([], settings);
  const laterClicks = new Map<string, number[]>();
  let chunk: Event[] = [];
  for (const event of input.events) {
    const at = event.at.getTime();
    if (at < cutoffMs) {
      chunk.push(event);
      if (chunk.length >= CHUNK) {
        addEvents(book, chunk);
        chunk = [];
      }
    } else if (event.type === "email_clicked" && at < endMs) {
      const clicks = laterClicks.get(event.contactId);
      if (clicks === undefined) laterClicks.set(event.contactId, [at]);
      else clicks.push(at);
    }
  }
  addEvents(book, chunk);

  const zoneOf = (id: string) => resolveZone(input.zones.get(id), settings.sendTime);
  const counts = new Map<string, Float64Array>();
  for (const id of book.contacts.keys()) {
    counts.set(id, sendTimeCounts(featuresOf(book, id, input.cutoff).activity, zoneOf(id).zone, settings.sendTime, input.cutoff, utcOffset));
  }
  const model = buildSendTimeModel(counts.values(), settings);
  const populationHour = model.populationBin % 24;

  const rows = new Map<SendTimeGroup, Tally>([["all", emptyTally()], ["own_hour", emptyTally()], ["high_confidence", emptyTally()]]);
  const none = new Float64Array(WEEK_BINS);
  for (const [id, clicks] of laterClicks) {
    const zone = zoneOf(id);
    const chosen = sendTimeOf(counts.get(id) ?? none, zone, model, settings, input.cutoff, utcOffset);
    const hours = clicks.map((t) => weekBinOf(t, zone.zone, utcOffset) % 24);
    const score = {
      clicks: hours.length,
      chosenWithin1h: share(hours, chosen.hour.value, 1),
      populationWithin1h: share(hours, populationHour, 1),
      chosenExact: share(hours, chosen.hour.value, 0),
      populationExact: share(hours, populationHour, 0),
    };
    add(rows.get("all"), score);
    if (chosen.confidence.value !== "low") add(rows.get("own_hour"), score);
    if (chosen.confidence.value === "high") add(rows.get("high_confidence"), score);
  }
  return {
    cutoff: input.cutoff.toISOString(),
    priorStrength: model.priorStrength,
    strengthWhy: model.strengthWhy,
    populationHour,
    contactsWithSignal: model.contactsWithSignal,
    groups: [...rows].map(([group, t]) => ({
      group,
      contacts: t.contacts,
      clicks: t.clicks,
      chosenWithin1h: mean(t.chosenWithin1h, t.contacts),
      populationWithin1h: mean(t.populationWithin1h, t.contacts),
      chosenExact: mean(t.chosenExact, t.contacts),
      populationExact: mean(t.populationExact, t.contacts),
    })),
  };
}

type Tally = { contacts: number; clicks: number; chosenWithin1h: number; populationWithin1h: number; chosenExact: number; populationExact: number };
const emptyTally = (): Tally => ({ contacts: 0, clicks: 0, chosenWithin1h: 0, populationWithin1h: 0, chosenExact: 0, populationExact: 0 });

function add(into: Tally | undefined, score: Omit<Tally, "contacts">): void {
  if (into === undefined) return;
  into.contacts += 1;
  into.clicks += score.clicks;
  into.chosenWithin1h += score.chosenWithin1h;
  into.populationWithin1h += score.populationWithin1h;
  into.chosenExact += score.chosenExact;
  into.populationExact += score.populationExact;
}

const mean = (sum: number, n: number): number => (n === 0 ? 0 : sum / n);

/** Share of `hours` within `slack` hours of `hour`, around the clock (23:00 is next to 00:00). */
function share(hours: readonly number[], hour: number, slack: number): number {
  const caught = hours.filter((h) => {
    const d = Math.abs(h - hour) % 24;
    return Math.min(d, 24 - d) <= slack;
  }).length;
  return hours.length === 0 ? 0 : caught / hours.length;
}

/** The report as an aligned text table, as the bench prints it. */
export function formatSendTimeBacktest(report: SendTimeBacktestReport): string {
  const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
  const ratio = (a: number, b: number): string => (b === 0 ? "-" : `${(a / b).toFixed(2)}x`);
  const header = ["group", "contacts", "later clicks", "±1 h chosen", "±1 h population", "ratio", "exact chosen", "exact population", "ratio"];
  const body = report.groups.map((g) => [
    g.group, String(g.contacts), String(g.clicks),
    pct(g.chosenWithin1h), pct(g.populationWithin1h), ratio(g.chosenWithin1h, g.populationWithin1h),
    pct(g.chosenExact), pct(g.populationExact), ratio(g.chosenExact, g.populationExact),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  return [
    `cutoff ${report.cutoff}; alpha0 ${report.priorStrength.toFixed(2)} (${report.strengthWhy}); population hour ${String(report.populationHour).padStart(2, "0")}:00 local; ${report.contactsWithSignal} contacts with signal`,
    line(header),
    ...body.map(line),
  ].join("\n");
}
