import { describe, expect, it } from "vitest";
import { REC_LEAKS } from "../../../../src/domain/index.js";
import type { Product, RecLeak, RecommendationReport, RecommendationSettings } from "../../../../src/domain/index.js";
import { createRecommendationMonitor, monitorRecommendations, recommendationAlerts } from "../../../../src/engine/recommend/monitor.js";
import type { MonitoredContact, MonitoredPick } from "../../../../src/engine/recommend/monitor.js";
import { daysAgo, NOW, product, settingsWith } from "../fixtures.js";

const rules = (overrides: Partial<RecommendationSettings> = {}): RecommendationSettings =>
  settingsWith({ recommendations: overrides }).recommendations;

const pick = (productId: string, source: MonitoredPick["source"] = "personal", step = 0): MonitoredPick => ({ productId, source, step });

const shopper = (contactId: string, slots: MonitoredContact["slots"], facts: Partial<MonitoredContact> = {}): MonitoredContact => ({
  contactId, slots, purchasedAt: {}, aov: null, meanItemPrice: null, ...facts,
});

const monitor = (products: readonly Product[], contacts: readonly MonitoredContact[], settings = rules(), now = NOW): RecommendationReport =>
  monitorRecommendations({ products, settings, now, contacts });

const noLeaks = Object.fromEntries(REC_LEAKS.map((l) => [l, 0])) as Record<RecLeak, number>;

/** The leak counts other than zero. */
const leaksOf = (report: RecommendationReport): Partial<Record<RecLeak, number>> =>
  Object.fromEntries(Object.entries(report.leaks).filter(([, n]) => n > 0));

describe("monitorRecommendations: leaks", () => {
  it("counts no leak when every slot passes every rule", () => {
    const catalog = [product("a"), product("b"), product("c", { replenishDays: 30 })];
    const report = monitor(catalog, [shopper("c1", [pick("a"), pick("b"), pick("c"), null], { purchasedAt: { c: daysAgo(5).getTime() }, aov: 10, meanItemPrice: 10 })]);
    expect([report.leaks, report.leakExamples]).toEqual([noLeaks, []]);
  });

  it.each<[RecLeak, Partial<Product>, Partial<RecommendationSettings>]>([
    ["inactive", { active: false }, {}],
    ["out_of_stock", { inventory: 0 }, {}],
    ["out_of_stock", { inventory: 4 }, { minInventory: 5 }],
    ["excluded", {}, { blocklist: ["x"] }],
    ["excluded", { category: "home > candles" }, { includeCategories: ["shoes"] }],
    ["excluded", { category: "home > candles > tall" }, { excludeCategories: ["Home / Candles"] }],
    ["excluded", { category: "christmas > lights" }, { seasonal: [{ category: "Christmas", from: "10-15", to: "12-24" }] }],
    ["below_margin_floor", { price: 10, cost: 8 }, { marginFloor: 0.3 }],
  ])("counts a %s leak for a product with %o under %o", (kind, fields, settings) => {
    const report = monitor([product("x", fields)], [shopper("c1", [pick("x", "bestsellers", 2)])], rules(settings));
    expect([leaksOf(report), report.leakExamples]).toEqual([{ [kind]: 1 }, [{ leak: kind, contactId: "c1", productId: "x" }]]);
  });

  it.each<[string, Partial<Product>, Partial<RecommendationSettings>]>([
    ["untracked stock", { inventory: null }, {}],
    ["stock at the minimum", { inventory: 5 }, { minInventory: 5 }],
    ["a category inside the include list", { category: "shoes > sneakers" }, { includeCategories: ["Shoes"] }],
    ["a sibling of an excluded category that shares its prefix", { category: "home > candlesticks" }, { excludeCategories: ["home > candles"] }],
    ["a seasonal category in season", { category: "christmas" }, { seasonal: [{ category: "christmas", from: "06-01", to: "07-15" }] }],
    ["a seasonal category in a window that wraps past New Year", { category: "christmas" }, { seasonal: [{ category: "christmas", from: "06-30", to: "01-06" }] }],
    ["a margin exactly at the floor", { price: 10, cost: 7 }, { marginFloor: 0.3 }],
    ["a product without a known cost", { price: 10 }, { marginFloor: 0.9 }],
  ])("counts no leak for %s", (_case, fields, settings) => {
    expect(leaksOf(monitor([product("x", fields)], [shopper("c1", [pick("x")])], rules(settings)))).toEqual({});
  });

  it("lets a product through when any of the seasonal windows covering it is open", () => {
    const seasonal = [{ category: "christmas", from: "11-01", to: "12-31" }, { category: "christmas", from: "06-01", to: "07-01" }];
    expect(leaksOf(monitor([product("x", { category: "christmas" })], [shopper("c1", [pick("x")])], rules({ seasonal })))).toEqual({});
  });

  it("counts a product the catalog does not have", () => {
    expect(leaksOf(monitor([product("a")], [shopper("c1", [pick("ghost")])]))).toEqual({ unknown_product: 1 });
  });

  it("counts a product shown twice to one contact, and not the same product shown to two", () => {
    const report = monitor([product("a")], [shopper("c1", [pick("a"), pick("a", "trending", 1)]), shopper("c2", [pick("a")])]);
    expect(leaksOf(report)).toEqual({ repeated: 1 });
  });

  it("counts a slot that breaks two rules in both", () => {
    expect(leaksOf(monitor([product("a", { active: false, inventory: 0 })], [shopper("c1", [pick("a")])]))).toEqual({ inactive: 1, out_of_stock: 1 });
  });

  describe("already bought", () => {
    const bought = (days: number) => ({ purchasedAt: { a: daysAgo(days).getTime() } });

    it("counts a durable product the contact bought within the window", () => {
      expect(leaksOf(monitor([product("a")], [shopper("c1", [pick("a")], bought(364))]))).toEqual({ already_bought_not_replenishable: 1 });
    });

    it("passes a durable product bought before the window", () => {
      expect(leaksOf(monitor([product("a")], [shopper("c1", [pick("a")], bought(366))]))).toEqual({});
    });

    it("leaves a replenishable product's due date to the replenishment source", () => {
      expect(leaksOf(monitor([product("a", { replenishDays: 30 })], [shopper("c1", [pick("a", "replenishment")], bought(2))]))).toEqual({});
    });

    it("counts nothing when the rule is off", () => {
      expect(leaksOf(monitor([product("a")], [shopper("c1", [pick("a")], bought(1))], rules({ excludePurchasedDays: 0 })))).toEqual({});
    });
  });

  describe("price band", () => {
    const catalog = [product("cheap", { price: 6.5 }), product("edge", { price: 7 }), product("dear", { price: 13.5 }), product("free", { price: null })];

    it("counts products priced outside ±30 % of the contact's AOV", () => {
      const report = monitor(catalog, [shopper("c1", [pick("cheap"), pick("edge"), pick("dear"), pick("free")], { aov: 10, meanItemPrice: 100 })]);
      expect([leaksOf(report), report.leakExamples.map((e) => e.productId)]).toEqual([{ outside_price_band: 2 }, ["cheap", "dear"]]);
    });

    it("centres the band on the mean item price when the settings say so", () => {
      const report = monitor(catalog, [shopper("c1", [pick("cheap"), pick("dear")], { aov: 10, meanItemPrice: 13 })], rules({ priceReference: "item_price" }));
      expect(report.leakExamples.map((e) => e.productId)).toEqual(["cheap"]);
    });

    it("does not limit a contact without orders", () => {
      expect(leaksOf(monitor(catalog, [shopper("c1", [pick("cheap"), pick("dear")])]))).toEqual({});
    });

    it("does not limit anyone when the band is 0", () => {
      expect(leaksOf(monitor(catalog, [shopper("c1", [pick("cheap"), pick("dear")], { aov: 10 })], rules({ priceBand: 0 })))).toEqual({});
    });

    it("forgives a cent of rounding at the band's edge", () => {
      expect(leaksOf(monitor([product("a", { price: 6.995 })], [shopper("c1", [pick("a")], { aov: 10 })]))).toEqual({});
    });
  });

  it("keeps at most 10 leak examples but counts every leak", () => {
    const contacts = Array.from({ length: 12 }, (_, i) => shopper(`c${i}`, [pick("off")]));
    const report = monitor([product("off", { active: false })], contacts);
    expect([report.leaks.inactive, report.leakExamples.length]).toEqual([12, 10]);
  });
});

describe("monitorRecommendations: measures", () => {
  it("counts contacts, filled and empty slots, fallbacks, exploration and picks per source", () => {
    const catalog = ["a", "b", "c"].map((id) => product(id));
    const report = monitor(catalog, [
      shopper("c1", [pick("a"), pick("b", "trending", 1), pick("c", "exploration"), null]),
      shopper("c2", [null, null, pick("a", "bestsellers", 2), null]),
    ]);
    expect({ ...report, catalog: undefined, leaks: undefined, leakExamples: undefined, coverage: undefined, diversity: undefined }).toEqual({
      contacts: 2, slotsFilled: 4, slotsEmpty: 4, productsRecommended: 3, productsEligible: 3,
      fallbackShare: 0.5, explorationShare: 0.25, bySource: { personal: 1, trending: 1, exploration: 1, bestsellers: 1 },
      catalog: undefined, leaks: undefined, leakExamples: undefined, coverage: undefined, diversity: undefined,
    });
  });

  it("measures coverage against the products the contact-independent rules allow", () => {
    const catalog = [product("a"), product("b"), product("c"), product("d"), product("off", { active: false }), product("gone", { inventory: 0 }), product("blocked")];
    const report = monitor(catalog, [shopper("c1", [pick("a"), pick("off")]), shopper("c2", [pick("a"), pick("b")])], rules({ blocklist: ["blocked"] }));
    // a and b of the four eligible; "off" is a leak, not coverage.
    expect([report.productsEligible, report.productsRecommended, report.coverage]).toEqual([4, 3, 0.5]);
  });

  it("reports no coverage when nothing is eligible, and empty slots without a crash", () => {
    const report = monitor([], [shopper("c1", [null, null, null])]);
    expect([report.coverage, report.slotsEmpty, report.fallbackShare, report.explorationShare, report.diversity]).toEqual([null, 3, null, null, null]);
  });

  it("measures diversity as the mean share of slot pairs in different categories, over contacts with two slots or more", () => {
    const catalog = [product("s1", { category: "shoes" }), product("s2", { category: "shoes" }), product("h1", { category: "home" }), product("h2", { category: "home" })];
    const report = monitor(catalog, [
      shopper("c1", [pick("s1"), pick("s2"), pick("h1")]), // 2 of 3 pairs differ
      shopper("c2", [pick("s1"), null, pick("h2")]), // 1 of 1
      shopper("c3", [pick("h1"), null, null]), // no pair: not counted
    ]);
    expect(report.diversity).toBeCloseTo((2 / 3 + 1) / 2, 12);
  });

  it("reports catalog products without a price and without a category", () => {
    const report = monitor([product("a", { price: null }), product("b", { category: "" }), product("c", { price: null, category: " " }), product("d")], []);
    expect(report.catalog).toEqual({ products: 4, withoutPrice: 2, withoutCategory: 2 });
  });

  it("gives the same report whatever order the contacts arrive in", () => {
    const catalog = ["a", "b", "c"].map((id) => product(id, { category: id === "c" ? "x" : "y" }));
    const contacts = [shopper("c1", [pick("a"), pick("c", "trending", 1)]), shopper("c2", [pick("b"), pick("off")]), shopper("c3", [null, pick("a")])];
    const forward = createRecommendationMonitor(catalog, rules(), NOW);
    const backward = createRecommendationMonitor(catalog, rules(), NOW);
    for (const c of contacts) forward.observe(c);
    for (const c of [...contacts].reverse()) backward.observe(c);
    const { leakExamples: _f, ...a } = forward.report();
    const { leakExamples: _b, ...b } = backward.report();
    expect(a).toEqual(b);
  });
});

describe("recommendationAlerts", () => {
  const base = monitor([product("a"), product("b")], [shopper("c1", [pick("a"), pick("b")])]);
  const withCoverage = (coverage: number | null, productsRecommended = 10): RecommendationReport => ({ ...base, coverage, productsRecommended });

  it("raises nothing for a clean run without a previous one", () => {
    expect(recommendationAlerts(base, null)).toEqual([]);
  });

  it("raises one alert per leaking rule, naming an example", () => {
    const leaking = monitor([product("off", { active: false }), product("a")], [shopper("c1", [pick("off"), pick("a"), pick("a")]), shopper("c2", [pick("off")])]);
    expect(recommendationAlerts(leaking, null)).toEqual([
      "Recommendation leak: 2 slots break the inactive rule (e.g. product off for contact c1); this must be 0.",
      "Recommendation leak: 1 slot breaks the repeated rule (e.g. product a for contact c1); this must be 0.",
    ]);
  });

  it("raises an alert when coverage falls by more than half", () => {
    expect(recommendationAlerts(withCoverage(0.149, 7), withCoverage(0.3, 15))).toEqual([
      "Recommendation coverage fell from 30.0 % to 14.9 % of eligible products since the previous run (15 products recommended then, 7 now).",
    ]);
  });

  it.each([
    ["a fall of exactly half", 0.15, 0.3],
    ["a rise", 0.5, 0.3],
    ["a fall from below the 2 % floor", 0.001, 0.019],
    ["no previous coverage", 0.001, null],
  ])("raises no coverage alert for %s", (_case, now, before) => {
    expect(recommendationAlerts(withCoverage(now), withCoverage(before))).toEqual([]);
  });

  it("treats a run where nothing is eligible any more as coverage 0", () => {
    expect(recommendationAlerts(withCoverage(null, 0), withCoverage(0.4))).toHaveLength(1);
  });
});
