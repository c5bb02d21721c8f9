import { z } from "zod";

// `.default()` before `.describe()`: in zod 4 the description stays on the outer schema only in that order.
// Machine opens (Apple Mail Privacy Protection pre-fetches) have no weight on purpose: since
// iOS 15 they fire for every delivered message, so counting them would call inboxes engaged.

/** How the engagement score weighs clicks, site activity, orders and human opens, and how it decays. */
export const EngagementSettingsSchema = z.object({
  clickWeight: z.number().min(0).default(3)
    .describe("Points for an email click: a deliberate act, weighted like an add-to-cart in category affinity."),
  siteActionWeight: z.number().min(0).default(1)
    .describe("Points for a product or category view, an add-to-cart or a started checkout."),
  orderWeight: z.number().min(0).default(5)
    .describe("Points for a placed order, the strongest sign of engagement."),
  humanOpenWeight: z.number().min(0).default(0.5)
    .describe("Points for an open that is not a machine open; low because opens stay noisy (image blocking, proxies not flagged)."),
  halfLifeDays: z.number().positive().max(3650).default(30)
    .describe("Days after which a signal counts half as much (30: the shortest window ESPs' engaged segments use)."),
  halfScorePoints: z.number().positive().default(10)
    .describe("Decayed points at which the score reaches 50 of 100; the score is 100 x points / (points + this)."),
  engagedFrom: z.number().int().min(1).max(100).default(50)
    .describe("A score at least this high is 'engaged'."),
  warmFrom: z.number().int().min(1).max(100).default(20)
    .describe("A score at least this high (and below engagedFrom) is 'warm'; lower is 'cold'."),
  newBelowEmailsSent: z.number().int().min(0).default(3)
    .describe("A contact with no click, visit, order or human open who was sent fewer emails than this is 'new', not 'cold'."),
}).refine((s) => s.warmFrom < s.engagedFrom, { message: "thresholds must satisfy warmFrom < engagedFrom" });
export type EngagementSettings = z.infer<typeof EngagementSettingsSchema>;
