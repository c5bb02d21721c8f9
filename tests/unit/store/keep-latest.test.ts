import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { keepLatest } from "../../../src/store/keep-latest.js";

type Item = { readonly at: number; readonly n: number };

/** The obvious version: every item ever added, stably sorted by `at`, the last `limit` of them. */
function keptByModel(items: readonly Item[], limit: number): Item[] {
  const sorted = items.slice().sort((a, b) => a.at - b.at);
  return limit <= 0 ? [] : sorted.slice(-limit);
}

describe("keepLatest", () => {
  it("keeps what sorting every item added and taking the newest `limit` would keep", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 40 }), fc.integer({ min: 0, max: 12 }), (times, limit) => {
        const items = times.map((at, n) => ({ at, n }));
        let kept: readonly Item[] = [];
        for (const item of items) kept = keepLatest(kept, item, limit);
        expect(kept).toEqual(keptByModel(items, limit));
      }),
    );
  });

  it("drops an item older than a full list and keeps the list whole", () => {
    const full = [2, 3, 4].map((at) => ({ at, n: at }));
    expect(keepLatest(full, { at: 1, n: 1 }, 3)).toEqual(full);
  });

  it("never changes the list it was given", () => {
    const kept = [{ at: 1, n: 1 }, { at: 3, n: 3 }];
    const next = keepLatest(kept, { at: 2, n: 2 }, 2);
    expect([kept.map((i) => i.n), next.map((i) => i.n)]).toEqual([[1, 3], [2, 3]]);
  });
});
