import { z } from "zod";
import { MAX_REC_SLOTS } from "./properties.js";

// `.default()` before `.describe()`: in zod 4 the description stays on the outer schema only in that order.

/** Where a slot's candidates come from. Each is one generator in engine/recommend/. */
export const REC_SOURCES = [
  "personal", // hybrid score: linear item-item model (EASE) or item-kNN, co-views, content, margin
  "complementary", // bought together with the contact's latest purchase
  "similar", // content-similar to what the contact bought or viewed (category, brand, price band, title)
  "trending", // sales velocity: last N days against the N before
  "new_arrivals", // products added in the last N days
  "bestsellers", // units sold in the bestseller window
  "replenishment", // consumables the contact bought that are due again
  "recent_views", // the contact's own recent product views
  "abandoned_cart", // carted and not bought since
] as const;
export const RecSourceSchema = z.enum(REC_SOURCES);
export type RecSource = z.infer<typeof RecSourceSchema>;

/** Which categories a step may draw from. */
export const REC_SCOPES = ["any", "top_category", "affinity_categories"] as const;
export const RecScopeSchema = z.enum(REC_SCOPES);
export type RecScope = z.infer<typeof RecScopeSchema>;

/** One place to look for a slot's product: a source, limited to some categories. */
export const SlotStepSchema = z.object({
  source: RecSourceSchema,
  within: RecScopeSchema.default("any"),
});
export type SlotStep = z.infer<typeof SlotStepSchema>;

/** A slot names a source and a fallback chain, tried in order until a product passes every rule. */
export const SlotSchema = z.object({
  name: z.string().trim().min(1).max(60),
  source: RecSourceSchema,
  within: RecScopeSchema.default("any"),
  fallbacks: z.array(SlotStepSchema).max(6).default([]),
});
export type Slot = z.infer<typeof SlotSchema>;

export const DEFAULT_SLOTS: readonly Slot[] = [
  { name: "Picked for you", source: "personal", within: "any", fallbacks: [{ source: "recent_views", within: "any" }, { source: "bestsellers", within: "top_category" }, { source: "bestsellers", within: "any" }] },
  { name: "Goes with your last order", source: "complementary", within: "any", fallbacks: [{ source: "similar", within: "any" }, { source: "personal", within: "any" }, { source: "trending", within: "any" }] },
  { name: "Trending in your favourite category", source: "trending", within: "top_category", fallbacks: [{ source: "trending", within: "any" }, { source: "bestsellers", within: "any" }] },
  { name: "New in categories you like", source: "new_arrivals", within: "affinity_categories", fallbacks: [{ source: "new_arrivals", within: "any" }, { source: "trending", within: "any" }, { source: "bestsellers", within: "any" }] },
  { name: "Bestseller", source: "bestsellers", within: "any", fallbacks: [{ source: "trending", within: "any" }] },
];

const MonthDaySchema = z.string().regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, "must be MM-DD");

/** A category that may only be recommended between two days of the year (inclusive; may wrap past New Year). */
export const SeasonalWindowSchema = z.object({
  category: z.string().trim().min(1),
  from: MonthDaySchema,
  to: MonthDaySchema,
});
export type SeasonalWindow = z.infer<typeof SeasonalWindowSchema>;

/** Slot strategy, business rules, diversity, rotation and exploration for the `tailor_rec_*` slots. */
export const RecommendationSettingsSchema = z.object({
  slots: z.array(SlotSchema).min(3).max(MAX_REC_SLOTS).default(() => DEFAULT_SLOTS.map((s) => ({ ...s, fallbacks: [...s.fallbacks] })))
    .describe(`Recommendation slots, in order (3 to ${MAX_REC_SLOTS}): each names a source, the categories it may draw from, and fallbacks tried when nothing passes the rules.`),
  minInventory: z.number().int().min(0).default(1)
    .describe("Products whose tracked inventory is below this are never recommended (untracked inventory passes)."),
  excludePurchasedDays: z.number().int().min(0).default(365)
    .describe("Never recommend a product the contact bought within this many days, unless it is replenishable and due (0 turns the rule off)."),
  priceBand: z.number().min(0).max(10).default(0.3)
    .describe("Only recommend products priced within this share around the contact's reference price (0.3 = ±30 %; 0 turns the rule off; contacts without orders are not limited)."),
  priceReference: z.enum(["aov", "item_price"]).default("aov")
    .describe("What the price band is centred on: the contact's average order value, or the mean unit price they paid (better for stores whose orders hold many items)."),
  marginFloor: z.number().min(0).max(1).default(0)
    .describe("Never recommend a product whose margin share ((price - cost) / price) is below this; products without a known cost pass (0 turns the rule off)."),
  marginBoost: z.number().min(0).max(5).default(0.2)
    .describe("Ranking boost for margin: a candidate's score is multiplied by 1 + marginBoost x its margin share."),
  includeCategories: z.array(z.string().trim().min(1)).default([])
    .describe("When not empty, only products in these categories (or below them) are recommended."),
  excludeCategories: z.array(z.string().trim().min(1)).default([])
    .describe("Products in these categories (or below them) are never recommended."),
  seasonal: z.array(SeasonalWindowSchema).default([])
    .describe("Categories recommended only between two days of the year, e.g. {category: \"Christmas\", from: \"10-15\", to: \"12-24\"}."),
  blocklist: z.array(z.string().trim().min(1)).default([])
    .describe("Product ids that are never recommended."),
  maxPerCategory: z.number().int().min(1).max(MAX_REC_SLOTS).default(2)
    .describe("Most products from one category across a contact's slots, so the email is not one category five times."),
  rotationSends: z.number().int().min(0).max(50).default(3)
    .describe("Products shown to the contact in their last this-many sends are demoted, so repeat emails show new products (0 turns rotation off)."),
  rotationPenalty: z.number().min(0).max(1).default(0.5)
    .describe("Score multiplier for a product shown in those sends (0 keeps it out whenever anything else passes)."),
  explorationShare: z.number().min(0).max(0.5).default(0.05)
    .describe("Share of slots given to a new or under-exposed product in the contact's categories, chosen at random (seeded) and marked as exploration, so the store keeps learning what sells."),
  bestsellerWindowDays: z.number().int().min(1).max(730).default(90)
    .describe("Bestsellers are ranked by units sold in this many days before the run."),
  trendingDays: z.number().int().min(1).max(90).default(14)
    .describe("Trending compares units sold in the last this-many days with the same span before it."),
  newArrivalDays: z.number().int().min(1).max(365).default(30)
    .describe("A product is a new arrival for this many days after it was created (or first sold, when the catalog has no creation date)."),
  recentViewDays: z.number().int().min(1).max(365).default(30)
    .describe("Product views and cart adds older than this are not used by the recent-views and abandoned-cart sources."),
  // Chosen on an inner validation split of Online Retail (fit before 2011-10-01, scored to
  // 2011-11-01), never on the reported test window: see bench/recommend-backtest.ts --tune.
  easeMaxItems: z.number().int().min(0).max(5000).default(2000)
    .describe("The personal pick uses a linear item-item model (EASE, Steck 2019) over at most this many best-selling products when they hold 90 % of purchases; otherwise item-kNN (0 always uses item-kNN). Fitting costs this number cubed: about 10 s for 2,000, 45 s for 3,000."),
  easeLambda: z.number().positive().default(300)
    .describe("EASE L2 regularisation: larger trusts rare co-purchases less."),
  neighbours: z.number().int().min(5).max(500).default(50)
    .describe("Most similar products kept per product for item-to-item sources (co-purchase, co-view, content, item-kNN, and the sparse EASE weights)."),
  similarityShrinkage: z.number().min(0).default(10)
    .describe("Co-purchase similarity is shrunk toward 0 by n / (n + this), so a pair bought together by 2 customers does not outrank one bought by 200 in \"goes with your last order\"."),
  personalHalfLifeDays: z.number().positive().max(3650).default(180)
    .describe("In the personal pick, a purchase or view this many days old counts half as much as one today (a large value weighs all history alike)."),
  personalViewWeight: z.number().min(0).max(10).default(0.5)
    .describe("Weight of co-view neighbours of the contact's recent views in the personal pick, relative to the purchase model (0 turns it off). Not tuned: the tuning data has no views."),
  personalContentWeight: z.number().min(0).max(10).default(0.3)
    .describe("Weight of content neighbours (category, brand, price band, title) of the contact's purchases and views in the personal pick (0 turns it off)."),
  personalPopularityWeight: z.number().min(0).max(10).default(0.05)
    .describe("Weight of a small popularity prior (buyers in the bestseller window, over the most any product had) in the personal pick: lifts what sells now among close calls (0 turns it off)."),
});
export type RecommendationSettings = z.infer<typeof RecommendationSettingsSchema>;
