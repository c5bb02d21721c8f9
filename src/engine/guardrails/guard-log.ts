import { SUPPRESSION_KINDS } from "../../domain/index.js";
import type { GuardKey, GuardLogEntry, Suppression, SuppressionKind } from "../../domain/index.js";

/** One guard as this run sees it: the log records it when it turns on or off, or its ref changes. */
export type GuardState = {
  readonly key: GuardKey;
  readonly on: boolean;
  readonly reason: string;
  /** Epoch ms the guard ends by itself; null when open-ended or off. */
  readonly until: number | null;
  /** What started an abandonment flow ("<flow>:<trigger epoch ms>"): a new trigger is a new start. */
  readonly ref?: string;
};

/** Why a suppression that was on is now off, for the log line that records it ending. */
const ENDED: Readonly<Record<SuppressionKind, string>> = {
  complained: "no spam complaint on record",
  bounced: "no hard bounce on record",
  unsubscribed: "subscribed",
  open_ticket: "no support ticket open",
  ticket_cooldown: "ticket cooldown over",
  refund: "refund pause over",
  daily_cap: "under the daily cap",
  weekly_cap: "under the 7-day cap",
  quiet_hours: "outside quiet hours",
};

/** The suppression states for the log: every SuppressionKind, on when present in `active`. */
export function suppressionStates(active: readonly Suppression[]): GuardState[] {
  return SUPPRESSION_KINDS.map((kind): GuardState => {
    const found = active.find((s) => s.kind === kind);
    return found === undefined
      ? { key: kind, on: false, reason: ENDED[kind], until: null }
      : { key: kind, on: true, reason: found.reason, until: found.until };
  });
}

/**
 * Entries to append: keys whose on/off or ref differs from the log's last entry for that key; a
 * key never logged that is off is skipped, so a contact with nothing to say logs nothing. `at` = now.
 */
export function guardLogChanges(log: readonly GuardLogEntry[], states: readonly GuardState[], now: Date): GuardLogEntry[] {
  const changes: GuardLogEntry[] = [];
  for (const state of states) {
    const last = lastEntryFor(log, state.key);
    if (last === null ? !state.on : last.on === state.on && last.ref === state.ref) continue;
    const entry = { at: now.getTime(), key: state.key, on: state.on, reason: state.reason, until: state.until };
    changes.push(state.ref === undefined ? entry : { ...entry, ref: state.ref });
  }
  return changes;
}

/** The log is short (GUARD_LOG_KEPT) and newest last: a backward scan beats building a map per contact. */
function lastEntryFor(log: readonly GuardLogEntry[], key: GuardKey): GuardLogEntry | null {
  for (let i = log.length - 1; i >= 0; i--) {
    const entry = log[i];
    if (entry?.key === key) return entry;
  }
  return null;
}
