import { describe, expect, it } from "vitest";
import type { BacktestReport, BacktestRow } from "../../../../src/engine/backtest/backtest.js";
import { formatBacktestMarkdown, formatBacktestTable, formatPredictionsCsv, PREDICTIONS_HEADER } from "../../../../src/engine/backtest/format-backtest.js";

const row: BacktestRow = {
  customerId: "c1", expectedOrders: 1.23456, pAlive: 0.9, churnRisk: 0.25, expectedSpend: 30.456, clv: 99.999, nextOrderDate: "2024-04-02",
  topCategory: "Home, Garden", segment: "", actualOrders: 2, actualTopCategory: "", baselineOrders: 1, baselineChurnRisk: 0.3,
};

const scores = { mae: 0.8, predictedOrders: 90.4, actualOrders: 100, aggregateError: -0.096, churnAuc: 0.75, topCategoryAccuracy: null };
const report: BacktestReport = {
  cutoff: "2024-03-01", horizonDays: 90, customers: 10, repeatCustomers: 4, churned: 6,
  model: { bgNbd: { r: 0.24, alpha: 30, a: 0.8, b: 2.4 }, gammaGamma: { p: 6, q: 4, gamma: 15 }, source: "prior", confidence: "low", why: "only 4 repeat customers (fewer than 20); predictions use the priors", converged: false },
  tailor: scores,
  baseline: { ...scores, mae: 1.0, aggregateError: 0.5, churnAuc: 0.76 },
};

describe("formatPredictionsCsv", () => {
  it("starts with the exact header the issue fixes", () => {
    expect(formatPredictionsCsv([]).split("\n")[0]).toBe("customer_id,expected_orders,p_alive,churn_risk,expected_spend,clv,next_order_date,top_category,segment");
  });

  it("writes one line per customer, rounded, with cells holding a comma quoted", () => {
    expect(formatPredictionsCsv([row])).toBe(`${PREDICTIONS_HEADER}\nc1,1.2346,0.9000,0.2500,30.46,100.00,2024-04-02,"Home, Garden",\n`);
  });
});

describe("formatBacktestTable", () => {
  it("puts Tailor next to the baseline and says which is better", () => {
    const lines = formatBacktestTable(report).split("\n");
    expect(lines.find((l) => l.startsWith("MAE"))).toBe("MAE of orders per customer  0.800     1.000     yes");
    expect(lines.find((l) => l.startsWith("churn AUC"))).toBe("churn AUC                   0.750     0.760     no");
  });

  it("says n/a for top-category accuracy without categories", () => {
    expect(formatBacktestTable(report).split("\n").at(-1)).toBe("top-category accuracy       n/a       n/a");
  });

  it("shows the aggregate error as a percentage", () => {
    expect(formatBacktestTable(report)).toContain("aggregate error             -9.6 %    50.0 %    yes");
  });
});

describe("formatBacktestMarkdown", () => {
  it("has a side-by-side table row per metric", () => {
    expect(formatBacktestMarkdown(report)).toContain("| MAE of orders per customer | 0.800 | 1.000 | yes |");
  });

  it("says when the model leans on the priors, and why", () => {
    expect(formatBacktestMarkdown(report)).toContain("Leaning on the priors: only 4 repeat customers (fewer than 20); predictions use the priors (confidence low).");
  });

  it("lists input notes under their own heading", () => {
    expect(formatBacktestMarkdown(report, ["3 records skipped: bad"])).toContain("## Input\n\n- 3 records skipped: bad");
  });
});
