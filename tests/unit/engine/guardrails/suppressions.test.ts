import { describe, expect, it } from "vitest";
import { ContactSchema } from "../../../../src/domain/index.js";
import type { Consent, Event, EventOf, Suppression } from "../../../../src/domain/index.js";
import { createUtcOffset } from "../../../../src/engine/create-utc-offset.js";
import { addEvents, createFeatureBook, featuresOf } from "../../../../src/engine/feature-book.js";
import { BLOCKS_FLOWS, suppressionProperties, suppressionsOf } from "../../../../src/engine/guardrails/suppressions.js";
import { DAY, NOW, product, refund, settingsWith } from "../fixtures.js";

const HOUR = 3_600_000;
const T = NOW.getTime();
const at = (ms: number): Date => new Date(ms);

let seq = 0;
const id = (): string => `s${++seq}`;
const complained = (ms: number): EventOf<"complained"> => ({ id: id(), contactId: "c", at: at(ms), type: "complained", campaignId: "" });
const bounced = (ms: number, hard: boolean): EventOf<"email_bounced"> => ({ id: id(), contactId: "c", at: at(ms), type: "email_bounced", campaignId: "", hard });
const unsubscribed = (ms: number): EventOf<"unsubscribed"> => ({ id: id(), contactId: "c", at: at(ms), type: "unsubscribed", campaignId: "" });
const listUnsubscribed = (ms: number): EventOf<"unsubscribed"> => ({ id: id(), contactId: "c", at: at(ms), type: "unsubscribed", campaignId: "", listId: "news" });
const ticketOpened = (ticketId: string, ms: number): EventOf<"ticket_opened"> => ({ id: id(), contactId: "c", at: at(ms), type: "ticket_opened", ticketId });
const ticketClosed = (ticketId: string, ms: number): EventOf<"ticket_closed"> => ({ id: id(), contactId: "c", at: at(ms), type: "ticket_closed", ticketId });

// Midday UTC, outside the default quiet hours (21-08), unless a test moves `now`.
const settings = settingsWith();

function suppressions(events: readonly Event[], options: { consent?: Consent; now?: number; offset?: number; s?: typeof settings } = {}): Suppression[] {
  const now = at(options.now ?? T);
  const book = createFeatureBook([product("p")], settings);
  addEvents(book, events);
  const contact = ContactSchema.parse({ id: "c", createdAt: "2023-01-01T00:00:00Z", consent: options.consent ?? "subscribed" });
  return suppressionsOf(contact, featuresOf(book, "c", now), options.offset ?? 0, options.s ?? settings, now);
}
const kinds = (all: readonly Suppression[]): string[] => all.map((s) => s.kind);

describe("suppressionsOf: consent", () => {
  it("suppresses nothing for a subscribed contact with no consent events", () => {
    expect(suppressions([])).toEqual([]);
  });

  it.each(["unsubscribed", "bounced", "complained"] as const)("suppresses a contact whose ESP consent is %s, with no end", (consent) => {
    expect(suppressions([], { consent })).toEqual([{ kind: consent, reason: `consent is ${consent} in the ESP`, until: null }]);
  });

  it.each([
    ["a complaint", complained(T - DAY), "complained", "marked an email as spam on 2024-06-29"],
    ["a hard bounce", bounced(T - DAY, true), "bounced", "hard bounce on 2024-06-29"],
    ["a global unsubscribe", unsubscribed(T - DAY), "unsubscribed", "unsubscribed from all marketing on 2024-06-29"],
  ])("suppresses a subscribed contact after %s", (_label, event, kind, reason) => {
    expect(suppressions([event])).toEqual([{ kind, reason, until: null }]);
  });

  it.each([
    ["a soft bounce", bounced(T - DAY, false)],
    ["an unsubscribe from one list", listUnsubscribed(T - DAY)],
  ])("does not suppress after %s", (_label, event) => {
    expect(suppressions([event])).toEqual([]);
  });

  it("keeps the most restrictive of the ESP state and the events", () => {
    expect([
      kinds(suppressions([complained(T - DAY)], { consent: "unsubscribed" })),
      kinds(suppressions([unsubscribed(T - DAY)], { consent: "bounced" })),
      kinds(suppressions([unsubscribed(T - DAY), bounced(T - 2 * DAY, true)])),
    ]).toEqual([["complained"], ["bounced"], ["bounced"]]);
  });
});

describe("suppressionsOf: tickets and refunds", () => {
  it("suppresses while a ticket is open, with no end", () => {
    expect(suppressions([ticketOpened("t1", T - 3 * DAY)])).toEqual([{ kind: "open_ticket", reason: "support ticket open since 2024-06-27", until: null }]);
  });

  it.each([
    ["7 days less 1 ms ago", T - 7 * DAY + 1, true],
    ["exactly 7 days ago", T - 7 * DAY, false],
  ])("keeps the ticket cooldown after a ticket closed %s: %s", (_label, closed, on) => {
    const all = suppressions([ticketOpened("t1", closed - DAY), ticketClosed("t1", closed)]);
    expect(all).toEqual(on ? [{ kind: "ticket_cooldown", reason: "support ticket closed 2024-06-23: 7-day cooldown", until: closed + 7 * DAY }] : []);
  });

  it.each([
    ["14 days less 1 ms ago", T - 14 * DAY + 1, true],
    ["exactly 14 days ago", T - 14 * DAY, false],
  ])("pauses promos after a refund %s: %s", (_label, refunded, on) => {
    const all = suppressions([refund("c", at(refunded), 10)]);
    expect(all).toEqual(on ? [{ kind: "refund", reason: "refund on 2024-06-16: promos pause 14 days", until: refunded + 14 * DAY }] : []);
  });

  it("never pauses for a refund when the refund window is 0 days", () => {
    expect(suppressions([refund("c", NOW, 10)], { s: settingsWith({ suppressions: { refundDays: 0 } }) })).toEqual([]);
  });
});

describe("suppressionsOf: quiet hours", () => {
  const day = Date.parse("2024-06-30T00:00:00Z");

  it.each([
    ["20:59:59.999", day + 21 * HOUR - 1, null],
    ["21:00", day + 21 * HOUR, day + DAY + 8 * HOUR],
    ["23:59", day + DAY - 60_000, day + DAY + 8 * HOUR],
    ["00:00, past midnight", day + DAY, day + DAY + 8 * HOUR],
    ["07:59:59.999", day + 8 * HOUR - 1, day + 8 * HOUR],
    ["08:00", day + 8 * HOUR, null],
  ])("at %s UTC in a UTC zone ends at %s", (_label, now, until) => {
    const quiet = suppressions([], { now }).find((s) => s.kind === "quiet_hours");
    expect(quiet?.until ?? null).toBe(until);
  });

  it("reads the local hour in a zone west of UTC", () => {
    // 01:30 UTC on 1 July is 21:30 in New York (UTC-4 in summer): quiet until 08:00 there, 12:00 UTC.
    const now = Date.parse("2024-07-01T01:30:00Z");
    const offset = createUtcOffset()("America/New_York", now);
    expect(suppressions([], { now, offset })).toEqual([{ kind: "quiet_hours", reason: "quiet hours 21:00-08:00 local", until: Date.parse("2024-07-01T12:00:00Z") }]);
  });

  it.each([
    ["15:29:59.999", "2024-06-30T15:29:59.999Z", false],
    ["15:30", "2024-06-30T15:30:00Z", true],
  ])("starts quiet hours at 21:00 in a half-hour zone (Kolkata) at %s UTC: %s", (_label, iso, on) => {
    const now = Date.parse(iso);
    const quiet = suppressions([], { now, offset: createUtcOffset()("Asia/Kolkata", now) }).find((s) => s.kind === "quiet_hours");
    expect(quiet?.until ?? null).toBe(on ? Date.parse("2024-07-01T02:30:00Z") : null);
  });

  it("ends a window that does not wrap midnight on the same day", () => {
    const s = settingsWith({ suppressions: { quietHours: [{ from: 12, to: 14 }] } });
    expect(suppressions([], { now: T, s })).toEqual([{ kind: "quiet_hours", reason: "quiet hours 12:00-14:00 local", until: T + 2 * HOUR }]);
  });

  it("runs adjacent windows together", () => {
    const s = settingsWith({ suppressions: { quietHours: [{ from: 22, to: 0 }, { from: 0, to: 6 }] } });
    const now = day + 23 * HOUR;
    expect(suppressions([], { now, s })).toEqual([{ kind: "quiet_hours", reason: "quiet hours 22:00-06:00 local", until: day + DAY + 6 * HOUR }]);
  });

  it("has no quiet hours when none are set", () => {
    expect(suppressions([], { now: day + 23 * HOUR, s: settingsWith({ suppressions: { quietHours: [] } }) })).toEqual([]);
  });

  it("leaves promos alone in quiet hours when quietHoursSuppress is off (they then only steer the send hour)", () => {
    expect(suppressions([], { now: day + 23 * HOUR, s: settingsWith({ suppressions: { quietHoursSuppress: false } }) })).toEqual([]);
  });
});

describe("suppressionProperties", () => {
  const consent: Suppression = { kind: "unsubscribed", reason: "consent is unsubscribed in the ESP", until: null };
  const ticket: Suppression = { kind: "open_ticket", reason: "support ticket open since 2024-06-27", until: null };
  const refunded: Suppression = { kind: "refund", reason: "refund on 2024-06-20: promos pause 14 days", until: Date.parse("2024-07-04T10:00:00Z") };
  const quiet: Suppression = { kind: "quiet_hours", reason: "quiet hours 21:00-08:00 local", until: Date.parse("2024-07-01T08:00:00Z") };

  it("writes false, an empty reason and no end when nothing pauses promos", () => {
    const p = suppressionProperties([]);
    expect([p.tailor_suppress_promos.value, p.tailor_suppress_reason.value, p.tailor_suppress_until.value]).toEqual([false, "", null]);
  });

  it("lists every reason, most lasting first", () => {
    const p = suppressionProperties([quiet, refunded, ticket, consent]);
    expect(p.tailor_suppress_reason.value).toBe(
      "consent is unsubscribed in the ESP; support ticket open since 2024-06-27; refund on 2024-06-20: promos pause 14 days; quiet hours 21:00-08:00 local",
    );
  });

  it("names the kinds in the promos reason", () => {
    expect(suppressionProperties([quiet, consent]).tailor_suppress_promos).toEqual({ value: true, why: "paused by unsubscribe, quiet hours" });
  });

  it("gives the instant the last timed reason ends", () => {
    expect(suppressionProperties([quiet, refunded]).tailor_suppress_until).toEqual({ value: "2024-07-04T10:00:00.000Z", why: "the last timed pause (recent refund) ends 2024-07-04 10:00 UTC" });
  });

  it("writes no end when any reason has none", () => {
    expect(suppressionProperties([refunded, ticket]).tailor_suppress_until).toEqual({ value: null, why: "no end date: support ticket open since 2024-06-27" });
  });
});

describe("BLOCKS_FLOWS", () => {
  it("holds consent, tickets and refunds, not caps or quiet hours", () => {
    expect([...BLOCKS_FLOWS].sort()).toEqual(["bounced", "complained", "open_ticket", "refund", "ticket_cooldown", "unsubscribed"]);
  });
});
