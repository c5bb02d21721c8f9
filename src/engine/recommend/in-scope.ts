import type { CategoryScope } from "./candidate.js";

// Canonical paths from ingest read "Shoes > Sneakers"; catalogs loaded without ingest (tests,
// files exports) often spell "Shoes/Sneakers". Segments never contain either separator, so
// both are read as one.
const SEPARATOR = /\s*(?:>|\/)\s*/g;

/** A category path and every ancestor, deepest first: "A/B/C" -> ["A/B/C", "A/B", "A"]; "" has none. */
export function ancestorPaths(category: string): string[] {
  if (category === "") return [];
  const paths = [category];
  const cuts = [...category.matchAll(SEPARATOR)].map((m) => m.index);
  for (let i = cuts.length - 1; i >= 0; i--) {
    const prefix = category.slice(0, cuts[i]);
    if (prefix !== "") paths.push(prefix);
  }
  return paths;
}

/** True when the category is one of the scope's paths or below one; uncategorised products match only "any" (null). */
export function inScope(category: string, scope: CategoryScope): boolean {
  if (scope === null) return true;
  return ancestorPaths(category).some((path) => scope.has(path));
}
