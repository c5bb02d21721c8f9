import { describe, expect, it } from "vitest";
import { defaultSettings, describeSettings, SettingsSchema } from "../../../src/domain/index.js";

describe("settings", () => {
  it("fills every group with its documented defaults", () => {
    const s = defaultSettings();
    expect(s.lifecycle).toEqual({ newCustomerDays: 30, activeDays: 90, lapsingDays: 180 });
    expect(s.sync.batchSize).toBe(10_000);
    expect(s.klaviyo.metrics.placed_order).toEqual(["Placed Order", "Order Placed"]);
    expect(s.recommendations.slots.map((slot) => slot.source)).toEqual(["personal", "complementary", "trending", "new_arrivals", "bestsellers"]);
    expect(s.recommendations.priceBand).toBe(0.3);
    expect([s.frequency.maxPer7Days, s.experiments.holdoutShare, s.suppressions.quietHours, s.suppressions.abandonmentGapHours]).toEqual([3, 0.05, [{ from: 21, to: 8 }], 24]);
  });

  it("keeps saved values and fills new fields with defaults", () => {
    const s = SettingsSchema.parse({ lifecycle: { activeDays: 60 } });
    expect(s.lifecycle).toEqual({ newCustomerDays: 30, activeDays: 60, lapsingDays: 180 });
  });

  it("documents every setting with a one-line doc and a default", () => {
    const docs = describeSettings();
    expect(docs.length).toBeGreaterThan(10);
    for (const d of docs) {
      expect(d.doc, d.key).not.toBe("");
      expect(d.default, d.key).not.toBeUndefined();
    }
    expect(docs.find((d) => d.key === "lifecycle.lapsingDays")).toMatchObject({ default: 180 });
  });

  it.each([
    [{ lifecycle: { activeDays: 200 } }, "thresholds must satisfy"],
    [{ recommendations: { slots: [{ name: "one", source: "personal" }] } }, "recommendations.slots"],
    [{ recommendations: { slots: Array.from({ length: 7 }, (_, i) => ({ name: `s${i}`, source: "bestsellers" })) } }, "recommendations.slots"],
    [{ recommendations: { slots: [1, 2, 3].map((i) => ({ name: `s${i}`, source: "cheapest" })) } }, "recommendations.slots.0.source"],
    [{ recommendations: { seasonal: [{ category: "Christmas", from: "12-32", to: "01-06" }] } }, "must be MM-DD"],
    [{ sync: { batchSize: 0 } }, "sync.batchSize"],
    // Contradictory guardrails (issue 6, "Bad input"): each message names the field.
    [{ frequency: { maxPer7Days: 0 } }, "frequency.maxPer7Days"],
    [{ frequency: { maxPerDay: 0 } }, "frequency.maxPerDay"],
    [{ frequency: { maxPerDay: 4, maxPer7Days: 3 } }, "frequency.maxPerDay must not exceed maxPer7Days"],
    [{ frequency: { fatiguedMaxPer7Days: 5 } }, "frequency.fatiguedMaxPer7Days must not exceed maxPer7Days"],
    [{ frequency: { engagedMaxPer7Days: 2 } }, "frequency.engagedMaxPer7Days must be at least maxPer7Days"],
    [{ experiments: { holdoutShare: 0.6 } }, "experiments.holdoutShare"],
    [{ experiments: { features: { send_time: { rollout: 1, holdout: 0.51 } } } }, "experiments.features.send_time.holdout"],
    [{ suppressions: { quietHours: [{ from: 21, to: 8 }, { from: 6, to: 9 }] } }, "suppressions.quietHours.1 overlaps an earlier window at 6:00"],
    [{ suppressions: { quietHours: [{ from: 8, to: 8 }] } }, "suppressions.quietHours.0 from and to must differ"],
    [{ suppressions: { quietHours: [{ from: 0, to: 12 }, { from: 12, to: 0 }] } }, "quiet hours cover the whole day"],
    [{ sendTime: { timezone: "Mars/Olympus" } }, "sendTime.timezone not a known IANA time zone"],
    [{ flows: { postPurchaseFromDays: 30, postPurchaseToDays: 30 } }, "flows.postPurchaseToDays must be after postPurchaseFromDays"],
    // One metric read as two events would count an order twice.
    [{ klaviyo: { metrics: { placed_order: ["Placed Order"], refunded: ["placed order"] } } }, 'klaviyo.metrics.refunded "placed order" is already read as placed_order'],
    [{ klaviyo: { ignoredMetrics: ["Clicked Email"] } }, 'klaviyo.ignoredMetrics "Clicked Email" is read as email_clicked'],
    [{ klaviyo: { historyDays: 0 } }, "klaviyo.historyDays"],
  ])("rejects %j", (input, message) => {
    const result = SettingsSchema.safeParse(input);
    expect(result.success).toBe(false);
    const text = result.error?.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ");
    expect(text).toContain(message);
  });
});
