import { CONSENT_STATES, decided, SUPPRESSION_KINDS } from "../../domain/index.js";
import type { Consent, Contact, Decided, QuietHours, Settings, Suppression, SuppressionKind } from "../../domain/index.js";
import { HOUR_MS } from "../feature-book.js";
import type { ContactFeatures } from "../feature-book.js";
import { DAY_MS, isoDayOf } from "../utc-day.js";
import { plural } from "../plural.js";

/** What the suppressions read from the features; any ContactFeatures will do. */
export type SuppressionFeatures = Pick<
  ContactFeatures,
  "lastComplaintAt" | "lastHardBounceAt" | "lastUnsubscribeAt" | "openTicketSince" | "lastTicketClosedAt" | "lastRefundAt"
>;

/** Short names for each kind, for the one-line summaries. */
const LABELS: Readonly<Record<SuppressionKind, string>> = {
  complained: "spam complaint",
  bounced: "hard bounce",
  unsubscribed: "unsubscribe",
  open_ticket: "open support ticket",
  ticket_cooldown: "ticket cooldown",
  refund: "recent refund",
  daily_cap: "daily cap",
  weekly_cap: "7-day cap",
  quiet_hours: "quiet hours",
};

/** Consent, tickets and refunds: the suppressions that also stop flows (quiet hours and caps do not: an ESP workflow checks tailor_suppress_promos before each email, and a flow started at 21:05 should still start). */
export const BLOCKS_FLOWS: ReadonlySet<SuppressionKind> = new Set<SuppressionKind>(["complained", "bounced", "unsubscribed", "open_ticket", "ticket_cooldown", "refund"]);

/**
 * Why promos pause for the contact now, besides the frequency caps: consent (contact.consent not
 * subscribed, or a complaint / hard bounce / global unsubscribe event: the most restrictive wins),
 * an open ticket, the ticket cooldown, the refund window, and quiet hours (the local hour from
 * `utcOffsetMs`, the zone's offset at now). Timed ones end at `until`, exclusive.
 */
export function suppressionsOf(contact: Contact, f: SuppressionFeatures, utcOffsetMs: number, settings: Settings, now: Date): Suppression[] {
  const s = settings.suppressions;
  const nowMs = now.getTime();
  const all: Suppression[] = [];
  const consent = consentOf(contact.consent, f);
  if (consent !== null) all.push(consent);
  if (f.openTicketSince !== null) {
    all.push({ kind: "open_ticket", reason: `support ticket open since ${isoDayOf(f.openTicketSince)}`, until: null });
  }
  const closed = f.lastTicketClosedAt;
  if (closed !== null && nowMs < closed + s.ticketCooldownDays * DAY_MS) {
    const until = closed + s.ticketCooldownDays * DAY_MS;
    all.push({ kind: "ticket_cooldown", reason: `support ticket closed ${isoDayOf(closed)}: ${s.ticketCooldownDays}-day cooldown`, until });
  }
  const refunded = f.lastRefundAt;
  if (refunded !== null && nowMs < refunded + s.refundDays * DAY_MS) {
    all.push({ kind: "refund", reason: `refund on ${isoDayOf(refunded)}: promos pause ${plural(s.refundDays, "day")}`, until: refunded + s.refundDays * DAY_MS });
  }
  const quiet = s.quietHoursSuppress ? quietHoursAt(s.quietHours, utcOffsetMs, nowMs) : null;
  if (quiet !== null) all.push(quiet);
  return all;
}

/** The consent events that stop mail for good, with the kind each one means. */
const CONSENT_EVENTS = [
  { kind: "complained", at: (f: SuppressionFeatures) => f.lastComplaintAt, what: "marked an email as spam" },
  { kind: "bounced", at: (f: SuppressionFeatures) => f.lastHardBounceAt, what: "hard bounce" },
  { kind: "unsubscribed", at: (f: SuppressionFeatures) => f.lastUnsubscribeAt, what: "unsubscribed from all marketing" },
] as const;

/**
 * The most restrictive of the ESP's consent state and the consent events seen. An event wins
 * even over a later "subscribed": Tailor cannot tell a resubscribe from a stale state, and
 * mailing someone who complained costs more than missing a resubscribed contact.
 */
function consentOf(consent: Consent, f: SuppressionFeatures): Suppression | null {
  for (const state of CONSENT_STATES) {
    if (state === "subscribed") return null;
    const event = CONSENT_EVENTS.find((e) => e.kind === state);
    const at = event?.at(f) ?? null;
    if (at !== null && event !== undefined) return { kind: state, reason: `${event.what} on ${isoDayOf(at)}`, until: null };
    if (consent === state) return { kind: state, reason: `consent is ${state} in the ESP`, until: null };
  }
  return null;
}

/**
 * Quiet hours when the local hour is inside a window, ending at the window's `to` (chained
 * through an adjacent window). The end uses the offset at now: a DST change during the night
 * moves the real end by the change, which the next run corrects.
 */
function quietHoursAt(windows: readonly QuietHours[], offsetMs: number, nowMs: number): Suppression | null {
  const local = nowMs + offsetMs;
  const sinceMidnight = ((local % DAY_MS) + DAY_MS) % DAY_MS;
  const hour = Math.floor(sinceMidnight / HOUR_MS);
  const first = windows.find((w) => covers(w, hour));
  if (first === undefined) return null;
  let last = first;
  let endLocal = nextLocalHour(local, last.to);
  // Windows never overlap (settings check), so at most windows.length steps chain them.
  for (let i = 0; i < windows.length; i++) {
    const next = windows.find((w) => w.from === last.to);
    if (next === undefined) break;
    last = next;
    endLocal = nextLocalHour(endLocal, last.to);
  }
  // No clock time in the reason: it is written to the ESP, and a value that moves every run rewrites every contact.
  return { kind: "quiet_hours", reason: `quiet hours ${clock(first.from)}-${clock(last.to)} local`, until: endLocal - offsetMs };
}

const covers = (w: QuietHours, hour: number): boolean => (w.from < w.to ? hour >= w.from && hour < w.to : hour >= w.from || hour < w.to);

/** The first local instant after `local` at `hour`:00. */
function nextLocalHour(local: number, hour: number): number {
  const midnight = local - (((local % DAY_MS) + DAY_MS) % DAY_MS);
  const at = midnight + hour * HOUR_MS;
  return at > local ? at : at + DAY_MS;
}

const clock = (hour: number): string => `${String(hour).padStart(2, "0")}:00`;

/** Consent kinds, then the open ticket, then by later end: the order reasons are listed in. */
const byLasting = (a: Suppression, b: Suppression): number => {
  if (a.until === null || b.until === null) {
    if (a.until !== b.until) return a.until === null ? -1 : 1;
  } else if (a.until !== b.until) return b.until - a.until;
  return SUPPRESSION_KINDS.indexOf(a.kind) - SUPPRESSION_KINDS.indexOf(b.kind);
};

/**
 * tailor_suppress_promos / _reason / _until. The reason lists every reason, most lasting first
 * (consent, open ticket, then the later `until` first). _until is the instant (ISO 8601 UTC) the
 * last timed reason ends, and null when nothing pauses promos or any reason has no end: a time
 * would tell a workflow to resume mail that must not resume.
 */
export function suppressionProperties(all: readonly Suppression[]): {
  readonly tailor_suppress_promos: Decided<boolean>;
  readonly tailor_suppress_reason: Decided<string>;
  readonly tailor_suppress_until: Decided<string | null>;
} {
  if (all.length === 0) {
    return {
      tailor_suppress_promos: decided(false, "nothing pauses promos"),
      tailor_suppress_reason: decided("", "nothing pauses promos"),
      tailor_suppress_until: decided(null, "nothing pauses promos"),
    };
  }
  const ordered = [...all].sort(byLasting);
  const kinds = ordered.map((x) => LABELS[x.kind]).join(", ");
  const longest = ordered[0];
  let until: Decided<string | null>;
  if (longest === undefined || longest.until === null) {
    until = decided(null, `no end date: ${longest?.reason ?? "open-ended"}`);
  } else {
    const end = new Date(longest.until).toISOString();
    until = decided(end, `the last timed pause (${LABELS[longest.kind]}) ends ${end.slice(0, 16).replace("T", " ")} UTC`);
  }
  return {
    tailor_suppress_promos: decided(true, `paused by ${kinds}`),
    tailor_suppress_reason: decided(ordered.map((x) => x.reason).join("; "), `${plural(ordered.length, "reason")}, most lasting first`),
    tailor_suppress_until: until,
  };
}
