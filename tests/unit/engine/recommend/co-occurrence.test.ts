import { describe, expect, it } from "vitest";
import { collectBaskets, forEachCoOccurrenceRow, holdersOf } from "../../../../src/engine/recommend/co-occurrence.js";

const history = (entries: Record<string, number>): ReadonlyMap<string, number> => new Map(Object.entries(entries));

/** Every row as { item: { other: contacts holding both } }, by product id. */
function pairCounts(histories: readonly ReadonlyMap<string, number>[], cap = Infinity): Record<string, Record<string, number>> {
  const baskets = collectBaskets(histories, { cap });
  const rows: Record<string, Record<string, number>> = {};
  forEachCoOccurrenceRow(baskets, (i, counts, touched, size) => {
    const row: Record<string, number> = {};
    for (let t = 0; t < size; t++) {
      const j = touched[t] ?? 0;
      if (j !== i) row[baskets.ids[j] ?? ""] = counts[j] ?? 0;
    }
    rows[baskets.ids[i] ?? ""] = row;
  });
  return rows;
}

describe("collectBaskets", () => {
  it("indexes products in code-unit order whatever order contacts arrive in", () => {
    const a = collectBaskets([history({ b: 1, a: 2 }), history({ C: 1 })]);
    const b = collectBaskets([history({ C: 1 }), history({ a: 2, b: 1 })]);
    expect(a.ids).toEqual(["C", "a", "b"]);
    expect(b.ids).toEqual(a.ids);
  });

  it("keeps each contact's most recent items up to the cap, ties by id", () => {
    const baskets = collectBaskets([history({ old: 1, mid: 5, b: 9, a: 9 })], { cap: 3 });
    expect(baskets.ids).toEqual(["a", "b", "mid"]);
  });

  it("drops the items the keep filter rejects before applying the cap", () => {
    const baskets = collectBaskets([history({ gone: 9, a: 1, b: 2 })], { cap: 2, keep: (id) => id !== "gone" });
    expect(baskets.ids).toEqual(["a", "b"]);
  });

  it("counts each item's holders", () => {
    const baskets = collectBaskets([history({ a: 1, b: 1 }), history({ a: 1 }), history({ b: 1, c: 1 })]);
    expect(baskets.ids.map((_, i) => holdersOf(baskets, i))).toEqual([2, 2, 1]);
  });
});

describe("forEachCoOccurrenceRow", () => {
  it("counts the contacts holding both products of every pair", () => {
    const rows = pairCounts([history({ a: 1, b: 1, c: 1 }), history({ a: 1, b: 1 }), history({ b: 1, c: 1 }), history({ d: 1 })]);
    expect(rows).toEqual({
      a: { b: 2, c: 1 },
      b: { a: 2, c: 2 },
      c: { a: 1, b: 2 },
      d: {},
    });
  });

  it("leaves a contact's older items out of pairs once they pass the cap", () => {
    const rows = pairCounts([history({ a: 1, b: 2, c: 3 }), history({ a: 5, b: 5 })], 2);
    expect(rows.a).toEqual({ b: 1 });
    expect(rows.c).toEqual({ b: 1 });
  });

  it("visits only the rows asked for", () => {
    const baskets = collectBaskets([history({ a: 1, b: 1 })]);
    const visited: number[] = [];
    forEachCoOccurrenceRow(baskets, (i) => visited.push(i), [1]);
    expect(visited).toEqual([1]);
  });
});
