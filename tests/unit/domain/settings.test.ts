import { describe, expect, it } from "vitest";
import { defaultSettings, describeSettings, SettingsSchema } from "../../../src/domain/index.js";

describe("settings", () => {
  it("fills every group with its documented defaults", () => {
    const s = defaultSettings();
    expect(s.lifecycle).toEqual({ newCustomerDays: 30, activeDays: 90, lapsingDays: 180 });
    expect(s.sync.batchSize).toBe(100);
    expect(s.recommendations.slots.map((slot) => slot.source)).toEqual(["personal", "complementary", "trending", "new_arrivals", "bestsellers"]);
    expect(s.recommendations.priceBand).toBe(0.3);
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
  ])("rejects %j", (input, message) => {
    const result = SettingsSchema.safeParse(input);
    expect(result.success).toBe(false);
    const text = result.error?.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ");
    expect(text).toContain(message);
  });
});
