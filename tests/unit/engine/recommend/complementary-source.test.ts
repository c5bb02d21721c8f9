import { describe, expect, it } from "vitest";
import type { ItemGraph, Neighbour } from "../../../../src/engine/recommend/candidate.js";
import { complementarySource } from "../../../../src/engine/recommend/complementary-source.js";
import { product } from "../fixtures.js";
import { recContact, recModel } from "./rec-fixtures.js";

const graphOf = (rows: Record<string, readonly Neighbour[]>): ItemGraph => ({ neighbours: (id) => rows[id] ?? [] });
const n = (productId: string, weight: number, together: number): Neighbour => ({ productId, weight, together });

const catalog = [
  product("runner", { title: "Trail Runner 2", category: "Shoes" }),
  product("socks", { title: "Wool Socks", category: "Apparel/Socks" }),
  product("laces", { title: "Laces", category: "Shoes/Parts" }),
  product("bottle", { title: "Bottle", category: "Outdoor" }),
  product("cap", { title: "Cap", category: "Apparel" }),
];
const coPurchase = graphOf({
  runner: [n("laces", 0.5, 38), n("socks", 0.4, 12), n("cap", 0.1, 2)],
  cap: [n("socks", 0.3, 9), n("runner", 0.2, 2)],
});
const model = recModel(catalog, { coPurchase });

describe("complementarySource", () => {
  it("ranks co-purchase neighbours of the last order by summed similarity and names the strongest link", () => {
    const candidates = [...complementarySource(recContact({ lastOrderProducts: ["runner", "cap"] }), model, null)];
    expect(candidates.map((c) => [c.productId, c.score])).toEqual([["socks", expect.closeTo(0.7, 9) as number], ["laces", 0.5]]);
    expect(candidates.map((c) => c.why)).toEqual(["bought together with Trail Runner 2 by 12 customers", "bought together with Trail Runner 2 by 38 customers"]);
  });

  it("never proposes a product from the last order itself", () => {
    const ids = [...complementarySource(recContact({ lastOrderProducts: ["runner", "cap"] }), model, null)].map((c) => c.productId);
    expect(ids).not.toContain("runner");
    expect(ids).not.toContain("cap");
  });

  it("keeps only neighbours within the scope", () => {
    const ids = [...complementarySource(recContact({ lastOrderProducts: ["runner"] }), model, new Set(["Apparel"]))].map((c) => c.productId);
    expect(ids).toEqual(["socks", "cap"]);
  });

  it("says 1 customer, not 1 customers", () => {
    const single = recModel(catalog, { coPurchase: graphOf({ bottle: [n("cap", 1, 1)] }) });
    expect([...complementarySource(recContact({ lastOrderProducts: ["bottle"] }), single, null)][0]?.why).toBe("bought together with Bottle by 1 customer");
  });

  it("proposes nothing before a first order", () => {
    expect([...complementarySource(recContact(), model, null)]).toEqual([]);
  });
});
