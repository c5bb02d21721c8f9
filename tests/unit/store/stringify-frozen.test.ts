import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createFrozenStringifier } from "../../../src/store/stringify-frozen.js";

describe("createFrozenStringifier", () => {
  it("gives exactly JSON.stringify's text for any JSON value", () => {
    const stringify = createFrozenStringifier();
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      expect(stringify(value)).toBe(JSON.stringify(value));
    }));
  });

  it("gives JSON.stringify's text for deeply frozen values, served again from its cache", () => {
    const stringify = createFrozenStringifier();
    const chunk = Object.freeze([Object.freeze({ id: "c1", n: 1 }), Object.freeze({ id: "c2", n: 2 })]);
    const state = { version: 1, rows: Object.freeze([chunk]) };
    expect(stringify(state)).toBe(JSON.stringify(state));
    const next = { version: 1, rows: Object.freeze([chunk, Object.freeze([Object.freeze({ id: "c3", n: 3 })])]) };
    expect(stringify(next)).toBe(JSON.stringify(next));
  });

  it("re-reads unfrozen objects every time", () => {
    const stringify = createFrozenStringifier();
    const row = { n: 1 };
    expect(stringify([row])).toBe('[{"n":1}]');
    row.n = 2;
    expect(stringify([row])).toBe('[{"n":2}]');
  });

  it("writes undefined like JSON.stringify: dropped in objects, null in arrays, and revives dates", () => {
    const stringify = createFrozenStringifier();
    const value = { a: undefined, b: [undefined, 1], at: new Date(0) };
    expect(stringify(value)).toBe(JSON.stringify(value));
  });
});
