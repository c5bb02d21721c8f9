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
