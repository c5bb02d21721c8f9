import { describe, expect, it } from "vitest";
import { SUPPRESSION_KINDS } from "../../../../src/domain/index.js";
import type { GuardLogEntry } from "../../../../src/domain/index.js";
import { guardLogChanges, suppressionStates } from "../../../../src/engine/guardrails/guard-log.js";
import type { GuardState } from "../../../../src/engine/guardrails/guard-log.js";
import { NOW } from "../fixtures.js";

const T = NOW.getTime();
const refund = { kind: "refund", reason: "refund on 2024-06-20: promos pause 14 days", until: T + 4 * 86_400_000 } as const;

describe("suppressionStates", () => {
  it("gives one state per suppression kind, on only for the active ones", () => {
    const states = suppressionStates([refund]);
    expect([states.map((s) => s.key), states.filter((s) => s.on)]).toEqual([
      [...SUPPRESSION_KINDS],
      [{ key: "refund", on: true, reason: refund.reason, until: refund.until }],
    ]);
  });

  it("says why an inactive one is off", () => {
    expect(suppressionStates([]).find((s) => s.key === "quiet_hours")).toEqual({ key: "quiet_hours", on: false, reason: "outside quiet hours", until: null });
  });
});

describe("guardLogChanges", () => {
  const entry = (key: GuardLogEntry["key"], on: boolean, ref?: string): GuardLogEntry =>
    ref === undefined ? { at: T - 3_600_000, key, on, reason: "earlier", until: null } : { at: T - 3_600_000, key, on, reason: "earlier", until: null, ref };
  const cartOn: GuardState = { key: "cart_abandonment", on: true, reason: "added p to cart 5 h ago", until: T + 1000, ref: "cart_abandonment:1" };

  it("logs nothing for a key never logged that is off", () => {
    expect(guardLogChanges([], suppressionStates([]), NOW)).toEqual([]);
  });

  it("logs a key turning on for the first time, at now", () => {
    expect(guardLogChanges([], [cartOn], NOW)).toEqual([{ at: T, key: "cart_abandonment", on: true, reason: "added p to cart 5 h ago", until: T + 1000, ref: "cart_abandonment:1" }]);
  });

  it("logs nothing while a key stays on with the same ref", () => {
    expect(guardLogChanges([entry("cart_abandonment", true, "cart_abandonment:1")], [cartOn], NOW)).toEqual([]);
  });

  it("logs a new ref for a key that stays on", () => {
    expect(guardLogChanges([entry("cart_abandonment", true, "cart_abandonment:0")], [cartOn], NOW).map((e) => e.ref)).toEqual(["cart_abandonment:1"]);
  });

  it("logs a key turning off, without a ref", () => {
    const changes = guardLogChanges([entry("refund", true)], suppressionStates([]), NOW);
    expect(changes).toEqual([{ at: T, key: "refund", on: false, reason: "refund pause over", until: null }]);
  });

  it("compares with the key's last entry, not its first", () => {
    const log = [entry("refund", false), entry("refund", true), entry("quiet_hours", true), entry("refund", false)];
    expect(guardLogChanges(log, suppressionStates([refund]), NOW).map((e) => [e.key, e.on])).toEqual([["refund", true], ["quiet_hours", false]]);
  });
});
