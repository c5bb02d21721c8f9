import type { Product } from "../../domain/index.js";
import type { Candidate, CategoryScope, RankedList } from "./candidate.js";
import { ancestorPaths } from "./in-scope.js";

/** A list with nothing in it, for an empty catalog or a store with no sales yet. */
export const EMPTY_RANKED_LIST: RankedList = { all: [], byCategory: new Map() };

// Each list's ranks by product id, kept beside the list rather than in it so RankedList stays
// plain data; a WeakMap so a finished run's lists are collected with their ranks.
const ranksByList = new WeakMap<readonly Candidate[], ReadonlyMap<string, number>>();

/**
 * A ranked list from best-first candidates: each product listed once (its first, best entry),
 * under its category path and every ancestor, in list order; uncategorised products only in `all`.
 */
export function toRankedList(best: readonly Candidate[], catalog: ReadonlyMap<string, Product>): RankedList {
  const all: Candidate[] = [];
  const ranks = new Map<string, number>();
  const byCategory = new Map<string, Candidate[]>();
  for (const candidate of best) {
    if (ranks.has(candidate.productId)) continue;
    ranks.set(candidate.productId, all.length);
    all.push(candidate);
    for (const path of ancestorPaths(catalog.get(candidate.productId)?.category ?? "")) {
      const list = byCategory.get(path);
      if (list === undefined) byCategory.set(path, [candidate]);
      else list.push(candidate);
    }
  }
  ranksByList.set(all, ranks);
  return { all, byCategory };
}

/**
 * The list's candidates within the scope, best first, each once: the scope's category lists
 * merged by rank in `all`, lazily, so a slot that takes the first passing product reads only
 * the heads of a few lists, never the whole catalog.
 */
export function* scopedCandidates(list: RankedList, scope: CategoryScope): Generator<Candidate, void, undefined> {
  if (scope === null) {
    yield* list.all;
    return;
  }
  const lists: (readonly Candidate[])[] = [];
  for (const path of scope) {
    const scoped = list.byCategory.get(path);
    if (scoped !== undefined && scoped.length > 0) lists.push(scoped);
  }
  const only = lists[0];
  if (only === undefined) return;
  if (lists.length === 1) {
    yield* only;
    return;
  }
  const ranks = ranksOf(list);
  const heads = lists.map(() => 0);
  const seen = new Set<string>();
  for (;;) {
    let from = -1;
    let head: Candidate | undefined;
    let headRank = Infinity;
    for (let i = 0; i < lists.length; i++) {
      const candidate = lists[i]?.[heads[i] ?? 0];
      if (candidate === undefined) continue;
      const rank = ranks.get(candidate.productId) ?? Infinity;
      if (head === undefined || rank < headRank || (rank === headRank && candidate.productId < head.productId)) {
        from = i;
        head = candidate;
        headRank = rank;
      }
    }
    if (head === undefined) return;
    heads[from] = (heads[from] ?? 0) + 1;
    // A product sits in every ancestor's list, so a scope naming "A" and "A/B" meets it twice.
    if (seen.has(head.productId)) continue;
    seen.add(head.productId);
    yield head;
  }
}

/** Ranks of a list built elsewhere (a test, a caller's own lists) are computed once, on first use. */
function ranksOf(list: RankedList): ReadonlyMap<string, number> {
  let ranks = ranksByList.get(list.all);
  if (ranks === undefined) {
    const computed = new Map<string, number>();
    list.all.forEach((candidate, i) => {
      if (!computed.has(candidate.productId)) computed.set(candidate.productId, i);
    });
    ranks = computed;
    ranksByList.set(list.all, ranks);
  }
  return ranks;
}
