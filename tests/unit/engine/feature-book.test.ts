import { describe, expect, it } from "vitest";
import type { Event, EventOf } from "../../../src/domain/index.js";
import { ACTIVITY_KEPT, ACTIVITY_KIND, addEvents, createFeatureBook, featuresOf, halfLifeWeight, HOUR_MS, unpackActivity } from "../../../src/engine/feature-book.js";
import { cart, categoryView, DAY, daysAgo, item, NOW, order, product, refund, settingsWith, view } from "./fixtures.js";

const catalog = [
  product("shoe", { category: "sneakers", cost: 50 }),
  product("sock", { category: "socks" }),
  product("bare", { category: "", cost: 1 }),
];
const settings = settingsWith();
const today = Math.floor(NOW.getTime() / DAY);

const fold = (events: readonly Event[], chunks = 1, s = settings) => {
  const book = createFeatureBook(catalog, s);
  const size = Math.ceil(events.length / chunks);
  for (let i = 0; i < events.length; i += size) addEvents(book, events.slice(i, i + size));
  return book;
};

let seq = 0;
const email = <T extends "email_sent" | "email_clicked">(type: T, contactId: string, at: Date) =>
  ({ id: `m${++seq}`, contactId, at, type, campaignId: "" }) as EventOf<T>;
const opened = (contactId: string, at: Date, machineOpen: boolean): EventOf<"email_opened"> =>
  ({ id: `m${++seq}`, contactId, at, type: "email_opened", campaignId: "", machineOpen });
const checkout = (contactId: string, at: Date): EventOf<"started_checkout"> =>
  ({ id: `m${++seq}`, contactId, at, type: "started_checkout", value: 0, items: [] });
const discounted = (o: EventOf<"placed_order">, discount: number): EventOf<"placed_order"> => ({ ...o, discount });

const history: Event[] = [
  order("c1", daysAgo(40), 99.99, [item("shoe", 1, 89.99), item("sock", 2, 5)]),
  order("c1", daysAgo(10), 0.1, [item("sock", 1, 0.1)]),
  discounted(order("c1", daysAgo(20), 0.2, [item("shoe", 1, 0.2)]), 89.8),
  refund("c1", daysAgo(5), 0.2),
  view("c1", "shoe"),
  cart("c1", "shoe"),
  categoryView("c1", "socks"),
  email("email_sent", "c1", daysAgo(3)),
  opened("c1", daysAgo(3), true),
  opened("c1", daysAgo(3), false),
  email("email_clicked", "c1", daysAgo(3)),
  checkout("c1", daysAgo(1)),
];

describe("featuresOf", () => {
  it("gives empty features to a contact with no events", () => {
    expect(featuresOf(fold(history), "nobody", NOW)).toEqual({
      orders: 0, revenue: 0, refunds: 0, firstOrderAt: null, lastOrderAt: null,
      orderTimes: [], orderValues: [], orderCategories: [],
      discountedOrders: 0, discountedRevenue: 0, discountTotal: 0,
      margin: 0, costedRevenue: 0, itemRevenue: 0,
      itemPrices: { units: 0, total: 0, min: null, max: null },
      categoryScores: {}, categoryEvidence: {}, purchasedAt: {}, engagement: [], machineOpens: 0, emailsSent: 0,
      lastQuantity: {}, viewedAt: new Map(), cartedAt: new Map(), sendTimes: [], statedAnswers: {},
      activity: [], lastCheckoutAt: null, lastCheckoutProduct: null, lastRefundAt: null, lastHardBounceAt: null,
      lastComplaintAt: null, lastUnsubscribeAt: null, lastListUnsubscribeAt: null, openTicketSince: null, lastTicketClosedAt: null,
    });
  });

  it("counts orders and the first and last order times", () => {
    const f = featuresOf(fold(history), "c1", NOW);
    expect([f.orders, f.firstOrderAt, f.lastOrderAt]).toEqual([3, daysAgo(40).getTime(), daysAgo(10).getTime()]);
  });

  it("lists every order's time, value and categories, oldest first", () => {
    const f = featuresOf(fold(history), "c1", NOW);
    expect([f.orderTimes, f.orderValues, f.orderCategories]).toEqual([
      [daysAgo(40).getTime(), daysAgo(20).getTime(), daysAgo(10).getTime()],
      [99.99, 0.2, 0.1],
      [["sneakers", "socks"], ["sneakers"], ["socks"]],
    ]);
  });

  it("gives an order whose products have no category an empty category list", () => {
    const f = featuresOf(fold([order("c4", daysAgo(1), 5, [item("bare"), item("ghost")])]), "c4", NOW);
    expect(f.orderCategories).toEqual([[]]);
  });

  it("subtracts refunds from revenue and counts them, keeping the order", () => {
    const f = featuresOf(fold(history), "c1", NOW);
    expect([f.revenue, f.refunds, f.orders]).toEqual([100.09, 1, 3]);
  });

  it("never lets refunds take revenue below zero", () => {
    const f = featuresOf(fold([order("c2", daysAgo(3), 30, [item("shoe")]), refund("c2", daysAgo(2), 50)]), "c2", NOW);
    expect([f.revenue, f.refunds]).toEqual([0, 1]);
  });

  it("tallies discounted orders, what was paid for them and the money off", () => {
    const f = featuresOf(fold([...history, discounted(order("c1", daysAgo(2), 10, [item("sock")]), 2.5)]), "c1", NOW);
    expect([f.discountedOrders, f.discountedRevenue, f.discountTotal]).toEqual([2, 10.2, 92.3]);
  });

  it("sums margin over lines whose product has a cost, and the line revenue it covers", () => {
    // shoe lines: 89.99 - 50 and 0.20 - 50; the sock lines (no cost) are in itemRevenue only.
    const f = featuresOf(fold(history), "c1", NOW);
    expect([f.margin, f.costedRevenue, f.itemRevenue]).toEqual([-9.81, 90.19, 100.29]);
  });

  it("summarises the unit prices paid, counting every unit", () => {
    expect(featuresOf(fold(history), "c1", NOW).itemPrices).toEqual({ units: 5, total: 100.29, min: 0.1, max: 89.99 });
  });

  it("weights views, carts and purchased lines by the intent settings", () => {
    const events = [view("c5", "shoe"), cart("c5", "shoe"), order("c5", NOW, 10, [item("shoe"), item("sock", 3)])];
    // sneakers: 1 view × 1 + 1 cart × 3 + 1 purchased line × 5; socks: 1 line × 5, whatever its quantity.
    expect(featuresOf(fold(events), "c5", NOW).categoryScores).toEqual({ sneakers: 9, socks: 5 });
  });

  it.each([
    [0, 1],
    [60, 0.5],
    [120, 0.25],
  ])("weighs a view %i days old by %f with the default 60-day half-life", (age, weight) => {
    expect(featuresOf(fold([view("c6", "shoe", daysAgo(age))]), "c6", NOW).categoryScores).toEqual({ sneakers: weight });
  });

  it("decays with the half-life from the intent settings", () => {
    const book = fold([view("c6", "shoe", daysAgo(10))], 1, settingsWith({ intent: { halfLifeDays: 10 } }));
    expect(featuresOf(book, "c6", NOW).categoryScores).toEqual({ sneakers: 0.5 });
  });

  it("counts a signal dated after now as today's", () => {
    expect(featuresOf(fold([view("c6", "shoe", daysAgo(-5))]), "c6", NOW).categoryScores).toEqual({ sneakers: 1 });
  });

  it("keeps the undecayed evidence behind each category", () => {
    expect(featuresOf(fold(history), "c1", NOW).categoryEvidence.sneakers).toEqual({ views: 1, carts: 1, purchases: 2 });
  });

  it("ignores products without a category or missing from the catalog", () => {
    const f = featuresOf(fold([view("c3", "bare"), view("c3", "ghost"), cart("c3", "ghost")]), "c3", NOW);
    expect(f.categoryScores).toEqual({});
  });

  it("remembers the last time each product was bought", () => {
    expect(featuresOf(fold(history), "c1", NOW).purchasedAt).toEqual({ shoe: daysAgo(20).getTime(), sock: daysAgo(10).getTime() });
  });

  it("counts scored engagement signals per UTC day, oldest first", () => {
    const day = (d: number, counts: Partial<Record<string, number>>) =>
      ({ day: today - d, clicks: 0, humanOpens: 0, siteActions: 0, orders: 0, ...counts });
    expect(featuresOf(fold(history), "c1", NOW).engagement).toEqual([
      day(40, { orders: 1 }), day(20, { orders: 1 }), day(10, { orders: 1 }),
      day(3, { humanOpens: 1, clicks: 1 }),
      day(1, { siteActions: 1 }),
      day(0, { siteActions: 3 }),
    ]);
  });

  it("totals machine opens and emails sent apart from the scored signals", () => {
    const f = featuresOf(fold([...history, opened("c1", daysAgo(90), true)]), "c1", NOW);
    expect([f.machineOpens, f.emailsSent]).toEqual([2, 1]);
  });

  it("gives the same features whatever order and chunking the events arrive in", () => {
    const forward = featuresOf(fold(history), "c1", NOW);
    const backward = featuresOf(fold([...history].reverse(), 3), "c1", NOW);
    const shuffled = featuresOf(fold([3, 0, 6, 11, 1, 9, 5, 2, 8, 4, 10, 7].map((i) => history[i]!), 7), "c1", NOW);
    expect(backward).toEqual(forward);
    expect(shuffled).toEqual(forward);
  });

  it("counts units sold per product per UTC day", () => {
    const book = fold(history);
    expect(book.unitsByDay.get("sock")).toEqual(new Map([[today - 40, 2], [today - 10, 1]]));
  });

  it("keeps each contact's features apart", () => {
    const book = fold([...history, order("c9", daysAgo(1), 12, [item("sock")])]);
    expect([featuresOf(book, "c9", NOW).orders, featuresOf(book, "c1", NOW).orders]).toEqual([1, 3]);
  });
});

describe("featuresOf: what guardrails and the send hour read", () => {
  const H = HOUR_MS;
  const at = (ms: number) => new Date(ms);
  const base = Math.floor(NOW.getTime() / H) * H - 48 * H;
  let n = 0;
  const ev = <T extends Event["type"]>(type: T, t: number, fields: Record<string, unknown> = {}) =>
    ({ id: `g${++n}`, contactId: "c1", at: at(t), type, campaignId: "", ...fields }) as unknown as EventOf<T>;

  it("records one activity entry per hour and kind, never a machine open", () => {
    const f = featuresOf(fold([
      view("c1", "shoe", at(base + 60_000)), view("c1", "sock", at(base + 120_000)), cart("c1", "shoe", at(base + 180_000)),
      ev("email_clicked", base + H), opened("c1", at(base + 2 * H), true), opened("c1", at(base + 3 * H), false),
      order("c1", at(base + 4 * H), 10, [item("sock")]),
    ]), "c1", NOW);
    expect(f.activity.map(unpackActivity)).toEqual([
      { hour: base / H, kind: ACTIVITY_KIND.site },
      { hour: base / H + 1, kind: ACTIVITY_KIND.click },
      { hour: base / H + 3, kind: ACTIVITY_KIND.humanOpen },
      { hour: base / H + 4, kind: ACTIVITY_KIND.order },
    ]);
  });

  it("keeps the latest ACTIVITY_KEPT activity hours whatever order they arrive in", () => {
    const clicks = Array.from({ length: ACTIVITY_KEPT + 5 }, (_, i) => ev("email_clicked", base - i * H));
    const forward = featuresOf(fold(clicks), "c1", NOW).activity;
    expect(forward).toHaveLength(ACTIVITY_KEPT);
    expect(unpackActivity(forward[0]!).hour).toBe(base / H - ACTIVITY_KEPT + 1);
    expect(featuresOf(fold([...clicks].reverse(), 4), "c1", NOW).activity).toEqual(forward);
  });

  it("knows the latest checkout, refund, hard bounce, complaint and unsubscribes, telling a list unsubscribe apart", () => {
    const f = featuresOf(fold([
      ev("started_checkout", base, { value: 5, items: [item("sock")] }), refund("c1", at(base + H), 1),
      ev("email_bounced", base + 2 * H, { hard: false }), ev("email_bounced", base + 3 * H, { hard: true }),
      ev("complained", base + 4 * H), ev("unsubscribed", base + 5 * H), ev("unsubscribed", base + 6 * H, { listId: "news" }),
    ]), "c1", NOW);
    expect([f.lastCheckoutAt, f.lastCheckoutProduct, f.lastRefundAt, f.lastHardBounceAt, f.lastComplaintAt, f.lastUnsubscribeAt, f.lastListUnsubscribeAt])
      .toEqual([base, "sock", base + H, base + 3 * H, base + 4 * H, base + 5 * H, base + 6 * H]);
  });

  it("knows which tickets are open and when the last one closed, whatever order the events arrive in", () => {
    const events = [
      ev("ticket_opened", base, { ticketId: "t1" }), ev("ticket_closed", base + H, { ticketId: "t1" }),
      ev("ticket_opened", base + 2 * H, { ticketId: "t2" }),
      ev("ticket_closed", base + 3 * H, { ticketId: "t3" }),
    ];
    const f = featuresOf(fold(events), "c1", NOW);
    expect([f.openTicketSince, f.lastTicketClosedAt]).toEqual([base + 2 * H, base + 3 * H]);
    expect(featuresOf(fold([...events].reverse()), "c1", NOW)).toEqual(f);
    const closed = featuresOf(fold([...events, ev("ticket_closed", base + 5 * H, { ticketId: "t2" })]), "c1", NOW);
    expect([closed.openTicketSince, closed.lastTicketClosedAt]).toEqual([null, base + 5 * H]);
  });

  it("reopens a ticket opened again after it closed", () => {
    const f = featuresOf(fold([
      ev("ticket_opened", base, { ticketId: "t1" }), ev("ticket_closed", base + H, { ticketId: "t1" }), ev("ticket_opened", base + 2 * H, { ticketId: "t1" }),
    ]), "c1", NOW);
    expect([f.openTicketSince, f.lastTicketClosedAt]).toEqual([base + 2 * H, null]);
  });
});

describe("halfLifeWeight", () => {
  it.each([
    [0, 30, 1],
    [30, 30, 0.5],
    [90, 30, 0.125],
    [-3, 30, 1],
  ])("weighs a signal %i days old with a %i-day half-life by %f", (age, halfLife, weight) => {
    expect(halfLifeWeight(age, halfLife)).toBe(weight);
  });
});
