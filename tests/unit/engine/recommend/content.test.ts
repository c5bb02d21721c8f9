import { describe, expect, it } from "vitest";
import type { Product } from "../../../../src/domain/index.js";
import { buildContentGraph, contentTokens, POSTING_CAP } from "../../../../src/engine/recommend/content.js";
import { product, settingsWith } from "../fixtures.js";

const settings = settingsWith().recommendations;
const catalogOf = (products: readonly Product[]) => new Map(products.map((p) => [p.id, p]));
const neighbourIds = (products: readonly Product[], id: string, popularity?: (id: string) => number) =>
  buildContentGraph(catalogOf(products), settings, popularity).neighbours(id).map((n) => n.productId);

describe("contentTokens", () => {
  it("lists every category ancestor, the brand and the title words without stop words", () => {
    const p = product("p", { category: "Shoes/Running", brand: "Acme ", title: "The Trail Runner 2 for Men" });
    expect(contentTokens(p)).toEqual(["brand:acme", "category:Shoes", "category:Shoes/Running", "title:men", "title:runner", "title:trail"]);
  });
});

describe("buildContentGraph", () => {
  const shoe = (id: string, fields: Partial<Product>) => product(id, { category: "", brand: "", price: 50, ...fields });

  it("ranks a product sharing category, brand and title words above one sharing a title word only", () => {
    const products = [
      shoe("seed", { category: "Shoes/Running", brand: "Acme", title: "Trail Runner" }),
      shoe("close", { category: "Shoes/Running", brand: "Acme", title: "Road Runner" }),
      shoe("far", { category: "Kitchen", brand: "Pots", title: "Runner Bean Pot" }),
      shoe("none", { category: "Garden", brand: "Hoe", title: "Spade" }),
    ];
    expect(neighbourIds(products, "seed")).toEqual(["close", "far"]);
  });

  it("counts a product at twice the price as half as similar", () => {
    const products = [
      shoe("seed", { title: "Red Mug", price: 10 }),
      shoe("same", { title: "Red Mug", price: 10 }),
      shoe("double", { title: "Red Mug", price: 20 }),
      shoe("other", { title: "Blue Plate", price: 10 }),
    ];
    const row = buildContentGraph(catalogOf(products), settings).neighbours("seed");
    expect(row.map((n) => n.productId)).toEqual(["same", "double"]);
    expect(row[1]?.weight).toBeCloseTo((row[0]?.weight ?? 0) / 2, 6);
  });

  it("does not penalise a product without a price", () => {
    const products = [shoe("seed", { title: "Red Mug" }), shoe("free", { title: "Red Mug", price: null }), shoe("x", { title: "Blue Plate" })];
    expect(buildContentGraph(catalogOf(products), settings).neighbours("seed")[0]?.weight).toBeCloseTo(1, 6);
  });

  it("visits only the POSTING_CAP most popular holders of a common token", () => {
    // p0540 is the only candle at the seed's price, so it ranks first whenever it is visited;
    // in id order it lies past the cap.
    const candles = Array.from({ length: POSTING_CAP + 50 }, (_, i) => shoe(`p${String(i).padStart(4, "0")}`, { title: "Candle", price: 100 }));
    const products = [...candles, shoe("p0540", { title: "Candle", price: 50 }), shoe("seed", { title: "Candle", price: 50 }), shoe("plate", { title: "Plate" })];
    expect(neighbourIds(products, "seed")[0]).not.toBe("p0540");
    expect(neighbourIds(products, "seed", (id) => (id === "p0540" ? 10 : 0))[0]).toBe("p0540");
  });
});
