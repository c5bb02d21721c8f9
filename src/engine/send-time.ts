import { decided, isTimeZone, quietHoursOf, WEEKDAYS } from "../domain/index.js";
import type { Confidence, Decided, SendTimeSettings, Settings, Weekday } from "../domain/index.js";
import type { UtcOffset } from "./create-utc-offset.js";
import { plural } from "./plural.js";
import { ACTIVITY_KIND, halfLifeWeight, HOUR_MS } from "./feature-book.js";
import { DAY_MS } from "./utc-day.js";

/** 168 bins: bin = localDayOfWeek(Monday=0) * 24 + localHour. */
export const WEEK_BINS = 168;

/** The installation's send-time model: built once per run from every contact's counts. */
export type SendTimeModel = {
  /** Population histogram in LOCAL time, sums to 1 (uniform if no data). */
  readonly prior: Float64Array;
  /** alpha0: how many weighted signals the population's histogram counts as. */
  readonly priorStrength: number;
  /** Where alpha0 came from, for the run report. */
  readonly strengthWhy: string;
  /** 1 = bin not in quiet hours. */
  readonly allowed: Uint8Array;
  /** Argmax of the (smoothed) prior over allowed bins: its best hour of the day, then its best day at that hour. */
  readonly populationBin: number;
  /** Contacts with any weighted signal in the lookback. */
  readonly contactsWithSignal: number;
};

/** A contact's best hour of the week, in their time zone and in UTC, and how much of it is their own data. */
export type SendTime = {
  /** Local 0-23. */
  readonly hour: Decided<number>;
  /** 0-23, offset at `now`, half-hour zones round down. */
  readonly hourUtc: Decided<number>;
  readonly day: Decided<Weekday>;
  /** High when ownWeight >= 0.6, medium when >= settings.sendTime.minOwnWeight, low = population. */
  readonly confidence: Decided<Confidence>;
  /** n / (n + alpha0). */
  readonly ownWeight: number;
  readonly bin: number;
};

/** Signals in the lookback by kind, unweighted: what a reason names ("9 clicks, 3 orders"). */
export type SignalMix = { readonly clicks: number; readonly orders: number; readonly visits: number; readonly opens: number };

// The strength the worked example uses (guardrails-facts 1.3): 3 clicks stay on the
// population hour, 12 signals mostly decide it.
const DEFAULT_STRENGTH = 8;
// guardrails-facts 1.3: clamp alpha0 to [1, 200] and estimate it from contacts with n >= 2.
const MIN_STRENGTH = 1;
const MAX_STRENGTH = 200;
const MIN_SIGNAL_FOR_ESTIMATE = 2;
// Below this many contacts the moments are too noisy to trust over the default.
const MIN_CONTACTS_FOR_ESTIMATE = 50;
// The confidence labels in tailor_send_time_confidence's description.
const HIGH_OWN_WEIGHT = 0.6;
// Validity of each zone name seen: an Intl.DateTimeFormat costs ~0.13 ms to build (measured),
// two minutes over a million contacts. A pure memo, bounded so junk zone names cannot grow it.
const ZONE_CACHE_LIMIT = 2000;
const knownZones = new Map<string, boolean>();

/** A contact's zone, or the store's with a reason when missing or unknown. */
export function resolveZone(zone: string | undefined, settings: SendTimeSettings): { readonly zone: string; readonly why: string | null } {
  const store = settings.timezone;
  if (zone === undefined || zone.trim() === "") return { zone: store, why: `no time zone on the contact: used the store's (${store})` };
  let known = knownZones.get(zone);
  if (known === undefined) {
    known = isTimeZone(zone);
    if (knownZones.size < ZONE_CACHE_LIMIT) knownZones.set(zone, known);
  }
  return known ? { zone, why: null } : { zone: store, why: `time zone '${zone}' unknown: used the store's (${store})` };
}

/** The bin an instant falls in, in a zone, using the offset at that instant (so summer time is honoured). */
export function weekBinOf(atMs: number, zone: string, utcOffset: UtcOffset): number {
  const local = atMs + utcOffset(zone, atMs);
  const day = Math.floor(local / DAY_MS);
  // 1970-01-01 was a Thursday, index 3 when Monday is 0.
  const weekday = (((day + 3) % 7) + 7) % 7;
  return weekday * 24 + Math.floor((local - day * DAY_MS) / HOUR_MS);
}

/** Local hour-of-week histogram of one contact's weighted, decayed signals (length 168, not smoothed). */
export function sendTimeCounts(activity: readonly number[], zone: string, settings: SendTimeSettings, now: Date, utcOffset: UtcOffset): Float64Array {
  const counts = new Float64Array(WEEK_BINS);
  const nowMs = now.getTime();
  for (const packed of activity) {
    // Unpacked inline rather than with unpackActivity: no object per signal over a million contacts.
    const atMs = Math.floor(packed / 4) * HOUR_MS;
    const ageDays = (nowMs - atMs) / DAY_MS;
    if (ageDays > settings.lookbackDays) continue;
    const weight = weightOf(packed % 4, settings) * halfLifeWeight(ageDays, settings.halfLifeDays);
    if (weight <= 0) continue;
    const bin = weekBinOf(atMs, zone, utcOffset);
    counts[bin] = (counts[bin] ?? 0) + weight;
  }
  return counts;
}

/** How many signals of each kind are in the lookback, for the reason; machine opens are never in `activity`. */
export function signalMixOf(activity: readonly number[], settings: SendTimeSettings, now: Date): SignalMix {
  const mix = { clicks: 0, orders: 0, visits: 0, opens: 0 };
  for (const packed of activity) {
    const kind = packed % 4;
    if ((now.getTime() - Math.floor(packed / 4) * HOUR_MS) / DAY_MS > settings.lookbackDays || weightOf(kind, settings) <= 0) continue;
    if (kind === ACTIVITY_KIND.click) mix.clicks++;
    else if (kind === ACTIVITY_KIND.order) mix.orders++;
    else if (kind === ACTIVITY_KIND.site) mix.visits++;
    else mix.opens++;
  }
  return mix;
}

/** The Settings weight of an ACTIVITY_KIND (a switch, not a lookup table: nothing allocated per contact). */
function weightOf(kind: number, s: SendTimeSettings): number {
  switch (kind) {
    case ACTIVITY_KIND.click: return s.clickWeight;
    case ACTIVITY_KIND.order: return s.orderWeight;
    case ACTIVITY_KIND.site: return s.siteWeight;
    default: return s.humanOpenWeight;
  }
}

/**
 * Installation-level: prior from all contacts' counts, alpha0 (auto or Settings), allowed bins.
 * Reads `counts` once, so a generator over a million contacts is fine.
 */
export function buildSendTimeModel(counts: Iterable<Float64Array>, settings: Settings): SendTimeModel {
  const total = new Float64Array(WEEK_BINS);
  // Method-of-moments sums over the contacts with n >= 2 (guardrails-facts 1.3), kept per hour so
  // one pass suffices: sum_h (c_h - n pi_h)^2 / pi_h = sum_h c_h^2 / pi_h - n^2.
  const sumSquares = new Float64Array(24);
  const hours = new Float64Array(24);
  let sumN = 0;
  let sumN2 = 0;
  let estimable = 0;
  let contactsWithSignal = 0;
  for (const c of counts) {
    let n = 0;
    hours.fill(0);
    for (let k = 0; k < WEEK_BINS; k++) {
      const v = c[k] ?? 0;
      n += v;
      total[k] = (total[k] ?? 0) + v;
      hours[k % 24] = (hours[k % 24] ?? 0) + v;
    }
    if (n <= 0) continue;
    contactsWithSignal++;
    if (n < MIN_SIGNAL_FOR_ESTIMATE) continue;
    estimable++;
    sumN += n;
    sumN2 += n * n;
    for (let h = 0; h < 24; h++) sumSquares[h] = (sumSquares[h] ?? 0) + (hours[h] ?? 0) ** 2;
  }
  const mass = total.reduce((a, b) => a + b, 0);
  const prior = mass > 0 ? total.map((v) => v / mass) : new Float64Array(WEEK_BINS).fill(1 / WEEK_BINS);
  const allowed = allowedBins(settings);
  const { priorStrength, strengthWhy } = strengthOf(settings.sendTime, prior, { sumSquares, sumN, sumN2, estimable });
  return { prior, priorStrength, strengthWhy, allowed, populationBin: bestBin(prior, null, 0, allowed), contactsWithSignal };
}

type Moments = { readonly sumSquares: Float64Array; readonly sumN: number; readonly sumN2: number; readonly estimable: number };

/**
 * alpha0 by the method of moments for Dirichlet-multinomial counts (guardrails-facts 1.3):
 * A = sum_u S_u / (K - 1), B = sum n^2, C = sum n, alpha0 = (B - A) / (A - C), clamped to [1, 200].
 * Estimated on the 24 hours of the day, the histogram the hour is chosen from: summing a
 * Dirichlet's bins keeps its alpha0, so this is the same alpha0 as over the 168 hours of the
 * week, with 7 times the signals per bin. Hours no one ever used are left out of K.
 */
function strengthOf(s: SendTimeSettings, prior: Float64Array, m: Moments): { priorStrength: number; strengthWhy: string } {
  if (s.priorStrength !== "auto") return { priorStrength: s.priorStrength, strengthWhy: `${s.priorStrength} from Settings` };
  if (m.estimable < MIN_CONTACTS_FOR_ESTIMATE) {
    return { priorStrength: DEFAULT_STRENGTH, strengthWhy: `default ${DEFAULT_STRENGTH}: too few contacts to estimate (${m.estimable} with 2 or more signals, ${MIN_CONTACTS_FOR_ESTIMATE} needed)` };
  }
  let s2 = 0;
  let used = 0;
  for (let h = 0; h < 24; h++) {
    let p = 0;
    for (let k = h; k < WEEK_BINS; k += 24) p += prior[k] ?? 0;
    if (p <= 0) continue;
    used++;
    s2 += (m.sumSquares[h] ?? 0) / p;
  }
  const a = (s2 - m.sumN2) / Math.max(1, used - 1);
  const from = `estimated from ${m.estimable.toLocaleString("en-US")} contacts (method of moments)`;
  // A <= C: people vary no more than draws from the population would, so their own data adds nothing.
  if (a <= m.sumN) return { priorStrength: MAX_STRENGTH, strengthWhy: `${from}: contacts look like the population, capped at ${MAX_STRENGTH}` };
  const raw = (m.sumN2 - a) / (a - m.sumN);
  const priorStrength = Math.min(MAX_STRENGTH, Math.max(MIN_STRENGTH, raw));
  const clamp = priorStrength === raw ? "" : `, clamped to ${MIN_STRENGTH}-${MAX_STRENGTH}`;
  return { priorStrength, strengthWhy: `${from}${clamp}` };
}

function allowedBins(settings: Settings): Uint8Array {
  const quiet = new Set(settings.suppressions.quietHours.flatMap(quietHoursOf));
  const allowed = new Uint8Array(WEEK_BINS);
  for (let k = 0; k < WEEK_BINS; k++) allowed[k] = quiet.has(k % 24) ? 0 : 1;
  // A whole day of quiet hours is refused by the schema; if it ever slips through, any hour beats none.
  if (!allowed.includes(1)) allowed.fill(1);
  return allowed;
}

/**
 * The best allowed bin of the posterior mean (c_k + alpha0 pi_k) / (n + alpha0): first the hour of
 * the day, from the seven days summed, then the busiest day at that hour. Choosing the hour from
 * one of 168 thin bins let a stray weekday decide it; on the demo store the two-step choice caught
 * 3-4 points more of the later clicks within an hour (bench/send-time-backtest.ts), and the hour is
 * what most flows use. A peak in quiet hours moves to the nearest allowed hour, the earlier one on
 * a tie so the mail is waiting when they look (Braze also moves sends to the edge of quiet hours);
 * that caught about 1 point more than the busiest allowed hour, often one stray order.
 * Both steps are smoothed with [0.25, 0.5, 0.25] over adjacent hours, circularly (23:00 neighbours
 * 00:00, Sunday 23:00 neighbours Monday 00:00), so a peak split over two hours beats a lone stray
 * signal. Ties go to the lowest allowed hour, then the earliest day. `counts` null scores the prior
 * alone; dividing by n + alpha0 is left out, being the same for every bin. No allocation: this runs
 * once per contact.
 */
function bestBin(prior: Float64Array, counts: Float64Array | null, strength: number, allowed: Uint8Array | null): number {
  const mass = (k: number): number => {
    const i = (k + WEEK_BINS) % WEEK_BINS;
    return counts === null ? prior[i] ?? 0 : (counts[i] ?? 0) + strength * (prior[i] ?? 0);
  };
  const ok = (k: number): boolean => allowed === null || allowed[k] === 1;
  const hourMass = (h: number): number => {
    let sum = 0;
    for (let k = (h + 24) % 24; k < WEEK_BINS; k += 24) sum += mass(k);
    return sum;
  };
  const hourOpen = (h: number): boolean => {
    for (let k = (h + 24) % 24; k < WEEK_BINS; k += 24) if (ok(k)) return true;
    return false;
  };
  let peak = 0;
  let best = -Infinity;
  for (let h = 0; h < 24; h++) {
    const smoothed = 0.25 * hourMass(h - 1) + 0.5 * hourMass(h) + 0.25 * hourMass(h + 1);
    // On a tie an allowed hour wins, so a flat histogram starts at the first hour after quiet hours.
    if (smoothed > best || (smoothed === best && !hourOpen(peak) && hourOpen(h))) {
      peak = h;
      best = smoothed;
    }
  }
  // Signed hours from the peak to the nearest allowed hour, the earlier one first.
  let shift = 0;
  for (let d = 1; d < 24 && !hourOpen(peak + shift); d++) {
    if (hourOpen(peak - d)) shift = -d;
    else if (hourOpen(peak + d)) shift = d;
  }
  // The day is the peak's busiest day, moved with the hour: a Wednesday 02:00 reader gets Tuesday 20:00.
  let bin = -1;
  best = -Infinity;
  for (let k = peak; k < WEEK_BINS; k += 24) {
    const target = (k + shift + WEEK_BINS) % WEEK_BINS;
    if (!ok(target)) continue;
    const smoothed = 0.25 * mass(k - 1) + 0.5 * mass(k) + 0.25 * mass(k + 1);
    if (smoothed > best) {
      bin = target;
      best = smoothed;
    }
  }
  return bin;
}

/**
 * The contact's best allowed bin (posterior mean, smoothed circularly [0.25,0.5,0.25] over adjacent
 * hours; the hour of the day first, then the day, see bestBin), or the population bin when
 * ownWeight < minOwnWeight or `population` is set (holdout: reason given by `population.why`).
 * Pass `mix` (signalMixOf) to name the signals in the reason.
 *
 * The posterior MEAN, not a Thompson draw: a per-run random draw would rewrite every contact's
 * hour property on every sync, and the write-back only sends what changed.
 */
export function sendTimeOf(
  counts: Float64Array, zone: { zone: string; why: string | null }, model: SendTimeModel, settings: Settings, now: Date, utcOffset: UtcOffset,
  population?: { readonly why: string }, mix?: SignalMix,
): SendTime {
  let n = 0;
  for (let k = 0; k < WEEK_BINS; k++) n += counts[k] ?? 0;
  const ownWeight = n / (n + model.priorStrength);
  const { minOwnWeight } = settings.sendTime;
  const usePopulation = population !== undefined || n <= 0 || ownWeight < minOwnWeight;
  const bin = usePopulation ? model.populationBin : bestBin(model.prior, counts, model.priorStrength, model.allowed);
  const place = weekText(bin);
  const zoneNote = zone.why === null ? "" : `; ${zone.why}`;
  let why: string;
  let confidence: Decided<Confidence>;
  const own = `${percent(ownWeight)} own data`;
  if (usePopulation) {
    const cause = population?.why ?? (n <= 0 ? "no signal yet" : `too little signal yet (${own}, ${percent(minOwnWeight)} needed)`);
    why = `${cause}: the store's best hour (${place} local)${zoneNote}`;
    confidence = decided("low", population === undefined ? `the store's hour is used: ${own}` : "the store's hour is used", "low");
  } else {
    const busiest = bestBin(model.prior, counts, model.priorStrength, null);
    const quiet = model.allowed[busiest] === 1 ? "" : `; their busiest hour, ${hourText(busiest % 24)}, is in quiet hours`;
    why = `${place} local from ${evidence(n, mix)}, ${own}${quiet}${zoneNote}`;
    const level: Confidence = ownWeight >= HIGH_OWN_WEIGHT ? "high" : "medium";
    confidence = decided(level, `${own} (high from ${percent(HIGH_OWN_WEIGHT)}, medium from ${percent(minOwnWeight)})`, level);
  }
  const hour = bin % 24;
  const offsetMinutes = Math.round(utcOffset(zone.zone, now.getTime()) / 60_000);
  // Floor, not round: a 19:00 local in UTC+5:30 is 13:30 UTC, and 13 is the whole hour it falls in.
  const hourUtc = Math.floor((((hour * 60 - offsetMinutes) % 1440) + 1440) % 1440 / 60);
  const day = WEEKDAYS[Math.floor(bin / 24)] ?? "monday";
  return {
    hour: decided(hour, why, confidence.value),
    hourUtc: decided(hourUtc, `${hourText(hour)} in ${zone.zone} is ${hourText(hourUtc)} UTC (offset now ${offsetText(offsetMinutes)})`, confidence.value),
    day: decided(day, why, confidence.value),
    confidence,
    ownWeight,
    bin,
  };
}

function evidence(n: number, mix: SignalMix | undefined): string {
  if (mix === undefined) return `their own activity (weight ${n.toFixed(1)} after decay)`;
  const parts = ([[mix.clicks, "click"], [mix.orders, "order"], [mix.visits, "visit"], [mix.opens, "open"]] as const)
    .filter(([count]) => count > 0).map(([count, word]) => plural(count, word));
  return `${plural(mix.clicks + mix.orders + mix.visits + mix.opens, "signal")} (${parts.join(", ")})`;
}

const percent = (share: number): string => `${Math.round(share * 100)} %`;
const hourText = (hour: number): string => `${String(hour).padStart(2, "0")}:00`;
const weekText = (bin: number): string => {
  const day = WEEKDAYS[Math.floor(bin / 24)] ?? "monday";
  return `${day.charAt(0).toUpperCase()}${day.slice(1)} ${hourText(bin % 24)}`;
};
const offsetText = (minutes: number): string => {
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? "-" : "+"}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
};
