import { z } from "zod";
import { EngagementSettingsSchema } from "./engagement-settings.js";
import { ExperimentSettingsSchema, FlowSettingsSchema, FrequencySettingsSchema, SendTimeSettingsSchema, SuppressionSettingsSchema } from "./guardrail-settings.js";
import { KlaviyoSettingsSchema } from "./klaviyo-settings.js";
import { PredictionSettingsSchema } from "./prediction-settings.js";
import { RecommendationSettingsSchema } from "./recommendation-settings.js";
import { SegmentSettingsSchema } from "./segment-settings.js";

// `.default()` before `.describe()`: in zod 4 the description stays on the outer schema only in that order.

export const SyncSettingsSchema = z.object({
  intervalMinutes: z.number().int().min(5).max(1440).default(60)
    .describe("Minutes between scheduled syncs."),
  batchSize: z.number().int().min(1).max(10_000).default(10_000)
    .describe("Most contacts per write-back call, further capped by the ESP (HubSpot batch calls take 100, a Klaviyo import job 10,000); a checkpoint is stored after each."),
  pushConcurrency: z.number().int().min(1).max(8).default(4)
    .describe("Write-back calls in flight at once, checkpointed in order: 4 keeps HubSpot's 100 calls / 10 s busy despite network latency. After a crash up to this many batches may be sent again (the same values, so the ESP ends the same); 1 never repeats one."),
});

export const CleaningSettingsSchema = z.object({
  orderDedupeWindowMinutes: z.number().int().min(0).max(1440).default(10)
    .describe("Two orders from one contact with the same items and value this close together are one order fired twice."),
  categoryAliases: z.record(z.string(), z.string()).default({})
    .describe("Extra category merges the admin asked for, raw name -> canonical path (applied after the automatic ones)."),
});

export const LifecycleThresholdsSchema = z.object({
  newCustomerDays: z.number().int().min(1).default(30)
    .describe("A one-time buyer whose order is at most this many days old is a new customer."),
  activeDays: z.number().int().min(1).default(90)
    .describe("A buyer whose last order is at most this many days old is an active customer."),
  lapsingDays: z.number().int().min(1).default(180)
    .describe("A buyer whose last order is older than the active window but at most this old is lapsing; older is churned."),
}).refine((t) => t.newCustomerDays <= t.activeDays && t.activeDays < t.lapsingDays, {
  message: "thresholds must satisfy newCustomerDays <= activeDays < lapsingDays",
});

export const IntentSettingsSchema = z.object({
  viewWeight: z.number().min(0).default(1).describe("Weight of a product view toward a category's affinity."),
  cartWeight: z.number().min(0).default(3).describe("Weight of an add-to-cart toward a category's affinity."),
  orderWeight: z.number().min(0).default(5).describe("Weight of a purchased item toward a category's affinity."),
  // 60 days: about one season, so last season's browsing fades to a quarter within a half-year.
  halfLifeDays: z.number().positive().max(3650).default(60)
    .describe("Days after which a view, cart or purchase counts half as much toward category affinity (a large value turns decay off)."),
});

/** Everything an admin can set for one installation. Every field has a default. */
export const SettingsSchema = z.object({
  sync: SyncSettingsSchema.default(SyncSettingsSchema.parse({})),
  cleaning: CleaningSettingsSchema.default(CleaningSettingsSchema.parse({})),
  lifecycle: LifecycleThresholdsSchema.default(LifecycleThresholdsSchema.parse({})),
  intent: IntentSettingsSchema.default(IntentSettingsSchema.parse({})),
  recommendations: RecommendationSettingsSchema.default(RecommendationSettingsSchema.parse({})),
  predictions: PredictionSettingsSchema.default(PredictionSettingsSchema.parse({})),
  engagement: EngagementSettingsSchema.default(EngagementSettingsSchema.parse({})),
  segments: SegmentSettingsSchema.default(SegmentSettingsSchema.parse({})),
  sendTime: SendTimeSettingsSchema.default(SendTimeSettingsSchema.parse({})),
  frequency: FrequencySettingsSchema.default(FrequencySettingsSchema.parse({})),
  suppressions: SuppressionSettingsSchema.default(SuppressionSettingsSchema.parse({})),
  flows: FlowSettingsSchema.default(FlowSettingsSchema.parse({})),
  experiments: ExperimentSettingsSchema.default(ExperimentSettingsSchema.parse({})),
  klaviyo: KlaviyoSettingsSchema.default(KlaviyoSettingsSchema.parse({})),
});
export type Settings = z.infer<typeof SettingsSchema>;
export type SyncSettings = Settings["sync"];
export type CleaningSettings = Settings["cleaning"];
export type LifecycleThresholds = Settings["lifecycle"];
export type IntentSettings = Settings["intent"];


export const defaultSettings = (): Settings => SettingsSchema.parse({});

export type SettingDoc = { readonly key: string; readonly doc: string; readonly default: unknown };

/** One row per setting, dotted key first: what the settings page and the README table render. */
export function describeSettings(): SettingDoc[] {
  const defaults = defaultSettings();
  return Object.entries(SettingsSchema.shape).flatMap(([group, wrapped]) => {
    const inner = unwrapObject(wrapped);
    const groupDefaults = defaults[group as keyof Settings] as Record<string, unknown>;
    return Object.entries(inner.shape).flatMap(([key, field]) => {
      const nested = nestedObject(field as z.ZodType);
      // A nested group (klaviyo.metrics) gets a row per field: one JSON cell would be unreadable.
      if (nested !== null) {
        const nestedDefaults = groupDefaults[key] as Record<string, unknown>;
        return Object.entries(nested.shape).map(([sub, subField]) => ({ key: `${group}.${key}.${sub}`, doc: (subField as z.ZodType).description ?? "", default: nestedDefaults[sub] }));
      }
      return [{ key: `${group}.${key}`, doc: (field as z.ZodType).description ?? "", default: groupDefaults[key] }];
    });
  });
}

/** A nested object whose every field is documented on its own; null for a value documented as a whole. */
function nestedObject(schema: z.ZodType): z.ZodObject | null {
  const inner = schema instanceof z.ZodDefault ? (schema.def.innerType as z.ZodType) : schema;
  if (!(inner instanceof z.ZodObject)) return null;
  return Object.values(inner.shape).every((f) => (f as z.ZodType).description !== undefined) ? inner : null;
}

function unwrapObject(schema: z.ZodType): z.ZodObject {
  let s: z.ZodType = schema;
  // Groups are object schemas wrapped in default() and sometimes refine(); peel to the shape.
  while (!(s instanceof z.ZodObject)) {
    if (s instanceof z.ZodDefault) s = s.def.innerType as z.ZodType;
    else throw new Error("settings groups must be objects");
  }
  return s;
}
