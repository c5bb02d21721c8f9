import { describe, expect, it } from "vitest";
import { daysSince, isoDayOf, utcDayOf } from "../../../src/engine/utc-day.js";

describe("utc days", () => {
  it("formats an instant as its UTC calendar day", () => {
    expect(isoDayOf(Date.parse("2024-03-01T23:59:59Z"))).toBe("2024-03-01");
  });

  it("buckets the last millisecond of a day with that day", () => {
    expect(utcDayOf(Date.parse("2024-01-01T23:59:59.999Z"))).toBe(utcDayOf(Date.parse("2024-01-01T00:00:00Z")));
  });

  it("counts whole days elapsed, rounding down", () => {
    expect(daysSince(Date.parse("2024-01-01T12:00:00Z"), new Date("2024-01-03T11:59:59Z"))).toBe(1);
  });
});
