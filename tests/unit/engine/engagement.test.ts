import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EngagementSettingsSchema } from "../../../src/domain/engagement-settings.js";
import type { Event, EventOf } from "../../../src/domain/index.js";
import { engagementOf, machineOpenShare } from "../../../src/engine/engagement.js";
import { addEvents, createFeatureBook, featuresOf } from "../../../src/engine/feature-book.js";
import { cart, daysAgo, item, NOW, order, product, settingsWith, view } from "./fixtures.js";

const settings = EngagementSettingsSchema.parse({});
let seq = 0;
const opened = (contactId: string, at: Date, machineOpen: boolean): EventOf<"email_opened"> =>
  ({ id: `m${++seq}`, contactId, at, type: "email_opened", campaignId: "", machineOpen });
const clicked = (contactId: string, at: Date): EventOf<"email_clicked"> => ({ id: `m${++seq}`, contactId, at, type: "email_clicked", campaignId: "" });
const sent = (contactId: string, at: Date): EventOf<"email_sent"> => ({ id: `m${++seq}`, contactId, at, type: "email_sent", campaignId: "" });

const bookOf = (events: readonly Event[]) => {
  const book = createFeatureBook([product("p", { category: "misc" })], settingsWith());
  addEvents(book, events);
  return book;
};
const engagement = (events: readonly Event[], s = settings) => engagementOf(featuresOf(bookOf(events), "c", NOW), NOW, s);

describe("engagementOf", () => {
  it.each([
    ["a click", 23, [clicked("c", NOW)]],
    ["a site action", 9, [view("c", "p")]],
    ["an order", 33, [order("c", NOW, 10, [item("p")])]],
    ["a human open", 5, [opened("c", NOW, false)]],
    ["a machine open", 0, [opened("c", NOW, true)]],
  ])("scores %s today as %i of 100", (_label, score, events) => {
    expect(engagement(events).score.value).toBe(score);
  });

  it("halves a signal's points after the engagement half-life", () => {
    // One order 30 days ago: 5 × 1/2 = 2.5 points, 100 × 2.5 / 12.5 = 20.
    expect(engagement([order("c", daysAgo(30), 10, [item("p")])]).score.value).toBe(20);
  });

  it("never raises the score for any number of machine opens at any age", () => {
    const base: Event[] = [clicked("c", daysAgo(3)), view("c", "p", daysAgo(8))];
    const before = engagement(base).score.value;
    fc.assert(fc.property(fc.array(fc.integer({ min: -10, max: 400 }), { maxLength: 60 }), (ages) => {
      const after = engagement([...base, ...ages.map((age) => opened("c", daysAgo(age), true))]).score.value;
      expect(after).toBe(before);
    }));
  });

  it("raises the score less for a human open than for a click", () => {
    const base: Event[] = [view("c", "p", daysAgo(2))];
    const withOpen = engagement([...base, opened("c", NOW, false)]).score.value;
    const withClick = engagement([...base, clicked("c", NOW)]).score.value;
    const before = engagement(base).score.value;
    expect([withOpen > before, withOpen - before < withClick - before]).toEqual([true, true]);
  });

  it("names the evidence, the half-life and the machine opens left out", () => {
    const e = engagement([order("c", NOW, 10, [item("p")]), clicked("c", NOW), clicked("c", NOW), opened("c", NOW, true)]);
    expect(e.score).toEqual({ value: 52, why: "1 order, 2 clicks, decayed with a 30-day half-life; 1 machine open not counted", confidence: "medium" });
  });

  it.each([
    ["engaged", [order("c", NOW, 10, [item("p")]), clicked("c", NOW), clicked("c", NOW)]],
    ["warm", [clicked("c", NOW)]],
    ["cold", [opened("c", NOW, false)]],
  ])("calls a contact %s from the score", (level, events) => {
    expect(engagement(events).level.value).toBe(level);
  });

  it.each([
    [50, "engaged"],
    [49, "warm"],
    [20, "warm"],
    [19, "cold"],
  ])("puts a score of %i at level %s", (target, level) => {
    // One click today is 3 points and scores 300 / (3 + halfScorePoints): solve for the target score.
    const halfScorePoints = (300 - 3 * target) / target;
    expect(engagement([clicked("c", NOW)], { ...settings, halfScorePoints }).level.value).toBe(level);
  });

  it("calls a contact new when nothing scored happened and few emails were sent", () => {
    expect(engagement([sent("c", daysAgo(2)), sent("c", daysAgo(1)), opened("c", NOW, true)]).level).toEqual({
      value: "new", why: "no click, visit, order or human open yet, and 2 emails sent (fewer than 3)", confidence: "low",
    });
  });

  it("calls a contact cold, not new, once enough emails went unanswered", () => {
    const e = engagement([sent("c", daysAgo(3)), sent("c", daysAgo(2)), sent("c", daysAgo(1)), opened("c", NOW, true)]);
    expect(e.level).toEqual({ value: "cold", why: "score 0 (below 20): no click, visit, order or human open; 1 machine open not counted", confidence: "low" });
  });

  it("calls a contact with no events at all new", () => {
    expect(engagementOf(featuresOf(bookOf([]), "c", NOW), NOW, settings).level.value).toBe("new");
  });

  it.each([
    [0, "low"],
    [1, "medium"],
    [4, "medium"],
    [5, "high"],
  ])("is sure of the score from %i scored signals with confidence %s", (n, confidence) => {
    expect(engagement(Array.from({ length: n }, () => cart("c", "p"))).score.confidence).toBe(confidence);
  });

  it("gives the contact's share of opens that were machine opens", () => {
    expect(engagement([opened("c", NOW, true), opened("c", NOW, true), opened("c", NOW, false)]).machineOpenShare).toBe(0.67);
  });
});

describe("machineOpenShare", () => {
  it("gives the installation's share of opens judged machine opens", () => {
    const book = bookOf([opened("a", NOW, true), opened("b", NOW, true), opened("b", NOW, false), opened("c", daysAgo(400), true)]);
    expect(machineOpenShare(book)).toBe(0.75);
  });

  it("is 0 when nobody opened anything", () => {
    expect(machineOpenShare(bookOf([clicked("a", NOW)]))).toBe(0);
  });
});

describe("EngagementSettingsSchema", () => {
  it("rejects a warm threshold at or above the engaged one", () => {
    expect(EngagementSettingsSchema.safeParse({ warmFrom: 50, engagedFrom: 50 }).success).toBe(false);
  });

  it("documents every setting", () => {
    const undocumented = Object.entries(EngagementSettingsSchema.shape).filter(([, field]) => (field.description ?? "") === "").map(([key]) => key);
    expect(undocumented).toEqual([]);
  });
});
