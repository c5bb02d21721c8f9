import type { ItemGraph, Neighbour } from "./candidate.js";

/**
 * Top-K neighbours per product in flat typed arrays: 50,000 products x 50 neighbours take
 * 30 MB (4 bytes each for target, weight and count), where one object per neighbour would
 * take several times that. Row i holds its neighbours at [i * k, i * k + lengths[i]),
 * best first, ties by product id.
 */
export type CompactItemGraph = ItemGraph & {
  /** Row index -> product id. */
  readonly ids: readonly string[];
  readonly indexOf: ReadonlyMap<string, number>;
  readonly k: number;
  readonly lengths: Int32Array;
  /** Neighbour row indexes. */
  readonly targets: Int32Array;
  readonly weights: Float32Array;
  /** Contacts sharing both products (0 for similarities that do not count contacts, like content). */
  readonly together: Int32Array;
};

/** Fills a CompactItemGraph row by row: offer any number of candidates, then commit the row. */
export type ItemGraphWriter = {
  /** Proposes neighbour j; only positive weights are kept, and only the k best per row. */
  offer(j: number, weight: number, together: number): void;
  /** Writes the offered candidates as row i's neighbours and starts a new row. */
  commit(i: number): void;
  graph(): CompactItemGraph;
};

/**
 * A writer over products `ids` (row index = position in ids). Each row keeps its k best
 * offers in a bounded min-heap, so a row with thousands of candidates costs
 * candidates x log k, not a full sort.
 */
export function createItemGraphWriter(ids: readonly string[], k: number, indexOf?: ReadonlyMap<string, number>): ItemGraphWriter {
  const n = ids.length;
  const lengths = new Int32Array(n);
  const targets = new Int32Array(n * k);
  const weights = new Float32Array(n * k);
  const together = new Int32Array(n * k);
  const heapWeight = new Float64Array(k);
  const heapTarget = new Int32Array(k);
  const heapTogether = new Int32Array(k);
  let size = 0;

  // "Worse" = lower weight, or equal weight and a later id: the heap's root is the worst kept.
  const worse = (a: number, b: number): boolean => {
    const wa = heapWeight[a] ?? 0;
    const wb = heapWeight[b] ?? 0;
    return wa < wb || (wa === wb && (heapTarget[a] ?? 0) > (heapTarget[b] ?? 0));
  };
  const swap = (a: number, b: number): void => {
    const w = heapWeight[a] ?? 0;
    heapWeight[a] = heapWeight[b] ?? 0;
    heapWeight[b] = w;
    const t = heapTarget[a] ?? 0;
    heapTarget[a] = heapTarget[b] ?? 0;
    heapTarget[b] = t;
    const c = heapTogether[a] ?? 0;
    heapTogether[a] = heapTogether[b] ?? 0;
    heapTogether[b] = c;
  };
  const siftDown = (from: number, limit: number): void => {
    let at = from;
    for (;;) {
      const left = 2 * at + 1;
      const right = left + 1;
      let worst = at;
      if (left < limit && worse(left, worst)) worst = left;
      if (right < limit && worse(right, worst)) worst = right;
      if (worst === at) return;
      swap(at, worst);
      at = worst;
    }
  };

  return {
    offer(j, weight, count) {
      if (!(weight > 0) || k === 0) return;
      if (size < k) {
        heapWeight[size] = weight;
        heapTarget[size] = j;
        heapTogether[size] = count;
        let at = size++;
        while (at > 0) {
          const parent = (at - 1) >> 1;
          if (!worse(at, parent)) break;
          swap(at, parent);
          at = parent;
        }
        return;
      }
      const rootWeight = heapWeight[0] ?? 0;
      if (weight < rootWeight || (weight === rootWeight && j > (heapTarget[0] ?? 0))) return;
      heapWeight[0] = weight;
      heapTarget[0] = j;
      heapTogether[0] = count;
      siftDown(0, size);
    },
    commit(i) {
      // Heap sort in place: the worst goes to the end each time, leaving the row best first.
      const kept = size;
      for (let last = size - 1; last > 0; last--) {
        swap(0, last);
        siftDown(0, last);
      }
      const base = i * k;
      for (let r = 0; r < kept; r++) {
        targets[base + r] = heapTarget[r] ?? 0;
        weights[base + r] = heapWeight[r] ?? 0;
        together[base + r] = heapTogether[r] ?? 0;
      }
      lengths[i] = kept;
      size = 0;
    },
    graph() {
      return compactItemGraph(ids, indexOf ?? new Map(ids.map((id, i) => [id, i])), k, lengths, targets, weights, together);
    },
  };
}

function compactItemGraph(
  ids: readonly string[],
  indexOf: ReadonlyMap<string, number>,
  k: number,
  lengths: Int32Array,
  targets: Int32Array,
  weights: Float32Array,
  together: Int32Array,
): CompactItemGraph {
  return {
    ids, indexOf, k, lengths, targets, weights, together,
    neighbours(productId: string): readonly Neighbour[] {
      const i = indexOf.get(productId);
      if (i === undefined) return [];
      const base = i * k;
      const row: Neighbour[] = [];
      for (let r = 0, length = lengths[i] ?? 0; r < length; r++) {
        row.push({ productId: ids[targets[base + r] ?? 0] ?? "", weight: weights[base + r] ?? 0, together: together[base + r] ?? 0 });
      }
      return row;
    },
  };
}

/** A graph with no neighbours, for stores without the signal (no views, no catalog). */
export const emptyItemGraph = (): CompactItemGraph => createItemGraphWriter([], 0).graph();
