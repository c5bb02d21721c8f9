import { describe, expect, it } from "vitest";
import { TimestampSchema } from "../../../src/domain/index.js";

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
