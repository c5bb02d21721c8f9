import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { collectBaskets } from "../../../../src/engine/recommend/co-occurrence.js";
import { chooseEaseItems, easeGraph, fitEase, fitEaseOn, gramOf, invertSpd } from "../../../../src/engine/recommend/ease.js";

const basket = (...ids: string[]): ReadonlyMap<string, number> => new Map(ids.map((id) => [id, 1]));

function multiply(a: Float64Array, b: Float64Array, n: number): number[] {
  const product: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += (a[i * n + k] ?? 0) * (b[k * n + j] ?? 0);
      product.push(sum);
    }
  }
  return product;
}

const identity = (n: number): number[] => Array.from({ length: n * n }, (_, x) => (x % (n + 1) === 0 ? 1 : 0));

describe("invertSpd", () => {
  it("inverts a 3 x 3 matrix to the hand-computed inverse", () => {
    // [[2,1,0],[1,2,1],[0,1,2]]^-1 = 1/4 [[3,-2,1],[-2,4,-2],[1,-2,3]]
    const a = Float64Array.of(2, 1, 0, 1, 2, 1, 0, 1, 2);
    const inverse = invertSpd(a.slice(), 3);
    expect([...inverse].map((x) => x * 4)).toEqual([3, -2, 1, -2, 4, -2, 1, -2, 3].map((x) => expect.closeTo(x, 12) as number));
    multiply(a, inverse, 3).forEach((x, i) => { expect(x).toBeCloseTo(identity(3)[i] ?? 0, 12); });
  });

  it("gives A A^-1 = I for random symmetric positive-definite matrices", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 12 }), fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 144, maxLength: 144 }), (n, cells) => {
      // R R^T + I is symmetric positive definite for any R.
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let sum = i === j ? 1 : 0;
          for (let k = 0; k < n; k++) sum += (cells[i * 12 + k] ?? 0) * (cells[j * 12 + k] ?? 0);
          a[i * n + j] = sum;
        }
      }
      const product = multiply(a, invertSpd(a.slice(), n), n);
      product.forEach((x, i) => { expect(Math.abs(x - (identity(n)[i] ?? 0))).toBeLessThan(1e-9); });
    }), { numRuns: 50 });
  });

  it("refuses a matrix that is not positive definite", () => {
    expect(() => invertSpd(Float64Array.of(1, 2, 2, 1), 2)).toThrow("not positive definite");
  });
});

describe("fitEase", () => {
  it("gives B[j][i] = -P[j][i] / P[i][i] with a zero diagonal", () => {
    // G + lambda I = [[2,1,0],[1,2,1],[0,1,2]], so P is the inverse above: diag(P) = 3/4, 1, 3/4.
    const b = fitEase(Float64Array.of(1, 1, 0, 1, 1, 1, 0, 1, 1), 3, 1);
    const expected = [0, 1 / 2, -1 / 3, 2 / 3, 0, 2 / 3, -1 / 3, 1 / 2, 0];
    [...b].forEach((x, i) => { expect(x).toBeCloseTo(expected[i] ?? Number.NaN, 12); });
  });
});

describe("EASE on baskets", () => {
  const baskets = collectBaskets([basket("a", "b"), basket("a", "b"), basket("a", "c"), basket("b", "c"), basket("d")]);

  it("covers the products most contacts hold, ties by id", () => {
    expect([...chooseEaseItems(baskets, 2)].map((i) => baskets.ids[i])).toEqual(["a", "b"]);
    expect([...chooseEaseItems(baskets, 3)].map((i) => baskets.ids[i])).toEqual(["a", "b", "c"]);
  });

  it("builds the Gram matrix from contacts holding both products", () => {
    expect([...gramOf(baskets, chooseEaseItems(baskets, 3))]).toEqual([3, 2, 1, 2, 3, 1, 1, 1, 2]);
  });

  it("keeps each product's largest positive weights as neighbours", () => {
    const fit = fitEaseOn(baskets, 3, 1);
    const n = fit.items.length;
    const row = easeGraph(baskets, fit, 5).neighbours("a");
    const positive = [1, 2].filter((b) => (fit.weights[b] ?? 0) > 0).sort((x, y) => (fit.weights[y] ?? 0) - (fit.weights[x] ?? 0));
    expect(row.map((r) => r.productId)).toEqual(positive.map((b) => baskets.ids[fit.items[b] ?? 0]));
    expect(row[0]?.weight).toBeCloseTo(fit.weights[positive[0] ?? 0] ?? 0, 5);
    expect(row.find((r) => r.productId === "b")?.together).toBe(2);
    expect(n).toBe(3);
    expect(easeGraph(baskets, fit, 5).neighbours("d")).toEqual([]);
  });
});
