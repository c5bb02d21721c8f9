import { describe, expect, it } from "vitest";
import type { ItemGraph, Neighbour } from "../../../../src/engine/recommend/candidate.js";
import { SIMILAR_SEED_PURCHASES, similarSource } from "../../../../src/engine/recommend/similar-source.js";
import { NOW, product } from "../fixtures.js";
import { recContact, recModel } from "./rec-fixtures.js";

const graphOf = (rows: Record<string, readonly Neighbour[]>): ItemGraph => ({ neighbours: (id) => rows[id] ?? [] });
const n = (productId: string, weight: number): Neighbour => ({ productId, weight, together: 0 });

const catalog = ["mug", "cup", "jug", "pan", "lid", "old"].map((id) => product(id, { title: `Blue ${id}`, category: id === "pan" || id === "lid" ? "Kitchen/Pans" : "Kitchen/Cups" }));

describe("similarSource", () => {
  const model = recModel(catalog, {
    content: graphOf({ mug: [n("cup", 0.8), n("jug", 0.3)], pan: [n("lid", 0.6)] }),
    coView: graphOf({ pan: [n("jug", 0.6)] }),
  });

  it("ranks content and co-view neighbours of recent purchases and views by summed similarity, naming the closest seed", () => {
    const contact = recContact({ purchasedAt: { mug: NOW.getTime() }, viewedAt: new Map([["pan", NOW.getTime()]]) });
    const candidates = [...similarSource(contact, model, null)];
    expect(candidates.map((c) => c.productId)).toEqual(["jug", "cup", "lid"]);
    expect(candidates.map((c) => c.why)).toEqual(["often viewed with Blue pan", "similar to Blue mug", "similar to Blue pan"]);
  });

  it("keeps only neighbours within the scope", () => {
    const contact = recContact({ purchasedAt: { mug: NOW.getTime() }, viewedAt: new Map([["pan", NOW.getTime()]]) });
    expect([...similarSource(contact, model, new Set(["Kitchen/Pans"]))].map((c) => c.productId)).toEqual(["lid"]);
  });

  it(`seeds from the ${SIMILAR_SEED_PURCHASES} latest purchases only`, () => {
    const purchasedAt: Record<string, number> = { old: 0 };
    for (let i = 0; i < SIMILAR_SEED_PURCHASES; i++) purchasedAt[`p${i}`] = NOW.getTime() - i;
    const seeded = recModel(catalog, { content: graphOf({ old: [n("cup", 1)], p0: [n("jug", 1)] }) });
    expect([...similarSource(recContact({ purchasedAt }), seeded, null)].map((c) => c.productId)).toEqual(["jug"]);
  });

  it("never proposes a seed itself", () => {
    const contact = recContact({ purchasedAt: { mug: NOW.getTime(), cup: NOW.getTime() } });
    expect([...similarSource(contact, model, null)].map((c) => c.productId)).toEqual(["jug"]);
  });
});
