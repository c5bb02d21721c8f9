import { describe, expect, it } from "vitest";
import { createChunkedRows } from "../../../src/ingest/chunked-rows.js";

const numbers = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe("createChunkedRows", () => {
  it("cuts rows into chunks of 256", () => {
    const table = createChunkedRows<number>();
    for (const n of numbers(600)) table.push(n);
    expect(table.snapshot().map((chunk) => chunk.length)).toEqual([256, 256, 88]);
  });

  it("reuses unchanged chunks from the previous snapshot", () => {
    const table = createChunkedRows<number>();
    for (const n of numbers(600)) table.push(n);
    const before = table.snapshot();
    table.set(599, -1);
    const after = table.snapshot();
    expect([after[0] === before[0], after[1] === before[1], after[2] === before[2]]).toEqual([true, true, false]);
  });

  it("leaves an earlier snapshot as it was when rows change", () => {
    const table = createChunkedRows<number>();
    table.push(1);
    const before = table.snapshot();
    table.set(0, 2);
    table.push(3);
    table.snapshot();
    expect(before).toEqual([[1]]);
  });

  it("returns the push index", () => {
    const table = createChunkedRows<string>([["a", "b"]]);
    expect(table.push("c")).toBe(2);
  });

  it("rebuilds its rows from a snapshot read back from JSON", () => {
    const table = createChunkedRows<number>();
    for (const n of numbers(300)) table.push(n);
    const copy = createChunkedRows<number>(JSON.parse(JSON.stringify(table.snapshot())) as number[][]);
    expect(copy.rows).toEqual(numbers(300));
  });
});

describe("createChunkedRows: removeWhere", () => {
  it("drops the rows picked and moves the rest down, in order", () => {
    const table = createChunkedRows<number>();
    for (const n of numbers(600)) table.push(n);
    const removed = table.removeWhere((n) => n % 3 === 0);
    expect([removed, table.rows.length, table.rows.slice(0, 4), table.snapshot().flat()]).toEqual([200, 400, [1, 2, 4, 5], numbers(600).filter((n) => n % 3 !== 0)]);
  });

  it("re-cuts the snapshot into chunks of 256 with no chunk left over", () => {
    const table = createChunkedRows<number>();
    for (const n of numbers(600)) table.push(n);
    table.snapshot();
    table.removeWhere((n) => n >= 250);
    expect(table.snapshot().map((chunk) => chunk.length)).toEqual([250]);
  });

  it("keeps sharing the chunks before the first dropped row", () => {
    const table = createChunkedRows<number>();
    for (const n of numbers(600)) table.push(n);
    const before = table.snapshot();
    table.removeWhere((n) => n === 300);
    const after = table.snapshot();
    expect([after[0] === before[0], after[1] === before[1], after[1]?.[44], after.map((chunk) => chunk.length)]).toEqual([true, false, 301, [256, 256, 87]]);
  });

  it("changes nothing, not even the next snapshot, when no row is picked", () => {
    const table = createChunkedRows<number>();
    for (const n of numbers(10)) table.push(n);
    const before = table.snapshot();
    expect([table.removeWhere(() => false), table.snapshot()[0] === before[0]]).toEqual([0, true]);
  });

  it("leaves an earlier snapshot as it was", () => {
    const table = createChunkedRows<number>();
    for (const n of numbers(3)) table.push(n);
    const before = table.snapshot();
    table.removeWhere((n) => n === 1);
    table.snapshot();
    expect(before).toEqual([[0, 1, 2]]);
  });
});
