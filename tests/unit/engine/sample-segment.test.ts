import { describe, expect, it } from "vitest";
import { createRng } from "../../../src/engine/rng.js";
import { sampleSegment } from "../../../src/engine/sample-segment.js";

const ids = Array.from({ length: 50 }, (_, i) => `c${i}`);

describe("sampleSegment", () => {
  it("draws the same sample for the same seed", () => {
    expect(sampleSegment(ids, 10, createRng(7))).toEqual(sampleSegment(ids, 10, createRng(7)));
  });

  it("swaps each drawn position with a later one, as a partial Fisher-Yates does", () => {
    const draws = [0.5, 0, 0.99];
    const scripted = () => draws.shift() ?? 0;
    // i=0: j=0+floor(0.5*5)=2; i=1: j=1+floor(0*4)=1; i=2: j=2+floor(0.99*3)=4.
    expect(sampleSegment(["c0", "c1", "c2", "c3", "c4"], 3, scripted)).toEqual(["c2", "c1", "c4"]);
  });

  it("draws exactly one number per sampled member", () => {
    let calls = 0;
    sampleSegment(ids, 7, () => { calls++; return 0.5; });
    expect(calls).toBe(7);
  });

  it("draws a different sample for a different seed", () => {
    expect(sampleSegment(ids, 10, createRng(7))).not.toEqual(sampleSegment(ids, 10, createRng(8)));
  });

  it("never draws a member twice", () => {
    expect(new Set(sampleSegment(ids, 30, createRng(3))).size).toBe(30);
  });

  it("returns every member, shuffled, when n exceeds the segment", () => {
    const drawn = sampleSegment(ids, 80, createRng(3));
    expect([drawn.length, [...drawn].sort()]).toEqual([50, [...ids].sort()]);
  });

  it.each([0, -3])("returns nothing for n = %i", (n) => {
    expect(sampleSegment(ids, n, createRng(3))).toEqual([]);
  });

  it("leaves the members list as it was", () => {
    const members = ids.slice();
    sampleSegment(members, 20, createRng(3));
    expect(members).toEqual(ids);
  });

  it("gives every member about the same chance", () => {
    const counts = new Map<string, number>();
    const rng = createRng(11);
    for (let i = 0; i < 10_000; i++) for (const id of sampleSegment(ids.slice(0, 10), 3, rng)) counts.set(id, (counts.get(id) ?? 0) + 1);
    // 3 of 10 per draw: 3,000 expected each; binomial sd about 46, so ±250 is over 5 sd.
    expect([...counts.values()].every((c) => Math.abs(c - 3_000) < 250)).toBe(true);
  });
});
