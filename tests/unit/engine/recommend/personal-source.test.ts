import { describe, expect, it } from "vitest";
import type { Candidate, PersonalModel } from "../../../../src/engine/recommend/candidate.js";
import { personalSource } from "../../../../src/engine/recommend/personal-source.js";
import { product } from "../fixtures.js";
import { recContact, recModel } from "./rec-fixtures.js";

/** A personal model ranking `ids` in order, recording each limit it was asked for. */
function scripted(ids: readonly string[], limits: number[] = []): PersonalModel {
  const ranked: Candidate[] = ids.map((productId, i) => ({ productId, score: ids.length - i, why: `why ${productId}` }));
  return { kind: "ease", items: ids.length, why: "scripted", rank: (_contact, limit) => (limits.push(limit), ranked.slice(0, limit)) };
}

const catalog = [product("shoe", { category: "Shoes/Running" }), product("pan", { category: "Kitchen" }), product("boot", { category: "Shoes" }), product("bare", { category: "" })];

describe("personalSource", () => {
  it("yields the personal ranking best first when the scope is any", () => {
    const model = recModel(catalog, { personal: scripted(["pan", "shoe", "bare"]) });
    expect([...personalSource(recContact(), model, null)].map((c) => c.productId)).toEqual(["pan", "shoe", "bare"]);
  });

  it("keeps only products whose category is a scope path or below one", () => {
    const model = recModel(catalog, { personal: scripted(["pan", "shoe", "bare", "boot"]) });
    expect([...personalSource(recContact(), model, new Set(["Shoes"]))].map((c) => c.productId)).toEqual(["shoe", "boot"]);
  });

  it("asks the model for more only when the consumer reads past the first batch", () => {
    const ids = Array.from({ length: 120 }, (_, i) => `p${String(i).padStart(3, "0")}`);
    const limits: number[] = [];
    const model = recModel(ids.map((id) => product(id)), { personal: scripted(ids, limits) });
    const iterator = personalSource(recContact(), model, null)[Symbol.iterator]();
    for (let i = 0; i < 50; i++) iterator.next();
    expect(limits).toEqual([50]);
    const rest = [...{ [Symbol.iterator]: () => iterator }].map((c) => c.productId);
    expect(limits).toEqual([50, 200]);
    expect(rest).toEqual(ids.slice(50));
  });
});
