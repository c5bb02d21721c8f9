import { z } from "zod";

/** Rows cut into fixed-size chunks: the JSON shape of every table in the cleaner's state. */
export type Chunks<Row> = readonly (readonly Row[])[];

/**
 * 256 rows per chunk: a page touches few chunks, so a snapshot copies little, and the
 * outer array stays short (100,000 contacts make 391 chunks).
 */
const CHUNK_ROWS = 256;

/** A growable table of immutable rows whose snapshot() costs only the chunks changed since the last one. */
export type ChunkedRows<Row> = {
  readonly rows: readonly Row[];
  /** Appends a row and returns its index. */
  push(row: Row): number;
  /** Replaces the row at index; rows are never mutated in place, snapshots share them. */
  set(index: number, row: Row): void;
  /** Drops every row `drop` picks and returns how many; the rows after the first dropped one move to lower indexes. */
  removeWhere(drop: (row: Row) => boolean): number;
  /** Frozen chunks, safe to keep: later pushes and sets never change them. */
  snapshot(): Chunks<Row>;
};

/** Zod schema for a chunked table of rows. */
export const chunksSchema = <R extends z.ZodType>(row: R) => z.array(z.array(row));

/** Builds a table from a previous snapshot (or empty). */
export function createChunkedRows<Row>(from: Chunks<Row> = []): ChunkedRows<Row> {
  const rows: Row[] = from.flat();
  const frozen: (readonly Row[])[] = [];
  const dirty = new Set<number>();
  // Re-cut what was read back: a hand-edited or older state may have chunks of another size.
  for (let c = 0; c * CHUNK_ROWS < rows.length; c++) dirty.add(c);

  return {
    rows,
    push(row) {
      rows.push(row);
      const index = rows.length - 1;
      dirty.add(Math.floor(index / CHUNK_ROWS));
      return index;
    },
    set(index, row) {
      rows[index] = row;
      dirty.add(Math.floor(index / CHUNK_ROWS));
    },
    removeWhere(drop) {
      // Compacted in place: `rows` is the array callers hold, and a write never passes the read.
      let kept = 0;
      let firstDropped = -1;
      rows.forEach((row, index) => {
        if (!drop(row)) rows[kept++] = row;
        else if (firstDropped === -1) firstDropped = index;
      });
      const removed = rows.length - kept;
      if (removed === 0) return 0;
      rows.length = kept;
      const chunks = Math.ceil(kept / CHUNK_ROWS);
      frozen.length = Math.min(frozen.length, chunks);
      for (const c of dirty) if (c >= chunks) dirty.delete(c);
      // Chunks before the first dropped row keep their rows, so their frozen copies stay shared.
      for (let c = Math.floor(firstDropped / CHUNK_ROWS); c < chunks; c++) dirty.add(c);
      return removed;
    },
    snapshot() {
      for (const c of dirty) frozen[c] = Object.freeze(rows.slice(c * CHUNK_ROWS, (c + 1) * CHUNK_ROWS));
      dirty.clear();
      return Object.freeze(frozen.slice());
    },
  };
}
