import { describe, expect, it } from "vitest";
import type { Event } from "../../../../src/domain/index.js";
import { formatRecommendationsCsv, formatRecommendBacktestMarkdown, formatRecommendBacktestTable, RECOMMENDATIONS_HEADER } from "../../../../src/engine/backtest/format-recommend-backtest.js";
import { prepareRecommendBacktest, productsFromOrders, recommendBacktest } from "../../../../src/engine/backtest/recommend-backtest.js";
import { daysAgo, item, order } from "../fixtures.js";

const CUTOFF = new Date("2024-06-01T00:00:00Z");
const before = (days: number) => daysAgo(days, CUTOFF);
const after = (days: number) => daysAgo(-days, CUTOFF);

/**
 * A store where the answer is obvious: 40 campers bought a tent and stakes together; 8 more
 * bought only a tent before the cutoff and the stakes after it. Five candles sell the most
 * units, to other people, so the top 5 bestsellers are candles.
 */
function campingStore(): { calibration: Event[]; test: Event[] } {
  const calibration: Event[] = [];
  const test: Event[] = [];
  for (let i = 0; i < 40; i++) calibration.push(order(`camper${i}`, before(20), 30, [item("TENT", 1, 20), item("STAKES", 1, 10)]));
  for (let i = 0; i < 8; i++) {
    calibration.push(order(`new${i}`, before(5), 20, [item("TENT", 1, 20)]));
    test.push(order(`new${i}`, after(3), 10, [item("STAKES", 1, 10)]));
  }
  for (let i = 0; i < 10; i++) calibration.push(order(`candles${i}`, before(10), 50, [item(`CANDLE${i % 5}`, 100, 0.5), item(`MISC${i}`, 1, 1)]));
  // Known before the cutoff but buys nothing new after it: not scored.
  calibration.push(order("loyal", before(30), 20, [item("TENT", 1, 20)]));
  test.push(order("loyal", after(2), 20, [item("TENT", 1, 20)]));
  // First seen after the cutoff: unknown at the cutoff, not scored.
  test.push(order("stranger", after(2), 20, [item("STAKES", 1, 10)]));
  return { calibration, test };
}

describe("prepareRecommendBacktest", () => {
  it("scores customers known before the cutoff who bought something new after it, against the new products only", () => {
    const { calibration, test } = campingStore();
    test.push(order("new0", after(4), 20, [item("TENT", 1, 20), item("CANDLE0", 1, 0.5)]));
    const data = prepareRecommendBacktest({ calibration, test, cutoff: CUTOFF });
    expect(data.customers).toBe(59);
    expect(data.evaluated.map((c) => c.customerId)).toEqual(Array.from({ length: 8 }, (_, i) => `new${i}`));
    expect([...(data.evaluated[0]?.relevant ?? [])].sort()).toEqual(["CANDLE0", "STAKES"]);
    expect([...(data.evaluated[1]?.relevant ?? [])]).toEqual(["STAKES"]);
  });

  it("ignores calibration events dated on or after the cutoff and test events before it", () => {
    const { calibration, test } = campingStore();
    const data = prepareRecommendBacktest({ calibration: [...calibration, order("late", after(1), 10, [item("TENT")])], test: [...test, order("camper0", before(1), 10, [item("CANDLE0")])], cutoff: CUTOFF });
    expect(data.book.contacts.has("late")).toBe(false);
    expect(data.evaluated.map((c) => c.customerId)).not.toContain("camper0");
  });
});

describe("recommendBacktest", () => {
  const { calibration, test } = campingStore();
  const { rows, report } = recommendBacktest({ calibration, test, cutoff: CUTOFF });
  const scores = (method: string) => report.methods.find((m) => m.method === method);

  it("puts the obvious product first for Tailor and item-kNN, and not for global bestsellers", () => {
    expect(scores("tailor_personal")).toMatchObject({ recall: 1, ndcg: 1, hitRate: 1, customers: 8 });
    expect(scores("item_knn")).toMatchObject({ recall: 1, ndcg: 1, hitRate: 1 });
    expect(scores("bestsellers")).toMatchObject({ recall: 0, ndcg: 0, hitRate: 0 });
    expect(report.methods.map((m) => m.method)).toEqual(["tailor_personal", "bestsellers", "item_knn"]);
  });

  it("reports the split and the personal model it ran", () => {
    expect(report).toMatchObject({ cutoff: "2024-06-01", lastTestDay: "2024-06-04", top: 5, customers: 59, evaluated: 8, products: 17 });
    expect(report.personal.kind).toBe("ease");
  });

  it("writes Tailor's personal picks as rows, slot by slot, with their reasons", () => {
    const first = rows.filter((r) => r.customerId === "new0");
    expect(first[0]).toEqual({ customerId: "new0", slot: 1, productId: "STAKES", source: "personal", reason: "picked for you: customers who bought TENT also bought it" });
    expect(first.map((r) => r.slot)).toEqual(first.map((_, i) => i + 1));
    expect(first.map((r) => r.productId)).not.toContain("TENT");
  });

  it("scores and writes the composed slots when they are given", () => {
    const slots = recommendBacktest({
      calibration, test, cutoff: CUTOFF,
      slots: (_id, context) => [{ productId: "CANDLE0", source: "bestsellers", reason: "bestseller" }, { productId: context.contact.lastOrderProducts[0] === "TENT" ? "STAKES" : "X", source: "complementary", reason: "goes with TENT" }],
    });
    expect(slots.report.methods.map((m) => m.method)).toEqual(["tailor_personal", "tailor_slots", "bestsellers", "item_knn"]);
    expect(slots.report.methods[1]).toMatchObject({ recall: 1, hitRate: 1 });
    expect(slots.report.methods[1]?.ndcg).toBeCloseTo(1 / Math.log2(3), 12);
    expect(slots.rows.slice(0, 2)).toEqual([
      { customerId: "new0", slot: 1, productId: "CANDLE0", source: "bestsellers", reason: "bestseller" },
      { customerId: "new0", slot: 2, productId: "STAKES", source: "complementary", reason: "goes with TENT" },
    ]);
  });

  it("formats recommendations.csv with the fixed header and quotes cells that need it", () => {
    const csv = formatRecommendationsCsv([{ customerId: "c1", slot: 1, productId: "P,1", source: "personal", reason: 'like "Mug"' }]);
    expect(csv).toBe(`${RECOMMENDATIONS_HEADER}\n` + 'c1,1,"P,1",personal,"like ""Mug"""\n');
    expect(RECOMMENDATIONS_HEADER).toBe("customer_id,slot,product_id,source,reason");
  });

  it("prints every method with its figures and says whether Tailor beats each baseline", () => {
    const table = formatRecommendBacktestTable(report);
    expect(table).toContain("Tailor personal (top 5 of the hybrid score)");
    expect(table).toMatch(/plain item-kNN \(cosine\)\s+1\.0000\s+1\.0000\s+100\.0 %/);
    expect(table).toContain("Tailor personal does not beat plain item-kNN (cosine) on NDCG@5 and Recall@5");
    expect(table).toContain("Tailor personal beats global bestsellers on NDCG@5 and Recall@5");
    expect(formatRecommendBacktestMarkdown(report)).toContain("| Tailor personal (top 5 of the hybrid score) | 1.0000 | 1.0000 | 100.0 % |");
  });
});

describe("productsFromOrders", () => {
  it("titles a product by its first description on a priced line and prices it at the latest positive price", () => {
    const orders = [
      order("a", before(3), 0, [{ productId: "P", quantity: 1, price: 0, title: "damaged" }]),
      order("a", before(2), 2, [{ productId: "P", quantity: 1, price: 2, title: "Red Mug" }]),
      order("b", before(1), 0, [{ productId: "P", quantity: 1, price: 0, title: "wet" }]),
      order("b", before(1), 3, [{ productId: "Q", quantity: 1, price: 3 }]),
    ];
    expect(productsFromOrders(orders).map((p) => [p.id, p.title, p.price, p.category])).toEqual([["P", "Red Mug", 2, ""], ["Q", "Q", 3, ""]]);
  });
});
