import { describe, expect, it } from "vitest";
import type { Event, EventOf, Settings } from "../../../src/domain/index.js";
import { createUtcOffset } from "../../../src/engine/create-utc-offset.js";
import { addEvents, createFeatureBook, featuresOf } from "../../../src/engine/feature-book.js";
import { createRng, type Rng } from "../../../src/engine/rng.js";
import { buildSendTimeModel, resolveZone, sendTimeCounts, sendTimeOf, signalMixOf, WEEK_BINS, weekBinOf } from "../../../src/engine/send-time.js";
import type { SendTimeModel } from "../../../src/engine/send-time.js";
import { DAY, order, item, settingsWith, view } from "./fixtures.js";

const HOUR = 3_600_000;
const utcOffset = createUtcOffset();
// A Sunday in British Summer Time.
const NOW = new Date("2024-06-30T12:00:00Z");
const LONDON = { zone: "Europe/London", why: null };

let seq = 0;
const click = (contactId: string, at: Date): EventOf<"email_clicked"> => ({ id: `k${++seq}`, contactId, at, type: "email_clicked", campaignId: "c" });
const open = (contactId: string, at: Date, machineOpen: boolean): EventOf<"email_opened"> => ({ id: `k${++seq}`, contactId, at, type: "email_opened", campaignId: "c", machineOpen });

/** Instants at local `hour` in `zone` on each of the `days` days before NOW. */
function localTimes(zone: string, hour: number, days: number): Date[] {
  return Array.from({ length: days }, (_, d) => {
    const noonUtc = Date.UTC(2024, 5, 29 - d, 12);
    const localMidnight = noonUtc - 12 * HOUR;
    // The offset at noon is the offset all day except on a change day, which these dates avoid.
    return new Date(localMidnight + hour * HOUR - utcOffset(zone, noonUtc));
  });
}

function activityOf(events: readonly Event[], settings: Settings = settingsWith()): readonly number[] {
  const book = createFeatureBook([], settings);
  addEvents(book, events);
  return featuresOf(book, "u", NOW).activity;
}

const countsOf = (events: readonly Event[], zone = "Europe/London", settings: Settings = settingsWith()) =>
  sendTimeCounts(activityOf(events, settings), zone, settings.sendTime, NOW, utcOffset);

/** A model with a uniform prior (no contacts) and the given alpha0. */
const uniformModel = (strength: number, settings: Settings = settingsWith({ sendTime: { priorStrength: strength } })): SendTimeModel =>
  buildSendTimeModel([], settings);

const binsWithSignal = (counts: Float64Array): number[] => [...counts.keys()].filter((k) => (counts[k] ?? 0) > 0);

describe("resolveZone", () => {
  const store = settingsWith({ sendTime: { timezone: "Europe/London" } }).sendTime;

  it("keeps a known zone without a reason", () => {
    expect(resolveZone("America/New_York", store)).toEqual({ zone: "America/New_York", why: null });
  });

  it("falls back to the store's zone when the contact has none, saying so", () => {
    expect(resolveZone(undefined, store)).toEqual({ zone: "Europe/London", why: "no time zone on the contact: used the store's (Europe/London)" });
  });

  it("falls back to the store's zone when the zone is unknown, naming it", () => {
    expect(resolveZone("Mars/Base", store)).toEqual({ zone: "Europe/London", why: "time zone 'Mars/Base' unknown: used the store's (Europe/London)" });
  });
});

describe("weekBinOf", () => {
  it("puts Monday 00:00 local in bin 0 and Sunday 23:00 local in bin 167", () => {
    expect(weekBinOf(Date.parse("2024-07-01T00:00:00Z"), "UTC", utcOffset)).toBe(0);
    expect(weekBinOf(Date.parse("2024-06-30T23:59:59Z"), "UTC", utcOffset)).toBe(167);
  });
});

describe("sendTimeCounts", () => {
  it("counts a London click at 19:00 local in the 19:00 bin in winter and in summer", () => {
    const winter = new Date("2024-01-10T19:00:00Z"); // GMT, a Wednesday
    const summer = new Date("2024-06-19T18:00:00Z"); // BST, a Wednesday
    const settings = settingsWith({ sendTime: { lookbackDays: 365 } });
    expect(binsWithSignal(countsOf([click("u", winter), click("u", summer)], "Europe/London", settings))).toEqual([2 * 24 + 19]);
  });

  it("weights a click by the click weight and halves it after one half-life", () => {
    const counts = countsOf([click("u", new Date(NOW.getTime() - 45 * DAY))]);
    expect(counts.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it("counts a signal exactly lookbackDays old and drops one an hour older", () => {
    const settings = settingsWith({ sendTime: { lookbackDays: 180 } });
    const edge = countsOf([click("u", new Date(NOW.getTime() - 180 * DAY))], "UTC", settings);
    const past = countsOf([click("u", new Date(NOW.getTime() - 180 * DAY - HOUR))], "UTC", settings);
    expect(edge.reduce((a, b) => a + b, 0)).toBeCloseTo(2 * 2 ** -4, 12);
    expect(past.reduce((a, b) => a + b, 0)).toBe(0);
  });

  it("never counts machine opens", () => {
    const clicks = localTimes("Europe/London", 19, 5).map((t) => click("u", t));
    const machine = localTimes("Europe/London", 10, 20).map((t) => open("u", t, true));
    expect(binsWithSignal(countsOf(machine))).toEqual([]);
    expect(countsOf([...clicks, ...machine])).toEqual(countsOf(clicks));
  });

  it("counts human opens at their own weight", () => {
    const counts = countsOf([open("u", new Date(NOW.getTime() - HOUR), false)]);
    expect(counts.reduce((a, b) => a + b, 0)).toBeCloseTo(0.5, 2);
  });
});

describe("signalMixOf", () => {
  it("counts the signals of each kind in the lookback", () => {
    const at = new Date(NOW.getTime() - 2 * DAY);
    const events = [click("u", at), order("u", new Date(at.getTime() + 3 * HOUR), 10, [item("p")]), view("u", "p", new Date(at.getTime() + 5 * HOUR)), open("u", at, true)];
    expect(signalMixOf(activityOf(events), settingsWith().sendTime, NOW)).toEqual({ clicks: 1, orders: 1, visits: 1, opens: 0 });
  });
});

describe("buildSendTimeModel", () => {
  it("uses a uniform prior and the default strength when there is no data", () => {
    const model = buildSendTimeModel([], settingsWith());
    expect(model.prior.every((p) => Math.abs(p - 1 / WEEK_BINS) < 1e-15)).toBe(true);
    expect(model.priorStrength).toBe(8);
    expect(model.strengthWhy).toBe("default 8: too few contacts to estimate (0 with 2 or more signals, 50 needed)");
    // Monday 08:00: the first hour after the default 21-08 quiet hours.
    expect(model.populationBin).toBe(8);
  });

  it("takes alpha0 from Settings when one is set", () => {
    expect(uniformModel(25)).toMatchObject({ priorStrength: 25, strengthWhy: "25 from Settings" });
  });

  it("marks the quiet hours as not allowed", () => {
    const model = buildSendTimeModel([], settingsWith({ suppressions: { quietHours: [{ from: 22, to: 6 }] } }));
    expect([...model.allowed.slice(0, 24)]).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
  });

  it("picks the population's busiest bin", () => {
    const counts = new Float64Array(WEEK_BINS);
    counts[24 + 10] = 5;
    counts[24 + 15] = 4;
    const model = buildSendTimeModel([counts], settingsWith());
    expect(model.populationBin).toBe(24 + 10);
    expect(model.contactsWithSignal).toBe(1);
  });

  it("moves the population's peak out of quiet hours to the nearest allowed hour", () => {
    const counts = new Float64Array(WEEK_BINS);
    counts[24 + 10] = 5;
    counts[24 + 22] = 9;
    expect(buildSendTimeModel([counts], settingsWith()).populationBin % 24).toBe(20);
  });

  it.each([8, 30])("recovers alpha0 = %d from simulated Dirichlet-multinomial counts within 15 %", (alpha) => {
    const counts = simulateDirichletMultinomial(alpha, 4000, createRng(alpha));
    const model = buildSendTimeModel(counts, settingsWith());
    expect(model.strengthWhy).toBe("estimated from 4,000 contacts (method of moments)");
    expect(Math.abs(model.priorStrength - alpha) / alpha).toBeLessThan(0.15);
  });

  it("caps alpha0 at 200 when contacts look like draws from the population", () => {
    const rng = createRng(3);
    // Everyone draws from the same uniform distribution: no person-level signal at all.
    const counts = Array.from({ length: 2000 }, () => {
      const c = new Float64Array(WEEK_BINS);
      for (let i = 0; i < 10; i++) {
        const k = Math.floor(rng() * WEEK_BINS);
        c[k] = (c[k] ?? 0) + 1;
      }
      return c;
    });
    expect(buildSendTimeModel(counts, settingsWith()).priorStrength).toBe(200);
  });
});

describe("sendTimeOf", () => {
  const settings = settingsWith({ sendTime: { priorStrength: 8 } });
  const model = uniformModel(8);
  const at = (bins: Record<number, number>): Float64Array => {
    const counts = new Float64Array(WEEK_BINS);
    for (const [k, v] of Object.entries(bins)) counts[Number(k)] = v;
    return counts;
  };

  it("gives a contact with no signal the population hour and says so", () => {
    const st = sendTimeOf(new Float64Array(WEEK_BINS), LONDON, model, settings, NOW, utcOffset);
    expect(st.bin).toBe(model.populationBin);
    expect(st.hour.value).toBe(8);
    expect(st.hour.why).toBe("no signal yet: the store's best hour (Monday 08:00 local)");
    expect(st.confidence.value).toBe("low");
    expect(st.ownWeight).toBe(0);
  });

  it("gives a contact with 30 clicks at 20:00 local their own hour, with high confidence", () => {
    const events = localTimes("America/New_York", 20, 30).map((t) => click("u", t));
    const counts = countsOf(events, "America/New_York", settings);
    const mix = signalMixOf(activityOf(events), settings.sendTime, NOW);
    const st = sendTimeOf(counts, { zone: "America/New_York", why: null }, model, settings, NOW, utcOffset, undefined, mix);
    expect(st.hour.value).toBe(20);
    expect(st.confidence.value).toBe("high");
    expect(st.hour.why).toMatch(/^[A-Z][a-z]+day 20:00 local from 30 signals \(30 clicks\), \d+ % own data$/);
  });

  it("keeps a contact with one click on the population hour when alpha0 is large", () => {
    const big = settingsWith({ sendTime: { priorStrength: 100 } });
    const counts = countsOf([click("u", localTimes("Europe/London", 19, 1)[0] ?? NOW)], "Europe/London", big);
    const st = sendTimeOf(counts, LONDON, uniformModel(100), big, NOW, utcOffset);
    expect(st.bin).toBe(8);
    expect(st.hour.why).toBe("too little signal yet (2 % own data, 30 % needed): the store's best hour (Monday 08:00 local)");
  });

  it("uses the contact's own hour from exactly minOwnWeight and the population's just below", () => {
    const half = settingsWith({ sendTime: { priorStrength: 8, minOwnWeight: 0.5 } });
    expect(sendTimeOf(at({ 60: 8 }), LONDON, model, half, NOW, utcOffset).bin).toBe(60);
    expect(sendTimeOf(at({ 60: 7.99 }), LONDON, model, half, NOW, utcOffset).bin).toBe(8);
  });

  it.each([
    [12, "high"],
    [11.99, "medium"],
  ] as const)("rates %d weighted signals against alpha0 8 as %s confidence", (n, level) => {
    const st = sendTimeOf(at({ 50: n }), LONDON, model, settings, NOW, utcOffset);
    expect(st.confidence.value).toBe(level);
    expect(st.hour.confidence).toBe(level);
  });

  it("never picks a quiet hour, and says when their busiest hour is one", () => {
    const st = sendTimeOf(at({ [24 + 22]: 30, [24 + 20]: 1 }), LONDON, model, settings, NOW, utcOffset);
    expect(st.hour.value).toBe(20);
    expect(st.hour.why).toContain("their busiest hour, 22:00, is in quiet hours");
  });

  it.each([
    [22, 24 + 20],
    [7, 24 + 8],
    [2, 20], // Tuesday 02:00 -> Monday 20:00: the earlier of two edges 6 hours away
    [21, 24 + 20],
  ])("moves a Tuesday peak at %d:00, in quiet hours, to the nearest allowed hour (bin %d)", (peak, bin) => {
    expect(sendTimeOf(at({ [24 + peak]: 30, [24 + 12]: 2 }), LONDON, model, settings, NOW, utcOffset).bin).toBe(bin);
  });

  it("never picks a quiet hour whatever the counts", () => {
    const rng = createRng(11);
    for (let trial = 0; trial < 200; trial++) {
      const counts = new Float64Array(WEEK_BINS).map(() => (rng() < 0.1 ? rng() * 10 : 0));
      const st = sendTimeOf(counts, LONDON, model, settings, NOW, utcOffset);
      expect(model.allowed[st.bin]).toBe(1);
    }
  });

  it("smooths over adjacent hours, so a peak split over two hours beats a lone larger one", () => {
    expect(sendTimeOf(at({ 10: 3, 11: 3, 15: 4 }), LONDON, uniformModel(1), settings, NOW, utcOffset).bin).toBe(10);
  });

  it("breaks ties toward the earliest hour of the day, then the earliest day", () => {
    expect(sendTimeOf(at({ 40: 10, 60: 10 }), LONDON, model, settings, NOW, utcOffset).bin).toBe(60);
    expect(sendTimeOf(at({ [3 * 24 + 12]: 10, [24 + 12]: 10 }), LONDON, model, settings, NOW, utcOffset).bin).toBe(24 + 12);
  });

  it("chooses the hour from all days together, then the day at that hour", () => {
    // 19:00 on three days outweighs a single busier Monday 10:00.
    const st = sendTimeOf(at({ 10: 5, [24 + 19]: 2, [48 + 19]: 3, [72 + 19]: 2 }), LONDON, model, settings, NOW, utcOffset);
    expect([st.day.value, st.hour.value]).toEqual(["wednesday", 19]);
  });

  it("uses the population hour for a holdout contact, with the given reason", () => {
    const st = sendTimeOf(at({ 50: 40 }), LONDON, model, settings, NOW, utcOffset, { why: "in the send-time holdout" });
    expect(st.bin).toBe(8);
    expect(st.hour.why).toBe("in the send-time holdout: the store's best hour (Monday 08:00 local)");
    expect(st.confidence.value).toBe("low");
  });

  it("adds the time-zone fallback to the reason", () => {
    const zone = resolveZone("Mars/Base", settingsWith({ sendTime: { timezone: "Europe/London" } }).sendTime);
    const st = sendTimeOf(new Float64Array(WEEK_BINS), zone, model, settings, NOW, utcOffset);
    expect(st.hour.why).toBe("no signal yet: the store's best hour (Monday 08:00 local); time zone 'Mars/Base' unknown: used the store's (Europe/London)");
  });

  it("names the day of the chosen bin", () => {
    expect(sendTimeOf(at({ [4 * 24 + 19]: 40 }), LONDON, model, settings, NOW, utcOffset).day.value).toBe("friday");
  });

  it.each([
    ["America/New_York", "2024-06-30T12:00:00Z", 20, 0, "20:00 in America/New_York is 00:00 UTC (offset now -04:00)"],
    ["America/New_York", "2024-01-15T12:00:00Z", 20, 1, "20:00 in America/New_York is 01:00 UTC (offset now -05:00)"],
    ["Asia/Kolkata", "2024-06-30T12:00:00Z", 19, 13, "19:00 in Asia/Kolkata is 13:00 UTC (offset now +05:30)"],
    ["America/St_Johns", "2024-01-15T12:00:00Z", 19, 22, "19:00 in America/St_Johns is 22:00 UTC (offset now -03:30)"],
  ] as const)("gives %s at %s local %d as %d UTC", (zone, now, local, utc, why) => {
    const st = sendTimeOf(at({ [24 + local]: 40 }), { zone, why: null }, model, settings, new Date(now), utcOffset);
    expect(st.hour.value).toBe(local);
    expect(st.hourUtc).toMatchObject({ value: utc, why });
  });

  it("gives a London contact clicking at 19:00 local in winter and summer the 19:00 hour", () => {
    const year = settingsWith({ sendTime: { priorStrength: 8, lookbackDays: 365, halfLifeDays: 3650 } });
    const winter = Array.from({ length: 10 }, (_, d) => click("u", new Date(Date.UTC(2024, 0, 8 + d, 19))));
    const summer = Array.from({ length: 10 }, (_, d) => click("u", new Date(Date.UTC(2024, 5, 10 + d, 18))));
    const st = sendTimeOf(countsOf([...winter, ...summer], "Europe/London", year), LONDON, model, year, NOW, utcOffset);
    expect(st.hour.value).toBe(19);
  });
});

/** Counts for `contacts` people, each with 2-20 events drawn from p ~ Dirichlet(alpha * pi) over a skewed pi. */
function simulateDirichletMultinomial(alpha: number, contacts: number, rng: Rng): Float64Array[] {
  const shape = Array.from({ length: WEEK_BINS }, (_, k) => 1 + 4 * Math.exp(-(((k % 24) - 20) ** 2) / 8) + 2 * Math.exp(-(((k % 24) - 8) ** 2) / 4));
  const sum = shape.reduce((a, b) => a + b, 0);
  const pi = shape.map((v) => v / sum);
  return Array.from({ length: contacts }, () => {
    const g = pi.map((p) => gamma(alpha * p, rng));
    const total = g.reduce((a, b) => a + b, 0);
    const counts = new Float64Array(WEEK_BINS);
    const events = 2 + Math.floor(rng() * 19);
    for (let e = 0; e < events; e++) {
      let u = rng() * total;
      let k = 0;
      while (k < WEEK_BINS - 1 && u >= (g[k] ?? 0)) u -= g[k++] ?? 0;
      counts[k] = (counts[k] ?? 0) + 1;
    }
    return counts;
  });
}

/** Gamma(shape, 1) by Marsaglia and Tsang (2000), boosted for shape < 1. */
function gamma(shape: number, rng: Rng): number {
  if (shape < 1) return gamma(shape + 1, rng) * Math.max(rng(), Number.MIN_VALUE) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    if (Math.log(1 - rng()) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}
