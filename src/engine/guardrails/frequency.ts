import { decided } from "../../domain/index.js";
import type { ClvTier, Decided, EngagementLevel, FrequencySettings, Settings, Suppression } from "../../domain/index.js";
import { HOUR_MS, RECENT_SENDS, unpackActivity } from "../feature-book.js";
import type { ContactFeatures } from "../feature-book.js";
import { DAY_MS, isoDayOf, utcDayOf } from "../utc-day.js";
import { plural } from "../plural.js";

/** A contact's rolling send counts against their tier's caps, whether they are fatigued, and the caps they reached. */
export type Frequency = {
  readonly cap7d: number;
  readonly sent7d: number;
  readonly sent24h: number;
  /** max(0, cap7d - sent7d); the reason names the tier and the counts. */
  readonly sendsLeft: Decided<number>;
  /** The reason names every sign that holds, or the evidence that none does. */
  readonly fatigued: Decided<boolean>;
  /** daily_cap / weekly_cap when reached; `until` is the first instant the count is back under the cap. */
  readonly suppressions: readonly Suppression[];
};

/** What the caps read from the features; any ContactFeatures will do. */
export type FrequencyFeatures = Pick<ContactFeatures, "sendTimes" | "emailsSent" | "activity" | "engagement" | "lastListUnsubscribeAt">;

/** How the cap tier is chosen besides fatigue. */
export type FrequencyTier = { readonly engagement: EngagementLevel; readonly clvTier: ClvTier | null };

// The falling-engagement sign compares the last 30 days with the 60 before, per day, once at
// least 2 sends went out in the last 30 (settings.frequency.fatigueDropShare documents these).
const RECENT_DAYS = 30;
const EARLIER_DAYS = 60;
const MIN_RECENT_SENDS = 2;
const WEEK_MS = 7 * DAY_MS;

/**
 * Rolling 24-hour and 7-day send counts, windows (now - span, now], against the contact's cap:
 * fatigued contacts get the lowest, engaged or top-CLV contacts the highest, the rest the normal one.
 */
export function frequencyOf(f: FrequencyFeatures, tier: FrequencyTier, settings: Settings, now: Date): Frequency {
  const s = settings.frequency;
  const nowMs = now.getTime();
  const fatigued = fatigueOf(f, s, nowMs);
  const { cap7d, label } = capOf(fatigued.value, tier, s);
  const day = sendsIn(f.sendTimes, nowMs, DAY_MS);
  const week = sendsIn(f.sendTimes, nowMs, WEEK_MS);
  const left = Math.max(0, cap7d - week.count);
  const sendsLeft = decided(left, `${left} of ${cap7d} left: ${plural(week.count, "email")} in the rolling 7 days (${label} cap ${cap7d})`);

  const suppressions: Suppression[] = [];
  if (day.count >= s.maxPerDay) {
    suppressions.push({
      kind: "daily_cap",
      reason: `daily cap: ${plural(day.count, "email")} in the last 24 h (cap ${s.maxPerDay})`,
      until: reopensAt(f.sendTimes, day, s.maxPerDay, DAY_MS),
    });
  }
  if (week.count >= cap7d) {
    suppressions.push({
      kind: "weekly_cap",
      reason: `7-day cap: ${plural(week.count, "email")} in the rolling 7 days (${label} cap ${cap7d})`,
      until: reopensAt(f.sendTimes, week, cap7d, WEEK_MS),
    });
  }
  return { cap7d, sent7d: week.count, sent24h: day.count, sendsLeft, fatigued, suppressions };
}

function capOf(isFatigued: boolean, tier: FrequencyTier, s: FrequencySettings): { cap7d: number; label: string } {
  if (isFatigued) return { cap7d: s.fatiguedMaxPer7Days, label: "fatigued" };
  if (tier.engagement === "engaged") return { cap7d: s.engagedMaxPer7Days, label: "engaged" };
  if (tier.clvTier === "top") return { cap7d: s.engagedMaxPer7Days, label: "top CLV tier" };
  return { cap7d: s.maxPer7Days, label: "normal" };
}

/** Sends in (now - span, now]: `first` is the index of the oldest counted one in the ascending list. */
type Window = { readonly count: number; readonly first: number };

function sendsIn(times: readonly number[], nowMs: number, span: number): Window {
  let end = times.length;
  // Sends stamped after `now` (clock skew, a backtest's later events) are not counted yet.
  while (end > 0 && (times[end - 1] ?? 0) > nowMs) end--;
  let first = end;
  while (first > 0 && (times[first - 1] ?? 0) > nowMs - span) first--;
  return { count: end - first, first };
}

/**
 * The first instant the window holds fewer than `cap` sends: when the send that keeps it at the
 * cap turns `span` old. At exactly the cap that is the oldest counted send; above it (flows count
 * too) a later one.
 */
function reopensAt(times: readonly number[], w: Window, cap: number, span: number): number {
  return (times[w.first + w.count - cap] ?? 0) + span;
}

/** Fatigued when any sign holds: unanswered sends, falling engagement, or a recent list unsubscribe. */
function fatigueOf(f: FrequencyFeatures, s: FrequencySettings, nowMs: number): Decided<boolean> {
  const signs: string[] = [];
  const calm: string[] = [];

  const unanswered = unansweredSends(f, nowMs);
  const sendsText = unanswered.atLeast ? `${unanswered.count} or more sends` : plural(unanswered.count, "send");
  const unansweredText = `${sendsText} since the last click, visit, order or human open`;
  if (unanswered.count >= s.fatigueSendsWithoutEngagement) signs.push(`${unansweredText} (fatigued from ${s.fatigueSendsWithoutEngagement})`);
  else calm.push(`${unansweredText} (fatigued from ${s.fatigueSendsWithoutEngagement})`);

  const drop = engagementDrop(f, s, nowMs);
  (drop.fell ? signs : calm).push(drop.text);

  const unsubscribedAt = f.lastListUnsubscribeAt;
  if (unsubscribedAt !== null && nowMs < unsubscribedAt + s.fatigueUnsubscribeDays * DAY_MS) {
    signs.push(`unsubscribed from a list on ${isoDayOf(unsubscribedAt)} (fatigued for ${s.fatigueUnsubscribeDays} days after)`);
  } else {
    calm.push(`no list unsubscribe in the last ${s.fatigueUnsubscribeDays} days`);
  }

  return signs.length > 0 ? decided(true, signs.join("; ")) : decided(false, `no sign of fatigue: ${calm.join("; ")}`);
}

/**
 * Sends after the hour of the latest human activity (the activity list is hourly, finer than the
 * per-day engagement tally). `atLeast` when every kept send counts and older ones went uncounted.
 */
function unansweredSends(f: FrequencyFeatures, nowMs: number): { count: number; atLeast: boolean } {
  let lastActiveEnd = -Infinity;
  for (let i = f.activity.length - 1; i >= 0; i--) {
    const hourStart = unpackActivity(f.activity[i] ?? 0).hour * HOUR_MS;
    if (hourStart <= nowMs) {
      lastActiveEnd = hourStart + HOUR_MS;
      break;
    }
  }
  let count = 0;
  let kept = 0;
  for (const t of f.sendTimes) {
    if (t > nowMs) continue;
    kept++;
    if (t >= lastActiveEnd) count++;
  }
  const allCounted = count === kept && kept > 0;
  // Never active: every send ever made went unanswered, and emailsSent counts past the kept ones.
  if (lastActiveEnd === -Infinity && allCounted) return { count: Math.max(count, f.emailsSent), atLeast: false };
  return { count, atLeast: allCounted && kept >= RECENT_SENDS };
}

/** Days with any engagement in the last 30 days against the 60 before, compared per day. */
function engagementDrop(f: FrequencyFeatures, s: FrequencySettings, nowMs: number): { fell: boolean; text: string } {
  const today = utcDayOf(nowMs);
  let recent = 0;
  let earlier = 0;
  for (const d of f.engagement) {
    if (d.day > today) continue;
    if (d.day > today - RECENT_DAYS) recent++;
    else if (d.day > today - RECENT_DAYS - EARLIER_DAYS) earlier++;
  }
  const sends = sendsIn(f.sendTimes, nowMs, RECENT_DAYS * DAY_MS).count;
  const evidence = `active on ${recent} of the last ${RECENT_DAYS} days against ${earlier} of the ${EARLIER_DAYS} before`;
  const share = `${Math.round(s.fatigueDropShare * 100)} %`;
  if (earlier === 0) return { fell: false, text: `no earlier engagement to fall from (${evidence})` };
  if (sends < MIN_RECENT_SENDS) return { fell: false, text: `${plural(sends, "send")} in the last ${RECENT_DAYS} days, too few to judge a drop (${evidence})` };
  // Per-day rates: recent / 30 < share x earlier / 60, kept in integers but for the share.
  const fell = recent * EARLIER_DAYS < s.fatigueDropShare * earlier * RECENT_DAYS;
  return fell
    ? { fell, text: `engagement fell: ${evidence}, under ${share} of the earlier daily rate` }
    : { fell, text: `engagement held: ${evidence}, at least ${share} of the earlier daily rate` };
}
