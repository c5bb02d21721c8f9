import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Candidate, RankedList } from "../../../../src/engine/recommend/candidate.js";
import { scopedCandidates, toRankedList } from "../../../../src/engine/recommend/ranked-list.js";
import { product } from "../fixtures.js";
import { catalogOf, idsOf } from "./source-fixtures.js";

const candidate = (productId: string, score = 1): Candidate => ({ productId, score, why: `why ${productId}` });
const products = [
  product("boot", { category: "Shoes/Boots/Winter" }),
  product("sneaker", { category: "Shoes/Sneakers" }),
  product("mug", { category: "Home/Kitchen" }),
  product("loafer", { category: "Shoes/Boots/Winter" }),
  product("card", { category: "" }),
  product("lamp", { category: "Home" }),
];
const list = toRankedList(["sneaker", "boot", "card", "mug", "loafer", "lamp"].map((id) => candidate(id)), catalogOf(products));
const scoped = (l: RankedList, ...paths: string[]) => idsOf(scopedCandidates(l, paths.length === 0 ? null : new Set(paths)));

describe("toRankedList", () => {
  it("lists a product under its category path and every ancestor", () => {
    expect(["Shoes/Boots/Winter", "Shoes/Boots", "Shoes"].map((path) => idsOf(list.byCategory.get(path) ?? []))).toEqual([
      ["boot", "loafer"],
      ["boot", "loafer"],
      ["sneaker", "boot", "loafer"],
    ]);
  });

  it("keeps an uncategorised product in all only", () => {
    expect([idsOf(list.all).includes("card"), [...list.byCategory.values()].some((l) => idsOf(l).includes("card"))]).toEqual([true, false]);
  });

  it("keeps a product's first, best entry when it is listed twice", () => {
    const twice = toRankedList([candidate("mug", 3), candidate("lamp", 2), candidate("mug", 1)], catalogOf(products));
    expect(twice.all.map((c) => [c.productId, c.score])).toEqual([["mug", 3], ["lamp", 2]]);
  });
});

describe("scopedCandidates", () => {
  it("yields the whole list for any category", () => {
    expect(scoped(list)).toEqual(["sneaker", "boot", "card", "mug", "loafer", "lamp"]);
  });

  it("merges the scope's categories in the order of the whole list", () => {
    expect(scoped(list, "Home", "Shoes/Boots")).toEqual(["boot", "mug", "loafer", "lamp"]);
  });

  it("yields a product once when the scope names it and its ancestor", () => {
    expect(scoped(list, "Shoes/Boots/Winter", "Shoes")).toEqual(["sneaker", "boot", "loafer"]);
  });

  it("yields nothing for a category the list does not hold", () => {
    expect(scoped(list, "Garden")).toEqual([]);
  });

  it("merges a hand-built list by its order too", () => {
    const a = candidate("a");
    const b = candidate("b");
    const c = candidate("c");
    const handBuilt: RankedList = { all: [c, a, b], byCategory: new Map([["X", [c, b]], ["Y", [a]]]) };
    expect(scoped(handBuilt, "X", "Y")).toEqual(["c", "a", "b"]);
  });

  it("is the whole list filtered to the scope, for any list and scope", () => {
    const paths = ["A", "A/B", "A/B/C", "A/D", "E", ""];
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z_]{1,3}$/), fc.constantFrom(...paths)), { selector: ([id]) => id, maxLength: 30 }),
        fc.subarray(paths.filter((p) => p !== "")),
        (rows, scope) => {
          const catalog = catalogOf(rows.map(([id, category]) => product(id, { category })));
          const ranked = toRankedList(rows.map(([id]) => candidate(id)), catalog);
          const within = (category: string) => scope.some((s) => category === s || category.startsWith(`${s}/`));
          const expected = rows.filter(([, category]) => category !== "" && within(category)).map(([id]) => id);
          expect(scoped(ranked, ...scope)).toEqual(scope.length === 0 ? rows.map(([id]) => id) : expected);
        },
      ),
    );
  });
});
