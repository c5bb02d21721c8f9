import { describe, expect, it } from "vitest";
import { defaultSettings, describeSettings, SettingsSchema } from "../../../src/domain/index.js";

describe("settings", () => {
  it("fills every group with its documented defaults", () => {
    const s = defaultSettings();
    expect(s.lifecycle).toEqual({ newCustomerDays: 30, activeDays: 90, lapsingDays: 180 });
    expect(s.sync.batchSize).toBe(100);
    expect(s.recommendations.slots).toBe(3);
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
    [{ recommendations: { slots: 7 } }, "recommendations.slots"],
    [{ sync: { batchSize: 0 } }, "sync.batchSize"],
  ])("rejects %j", (input, message) => {
    const result = SettingsSchema.safeParse(input);
    expect(result.success).toBe(false);
    const text = result.error?.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ");
    expect(text).toContain(message);
  });
});
