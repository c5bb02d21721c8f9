import { describe, expect, it } from "vitest";
import { check, EventSchema, TimestampSchema } from "../../../src/domain/index.js";

describe("TimestampSchema", () => {
  it.each([
    ["2026-11-23T10:00:00Z", Date.UTC(2026, 10, 23, 10)],
    [Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 1)],
  ])("accepts %s", (raw, ms) => {
    expect(TimestampSchema.parse(raw).getTime()).toBe(ms);
  });

  it.each([null, "", "  ", "yesterday", Number.NaN])("rejects %j instead of reading it as 1970", (raw) => {
    expect(TimestampSchema.safeParse(raw).success).toBe(false);
  });
});

describe("check", () => {
  it("returns the reason and the raw record for a bad event", () => {
    const raw = { id: "e1", type: "placed_order", contactId: "c1", at: "2026-01-01", orderId: "o1", value: -5, items: [] };
    const result = check(EventSchema, raw);
    expect(result).toMatchObject({ ok: false, raw });
    expect(result.ok ? "" : result.reason).toMatch(/^value: .*; items: /);
  });

  it("rejects an unknown event type", () => {
    expect(check(EventSchema, { id: "e1", type: "teleported", contactId: "c1", at: "2026-01-01" }).ok).toBe(false);
  });
});
