import { describe, expect, it } from "vitest";
import { check, EventSchema } from "../../../src/domain/index.js";

describe("check", () => {
  it("returns the reason and the raw record for a bad event", () => {
    const raw = { id: "e1", type: "placed_order", contactId: "c1", at: "2026-01-01", orderId: "o1", value: -5, items: [] };
    const result = check(EventSchema, raw);
    expect(result).toMatchObject({ ok: false, raw });
    expect(result.ok ? "" : result.reason).toMatch(/^value: .*; items: /);
  });

  it("names an unknown event type instead of listing every valid one", () => {
    const result = check(EventSchema, { id: "e1", type: "teleported", contactId: "c1", at: "2026-01-01" });
    expect(result.ok ? "" : result.reason).toBe('type: unknown event type "teleported"');
  });

  it("quarantines a line a connector could not read with the connector's reason", () => {
    const raw = { _malformed: "invalid JSON: Unexpected token", line: 7, text: "{oops" };
    expect(check(EventSchema, raw)).toEqual({ ok: false, reason: "unreadable: invalid JSON: Unexpected token", raw });
  });
});
