import { describe, expect, it } from "vitest";
import { naiveBaseline } from "../../../../src/engine/backtest/naive-baseline.js";

describe("naiveBaseline", () => {
  it("repeats the repeat-order rate since the first order over the horizon", () => {
    expect(naiveBaseline(3, 100, 50).expectedOrders).toBe(1.5);
  });

  it("takes churn risk as the Poisson chance of no order at that rate", () => {
    expect(naiveBaseline(3, 100, 50).churnRisk).toBe(Math.exp(-1.5));
  });

  it("expects nothing from a one-time buyer, so calls them certain to churn", () => {
    expect(naiveBaseline(0, 40, 90)).toEqual({ expectedOrders: 0, churnRisk: 1 });
  });

  it("counts a customer who arrived on the cutoff day as observed for one day", () => {
    expect(naiveBaseline(1, 0, 10).expectedOrders).toBe(10);
  });
});
