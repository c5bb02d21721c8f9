/** What minimise returns: the best point, its value, and whether the simplex shrank below the tolerance. */
export type Minimum = { x: number[]; value: number; iterations: number; converged: boolean };

// Standard coefficients (Nelder & Mead 1965; Gao & Han 2012 keep them for low dimensions).
const REFLECT = 1;
const EXPAND = 2;
const CONTRACT = 0.5;
const SHRINK = 0.5;

/** Derivative-free minimisation of f from `start` (Nelder-Mead simplex); non-finite values count as +Infinity. */
export function minimise(
  f: (x: readonly number[]) => number,
  start: readonly number[],
  options: { maxIterations?: number; tolerance?: number } = {},
): Minimum {
  const maxIterations = options.maxIterations ?? 2000;
  const tolerance = options.tolerance ?? 1e-10;
  const n = start.length;
  const value = (x: readonly number[]): number => {
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };
  // Initial simplex: the start plus one step along each axis (5 % of the coordinate, or 0.1 at 0, as in scipy).
  const simplex: { x: number[]; v: number }[] = [{ x: [...start], v: value(start) }];
  for (let i = 0; i < n; i++) {
    const x = [...start];
    const xi = x[i] ?? 0;
    x[i] = xi === 0 ? 0.1 : xi * 1.05;
    simplex.push({ x, v: value(x) });
  }
  const sort = (): void => { simplex.sort((p, q) => p.v - q.v); };
  const towards = (from: readonly number[], to: readonly number[], t: number): number[] =>
    from.map((fi, i) => fi + t * ((to[i] ?? 0) - fi));

  let iterations = 0;
  sort();
  for (; iterations < maxIterations; iterations++) {
    const best = simplex[0];
    const worst = simplex[n];
    const second = simplex[n - 1];
    if (best === undefined || worst === undefined || second === undefined) break;
    if (converged(simplex, tolerance)) return { x: best.x, value: best.v, iterations, converged: true };
    const centroid = new Array<number>(n).fill(0);
    for (let k = 0; k < n; k++) {
      const p = simplex[k];
      if (p === undefined) continue;
      for (let i = 0; i < n; i++) centroid[i] = (centroid[i] ?? 0) + (p.x[i] ?? 0) / n;
    }
    const reflected = towards(centroid, worst.x, -REFLECT);
    const vr = value(reflected);
    if (vr < best.v) {
      const expanded = towards(centroid, worst.x, -EXPAND);
      const ve = value(expanded);
      simplex[n] = ve < vr ? { x: expanded, v: ve } : { x: reflected, v: vr };
    } else if (vr < second.v) {
      simplex[n] = { x: reflected, v: vr };
    } else {
      // Contract outside when the reflection helped a little, inside when it did not.
      const outside = vr < worst.v;
      const contracted = towards(centroid, outside ? reflected : worst.x, CONTRACT);
      const vc = value(contracted);
      if (vc < (outside ? vr : worst.v)) {
        simplex[n] = { x: contracted, v: vc };
      } else {
        for (let k = 1; k <= n; k++) {
          const p = simplex[k];
          if (p === undefined) continue;
          const x = towards(best.x, p.x, SHRINK);
          simplex[k] = { x, v: value(x) };
        }
      }
    }
    sort();
  }
  const best = simplex[0] ?? { x: [...start], v: value(start) };
  return { x: best.x, value: best.v, iterations, converged: converged(simplex, tolerance) };
}

// Converged when both the values and the vertices agree within the tolerance (scipy's fatol/xatol rule).
function converged(simplex: readonly { x: readonly number[]; v: number }[], tolerance: number): boolean {
  const best = simplex[0];
  if (best === undefined || !Number.isFinite(best.v)) return false;
  let spread = 0;
  let size = 0;
  for (const p of simplex) {
    spread = Math.max(spread, Math.abs(p.v - best.v));
    for (let i = 0; i < p.x.length; i++) size = Math.max(size, Math.abs((p.x[i] ?? 0) - (best.x[i] ?? 0)));
  }
  return spread <= tolerance * Math.max(1, Math.abs(best.v)) && size <= Math.sqrt(tolerance);
}
