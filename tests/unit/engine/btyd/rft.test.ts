import { describe, expect, it } from "vitest";
import { rftOf } from "../../../../src/engine/btyd/rft.js";

const DAY = 86_400_000;
const NOW = new Date("2024-06-30T00:00:00Z");
const day = (n: number, hours = 0): number => Date.UTC(2024, 0, 1) + n * DAY + hours * 3_600_000;

describe("rftOf", () => {
  it("returns null when there is no order", () => {
    expect(rftOf([], NOW)).toBeNull();
  });

  it("returns null when every order is at or after now", () => {
    expect(rftOf([NOW.getTime(), NOW.getTime() + DAY], NOW)).toBeNull();
  });

  it("gives a one-time buyer frequency 0, recency 0 and T from the order to now, in days", () => {
    // 2024-01-01 to 2024-06-30 is 181 days.
    expect(rftOf([day(0)], NOW)).toEqual({ frequency: 0, recency: 0, T: 181 });
  });

  it("counts repeat purchase days, not orders, so two orders on one day are one occasion", () => {
    expect(rftOf([day(0, 1), day(0, 20), day(10, 3)], NOW)?.frequency).toBe(1);
  });

  it("takes the orders in any order", () => {
    expect(rftOf([day(30), day(0), day(10)], NOW)).toEqual({ frequency: 2, recency: 30, T: 181 });
  });

  it("ignores orders at or after now", () => {
    expect(rftOf([day(0), day(10), NOW.getTime(), NOW.getTime() + 5 * DAY], NOW)).toEqual({ frequency: 1, recency: 10, T: 181 });
  });

  it("measures recency and T in the unit asked for", () => {
    expect(rftOf([day(0), day(14)], NOW, 7 * DAY)).toEqual({ frequency: 1, recency: 2, T: 181 / 7 });
  });

  it("keeps fractions of a day in recency and T", () => {
    expect(rftOf([day(0, 12), day(1)], NOW)).toEqual({ frequency: 1, recency: 0.5, T: 180.5 });
  });
});
