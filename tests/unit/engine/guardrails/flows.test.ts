import { describe, expect, it } from "vitest";
import { ContactSchema } from "../../../../src/domain/index.js";
import type { Consent, Event, EventOf, GuardLogEntry, Settings, Suppression } from "../../../../src/domain/index.js";
import { addEvents, createFeatureBook, featuresOf } from "../../../../src/engine/feature-book.js";
import { flowsOf, storeMedianGapDays } from "../../../../src/engine/guardrails/flows.js";
import type { Flows } from "../../../../src/engine/guardrails/flows.js";
import { cart, DAY, item, NOW, order, product, settingsWith, view } from "../fixtures.js";

const HOUR = 3_600_000;
const T = NOW.getTime();
const at = (ms: number): Date => new Date(ms);
const checkout = (ms: number, productId: string): EventOf<"started_checkout"> =>
  ({ id: `k${ms}`, contactId: "c", at: at(ms), type: "started_checkout", value: 10, items: [item(productId)] });

const catalog = [product("p"), product("q"), product("soap", { replenishDays: 30 }), product("tea", { replenishDays: 20 }), product("gone", { replenishDays: 5, active: false })];
const products = new Map(catalog.map((p) => [p.id, p]));

type Options = {
  createdAt?: number;
  consent?: Consent;
  log?: GuardLogEntry[];
  blocking?: Suppression[];
  storeGapDays?: number | null;
  s?: Settings;
};

function flows(events: readonly Event[], o: Options = {}): Flows {
  const s = o.s ?? settingsWith();
  const book = createFeatureBook(catalog, s);
  addEvents(book, events);
  const contact = ContactSchema.parse({ id: "c", createdAt: at(o.createdAt ?? T - 400 * DAY), consent: o.consent ?? "subscribed" });
  const ctx = { products, storeGapDays: o.storeGapDays === undefined ? 40 : o.storeGapDays, blocking: o.blocking ?? [], log: o.log ?? [] };
  return flowsOf(contact, featuresOf(book, "c", NOW), ctx, s, NOW);
}
const value = (f: Flows, name: string) => f.properties[name]?.value;
const why = (f: Flows, name: string) => f.properties[name]?.why;
const state = (f: Flows, key: string) => f.states.find((s) => s.key === key);
const started = (key: "browse_abandonment" | "cart_abandonment", ms: number, ref: string): GuardLogEntry =>
  ({ at: ms, key, on: true, reason: "started", until: null, ref });

describe("flowsOf: welcome", () => {
  it.each([
    ["14 days less 1 ms ago", T - 14 * DAY + 1, true],
    ["exactly 14 days ago", T - 14 * DAY, false],
  ])("flags a lead created %s for welcome: %s", (_label, createdAt, on) => {
    expect(value(flows([], { createdAt }), "tailor_flow_welcome")).toBe(on);
  });

  it("does not welcome a new contact who already ordered", () => {
    const f = flows([order("c", at(T - DAY), 10, [item("p")])], { createdAt: T - 2 * DAY });
    expect([value(f, "tailor_flow_welcome"), why(f, "tailor_flow_welcome")]).toEqual([false, "has ordered (1 order)"]);
  });

  it("does not welcome a new contact who is not subscribed", () => {
    expect(value(flows([], { createdAt: T - DAY, consent: "unsubscribed" }), "tailor_flow_welcome")).toBe(false);
  });
});

describe("flowsOf: browse abandonment", () => {
  it.each([
    ["4 h less 1 ms ago (still browsing)", T - 4 * HOUR + 1, false],
    ["exactly 4 h ago", T - 4 * HOUR, true],
    ["exactly 72 h ago", T - 72 * HOUR, true],
    ["72 h and 1 ms ago", T - 72 * HOUR - 1, false],
  ])("flags a product viewed %s: %s", (_label, ms, on) => {
    expect(value(flows([view("c", "p", at(ms))]), "tailor_flow_browse_abandonment")).toBe(on);
  });

  it("names the viewed product and the evidence", () => {
    const f = flows([view("c", "p", at(T - 6 * HOUR))]);
    expect([f.properties.tailor_abandoned_product, why(f, "tailor_flow_browse_abandonment")])
      .toEqual([{ value: "p", why: "browse abandonment: viewed p 6 h ago" }, "viewed p 6 h ago, nothing carted or ordered since"]);
  });

  it("reads the latest view, not an older one in the window", () => {
    expect(value(flows([view("c", "p", at(T - 10 * HOUR)), view("c", "q", at(T - HOUR))]), "tailor_flow_browse_abandonment")).toBe(false);
  });

  it.each([
    ["a cart add", cart("c", "q", at(T - 5 * HOUR))],
    ["a started checkout", checkout(T - 5 * HOUR, "q")],
  ])("does not flag browse after %s since the view", (_label, event) => {
    expect(value(flows([view("c", "p", at(T - 6 * HOUR)), event]), "tailor_flow_browse_abandonment")).toBe(false);
  });

  it("does not flag browse after an order since the view", () => {
    const f = flows([view("c", "p", at(T - 6 * HOUR)), order("c", at(T - 5 * HOUR), 10, [item("q")])]);
    expect(why(f, "tailor_flow_browse_abandonment")).toBe("viewed p 6 h ago, but purchased since (order 5 h ago)");
  });
});

describe("flowsOf: cart abandonment", () => {
  it.each([
    ["4 h less 1 ms ago", T - 4 * HOUR + 1, false],
    ["exactly 4 h ago", T - 4 * HOUR, true],
    ["exactly 72 h ago", T - 72 * HOUR, true],
    ["72 h and 1 ms ago", T - 72 * HOUR - 1, false],
  ])("flags a cart add %s: %s", (_label, ms, on) => {
    expect(value(flows([cart("c", "p", at(ms))]), "tailor_flow_cart_abandonment")).toBe(on);
  });

  it("takes a later started checkout as the trigger, with its product", () => {
    const f = flows([cart("c", "p", at(T - 8 * HOUR)), checkout(T - 6 * HOUR, "q")]);
    expect([value(f, "tailor_flow_cart_abandonment"), f.properties.tailor_abandoned_product])
      .toEqual([true, { value: "q", why: "cart abandonment: started checkout with q 6 h ago" }]);
  });

  it.each([
    ["at the same instant", T - 6 * HOUR, false],
    ["1 ms before", T - 6 * HOUR - 1, true],
  ])("turns cart abandonment off when purchased since the trigger (order %s the cart add: flow %s)", (_label, orderAt, on) => {
    expect(value(flows([order("c", at(orderAt), 10, [item("q")]), cart("c", "p", at(T - 6 * HOUR))]), "tailor_flow_cart_abandonment")).toBe(on);
  });

  it("quotes the order that ended it", () => {
    const f = flows([cart("c", "p", at(T - 6 * HOUR)), order("c", at(T - 2 * HOUR), 10, [item("p")])]);
    expect(why(f, "tailor_flow_cart_abandonment")).toBe("added p to cart 6 h ago, but purchased since (order 2 h ago)");
  });

  it("beats browse abandonment when both hold", () => {
    const f = flows([cart("c", "p", at(T - 10 * HOUR)), view("c", "q", at(T - 5 * HOUR))]);
    expect([value(f, "tailor_flow_cart_abandonment"), value(f, "tailor_flow_browse_abandonment"), value(f, "tailor_abandoned_product"), why(f, "tailor_flow_browse_abandonment")])
      .toEqual([true, false, "p", "viewed q 5 h ago, nothing carted or ordered since, but cart abandonment is on (higher intent)"]);
  });

  it("sets the trigger as the ref on the state", () => {
    expect(state(flows([cart("c", "p", at(T - 10 * HOUR))]), "cart_abandonment")).toEqual({
      key: "cart_abandonment", on: true, reason: "added p to cart 10 h ago, no order since", until: T + 62 * HOUR, ref: `cart_abandonment:${T - 10 * HOUR}`,
    });
  });
});

describe("flowsOf: one abandonment flow per gap", () => {
  const cartEvent = cart("c", "p", at(T - 10 * HOUR));
  const cartRef = `cart_abandonment:${T - 10 * HOUR}`;

  it("holds a new flow while another started within the gap", () => {
    const f = flows([cartEvent], { log: [started("browse_abandonment", T - 24 * HOUR + 1, "browse_abandonment:1")] });
    expect([value(f, "tailor_flow_cart_abandonment"), value(f, "tailor_abandoned_product"), state(f, "abandonment_gap")]).toEqual([false, null, {
      key: "abandonment_gap", on: true, until: T + 1, ref: cartRef,
      reason: "cart abandonment held back: browse abandonment started 23 h ago; one abandonment flow per 24 h",
    }]);
  });

  it("allows a new flow once the other started exactly the gap ago", () => {
    const f = flows([cartEvent], { log: [started("browse_abandonment", T - 24 * HOUR, "browse_abandonment:1")] });
    expect([value(f, "tailor_flow_cart_abandonment"), state(f, "abandonment_gap")?.on]).toEqual([true, false]);
  });

  it("keeps the same flow for the same trigger on", () => {
    const f = flows([cartEvent], { log: [started("cart_abandonment", T - 2 * HOUR, cartRef)] });
    expect([value(f, "tailor_flow_cart_abandonment"), state(f, "abandonment_gap")?.on]).toEqual([true, false]);
  });

  it("keeps the same flow on for a new trigger inside the gap, under its first start (no unenrolment, no second start logged)", () => {
    const first = `cart_abandonment:${T - 30 * HOUR}`;
    const f = flows([cartEvent], { log: [started("cart_abandonment", T - 2 * HOUR, first)] });
    expect([value(f, "tailor_flow_cart_abandonment"), state(f, "cart_abandonment")?.ref, state(f, "abandonment_gap")?.on]).toEqual([true, first, false]);
  });

  it("reads the latest start, not a later stop", () => {
    const log: GuardLogEntry[] = [
      started("browse_abandonment", T - 30 * HOUR, "browse_abandonment:1"),
      { at: T - HOUR, key: "browse_abandonment", on: false, reason: "ordered", until: null },
    ];
    expect(value(flows([cartEvent], { log }), "tailor_flow_cart_abandonment")).toBe(true);
  });

  it("keeps browse on for its own trigger while cart is held back", () => {
    const viewAt = T - 5 * HOUR;
    const f = flows([cartEvent, view("c", "q", at(viewAt))], { log: [started("browse_abandonment", T - HOUR, `browse_abandonment:${viewAt}`)] });
    expect([value(f, "tailor_flow_browse_abandonment"), value(f, "tailor_flow_cart_abandonment"), state(f, "abandonment_gap")?.on, value(f, "tailor_abandoned_product")])
      .toEqual([true, false, true, "q"]);
  });
});

describe("flowsOf: post-purchase", () => {
  it.each([
    ["3 days less 1 ms ago", T - 3 * DAY + 1, false],
    ["exactly 3 days ago", T - 3 * DAY, true],
    ["30 days less 1 ms ago", T - 30 * DAY + 1, true],
    ["exactly 30 days ago", T - 30 * DAY, false],
  ])("flags an order placed %s: %s", (_label, ms, on) => {
    expect(value(flows([order("c", at(ms), 10, [item("p")])]), "tailor_flow_post_purchase")).toBe(on);
  });
});

describe("flowsOf: replenishment", () => {
  // soap lasts 30 days a unit; 2 units bought last 60 days, due 60 days after the purchase.
  it.each([
    ["7 days before it runs out", T - 53 * DAY, "2024-07-07"],
    ["7 days less 1 ms before it runs out", T - 53 * DAY + 1, null],
    ["one cycle less 1 ms past due", T - 120 * DAY + 1, "2024-05-01"],
    ["exactly one cycle past due", T - 120 * DAY, null],
  ])("dates a purchase of 2 soaps %s: %s", (_label, ms, date) => {
    const f = flows([order("c", at(ms), 20, [item("soap", 2)])]);
    expect([value(f, "tailor_replenish_date"), value(f, "tailor_replenish_product")]).toEqual([date, date === null ? null : "soap"]);
  });

  it("picks the soonest-due product and says why", () => {
    const f = flows([order("c", at(T - 25 * DAY), 10, [item("soap")]), order("c", at(T - 19 * DAY), 10, [item("tea")])]);
    expect(f.properties.tailor_replenish_product).toEqual({ value: "tea", why: "tea bought 19 days ago, 1 x 20 days lasts 20 days: due 2024-07-01" });
  });

  it("skips products that are no longer sold", () => {
    expect(value(flows([order("c", at(T - 5 * DAY), 10, [item("gone")])]), "tailor_replenish_date")).toBe(null);
  });

  it("restarts the clock when the product is bought again", () => {
    const f = flows([order("c", at(T - 28 * DAY), 10, [item("soap")]), order("c", at(T - 5 * DAY), 10, [item("soap")])]);
    expect([value(f, "tailor_replenish_date"), why(f, "tailor_replenish_date")]).toEqual([null, "1 replenishable product bought, none due within 7 days (the next is eligible from 2024-07-18)"]);
  });
});

describe("flowsOf: win-back", () => {
  it("has no date before the first order", () => {
    expect([value(flows([]), "tailor_flow_winback"), value(flows([]), "tailor_winback_date")]).toEqual([false, null]);
  });

  it.each([
    ["exactly 1.5 store gaps ago", T - 60 * DAY, true],
    ["1 ms less", T - 60 * DAY + 1, false],
  ])("uses the store gap (40 days) for a one-time buyer who ordered %s: %s", (_label, ms, on) => {
    const f = flows([order("c", at(ms), 10, [item("p")])]);
    expect([value(f, "tailor_flow_winback"), value(f, "tailor_winback_date")]).toEqual([on, "2024-06-30"]);
  });

  it("falls back to the active window when the store has no repeat customers", () => {
    const f = flows([order("c", at(T - 10 * DAY), 10, [item("p")])], { storeGapDays: null });
    expect(f.properties.tailor_winback_date).toEqual({
      value: "2024-11-02",
      why: "not due: 1.5 x 90-day gap after the last order 10 days ago is 2024-11-02 (one order: no repeat customers in the store yet, so the 90-day active window)",
    });
  });

  // Gaps of 10, 20 and 30 days: own median 20, shrunk halfway (3 gaps, winbackShrinkOrders 3) toward 40 = 30.
  const repeat = [T - 100 * DAY, T - 90 * DAY, T - 70 * DAY, T - 40 * DAY].map((ms) => order("c", at(ms), 10, [item("p")]));

  it("shrinks the contact's own median gap toward the store's", () => {
    const f = flows(repeat);
    expect([value(f, "tailor_flow_winback"), f.properties.tailor_winback_date]).toEqual([false, {
      value: "2024-07-05",
      why: "not due: 1.5 x 30-day gap after the last order 40 days ago is 2024-07-05 (own median 20 days over 3 gaps, weighted 50 % against the store's median gap of 40 days)",
    }]);
  });

  it("uses the contact's own gap alone when no shrinking is asked for", () => {
    const f = flows(repeat, { s: settingsWith({ flows: { winbackShrinkOrders: 0 } }) });
    expect([value(f, "tailor_flow_winback"), value(f, "tailor_winback_date")]).toEqual([true, "2024-06-20"]);
  });

  it("counts a gap under a day as a day", () => {
    const twice = [order("c", at(T - 2 * DAY), 10, [item("p")]), order("c", at(T - 2 * DAY), 12, [item("q")])];
    expect(value(flows(twice, { s: settingsWith({ flows: { winbackShrinkOrders: 0 } }) }), "tailor_winback_date")).toBe("2024-06-30");
  });
});

describe("flowsOf: blocking suppressions", () => {
  const blocking: Suppression[] = [{ kind: "unsubscribed", reason: "consent is unsubscribed in the ESP", until: null }];
  const events = [cart("c", "p", at(T - 10 * HOUR)), order("c", at(T - 100 * DAY), 10, [item("soap", 3)])];

  it("turns every flow off and clears every date, quoting the reason", () => {
    const f = flows(events, { blocking, createdAt: T - DAY });
    expect(Object.values(f.properties).every((p) => p.why === "off while promos are paused: consent is unsubscribed in the ESP" && (p.value === false || p.value === null))).toBe(true);
    expect(f.states.every((s) => !s.on)).toBe(true);
  });

  it("would otherwise flag the same contact", () => {
    const f = flows(events, { createdAt: T - DAY });
    expect([value(f, "tailor_flow_cart_abandonment"), value(f, "tailor_flow_winback")]).toEqual([true, true]);
  });
});

describe("flowsOf: states", () => {
  it("gives the log one state per flow and the abandonment gap", () => {
    expect(flows([]).states.map((s) => s.key)).toEqual(["welcome", "browse_abandonment", "cart_abandonment", "post_purchase", "replenishment", "winback", "abandonment_gap"]);
  });
});

describe("storeMedianGapDays", () => {
  it("is null without a repeat customer", () => {
    expect([storeMedianGapDays([]), storeMedianGapDays([[T], []])]).toEqual([null, null]);
  });

  it("counts each customer once, by their own median gap", () => {
    // Pooled, the frequent buyer's five 2-day gaps would make the store's gap 2 days.
    const frequent = [0, 2, 4, 6, 8, 10].map((d) => d * DAY);
    expect(storeMedianGapDays([frequent, [0, 40 * DAY], [0, 50 * DAY]])).toBe(40);
  });

  it("takes the mean of the two middle customers when their count is even", () => {
    expect(storeMedianGapDays([[0, 10 * DAY], [0, 20 * DAY]])).toBe(15);
  });
});
