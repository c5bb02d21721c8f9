import { describe, expect, it } from "vitest";
import { LifecycleThresholdsSchema } from "../../../src/domain/index.js";
import { lifecycleOf } from "../../../src/engine/lifecycle.js";
import { daysAgo, NOW } from "./fixtures.js";

// Defaults: newCustomerDays 30, activeDays 90, lapsingDays 180.
const thresholds = LifecycleThresholdsSchema.parse({});

describe("lifecycleOf", () => {
  it("calls a contact without orders a new lead", () => {
    expect(lifecycleOf({ orders: 0, lastOrderAt: null }, thresholds, NOW)).toEqual({ value: "new_lead", why: "has not ordered yet" });
  });

  it.each([
    { orders: 1, days: 0, stage: "new_customer" },
    { orders: 1, days: 30, stage: "new_customer" },
    { orders: 1, days: 31, stage: "active_customer" },
    { orders: 2, days: 0, stage: "active_customer" },
    { orders: 2, days: 30, stage: "active_customer" },
    { orders: 2, days: 90, stage: "active_customer" },
    { orders: 1, days: 90, stage: "active_customer" },
    { orders: 2, days: 91, stage: "lapsing" },
    { orders: 2, days: 180, stage: "lapsing" },
    { orders: 2, days: 181, stage: "churned" },
    { orders: 1, days: 181, stage: "churned" },
  ])("calls $orders order(s), the last $days days ago, $stage", ({ orders, days, stage }) => {
    expect(lifecycleOf({ orders, lastOrderAt: daysAgo(days).getTime() }, thresholds, NOW).value).toBe(stage);
  });

  it("counts a last order 23 hours short of 31 days as 30 days old", () => {
    const at = daysAgo(31).getTime() + 23 * 3_600_000;
    expect(lifecycleOf({ orders: 1, lastOrderAt: at }, thresholds, NOW)).toEqual({ value: "new_customer", why: "first order 30 days ago" });
  });

  it("names the active window when a contact is lapsing", () => {
    expect(lifecycleOf({ orders: 3, lastOrderAt: daysAgo(100).getTime() }, thresholds, NOW).why).toBe("no order for 100 days (active window is 90)");
  });

  it("names the lapsing window when a contact has churned", () => {
    expect(lifecycleOf({ orders: 3, lastOrderAt: daysAgo(200).getTime() }, thresholds, NOW).why).toBe("no order for 200 days (lapsing window is 180)");
  });
});
