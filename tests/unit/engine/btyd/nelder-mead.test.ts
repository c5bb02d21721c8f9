import { describe, expect, it } from "vitest";
import { minimise } from "../../../../src/engine/btyd/nelder-mead.js";

const rosenbrock = (v: readonly number[]): number => {
  const [x = 0, y = 0] = v;
  return (1 - x) ** 2 + 100 * (y - x * x) ** 2;
};

describe("minimise", () => {
  it("finds the Rosenbrock minimum at (1, 1) from the textbook start (-1.2, 1)", () => {
    const result = minimise(rosenbrock, [-1.2, 1]);
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(1, 4);
    expect(result.x[1]).toBeCloseTo(1, 4);
  });

  it("finds the centre of a shifted 4-dimensional quadratic", () => {
    const centre = [3, -2, 0.5, 10];
    const result = minimise((v) => v.reduce((s, vi, i) => s + (i + 1) * (vi - (centre[i] ?? 0)) ** 2, 0), [0, 0, 0, 0]);
    result.x.forEach((xi, i) => { expect(xi).toBeCloseTo(centre[i] ?? NaN, 4); });
    expect(result.value).toBeLessThan(1e-8);
  });

  it("reports no convergence when the iteration budget runs out", () => {
    const result = minimise(rosenbrock, [-1.2, 1], { maxIterations: 5 });
    expect(result).toMatchObject({ converged: false, iterations: 5 });
  });

  it("treats non-finite values as worse than any finite one", () => {
    const result = minimise((v) => ((v[0] ?? 0) < 0 ? NaN : ((v[0] ?? 0) - 2) ** 2), [1]);
    expect(result.x[0]).toBeCloseTo(2, 4);
  });
});
