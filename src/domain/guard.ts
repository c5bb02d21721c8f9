/** Why promos pause for a contact. Consent kinds never expire; the rest carry an end time. */
export const SUPPRESSION_KINDS = [
  "complained", "bounced", "unsubscribed", "open_ticket", "ticket_cooldown", "refund", "daily_cap", "weekly_cap", "quiet_hours",
] as const;
export type SuppressionKind = (typeof SUPPRESSION_KINDS)[number];

/** One reason promos pause, with when it ends (epoch ms; null = until something changes, e.g. a resubscribe or the ticket closing). */
export type Suppression = { readonly kind: SuppressionKind; readonly reason: string; readonly until: number | null };

/** The lifecycle flows Tailor flags a contact for. */
export const FLOWS = ["welcome", "browse_abandonment", "cart_abandonment", "post_purchase", "replenishment", "winback"] as const;
export type Flow = (typeof FLOWS)[number];
/** Flows of which at most one may start per contact per Settings gap (default 24 h). */
export const ABANDONMENT_FLOWS: readonly Flow[] = ["browse_abandonment", "cart_abandonment"];

/** What the guard log tracks: each suppression kind, each flow, and the abandonment gap that held a flow back. */
export type GuardKey = SuppressionKind | Flow | "abandonment_gap";

/**
 * One change in a contact's guards: a suppression or flow turning on or off, with the reason
 * and (for timed suppressions) the end. Appended only on change, so the panel can show why.
 */
export type GuardLogEntry = {
  /** Epoch ms of the run that saw the change. */
  readonly at: number;
  readonly key: GuardKey;
  readonly on: boolean;
  readonly reason: string;
  readonly until: number | null;
  /** What started an abandonment flow (e.g. "cart:<epoch ms>"), so the same trigger staying on is not "another flow". */
  readonly ref?: string;
};

/** Guard log entries kept per contact, newest last. */
export const GUARD_LOG_KEPT = 50;
