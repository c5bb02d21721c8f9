import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateDemoStore } from "../../../../src/demo/generate-demo-store.js";
import { EventSchema, type Event, type EventOf } from "../../../../src/domain/index.js";
import { formatSendTimeBacktest, sendTimeBacktest, type SendTimeGroupScores } from "../../../../src/engine/backtest/send-time-backtest.js";
import { settingsWith } from "../fixtures.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const CUTOFF = new Date("2024-06-01T00:00:00Z");
const settings = settingsWith({ sendTime: { priorStrength: 8 } });

let seq = 0;
const click = (contactId: string, at: number): EventOf<"email_clicked"> => ({ id: `k${++seq}`, contactId, at: new Date(at), type: "email_clicked", campaignId: "c" });
/** `days` clicks at hour `utcHour` on the days before the cutoff (UTC contacts, so local = UTC). */
const clicksBefore = (contactId: string, utcHour: number, days: number): Event[] =>
  Array.from({ length: days }, (_, d) => click(contactId, CUTOFF.getTime() - (d + 1) * DAY + utcHour * HOUR));
const after = (contactId: string, day: number, utcHour: number): Event => click(contactId, CUTOFF.getTime() + day * DAY + utcHour * HOUR);

const group = (groups: readonly SendTimeGroupScores[], name: SendTimeGroupScores["group"]) => groups.find((g) => g.group === name);

describe("sendTimeBacktest", () => {
  const zones = new Map<string, string | undefined>([["a", "UTC"], ["b", "UTC"], ["c", "UTC"], ["p1", "UTC"], ["p2", "UTC"]]);
  const events: Event[] = [
    // The population reads at 19:00 (two contacts, 20 clicks each); `a` reads at 10:00.
    ...clicksBefore("p1", 19, 20),
    ...clicksBefore("p2", 19, 20),
    ...clicksBefore("a", 10, 20),
    after("a", 1, 10), after("a", 2, 10), after("a", 3, 15),
    // `b` is new: population hour for both arms.
    after("b", 1, 19),
  ];

  it("scores each contact's share of later clicks at the chosen hour against the population hour", () => {
    const report = sendTimeBacktest({ events, zones, cutoff: CUTOFF, settings });
    expect(report.populationHour).toBe(19);
    expect(group(report.groups, "all")).toEqual({
      group: "all", contacts: 2, clicks: 4,
      chosenWithin1h: (2 / 3 + 1) / 2, populationWithin1h: (0 + 1) / 2,
      chosenExact: (2 / 3 + 1) / 2, populationExact: (0 + 1) / 2,
    });
    expect(group(report.groups, "own_hour")).toMatchObject({ contacts: 1, chosenWithin1h: 2 / 3, populationWithin1h: 0 });
    expect(group(report.groups, "high_confidence")).toMatchObject({ contacts: 1 });
  });

  it("counts a click one hour off as within 1 h but not exact, across midnight too", () => {
    const late = [...clicksBefore("p1", 23, 30), after("p1", 1, 0), after("p1", 2, 22)];
    const report = sendTimeBacktest({ events: late, zones, cutoff: CUTOFF, settings: settingsWith({ sendTime: { priorStrength: 8 }, suppressions: { quietHours: [] } }) });
    expect(group(report.groups, "all")).toMatchObject({ chosenWithin1h: 1, chosenExact: 0 });
  });

  it("fits on events before the cutoff and scores clicks from the cutoff to the end", () => {
    const edge = [
      ...clicksBefore("p1", 19, 20),
      click("c", CUTOFF.getTime() - 1), // fitted
      click("c", CUTOFF.getTime()), // scored
      click("c", CUTOFF.getTime() + 5 * DAY - 1), // scored
      click("c", CUTOFF.getTime() + 5 * DAY), // after the end: ignored
    ];
    const report = sendTimeBacktest({ events: edge, zones, cutoff: CUTOFF, end: new Date(CUTOFF.getTime() + 5 * DAY), settings });
    expect(report.contactsWithSignal).toBe(2);
    expect(group(report.groups, "all")).toMatchObject({ contacts: 1, clicks: 2 });
  });

  it("formats a table with one row per group", () => {
    const table = formatSendTimeBacktest(sendTimeBacktest({ events, zones, cutoff: CUTOFF, settings }));
    expect(table.split("\n").map((l) => l.split(/\s{2,}/)[0])).toEqual([expect.stringMatching(/^cutoff 2024-06-01T00:00:00.000Z; alpha0 8.00 \(8 from Settings\); population hour 19:00 local/) as string, "group", "all", "own_hour", "high_confidence"]);
    expect(table).toContain("83.3 %");
  });
});

describe("sendTimeBacktest on a generated demo store", () => {
  const NOW = new Date("2025-06-01T12:00:00Z");
  let root: string;
  let events: Event[];
  let zones: Map<string, string | undefined>;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "tailor-send-time-"));
    await generateDemoStore({ dir: root, seed: 42, contacts: 800, products: 60, days: 120, now: NOW });
    const rows: Record<string, string>[] = parse(await readFile(join(root, "contacts.csv")), { columns: true });
    zones = new Map(rows.map((r) => [r.id ?? "", r.timezone]));
    // Planted bad lines (cut-off JSON, unknown types) are skipped, as ingest would quarantine them.
    events = (await readFile(join(root, "events.ndjson"), "utf8")).split("\n").flatMap((line) => {
      try {
        const parsed = EventSchema.safeParse(JSON.parse(line));
        return parsed.success ? [parsed.data] : [];
      } catch {
        return [];
      }
    });
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("catches more of each contact's later clicks at the chosen hour than at the population hour", () => {
    const report = sendTimeBacktest({ events, zones, cutoff: new Date(NOW.getTime() - 28 * DAY), end: NOW, settings: settingsWith() });
    const all = group(report.groups, "all");
    const own = group(report.groups, "own_hour");
    expect(all?.contacts).toBeGreaterThan(30);
    expect(all?.chosenWithin1h).toBeGreaterThan((all?.populationWithin1h ?? 0) * 1.2);
    expect(own?.chosenWithin1h).toBeGreaterThan((own?.populationWithin1h ?? 0) * 1.5);
  });
});
