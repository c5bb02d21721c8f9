import { z } from "zod";
import { CONSENT_STATES, ConsentSchema } from "./contact.js";
import { LIFECYCLE_STAGES, LifecycleSchema } from "./properties.js";

/**
 * The per-contact facts a segment guard can test, built by the run from features and
 * predictions. Null means "not known for this contact" (never ordered, no prediction yet),
 * and a guard on a null fact fails.
 */
export const SegmentFactsSchema = z.object({
  orders: z.number().int().min(0),
  daysSinceLastOrder: z.number().int().min(0).nullable(),
  revenue: z.number(),
  aov: z.number().nullable(),
  /** Share of the contact's orders placed with a discount, 0..1. */
  discountShare: z.number().min(0).max(1).nullable(),
  /** Where the contact's predicted CLV ranks within the installation, 0..100. */
  clvPercentile: z.number().min(0).max(100).nullable(),
  /** Probability of no order within the churn horizon, 0..1. */
  churnRisk: z.number().min(0).max(1).nullable(),
  pAlive: z.number().min(0).max(1).nullable(),
  engagementScore: z.number().min(0).max(100),
  views30d: z.number().int().min(0),
  consent: ConsentSchema,
  lifecycle: LifecycleSchema,
});
export type SegmentFacts = z.infer<typeof SegmentFactsSchema>;

/** A fact a guard can name. */
export const SegmentFactSchema = SegmentFactsSchema.keyof();
export type SegmentFact = z.infer<typeof SegmentFactSchema>;

/** The facts compared as categories (== and != only), with the values they can take. */
export const CATEGORICAL_FACTS: Readonly<Partial<Record<SegmentFact, readonly string[]>>> = {
  consent: CONSENT_STATES,
  lifecycle: LIFECYCLE_STAGES,
};

export const GUARD_OPS = [">=", "<=", ">", "<", "==", "!="] as const;
export type GuardOp = (typeof GUARD_OPS)[number];

/** One hard rule on one fact, e.g. orders >= 2. */
export const GuardSchema = z.object({
  fact: SegmentFactSchema,
  op: z.enum(GUARD_OPS),
  // Boolean is accepted for facts to come; today every fact is a number or a category.
  value: z.union([z.number(), z.string(), z.boolean()]),
}).superRefine((guard, ctx) => {
  const categories = CATEGORICAL_FACTS[guard.fact];
  if (categories === undefined) {
    if (typeof guard.value !== "number") ctx.addIssue({ code: "custom", path: ["value"], message: `${guard.fact} is a number; compare it with a number` });
    return;
  }
  if (guard.op !== "==" && guard.op !== "!=") ctx.addIssue({ code: "custom", path: ["op"], message: `${guard.fact} is a category; use == or !=` });
  if (typeof guard.value !== "string" || !categories.includes(guard.value)) {
    ctx.addIssue({ code: "custom", path: ["value"], message: `${guard.fact} is one of ${categories.join(", ")}` });
  }
});
export type Guard = z.infer<typeof GuardSchema>;

export const RANK_BY = ["churn_risk", "clv", "engagement"] as const;
export type RankBy = (typeof RANK_BY)[number];

/** The consent guard every segment carries: Tailor never segments people who cannot be mailed. */
export const SUBSCRIBED_GUARD: Guard = { fact: "consent", op: "==", value: "subscribed" };
const hasSubscribedGuard = (guards: readonly Guard[]): boolean =>
  guards.some((g) => g.fact === SUBSCRIBED_GUARD.fact && g.op === SUBSCRIBED_GUARD.op && g.value === SUBSCRIBED_GUARD.value);

/** The URL- and comparison-safe form of a segment name: "High-value at risk" -> "high-value-at-risk". */
export const segmentSlug = (name: string): string => name.trim().toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");

/** One named segment: people for whom every guard holds, optionally ranked inside by a prediction. */
export const SegmentSchema = z.object({
  // Letters, digits, spaces and hyphens: the name shows in the ESP and doubles as a URL slug.
  name: z.string().trim().min(1).max(60).regex(/^[A-Za-z0-9][A-Za-z0-9 -]*$/, "letters, digits, spaces and hyphens only")
    .describe("Name written to tailor_segment and shown to marketers."),
  description: z.string().trim().min(1).max(280)
    .describe("What the segment is for, in plain language."),
  guards: z.array(GuardSchema).min(1)
    .refine(hasSubscribedGuard, { message: 'every segment must include the guard consent == "subscribed"' })
    .describe("Hard rules on the contact's facts; all must hold, and they are checked after every model."),
  rankBy: z.enum(RANK_BY).nullable().default(null)
    .describe("Prediction that orders members inside the segment for exports and samples (highest first); null keeps no order."),
});
export type Segment = z.infer<typeof SegmentSchema>;

const subscribed = SUBSCRIBED_GUARD;

/*
 * The practitioner playbook's segments. Order matters, because the first match wins:
 * - New customer first: a one-order buyer in their first 30 days is onboarding, whatever else holds.
 * - Active repeat buyer before the "at risk" and discount segments: someone who bought twice in
 *   the last 90 days is buying now, at whatever price, and recency is the best single predictor.
 * - High-value at risk before Lapsing and Win-back: losing a top-30% customer costs the most, so
 *   that message wins over the generic reminder.
 * - Discount-driven after those and before Lapsing and Win-back: among repeat buyers past the
 *   active window, the discount habit decides the message (an offer), and keeping full-price
 *   lapsers out of it protects margin. Placed any later it could never match (Lapsing and Win-back
 *   take every repeat buyer past 90 days); placed earlier it would hide active and high-value buyers.
 * - Browsers last: with no orders they can match nothing above, so their place changes nothing.
 * 30 / 90 / 180 days are the lifecycle defaults (settings.lifecycle); 70th percentile and 0.5 risk
 * are the playbook's "top 30% by value, more likely gone than not".
 */
export const DEFAULT_SEGMENTS: readonly Segment[] = [
  {
    name: "New customer",
    description: "Placed their first order in the last 30 days: welcome them and earn the second order.",
    guards: [{ fact: "orders", op: "==", value: 1 }, { fact: "daysSinceLastOrder", op: "<=", value: 30 }, subscribed],
    rankBy: null,
  },
  {
    name: "Active repeat buyer",
    description: "Two or more orders, the latest within 90 days: loyal and buying; reward, cross-sell, no discounts needed.",
    guards: [{ fact: "orders", op: ">=", value: 2 }, { fact: "daysSinceLastOrder", op: "<=", value: 90 }, subscribed],
    rankBy: "clv",
  },
  {
    name: "High-value at risk",
    description: "Repeat buyers in the top 30% by predicted value who are more likely gone than not: worth a personal save.",
    guards: [{ fact: "clvPercentile", op: ">=", value: 70 }, { fact: "churnRisk", op: ">=", value: 0.5 }, { fact: "orders", op: ">=", value: 2 }, subscribed],
    rankBy: "clv",
  },
  {
    name: "Discount-driven",
    description: "Repeat buyers past the active window who used a discount on half or more of their orders: bring them back with an offer.",
    guards: [{ fact: "orders", op: ">=", value: 2 }, { fact: "discountShare", op: ">=", value: 0.5 }, subscribed],
    rankBy: "churn_risk",
  },
  {
    name: "Lapsing",
    description: "Last order 91 to 180 days ago: remind them before they are gone.",
    guards: [{ fact: "orders", op: ">=", value: 1 }, { fact: "daysSinceLastOrder", op: ">", value: 90 }, { fact: "daysSinceLastOrder", op: "<=", value: 180 }, subscribed],
    rankBy: "churn_risk",
  },
  {
    name: "Win-back",
    description: "No order for more than 180 days: a win-back series, then let them rest.",
    guards: [{ fact: "orders", op: ">=", value: 1 }, { fact: "daysSinceLastOrder", op: ">", value: 180 }, subscribed],
    rankBy: "clv",
  },
  {
    name: "Browsers who never bought",
    description: "Viewed products in the last 30 days but never ordered: show them what they looked at.",
    guards: [{ fact: "orders", op: "==", value: 0 }, { fact: "views30d", op: ">=", value: 1 }, subscribed],
    rankBy: "engagement",
  },
];

/** The installation's named segments, checked in order; a contact gets the first one whose guards all hold. */
export const SegmentSettingsSchema = z.object({
  // 3 to 7: the issue's bound; more segments than a marketer can keep in mind stop being used.
  segments: z.array(SegmentSchema).min(3).max(7)
    .refine((list) => new Set(list.map((s) => segmentSlug(s.name))).size === list.length, { message: "segment names must differ (ignoring case, spaces and hyphens)" })
    .default(() => DEFAULT_SEGMENTS.map((s) => structuredClone(s)))
    .describe("Named segments, checked in order (first match wins); every one must include consent == subscribed."),
});
export type SegmentSettings = z.infer<typeof SegmentSettingsSchema>;
