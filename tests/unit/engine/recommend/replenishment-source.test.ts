import { describe, expect, it } from "vitest";
import type { Event } from "../../../../src/domain/index.js";
import { REPLENISH_LEAD_DAYS, replenishmentSource } from "../../../../src/engine/recommend/replenishment-source.js";
import { daysAgo, item, order, product } from "../fixtures.js";
import { idsOf, modelOf, recContact } from "./source-fixtures.js";

const catalog = [
  product("coffee", { replenishDays: 30, category: "Pantry/Coffee" }),
  product("tea", { replenishDays: 30, category: "Pantry/Tea" }),
  product("soap", { replenishDays: 10, category: "Bath" }),
  product("kettle", { category: "Kitchen" }),
];
const model = modelOf(catalog);
const bought = (productId: string, days: number, quantity = 1): Event => order("c1", daysAgo(days), 10 * quantity, [item(productId, quantity)]);
const due = (events: readonly Event[], scope: ReadonlySet<string> | null = null) => [...replenishmentSource(recContact(catalog, events), model, scope)];

describe("replenishmentSource", () => {
  it("proposes a consumable due within the lead days, saying when it was bought and how long it lasts", () => {
    expect(due([bought("coffee", 28)])).toEqual([{ productId: "coffee", score: 6, why: "due again: bought 28 days ago, lasts about 30 days" }]);
  });

  it.each([
    { days: 30 - REPLENISH_LEAD_DAYS, proposed: true },
    { days: 30 - REPLENISH_LEAD_DAYS - 1, proposed: false },
    { days: 400, proposed: true },
  ])("proposes a 30-day product bought $days days ago: $proposed", ({ days, proposed }) => {
    expect(idsOf(due([bought("coffee", days)]))).toEqual(proposed ? ["coffee"] : []);
  });

  it("scales the cycle by the quantity last bought", () => {
    expect([idsOf(due([bought("coffee", 28, 2)])), idsOf(due([bought("coffee", 55, 2)]))]).toEqual([[], ["coffee"]]);
    expect(due([bought("coffee", 55, 2)])[0]?.why).toBe("due again: bought 55 days ago, lasts about 60 days");
  });

  it("counts from the latest purchase", () => {
    expect(idsOf(due([bought("coffee", 90), bought("coffee", 5)]))).toEqual([]);
  });

  it("puts the most overdue first", () => {
    expect(idsOf(due([bought("coffee", 26), bought("tea", 45), bought("soap", 12)]))).toEqual(["tea", "soap", "coffee"]);
  });

  it("breaks equal due dates by product id", () => {
    expect(idsOf(due([bought("tea", 40), bought("coffee", 40)]))).toEqual(["coffee", "tea"]);
  });

  it("ignores durable goods and products missing from the catalog", () => {
    expect(idsOf(due([bought("kettle", 400), bought("ghost", 400)]))).toEqual([]);
  });

  it("keeps to the scope", () => {
    expect(idsOf(due([bought("coffee", 40), bought("soap", 40)], new Set(["Pantry"])))).toEqual(["coffee"]);
  });
});
