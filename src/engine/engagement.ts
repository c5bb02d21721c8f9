import { decided } from "../domain/index.js";
import type { Confidence, Decided, EngagementLevel } from "../domain/index.js";
import type { EngagementSettings } from "../domain/engagement-settings.js";
import { engagementDays, halfLifeWeight } from "./feature-book.js";
import type { ContactFeatures, FeatureBook } from "./feature-book.js";
import { utcDayOf } from "./utc-day.js";
import { round2 } from "./round2.js";
import { plural } from "./plural.js";

/** A contact's engagement: a 0..100 score, its level, and how many of their opens were machine opens. */
export type Engagement = {
  readonly score: Decided<number>;
  readonly level: Decided<EngagementLevel>;
  /** Machine opens / all opens, 0 when the contact has no opens; 2 decimals. */
  readonly machineOpenShare: number;
};

// Scored signals seen, all time, for the confidence: one signal is an anecdote; five is the
// fewest where one stray click no longer decides the level.
const MEDIUM_FROM_SIGNALS = 1;
const HIGH_FROM_SIGNALS = 5;

/**
 * Engagement from clicks, site activity, orders and (lightly) human opens, each decayed by its
 * age in UTC days. Machine opens are counted for the report but never scored, so Apple Mail
 * Privacy Protection cannot make a contact look engaged.
 */
export function engagementOf(
  f: Pick<ContactFeatures, "engagement" | "machineOpens" | "emailsSent">, now: Date, settings: EngagementSettings,
): Engagement {
  const today = utcDayOf(now.getTime());
  let points = 0;
  const total = { clicks: 0, siteActions: 0, orders: 0, humanOpens: 0 };
  for (const d of f.engagement) {
    const dayPoints = d.clicks * settings.clickWeight + d.siteActions * settings.siteActionWeight
      + d.orders * settings.orderWeight + d.humanOpens * settings.humanOpenWeight;
    points += dayPoints * halfLifeWeight(today - d.day, settings.halfLifeDays);
    total.clicks += d.clicks;
    total.siteActions += d.siteActions;
    total.orders += d.orders;
    total.humanOpens += d.humanOpens;
  }
  const opens = total.humanOpens + f.machineOpens;
  const machineOpenShare = opens === 0 ? 0 : round2(f.machineOpens / opens);
  const signals = total.clicks + total.siteActions + total.orders + total.humanOpens;
  const confidence: Confidence = signals >= HIGH_FROM_SIGNALS ? "high" : signals >= MEDIUM_FROM_SIGNALS ? "medium" : "low";
  // An integer score: decay moves the raw points every day, the written value only when it matters.
  const value = Math.round((100 * points) / (points + settings.halfScorePoints));
  const evidence = describeSignals(total);
  const machine = f.machineOpens === 0 ? "" : `; ${plural(f.machineOpens, "machine open")} not counted`;
  const score = decided(value, `${evidence}, decayed with a ${settings.halfLifeDays}-day half-life${machine}`, confidence);
  return { score, level: levelOf(value, signals, f.emailsSent, settings, evidence + machine, confidence), machineOpenShare };
}

function levelOf(
  score: number, signals: number, emailsSent: number, s: EngagementSettings, evidence: string, confidence: Confidence,
): Decided<EngagementLevel> {
  if (signals === 0 && emailsSent < s.newBelowEmailsSent) {
    return decided("new", `no click, visit, order or human open yet, and ${plural(emailsSent, "email")} sent (fewer than ${s.newBelowEmailsSent})`, confidence);
  }
  if (score >= s.engagedFrom) return decided("engaged", `score ${score} (engaged from ${s.engagedFrom}): ${evidence}`, confidence);
  if (score >= s.warmFrom) return decided("warm", `score ${score} (warm from ${s.warmFrom}): ${evidence}`, confidence);
  return decided("cold", `score ${score} (below ${s.warmFrom}): ${evidence}`, confidence);
}

function describeSignals(t: { clicks: number; siteActions: number; orders: number; humanOpens: number }): string {
  const parts = [
    counted(t.orders, "order"),
    counted(t.clicks, "click"),
    counted(t.siteActions, "site action"),
    counted(t.humanOpens, "human open"),
  ].filter((part) => part !== "");
  return parts.length === 0 ? "no click, visit, order or human open" : parts.join(", ");
}

/** Installation-level share of email opens judged machine opens (0 when there are none), for the run report. */
export function machineOpenShare(book: FeatureBook): number {
  let machine = 0;
  let human = 0;
  for (const tally of book.contacts.values()) {
    machine += tally.machineOpens;
    for (const day of engagementDays(tally.engagement)) human += day.humanOpens;
  }
  return machine + human === 0 ? 0 : round2(machine / (machine + human));
}

const counted = (n: number, word: string): string => (n === 0 ? "" : plural(n, word));
