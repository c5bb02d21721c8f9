import { describe, expect, it } from "vitest";
import { PROPERTIES } from "../../../src/domain/index.js";
import type { Event, PropertyValue } from "../../../src/domain/index.js";
import { addEvents, createFeatureBook } from "../../../src/engine/feature-book.js";
import { createRng } from "../../../src/engine/rng.js";
import { score, scoreRun } from "../../../src/engine/score.js";
import { cart, contact, daysAgo, item, NOW, order, product, refund, settingsWith, view } from "./fixtures.js";

const products = [
  product("shoe", { category: "sneakers", price: 89.999 }),
  product("sock", { category: "socks", price: 5 }),
  product("hat", { category: "hats", price: 20 }),
  product("gone", { category: "hats", active: false }),
];
const events: Event[] = [
  order("buyer", daysAgo(200), 100, [item("shoe")]),
  order("buyer", daysAgo(10), 50.5, [item("sock", 3), item("hat")]),
  refund("buyer", daysAgo(9), 10.25),
  view("browser", "hat"),
  cart("browser", "shoe"),
  order("other", daysAgo(2), 90, [item("shoe", 4), item("gone", 9)]),
];
const contacts = ["buyer", "browser", "lead"].map(contact);
// Three bestseller slots with no fallbacks and no exploration: the slot tests below pin the wiring, not the sources.
const bestsellerSlot = (name: string) => ({ name, source: "bestsellers" as const, within: "any" as const, fallbacks: [] });
// No holdouts: these tests pin the treated outputs (the holdout tests below switch them on).
const noHoldouts = { holdoutShare: 0, salt: "", features: { send_time: { rollout: 1, holdout: 0 }, recommendations: { rollout: 1, holdout: 0 }, segments: { rollout: 1, holdout: 0 } } };
const settings = settingsWith({
  recommendations: { slots: [bestsellerSlot("First"), bestsellerSlot("Second"), bestsellerSlot("Third")], explorationShare: 0 },
  experiments: noHoldouts,
});

const run = (seed = 1, now = NOW) => {
  const book = createFeatureBook(products, settings);
  addEvents(book, events);
  return score({ contacts, products, book }, settings, now, createRng(seed));
};
const valuesOf = (contactId: string): Record<string, PropertyValue> =>
  Object.fromEntries(Object.entries(run().find((p) => p.contactId === contactId)!.properties).map(([k, d]) => [k, d.value]));

const typeOk = (type: string, value: PropertyValue): boolean =>
  value === null ||
  (type === "number" ? typeof value === "number" : type === "boolean" ? typeof value === "boolean" : type === "date" ? /^\d{4}-\d{2}-\d{2}$/.test(String(value)) : type === "datetime" ? /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(String(value)) : typeof value === "string");

describe("score", () => {
  it("returns one profile per contact, in input order", () => {
    expect(run().map((p) => p.contactId)).toEqual(["buyer", "browser", "lead"]);
  });

  it("gives every contact exactly the declared properties", () => {
    const names = PROPERTIES.map((p) => p.name).sort();
    for (const profile of run()) expect(Object.keys(profile.properties).sort()).toEqual(names);
  });

  it("types every value as its property declares, with a reason", () => {
    for (const profile of run()) {
      for (const def of PROPERTIES) {
        const d = profile.properties[def.name]!;
        expect({ name: def.name, ok: typeOk(def.type, d.value) && d.why.length > 0 }).toEqual({ name: def.name, ok: true });
        if (def.options && d.value !== null) expect(def.options).toContain(d.value);
      }
    }
  });

  it("is deterministic for the same inputs and seed", () => {
    expect(run(7)).toEqual(run(7));
  });

  // Guardrails read the clock on purpose (quiet hours, rolling caps, abandonment windows in hours);
  // everything else holds for a whole UTC day, so a re-run with no new data writes nothing.
  const CLOCK_BOUND = new Set(["tailor_suppress_promos", "tailor_suppress_reason", "tailor_suppress_until", "tailor_sends_left_7d", "tailor_flow_browse_abandonment", "tailor_flow_cart_abandonment", "tailor_abandoned_product"]);
  const values = (now: Date, keep: (name: string) => boolean = () => true) =>
    run(1, now).map((p) => Object.fromEntries(Object.entries(p.properties).filter(([k]) => keep(k)).map(([k, d]) => [k, d.value])));

  it("gives the same values, guardrails aside, at any time of one UTC day, so a re-run with no new data writes nothing", () => {
    const day = Math.floor(NOW.getTime() / 86_400_000) * 86_400_000;
    const steady = (name: string) => !CLOCK_BOUND.has(name);
    expect(values(new Date(day + 60_000), steady)).toEqual(values(new Date(day + 86_400_000 - 60_000), steady));
  });

  it("gives the same values, guardrails included, within one hour outside quiet hours", () => {
    const hour = Math.floor(NOW.getTime() / 3_600_000) * 3_600_000;
    expect(values(new Date(hour + 60_000))).toEqual(values(new Date(hour + 3_600_000 - 60_000)));
  });

  it("writes order facts for a buyer, less refunds, money to 2 decimals", () => {
    const v = valuesOf("buyer");
    expect([v.tailor_lifecycle, v.tailor_orders, v.tailor_revenue, v.tailor_aov, v.tailor_first_order_date, v.tailor_last_order_date])
      .toEqual(["active_customer", 2, 140.25, 70.13, "2023-12-13", "2024-06-20"]);
  });

  it("leaves order facts null for a contact who never ordered", () => {
    const profile = run().find((p) => p.contactId === "lead")!;
    expect(profile.properties.tailor_aov).toEqual({ value: null, why: "no orders yet" });
    expect([profile.properties.tailor_orders?.value, profile.properties.tailor_last_order_date?.value]).toEqual([0, null]);
  });

  it("names the top category from browsing alone", () => {
    expect(valuesOf("browser").tailor_top_category).toBe("sneakers");
  });

  it("fills slots with bestsellers the contact has not bought, with display fields", () => {
    const v = valuesOf("buyer");
    // "buyer" bought shoe, sock and hat within the 365-day rule, and "gone" is inactive: nothing is left.
    expect([v.tailor_rec_1, v.tailor_rec_1_title, v.tailor_rec_1_url, v.tailor_rec_1_image, v.tailor_rec_1_price, v.tailor_rec_2])
      .toEqual(["", "", "", "", null, ""]);
    expect([valuesOf("browser").tailor_rec_1, valuesOf("browser").tailor_rec_1_price, valuesOf("browser").tailor_rec_2]).toEqual(["shoe", 90, "sock"]);
  });

  it("gives each slot's values the slot's name and the pick's reason", () => {
    const browser = run().find((p) => p.contactId === "browser")!;
    expect(browser.properties.tailor_rec_1?.why).toBe("First: bestseller: 4 sold in the last 90 days");
    expect(browser.properties.tailor_rec_2_title?.why).toMatch(/^Second: bestseller: 3 sold/);
    const buyer = run().find((p) => p.contactId === "buyer")!;
    expect(buyer.properties.tailor_rec_1?.why).toMatch(/^First: no product passes the rules in bestsellers/);
  });

  it("fills the default five slots from their sources for a browsing contact", () => {
    const defaults = settingsWith({});
    const book = createFeatureBook(products, defaults);
    addEvents(book, events);
    const browser = score({ contacts, products, book }, defaults, NOW, createRng(1)).find((p) => p.contactId === "browser")!;
    const ids = [1, 2, 3, 4, 5].map((n) => browser.properties[`tailor_rec_${n}`]?.value);
    const filled = ids.filter((id) => id !== "");
    expect(new Set(filled).size).toBe(filled.length);
    expect(filled.length).toBeGreaterThanOrEqual(2);
    expect(browser.properties.tailor_rec_6?.why).toBe("slot not used: the settings name fewer slots");
  });

  it("writes empty values past the configured slots", () => {
    const v = valuesOf("browser");
    expect([v.tailor_rec_4, v.tailor_rec_4_title, v.tailor_rec_4_url, v.tailor_rec_4_image, v.tailor_rec_4_price, v.tailor_rec_6]).toEqual(["", "", "", "", null, ""]);
  });
});

describe("score: guardrails, send time and experiments", () => {
  const runWith = (s: typeof settings, now = NOW, guardLog?: Parameters<typeof scoreRun>[0]["guardLog"]) => {
    const book = createFeatureBook(products, s);
    addEvents(book, events);
    return scoreRun({ contacts, products, book, installationId: "shop", ...(guardLog === undefined ? {} : { guardLog }) }, s, now, createRng(1));
  };

  it("gives a global-holdout contact the baseline everywhere and says so, while suppressions still apply", () => {
    // Find a salt that puts "browser" in the global holdout, so the test does not hang on one hash value.
    const salt = Array.from({ length: 200 }, (_, i) => `s${i}`).find((candidate) => {
      const s = settingsWith({ recommendations: settings.recommendations, experiments: { ...noHoldouts, holdoutShare: 0.2, salt: candidate } });
      return runWith(s).profiles.find((p) => p.contactId === "browser")!.properties.tailor_holdout?.value === true;
    })!;
    const s = settingsWith({ recommendations: settings.recommendations, experiments: { ...noHoldouts, holdoutShare: 0.2, salt } });
    const browser = runWith(s).profiles.find((p) => p.contactId === "browser")!.properties;
    expect([browser.tailor_variant?.value, browser.tailor_segment?.value, browser.tailor_send_time_confidence?.value]).toEqual(["global_holdout", "", "low"]);
    expect(browser.tailor_best_send_hour?.why).toMatch(/global holdout/);
    expect(browser.tailor_rec_1?.why).toMatch(/^First: global holdout: bestsellers, the baseline; /);
  });

  it("counts arms, suppressions and flows in the run notes", () => {
    const { notes } = runWith(settings);
    expect(notes.guardrails.contacts).toBe(3);
    expect(notes.guardrails.arms.recommendations).toEqual({ treated: 3, holdout: 0, off: 0 });
    // Midday: nobody is in quiet hours; the buyer's refund 9 days ago is inside the 14-day window.
    expect([notes.guardrails.suppressed, notes.guardrails.suppressedBy]).toEqual([1, { refund: 1 }]);
  });

  it("logs guard changes once: a second run that sees the first run's log adds nothing", () => {
    const first = runWith(settings);
    expect(first.guardChanges.length).toBeGreaterThan(0);
    const log = new Map<string, import("../../../src/domain/index.js").GuardLogEntry[]>();
    for (const { contactId, entry } of first.guardChanges) log.set(contactId, [...(log.get(contactId) ?? []), entry]);
    expect(runWith(settings, NOW, log).guardChanges).toEqual([]);
  });

  it("never logs quiet hours, which flip twice a day for everyone", () => {
    const night = new Date(Math.floor(NOW.getTime() / 86_400_000) * 86_400_000 + 23 * 3_600_000);
    const { profiles, guardChanges } = runWith(settings, night);
    expect(profiles.find((p) => p.contactId === "lead")!.properties.tailor_suppress_reason?.value).toMatch(/quiet hours/);
    expect(guardChanges.filter((c) => c.entry.key === "quiet_hours")).toEqual([]);
  });
});
