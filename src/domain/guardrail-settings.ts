import { z } from "zod";

// `.default()` before `.describe()`: in zod 4 the description stays on the outer schema only in that order.
// Defaults and their sources are in ../shared/reference/guardrails-facts.md: 3 marketing emails
// per rolling 7 days (the seed), quiet hours 21-08 local, one abandonment message per 24 h,
// winback at 1.5x the contact's own order gap, a 5 % global holdout.

/** True when `zone` is an IANA time zone this runtime knows (Intl is pure: no I/O, no clock). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const hour = z.number().int().min(0).max(23);

/** Where the best send hour comes from and how far a contact's own habits may pull it from the population's. */
export const SendTimeSettingsSchema = z.object({
  timezone: z.string().default("UTC").refine(isTimeZone, { message: "not a known IANA time zone (e.g. Europe/London)" })
    .describe("The store's time zone: contacts with a missing or unknown time zone are treated as living in it."),
  priorStrength: z.union([z.literal("auto"), z.number().min(1).max(1000)]).default("auto")
    .describe("How many weighted signals the population's hour counts as (alpha0): 'auto' estimates it from the store's own data by the method of moments, clamped to 1-200."),
  minOwnWeight: z.number().min(0).max(1).default(0.3)
    .describe("Share of the estimate a contact's own signals must carry (n / (n + alpha0)) before their hour replaces the population's."),
  lookbackDays: z.number().int().min(7).max(730).default(180)
    .describe("Signals older than this are ignored."),
  halfLifeDays: z.number().positive().max(3650).default(45)
    .describe("Days after which a signal counts half as much toward the hour."),
  orderWeight: z.number().min(0).default(3).describe("Weight of an order's hour: unprompted, the strongest sign of when they are around."),
  clickWeight: z.number().min(0).default(2).describe("Weight of an email click's hour."),
  siteWeight: z.number().min(0).default(1).describe("Weight of an hour with site activity (views, carts, checkouts; once per hour)."),
  humanOpenWeight: z.number().min(0).default(0.5).describe("Weight of a human open's hour; machine opens (Apple MPP) never count."),
});
export type SendTimeSettings = z.infer<typeof SendTimeSettingsSchema>;

/** Rolling caps on marketing email per contact, tiered by engagement and fatigue. */
export const FrequencySettingsSchema = z.object({
  maxPerDay: z.number().int().min(1).max(10).default(1)
    .describe("Marketing emails per rolling 24 hours; at the cap promos are suppressed until the oldest of them is a day old."),
  maxPer7Days: z.number().int().min(1).max(20).default(3)
    .describe("Marketing emails per rolling 7 days for most contacts (the seed's 3)."),
  engagedMaxPer7Days: z.number().int().min(1).max(20).default(4)
    .describe("The 7-day cap for engaged contacts and the top CLV tier: they read what they get."),
  fatiguedMaxPer7Days: z.number().int().min(1).max(20).default(1)
    .describe("The 7-day cap for fatigued contacts."),
  fatigueSendsWithoutEngagement: z.number().int().min(1).max(20).default(11)
    .describe("Sends since the last click, visit, order or human open after which a contact is fatigued (HubSpot's graymail threshold; at most 20, the sends the feature book keeps)."),
  fatigueDropShare: z.number().min(0).max(1).default(0.5)
    .describe("Fatigued when the last 30 days' engagement fell below this share of the 60 days before (per day, with at least 2 sends in the last 30 days)."),
  fatigueUnsubscribeDays: z.number().int().min(0).max(365).default(30)
    .describe("Fatigued for this many days after unsubscribing from another list."),
}).superRefine((f, ctx) => {
  if (f.fatiguedMaxPer7Days > f.maxPer7Days) ctx.addIssue({ code: "custom", path: ["fatiguedMaxPer7Days"], message: "must not exceed maxPer7Days" });
  if (f.engagedMaxPer7Days < f.maxPer7Days) ctx.addIssue({ code: "custom", path: ["engagedMaxPer7Days"], message: "must be at least maxPer7Days" });
  if (f.maxPerDay > f.maxPer7Days) ctx.addIssue({ code: "custom", path: ["maxPerDay"], message: "must not exceed maxPer7Days" });
});
export type FrequencySettings = z.infer<typeof FrequencySettingsSchema>;

/** A window of local hours, `from` inclusive to `to` exclusive; from > to wraps past midnight (21 -> 8). */
export const QuietHoursSchema = z.object({ from: hour, to: hour })
  .refine((w) => w.from !== w.to, { message: "from and to must differ (an empty or whole-day window)" });
export type QuietHours = z.infer<typeof QuietHoursSchema>;

/** Local hours a window covers, 0-23. */
export function quietHoursOf(w: QuietHours): number[] {
  const hours: number[] = [];
  for (let h = w.from; h !== w.to; h = (h + 1) % 24) hours.push(h);
  return hours;
}

/** When promos pause, beyond unsubscribes, bounces and complaints (which always do). */
export const SuppressionSettingsSchema = z.object({
  refundDays: z.number().int().min(0).max(365).default(14)
    .describe("Promos pause for this many days after a refund."),
  ticketCooldownDays: z.number().int().min(0).max(365).default(7)
    .describe("Promos pause while a support ticket is open and for this many days after it closes."),
  abandonmentGapHours: z.number().int().min(1).max(336).default(24)
    .describe("At most one abandonment flow (browse or cart) may start per contact in this many hours."),
  quietHours: z.array(QuietHoursSchema).max(4).default([{ from: 21, to: 8 }])
    .describe("Local hours in which no best send hour is chosen and (with quietHoursSuppress) promos pause; empty for none."),
  quietHoursSuppress: z.boolean().default(true)
    .describe("Quiet hours also set tailor_suppress_promos, with tailor_suppress_until at their end: about two writes per contact per day. Off, they only keep the best send hour out of them."),
}).superRefine((s, ctx) => {
  const seen = new Set<number>();
  s.quietHours.forEach((w, i) => {
    for (const h of quietHoursOf(w)) {
      if (seen.has(h)) {
        ctx.addIssue({ code: "custom", path: ["quietHours", i], message: `overlaps an earlier window at ${h}:00` });
        return;
      }
      seen.add(h);
    }
  });
  if (seen.size >= 24) ctx.addIssue({ code: "custom", path: ["quietHours"], message: "quiet hours cover the whole day: no hour is left to send in" });
});
export type SuppressionSettings = z.infer<typeof SuppressionSettingsSchema>;

/** When each lifecycle flow may start for a contact. */
export const FlowSettingsSchema = z.object({
  welcomeDays: z.number().int().min(1).max(365).default(14)
    .describe("A contact created at most this many days ago who has not ordered is eligible for the welcome flow."),
  browseDelayHours: z.number().int().min(0).max(168).default(4)
    .describe("Browse abandonment starts this many hours after the last product view with no cart or order since."),
  cartDelayHours: z.number().int().min(0).max(168).default(4)
    .describe("Cart abandonment starts this many hours after the last add-to-cart or checkout with no order since (Klaviyo's staff advise about 4)."),
  abandonmentWindowHours: z.number().int().min(1).max(720).default(72)
    .describe("An abandoned view or cart older than this no longer starts a flow."),
  postPurchaseFromDays: z.number().int().min(0).max(365).default(3)
    .describe("The post-purchase cross-sell window opens this many days after the latest order."),
  postPurchaseToDays: z.number().int().min(1).max(365).default(30)
    .describe("The post-purchase window closes this many days after the latest order."),
  replenishLeadDays: z.number().int().min(0).max(90).default(7)
    .describe("Replenishment is eligible from this many days before a product bought runs out (replenishDays x quantity after the purchase)."),
  winbackGapMultiple: z.number().min(1).max(10).default(1.5)
    .describe("Win-back starts when the time since the last order reaches this multiple of the contact's own typical gap between orders."),
  winbackShrinkOrders: z.number().min(0).max(100).default(3)
    .describe("Repeat gaps a contact needs before their own median gap counts as much as the store's (gap = shrunk toward the store median by k/(k + this))."),
}).superRefine((f, ctx) => {
  if (f.postPurchaseFromDays >= f.postPurchaseToDays) ctx.addIssue({ code: "custom", path: ["postPurchaseToDays"], message: "must be after postPurchaseFromDays" });
  if (f.browseDelayHours >= f.abandonmentWindowHours || f.cartDelayHours >= f.abandonmentWindowHours) {
    ctx.addIssue({ code: "custom", path: ["abandonmentWindowHours"], message: "must be longer than the browse and cart delays" });
  }
});
export type FlowSettings = z.infer<typeof FlowSettingsSchema>;

/** The features that can be piloted on part of the audience with their own holdout. */
export const EXPERIMENT_FEATURES = ["send_time", "recommendations", "segments"] as const;
export type ExperimentFeature = (typeof EXPERIMENT_FEATURES)[number];

export const FeatureRolloutSchema = z.object({
  rollout: z.number().min(0).max(1).default(1)
    .describe("Share of contacts in the pilot (0-1); outside it the feature is off and they get the baseline."),
  holdout: z.number().min(0).max(0.5).default(0.1)
    .describe("Share of the pilot held out on the baseline, to measure lift (at most 0.5)."),
});
export type FeatureRollout = z.infer<typeof FeatureRolloutSchema>;

const rolloutDefault = FeatureRolloutSchema.parse({});

/** The global holdout and each feature's staged rollout. */
export const ExperimentSettingsSchema = z.object({
  holdoutShare: z.number().min(0).max(0.2).default(0.05)
    .describe("Share of contacts (0-0.2) in the global holdout: Tailor's outputs stay at the baseline for them, so lift can be measured."),
  salt: z.string().max(100).default("")
    .describe("Mixed into every assignment hash; empty uses the installation id. Change it to reshuffle all groups (at most monthly)."),
  features: z.object({
    send_time: FeatureRolloutSchema.default(rolloutDefault),
    recommendations: FeatureRolloutSchema.default(rolloutDefault),
    segments: FeatureRolloutSchema.default(rolloutDefault),
  }).default({ send_time: rolloutDefault, recommendations: rolloutDefault, segments: rolloutDefault })
    .describe("Per feature (send_time, recommendations, segments): rollout share and its own holdout share within the pilot."),
});
export type ExperimentSettings = z.infer<typeof ExperimentSettingsSchema>;
