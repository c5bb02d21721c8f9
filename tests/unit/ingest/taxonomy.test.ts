import { describe, expect, it } from "vitest";
import { canonicalCategory, createTaxonomy, EMPTY_TAXONOMY, segmentsOf, singularOf, type TaxonomyState } from "../../../src/ingest/taxonomy.js";

describe("singularOf", () => {
  it.each([
    ["sneakers", "sneaker"],
    ["sneaker", "sneaker"],
    ["accessories", "accessory"],
    ["ties", "tie"],
    ["shoes", "shoe"],
    ["dresses", "dress"],
    ["boxes", "box"],
    ["watches", "watch"],
    ["glass", "glass"],
    ["glasses", "glass"],
    ["men", "men"],
  ])("folds %s to %s", (word, singular) => {
    expect(singularOf(word)).toBe(singular);
  });
});

describe("segmentsOf", () => {
  it("splits on / and >, trims, lowercases and collapses inner whitespace", () => {
    expect(segmentsOf("  Shoes /Running   Sneakers > MEN ")).toEqual(["shoes", "running sneakers", "men"]);
  });

  it("drops empty segments", () => {
    expect(segmentsOf("/Shoes//Sneakers/")).toEqual(["shoes", "sneakers"]);
  });
});

describe("canonicalCategory", () => {
  it.each(["Sneakers", "sneaker", " sneakers ", "SNEAKERS"])("gives %j the key sneaker", (raw) => {
    expect(canonicalCategory(raw)).toBe("sneaker");
  });

  it.each(["sneakers/men", "Sneakers > Men", " sneaker / men "])("gives the path %j the key sneaker > men", (raw) => {
    expect(canonicalCategory(raw)).toBe("sneaker > men");
  });

  it("folds only the last word of a segment", () => {
    expect(canonicalCategory("Running Shoes")).toBe("running shoe");
  });
});

describe("createTaxonomy", () => {
  it("prefers a plural spelling seen in the same batch as the singular", () => {
    const taxonomy = createTaxonomy(EMPTY_TAXONOMY, {});
    taxonomy.learn(["sneaker", "Sneakers"]);
    expect(taxonomy.resolve("sneaker")).toBe("sneakers");
  });

  it("keeps the first display form once a later batch brings a plural", () => {
    const taxonomy = createTaxonomy(EMPTY_TAXONOMY, {});
    taxonomy.learn(["sneaker"]);
    taxonomy.learn(["sneakers"]);
    expect(taxonomy.resolve("Sneakers")).toBe("sneaker");
  });

  it("rewrites every variant of a path to one canonical path", () => {
    const taxonomy = createTaxonomy(EMPTY_TAXONOMY, {});
    taxonomy.learn(["Sneakers > Men", "sneaker/men", "Shoes/Sneakers"]);
    expect(["sneakers/men", "Sneaker > MEN", "Shoes / sneaker"].map((raw) => taxonomy.resolve(raw))).toEqual([
      "sneakers > men",
      "sneakers > men",
      "shoes > sneakers",
    ]);
  });

  it("learns a name it has not seen when asked to resolve it", () => {
    const taxonomy = createTaxonomy(EMPTY_TAXONOMY, {});
    expect(taxonomy.resolve(" Bags ")).toBe("bags");
    expect(taxonomy.state()).toEqual({ segments: { bag: "bags" }, leaves: {} });
  });

  it("applies an admin alias after the automatic rules, for any variant of its name", () => {
    const taxonomy = createTaxonomy(EMPTY_TAXONOMY, { Trainers: "Sneakers" });
    expect(taxonomy.resolve("trainer")).toBe("sneakers");
  });

  it("keeps display forms learned in an earlier run", () => {
    const taxonomy = createTaxonomy({ segments: { sneaker: "sneaker" }, leaves: {} }, {});
    taxonomy.learn(["Sneakers"]);
    expect(taxonomy.resolve("Sneakers")).toBe("sneaker");
  });

  it("gives an empty name an empty path", () => {
    expect(createTaxonomy(EMPTY_TAXONOMY, {}).resolve(" / ")).toBe("");
  });

  it("reads a bare leaf as the one known path that ends in it", () => {
    const taxonomy = createTaxonomy(EMPTY_TAXONOMY, {});
    taxonomy.learn(["Beauty/Skincare", "Shoes/Sneakers"]);
    expect(taxonomy.resolve("skincare")).toBe("beauty > skincare");
    expect(taxonomy.resolve("Sneaker")).toBe("shoes > sneakers");
  });

  it("leaves a bare leaf alone when two paths end in it", () => {
    const taxonomy = createTaxonomy(EMPTY_TAXONOMY, {});
    taxonomy.learn(["Men/Boots", "Women/Boots"]);
    expect(taxonomy.resolve("boots")).toBe("boots");
    expect(taxonomy.state().leaves).toEqual({ boot: "" });
  });

  it("keeps known leaves across runs", () => {
    const first = createTaxonomy(EMPTY_TAXONOMY, {});
    first.learn(["Home/Candles"]);
    const second = createTaxonomy(JSON.parse(JSON.stringify(first.state())) as TaxonomyState, {});
    expect(second.resolve("candle")).toBe("home > candles");
  });
});
