import { describe, expect, it } from "vitest";
import type { ClvTier, EngagementLevel, Event, EventOf } from "../../../../src/domain/index.js";
import { addEvents, createFeatureBook, featuresOf } from "../../../../src/engine/feature-book.js";
import { frequencyOf } from "../../../../src/engine/guardrails/frequency.js";
import { DAY, NOW, product, settingsWith, view } from "../fixtures.js";

const HOUR = 3_600_000;
const T = NOW.getTime();
const at = (ms: number): Date => new Date(ms);

let seq = 0;
const sent = (ms: number): EventOf<"email_sent"> => ({ id: `f${++seq}`, contactId: "c", at: at(ms), type: "email_sent", campaignId: "" });
const clicked = (ms: number): EventOf<"email_clicked"> => ({ id: `f${++seq}`, contactId: "c", at: at(ms), type: "email_clicked", campaignId: "" });
const listUnsubscribed = (ms: number, listId?: string): EventOf<"unsubscribed"> =>
  listId === undefined ? { id: `f${++seq}`, contactId: "c", at: at(ms), type: "unsubscribed", campaignId: "" } : { id: `f${++seq}`, contactId: "c", at: at(ms), type: "unsubscribed", campaignId: "", listId };

const settings = settingsWith();
const NORMAL = { engagement: "warm" as EngagementLevel, clvTier: null as ClvTier | null };

function frequency(events: readonly Event[], tier = NORMAL, s = settings) {
  const book = createFeatureBook([product("p")], s);
  addEvents(book, events);
  return frequencyOf(featuresOf(book, "c", NOW), tier, s, NOW);
}

describe("frequencyOf: rolling windows", () => {
  it.each([
    ["exactly 24 h ago", T - DAY, 0],
    ["24 h less 1 ms ago", T - DAY + 1, 1],
    ["now", T, 1],
    ["1 ms after now", T + 1, 0],
  ])("counts a send %s in the 24-hour window: %i", (_label, ms, count) => {
    expect(frequency([sent(ms)]).sent24h).toBe(count);
  });

  it.each([
    ["exactly 7 days ago", T - 7 * DAY, 0],
    ["7 days less 1 ms ago", T - 7 * DAY + 1, 1],
  ])("counts a send %s in the 7-day window: %i", (_label, ms, count) => {
    expect(frequency([sent(ms)]).sent7d).toBe(count);
  });
});

describe("frequencyOf: caps per tier", () => {
  it.each([
    ["a warm contact", { engagement: "warm", clvTier: "high" }, 3, "normal cap 3"],
    ["an engaged contact", { engagement: "engaged", clvTier: null }, 4, "engaged cap 4"],
    ["a cold contact in the top CLV tier", { engagement: "cold", clvTier: "top" }, 4, "top CLV tier cap 4"],
  ] as const)("gives %s a 7-day cap of %i", (_label, tier, cap, named) => {
    const f = frequency([sent(T - 2 * DAY)], tier);
    expect([f.cap7d, f.sendsLeft.value, f.sendsLeft.why]).toEqual([cap, cap - 1, `${cap - 1} of ${cap} left: 1 email in the rolling 7 days (${named})`]);
  });

  it("gives a fatigued contact the fatigued cap even when engaged", () => {
    const f = frequency([listUnsubscribed(T - DAY, "newsletter")], { engagement: "engaged", clvTier: "top" });
    expect([f.fatigued.value, f.cap7d]).toEqual([true, 1]);
  });

  it("never counts sends left below 0", () => {
    const f = frequency([sent(T - 4 * DAY), sent(T - 3 * DAY), sent(T - 2 * DAY), sent(T - 30 * HOUR), sent(T - 2 * HOUR)]);
    expect([f.sent7d, f.sendsLeft.value]).toEqual([5, 0]);
  });
});

describe("frequencyOf: cap suppressions", () => {
  it("suppresses at the daily cap until the counted send is a day old", () => {
    const f = frequency([sent(T - 5 * HOUR)]);
    expect(f.suppressions).toEqual([{ kind: "daily_cap", reason: "daily cap: 1 email in the last 24 h (cap 1)", until: T - 5 * HOUR + DAY }]);
  });

  it("does not suppress one send under the daily cap", () => {
    const f = frequency([sent(T - 5 * HOUR)], NORMAL, settingsWith({ frequency: { maxPerDay: 2 } }));
    expect(f.suppressions).toEqual([]);
  });

  it("suppresses at the 7-day cap until the oldest counted send leaves the window", () => {
    const f = frequency([sent(T - 6 * DAY), sent(T - 4 * DAY), sent(T - 2 * DAY)]);
    expect(f.suppressions).toEqual([{ kind: "weekly_cap", reason: "7-day cap: 3 emails in the rolling 7 days (normal cap 3)", until: T + DAY }]);
  });

  it("waits for enough sends to leave when the window holds more than the cap", () => {
    const f = frequency([sent(T - 8 * DAY), sent(T - 6 * DAY), sent(T - 5 * DAY), sent(T - 4 * DAY), sent(T - 3 * DAY)]);
    // 4 counted against a cap of 3: the count drops to 2 when the second oldest (5 days ago) turns 7 days old.
    expect(f.suppressions.find((s) => s.kind === "weekly_cap")?.until).toBe(T + 2 * DAY);
  });

  it("does not suppress one send under the 7-day cap", () => {
    expect(frequency([sent(T - 6 * DAY), sent(T - 4 * DAY)]).suppressions).toEqual([]);
  });
});

describe("frequencyOf: fatigue", () => {
  const sends = (n: number, from: number): Event[] => Array.from({ length: n }, (_, i) => sent(from + i * DAY));

  it.each([
    [10, false],
    [11, true],
  ])("after %i sends with no engagement ever, fatigued is %s", (n, fatigued) => {
    expect(frequency(sends(n, T - 20 * DAY)).fatigued.value).toBe(fatigued);
  });

  it("counts only the sends after the hour of the last click", () => {
    const click = T - 20 * DAY + 30 * 60_000; // 00:30 into the hour of the first send
    const f = frequency([clicked(click), ...sends(11, T - 20 * DAY)]);
    expect(f.fatigued).toEqual({ value: false, why: expect.stringContaining("10 sends since the last click, visit, order or human open (fatigued from 11)") as unknown });
  });

  it.each([
    ["ends the click's hour", T - 20 * DAY + HOUR - 1, false],
    ["starts the next hour", T - 20 * DAY + HOUR, true],
  ])("counts a send that %s as unanswered: %s", (_label, eleventh, fatigued) => {
    // 10 unanswered sends later on, and one more at the edge of the click's hour.
    const events = [clicked(T - 20 * DAY), sent(eleventh), ...sends(10, T - 15 * DAY)];
    expect(frequency(events).fatigued.value).toBe(fatigued);
  });

  it("names the unanswered sends as the sign", () => {
    expect(frequency(sends(11, T - 20 * DAY)).fatigued.why).toBe("11 sends since the last click, visit, order or human open (fatigued from 11)");
  });

  it.each([
    ["30 days less 1 ms ago", T - 30 * DAY + 1, true],
    ["exactly 30 days ago", T - 30 * DAY, false],
  ])("is fatigued after a list unsubscribe %s: %s", (_label, ms, fatigued) => {
    expect(frequency([listUnsubscribed(ms, "newsletter")]).fatigued.value).toBe(fatigued);
  });

  it("is not fatigued by a global unsubscribe (a suppression, not fatigue)", () => {
    expect(frequency([listUnsubscribed(T - DAY)]).fatigued.value).toBe(false);
  });

  // Active on `earlier` of days 31-90 ago and `recent` of the last 30 days, with 2 sends in the last 30.
  const activity = (recent: number, earlier: number): Event[] => [
    ...Array.from({ length: recent }, (_, i) => view("c", "p", at(T - i * DAY))),
    ...Array.from({ length: earlier }, (_, i) => view("c", "p", at(T - (30 + i) * DAY))),
    sent(T - 3 * DAY), sent(T - 2 * DAY),
  ];

  it.each([
    [4, 20, true],
    [5, 20, false],
  ])("with %i active days in the last 30 against %i in the 60 before, fatigued is %s", (recent, earlier, fatigued) => {
    // Half the earlier daily rate is 20 / 60 / 2 = 1/6 a day, 5 days in 30: 4 is under it, 5 is not.
    expect(frequency(activity(recent, earlier)).fatigued.value).toBe(fatigued);
  });

  it("explains a drop in engagement", () => {
    expect(frequency(activity(4, 20)).fatigued.why).toBe("engagement fell: active on 4 of the last 30 days against 20 of the 60 before, under 50 % of the earlier daily rate");
  });

  it("does not judge a drop with fewer than 2 sends in the last 30 days", () => {
    const events = activity(0, 20).filter((e) => e.type !== "email_sent" || e.at.getTime() !== T - 3 * DAY);
    expect(frequency(events).fatigued.value).toBe(false);
  });

  it.each([
    ["29 days ago counts as recent", 29, false],
    ["30 days ago counts as earlier", 30, true],
    ["89 days ago counts as earlier", 89, true],
    ["90 days ago is outside both", 90, false],
  ])("an active day %s", (_label, ago, fatigued) => {
    const events = [view("c", "p", at(T - ago * DAY)), sent(T - 3 * DAY), sent(T - 2 * DAY)];
    expect(frequency(events).fatigued.value).toBe(fatigued);
  });

  it("names the evidence when no sign holds", () => {
    expect(frequency([sent(T - DAY)]).fatigued).toEqual({
      value: false,
      why: "no sign of fatigue: 1 send since the last click, visit, order or human open (fatigued from 11); no earlier engagement to fall from (active on 0 of the last 30 days against 0 of the 60 before); no list unsubscribe in the last 30 days",
    });
  });
});
