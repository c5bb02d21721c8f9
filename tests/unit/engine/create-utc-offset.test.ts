import { describe, expect, it } from "vitest";
import { createUtcOffset } from "../../../src/engine/create-utc-offset.js";

const HOUR_MS = 3_600_000;

describe("createUtcOffset", () => {
  it.each([
    ["Europe/Berlin", "2025-01-15T12:00:00Z", 1],
    ["Europe/Berlin", "2025-07-15T12:00:00Z", 2],
    ["America/New_York", "2025-01-15T12:00:00Z", -5],
    ["America/New_York", "2025-07-15T12:00:00Z", -4],
    ["Australia/Sydney", "2025-01-15T12:00:00Z", 11],
    ["Asia/Tokyo", "2025-07-15T12:00:00Z", 9],
  ])("gives %s at %s an offset of %d hours", (zone, at, hours) => {
    expect(createUtcOffset()(zone, Date.parse(at))).toBe(hours * HOUR_MS);
  });

  it("switches on the hour summer time starts", () => {
    const offset = createUtcOffset();
    // EU summer time began at 01:00 UTC on 30 March 2025.
    expect([offset("Europe/London", Date.parse("2025-03-30T00:59:00Z")), offset("Europe/London", Date.parse("2025-03-30T01:00:00Z"))]).toEqual([0, HOUR_MS]);
  });
});
