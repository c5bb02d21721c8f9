import { describe, expect, it } from "vitest";
import type { Product, RecommendationSettings } from "../../../../src/domain/index.js";
import type { RecContact } from "../../../../src/engine/recommend/candidate.js";
import { compileRules, contactRuleBreak, productRuleBreak, ruleBreak } from "../../../../src/engine/recommend/rules.js";
import { daysAgo, NOW, product } from "../fixtures.js";
import { recContact, recSettings } from "./rec-fixtures.js";

const check = (p: Product, settings: Partial<RecommendationSettings> = {}, contact: Partial<RecContact> = {}, now: Date = NOW): string | null =>
  ruleBreak(p, recContact(contact), compileRules(recSettings(settings), now));

const bought = (days: number, quantity?: number): Partial<RecContact> => ({
  purchasedAt: { p: daysAgo(days).getTime() },
  lastQuantity: quantity === undefined ? {} : { p: quantity },
});

describe("ruleBreak: active and inventory", () => {
  it.each([
    { fields: { active: true }, minInventory: 1, broken: null },
    { fields: { active: false }, minInventory: 1, broken: "inactive" },
    { fields: { inventory: null }, minInventory: 1, broken: null },
    { fields: { inventory: 1 }, minInventory: 1, broken: null },
    { fields: { inventory: 0 }, minInventory: 1, broken: "out of stock" },
    { fields: { inventory: -2 }, minInventory: 1, broken: "out of stock" },
    { fields: { inventory: 3 }, minInventory: 5, broken: "only 3 in stock (minimum 5)" },
    { fields: { inventory: 5 }, minInventory: 5, broken: null },
    { fields: { inventory: 0 }, minInventory: 0, broken: null },
    { fields: { inventory: -1 }, minInventory: 0, broken: "out of stock" },
  ])("with $fields and minInventory $minInventory breaks: $broken", ({ fields, minInventory, broken }) => {
    expect(check(product("p", fields), { minInventory })).toBe(broken);
  });

  it("names the first rule broken when several are", () => {
    expect(check(product("p", { active: false, inventory: 0 }), { blocklist: ["p"] })).toBe("inactive");
  });
});

describe("ruleBreak: blocklist", () => {
  it.each([
    { blocklist: ["p"], broken: "on the blocklist" },
    { blocklist: ["q", "p2"], broken: null },
    { blocklist: [], broken: null },
  ])("with blocklist $blocklist breaks: $broken", ({ blocklist, broken }) => {
    expect(check(product("p"), { blocklist })).toBe(broken);
  });
});

describe("ruleBreak: category include and exclude lists", () => {
  it.each([
    { category: "Home", broken: null },
    { category: "Home > Kitchen", broken: null },
    { category: "Home/Kitchen/Knives", broken: null },
    { category: "home > kitchen", broken: null },
    { category: "Homeware", broken: "Homeware is outside the included categories (Home, Garden > Tools)" },
    { category: "Garden", broken: "Garden is outside the included categories (Home, Garden > Tools)" },
    { category: "Garden/Tools > Spades", broken: null },
    { category: "", broken: "no category (only Home, Garden > Tools included)" },
  ])("including Home and Garden > Tools, $category breaks: $broken", ({ category, broken }) => {
    expect(check(product("p", { category }), { includeCategories: ["Home", "Garden > Tools"] })).toBe(broken);
  });

  it.each([
    { category: "Home/Kitchen", broken: "in excluded category Home/Kitchen" },
    { category: "Home > Kitchen > Knives", broken: "in excluded category Home/Kitchen" },
    { category: "Home", broken: null },
    { category: "Home > Kitchenware", broken: null },
    { category: "", broken: null },
  ])("excluding Home/Kitchen, $category breaks: $broken", ({ category, broken }) => {
    expect(check(product("p", { category }), { excludeCategories: ["Home/Kitchen"] })).toBe(broken);
  });

  it("lets an exclusion carve a subcategory out of an inclusion", () => {
    const settings = { includeCategories: ["Home"], excludeCategories: ["Home > Kitchen"] };
    expect([check(product("p", { category: "Home > Bath" }), settings), check(product("p", { category: "Home > Kitchen" }), settings)])
      .toEqual([null, "in excluded category Home > Kitchen"]);
  });
});

describe("ruleBreak: seasonal windows", () => {
  const christmas = (from: string, to: string) => ({ seasonal: [{ category: "Christmas", from, to }] });
  it.each([
    { window: ["10-15", "12-24"], now: "2024-10-15T00:00:00Z", open: true },
    { window: ["10-15", "12-24"], now: "2024-12-24T23:59:59Z", open: true },
    { window: ["10-15", "12-24"], now: "2024-10-14T23:59:59Z", open: false },
    { window: ["10-15", "12-24"], now: "2024-12-25T00:00:00Z", open: false },
    { window: ["12-01", "01-15"], now: "2024-12-31T12:00:00Z", open: true },
    { window: ["12-01", "01-15"], now: "2025-01-15T12:00:00Z", open: true },
    { window: ["12-01", "01-15"], now: "2025-01-16T00:00:00Z", open: false },
    { window: ["12-01", "01-15"], now: "2024-11-30T23:59:59Z", open: false },
    { window: ["12-01", "01-15"], now: "2024-06-30T12:00:00Z", open: false },
    { window: ["06-30", "06-30"], now: "2024-06-30T23:59:59Z", open: true },
  ])("a Christmas product with window $window at $now is in season: $open", ({ window, now, open }) => {
    const [from = "", to = ""] = window;
    expect(check(product("p", { category: "Christmas > Lights" }), christmas(from, to), {}, new Date(now)))
      .toBe(open ? null : `out of season: Christmas runs ${from} to ${to}`);
  });

  it("uses the UTC day, not the machine's", () => {
    // 23:30 on 12-24 in UTC is already 12-25 east of Greenwich.
    expect(check(product("p", { category: "Christmas" }), christmas("10-15", "12-24"), {}, new Date("2024-12-24T23:30:00-01:00"))).not.toBeNull();
    expect(check(product("p", { category: "Christmas" }), christmas("10-15", "12-24"), {}, new Date("2024-12-25T00:30:00+02:00"))).toBeNull();
  });

  it("leaves products outside the seasonal category alone", () => {
    expect(check(product("p", { category: "Christmasware" }), christmas("12-01", "12-02"))).toBeNull();
  });

  it("treats several windows for one category as alternatives", () => {
    const summer = { category: "gifts", from: "06-01", to: "07-15" };
    const winter = { category: "Gifts", from: "12-01", to: "12-24" };
    expect([check(product("p", { category: "Gifts" }), { seasonal: [summer, winter] }), check(product("p", { category: "Gifts" }), { seasonal: [winter, summer] })])
      .toEqual([null, null]);
  });

  it("closes a subcategory whose parent is out of season even when its own window is open", () => {
    const seasonal = [{ category: "Seasonal", from: "12-01", to: "12-24" }, { category: "Seasonal > Summer", from: "06-01", to: "08-31" }];
    expect(check(product("p", { category: "Seasonal > Summer" }), { seasonal })).toBe("out of season: Seasonal runs 12-01 to 12-24");
  });
});

describe("ruleBreak: recent purchases and replenishment", () => {
  it.each([
    { days: 12, rule: 365, broken: "bought 12 days ago" },
    { days: 1, rule: 365, broken: "bought 1 day ago" },
    { days: 364.9, rule: 365, broken: "bought 364 days ago" },
    { days: 365, rule: 365, broken: null },
    { days: 400, rule: 365, broken: null },
    { days: 1, rule: 0, broken: null },
    { days: -1, rule: 365, broken: "bought 0 days ago" },
  ])("a product bought $days days ago with a $rule-day rule breaks: $broken", ({ days, rule, broken }) => {
    expect(check(product("p"), { excludePurchasedDays: rule }, bought(days))).toBe(broken);
  });

  it("passes a product the contact never bought", () => {
    expect(check(product("p"), {}, { purchasedAt: { q: daysAgo(1).getTime() } })).toBeNull();
  });

  it("ignores purchase keys inherited from Object.prototype", () => {
    expect(check(product("constructor"), {}, {})).toBeNull();
  });

  // Due 7 days before the supply runs out: replenishDays x quantity - 7.
  it.each([
    { days: 23, quantity: undefined, broken: null },
    { days: 22.5, quantity: undefined, broken: "bought 22 days ago, due again in 1 day" },
    { days: 10, quantity: 1, broken: "bought 10 days ago, due again in 13 days" },
    { days: 53, quantity: 2, broken: null },
    { days: 52, quantity: 2, broken: "bought 52 days ago, due again in 1 day" },
    { days: 23, quantity: 0, broken: null },
  ])("a 30-day consumable bought $days days ago, quantity $quantity, breaks: $broken", ({ days, quantity, broken }) => {
    expect(check(product("p", { replenishDays: 30 }), {}, bought(days, quantity))).toBe(broken);
  });
});

describe("ruleBreak: price band", () => {
  it.each([
    { price: 70, broken: null },
    { price: 130, broken: null },
    { price: 100, broken: null },
    { price: 69.99, broken: "price 69.99 outside 70.00-130.00 (±30 % of AOV 100.00)" },
    { price: 130.01, broken: "price 130.01 outside 70.00-130.00 (±30 % of AOV 100.00)" },
    { price: null, broken: "price unknown" },
  ])("a product priced $price for an AOV of 100 breaks: $broken", ({ price, broken }) => {
    expect(check(product("p", { price }), {}, { aov: 100, meanItemPrice: 20 })).toBe(broken);
  });

  it.each([
    { contact: { aov: null }, settings: {}, why: "a contact without orders" },
    { contact: { aov: 100 }, settings: { priceBand: 0 }, why: "a band of 0" },
    { contact: { aov: null, meanItemPrice: null }, settings: { priceReference: "item_price" as const }, why: "no purchases for the item-price reference" },
  ])("does not limit prices for $why", ({ contact, settings }) => {
    expect(check(product("p", { price: 5000 }), settings, contact)).toBeNull();
    expect(check(product("q", { price: null }), settings, contact)).toBeNull();
  });

  it("centres the band on the mean item price when asked", () => {
    const settings = { priceReference: "item_price" as const };
    expect(check(product("p", { price: 26 }), settings, { aov: 26, meanItemPrice: 20 })).toBeNull();
    expect(check(product("p", { price: 26.5 }), settings, { aov: 26.5, meanItemPrice: 20 }))
      .toBe("price 26.50 outside 14.00-26.00 (±30 % of mean item price 20.00)");
  });

  it("never lets a wide band reach below a price of 0", () => {
    expect(check(product("p", { price: 0 }), { priceBand: 2 }, { aov: 10 })).toBeNull();
  });
});

describe("ruleBreak: margin floor", () => {
  it.each([
    { price: 10, cost: 8, broken: null },
    { price: 10, cost: 8.5, broken: "margin 15 % below the 20 % floor" },
    { price: 10, cost: 12, broken: "margin -20 % below the 20 % floor" },
    { price: 10, cost: undefined, broken: null },
    { price: null, cost: 5, broken: null },
    { price: 0, cost: 5, broken: null },
  ])("a product at $price costing $cost with a 20 % floor breaks: $broken", ({ price, cost, broken }) => {
    const p = product("p", cost === undefined ? { price } : { price, cost });
    expect(check(p, { marginFloor: 0.2 })).toBe(broken);
  });

  it("turns off with a floor of 0", () => {
    expect(check(product("p", { price: 10, cost: 12 }), { marginFloor: 0 })).toBeNull();
  });
});

describe("productRuleBreak and contactRuleBreak", () => {
  const rules = compileRules(recSettings({ blocklist: ["b"] }), NOW);
  const contact = recContact({ ...bought(3), aov: 100 });

  it("checks the product alone, whoever the contact", () => {
    expect([productRuleBreak(product("b"), rules), productRuleBreak(product("p"), rules)]).toEqual(["on the blocklist", null]);
  });

  it("leaves purchases and the price band to the contact part", () => {
    expect(contactRuleBreak(product("p", { price: 100 }), contact, rules)).toBe("bought 3 days ago");
    expect(contactRuleBreak(product("q", { price: 10 }), contact, rules)).toBe("price 10.00 outside 70.00-130.00 (±30 % of AOV 100.00)");
  });

  it("composes both parts in ruleBreak, product rules first", () => {
    expect(ruleBreak(product("b", { price: 10 }), contact, rules)).toBe("on the blocklist");
    expect(ruleBreak(product("q", { price: 10 }), contact, rules)).toBe("price 10.00 outside 70.00-130.00 (±30 % of AOV 100.00)");
  });
});

describe("ruleBreak: price band bounds", () => {
  it("applies the band in whole cents, as the reason shows it", () => {
    // 33.33 x 0.7 = 23.331: the shown lower bound 23.33 is the one applied.
    expect(check(product("p", { price: 23.33 }), {}, { aov: 33.33 })).toBeNull();
    expect(check(product("p", { price: 23.32 }), {}, { aov: 33.33 })).toBe("price 23.32 outside 23.33-43.33 (±30 % of AOV 33.33)");
  });
});
