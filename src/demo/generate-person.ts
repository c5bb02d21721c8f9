import type { Consent, Event, OrderItem } from "../domain/index.js";
import { DEMO_LEAVES } from "./category-tree.js";
import type { Random } from "./create-random.js";
import { toCumulative } from "./create-random.js";
import type { UtcOffset } from "../engine/create-utc-offset.js";
import type { DirtyTally } from "./dirty-cases.js";
import type { DemoCatalog, DemoProduct } from "./generate-catalog.js";
import { toMoney } from "./generate-catalog.js";
import { toCsvRow } from "./to-csv-row.js";

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A domain event before it gets its id and ISO timestamp, which are given in file order. */
export type EventBody = DistributiveOmit<Event, "id" | "at">;
/** An event at an instant (epoch ms). */
export type Draft = { readonly t: number; readonly body: EventBody };

/** One marketing send, shared by every recipient. */
export type Campaign = { readonly id: string; readonly at: number };

/** Id counters shared by all persons, so order, ticket and contact ids stay unique across the shop. */
export type IdCounters = { order: number; ticket: number; contact: number };

/** Everything a person is generated from; `ids` and `tally` are updated in place. */
export type PersonContext = {
  readonly random: Random;
  readonly catalog: DemoCatalog;
  readonly campaigns: readonly Campaign[];
  readonly startMs: number;
  readonly nowMs: number;
  readonly utcOffset: UtcOffset;
  readonly ids: IdCounters;
  readonly tally: DirtyTally;
};

/** One shopper: their contact row, a second row when they signed up twice, and their events in time order. */
export type Person = {
  readonly contactRow: string;
  readonly aliasRow: string | undefined;
  readonly events: readonly Draft[];
};

export const CONTACTS_HEADER = ["id", "email", "createdAt", "timezone", "consent", "firstName", "country"] as const;

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/** Rates below are per this many days, then scaled to the days a contact was around. */
const RATE_DAYS = 120;
// Contacts signed up over the last two years.
const SIGNUP_SPAN_DAYS = 730;

const FIRST_NAMES = ["Ann", "Ben", "Chloe", "David", "Emma", "Felix", "Grace", "Hugo", "Isla", "Jonas", "Kate", "Liam", "Mia", "Noah", "Olivia", "Paul", "Quinn", "Rosa", "Sam", "Tara", "Uma", "Victor", "Wen", "Yara", "Zoe", "Lea", "Marco", "Nina", "Oscar", "Priya"];
const LAST_NAMES = ["Lee", "Smith", "Garcia", "Müller", "Martin", "Rossi", "Tanaka", "Brown", "Dubois", "Schmidt", "Lopez", "Khan", "Nguyen", "Walsh", "Novak", "Berg", "Costa", "Ward", "Fischer", "Moreau"];
const DOMAINS = ["example.com", "example.org", "example.net", "mail.example.com", "post.example.org"];
const ZONES = [
  { zone: "Europe/London", country: "GB", weight: 22 },
  { zone: "Europe/Berlin", country: "DE", weight: 18 },
  { zone: "Europe/Paris", country: "FR", weight: 12 },
  { zone: "Europe/Madrid", country: "ES", weight: 6 },
  { zone: "America/New_York", country: "US", weight: 18 },
  { zone: "America/Chicago", country: "US", weight: 6 },
  { zone: "America/Los_Angeles", country: "US", weight: 10 },
  { zone: "Australia/Sydney", country: "AU", weight: 5 },
  { zone: "Asia/Tokyo", country: "JP", weight: 3 },
] as const;
const ZONE_CUMULATIVE = toCumulative(ZONES.map((z) => z.weight));
const LEAF_CUMULATIVE = toCumulative(DEMO_LEAVES.map((l) => l.popularity));
const TICKET_SUBJECTS = ["Where is my order?", "Wrong size", "Item arrived damaged", "Change delivery address", "Discount code not working"];
const REFUND_REASONS = ["wrong size", "damaged", "changed mind", "not as described"];
const STYLES = ["minimal", "classic", "bold", "outdoor", "cosy"];
const SIZES = ["XS", "S", "M", "L", "XL"];

/** How one contact behaves; drawn once, then every event follows from it. */
type Habits = {
  readonly ordersPerPeriod: number;
  readonly sessionsPerPeriod: number;
  readonly favourites: readonly number[];
  /** Local hour (0-23) they usually read mail and browse. */
  readonly hour: number;
  /** Apple Mail Privacy Protection: every delivered mail is "opened" by a proxy within minutes. */
  readonly mpp: boolean;
  readonly openRate: number;
  readonly clickRate: number;
  /** Share of campaigns whose segment includes them. */
  readonly listShare: number;
};

/** Draws contact `n` (id "c<n>") with their habits and their events in [startMs, nowMs). */
export function generatePerson(ctx: PersonContext, n: number): Person {
  const { random, nowMs } = ctx;
  const id = `c${n}`;
  const first = random.pick(FIRST_NAMES);
  const last = random.pick(LAST_NAMES);
  // The contact number makes every address unique, so only planted duplicates share an email.
  const email = `${ascii(first)}.${ascii(last)}${n}@${random.pick(DOMAINS)}`.toLowerCase();
  const createdMs = nowMs - 1 - Math.floor(random.float() * SIGNUP_SPAN_DAYS * DAY_MS);
  const place = ZONES[random.pickCumulative(ZONE_CUMULATIVE)] ?? ZONES[0];
  let consent = drawConsent(random);
  const firstName = random.chance(0.06) ? undefined : first;
  const country = random.chance(0.04) ? undefined : place.country;
  const habits = drawHabits(random);
  // About 1% signed up twice; their events come in under either id.
  const alias = random.chance(0.01) ? `c${++ctx.ids.contact}` : undefined;
  const who = alias === undefined ? () => id : () => (random.chance(0.5) ? alias : id);

  const activeFrom = Math.max(ctx.startMs, createdMs);
  const events: Draft[] = [];
  const add = (t: number, body: EventBody): boolean => {
    if (!(t >= activeFrom && t < nowMs)) return false;
    events.push({ t, body });
    return true;
  };
  const shopper: Shopper = { ctx, habits, zone: place.zone, activeFrom, who, add };
  if (activeFrom < nowMs) {
    browse(shopper);
    const ordered = order(shopper);
    if (readMail(shopper, consent === "subscribed")) consent = "unsubscribed";
    openTickets(shopper, ordered);
    if (random.chance(0.03)) statePreferences(shopper);
  }
  events.sort((a, b) => a.t - b.t);

  const shownEmail = random.chance(0.12) ? messy(random, email) : email;
  countMessy(ctx.tally, shownEmail);
  const contactRow = toCsvRow([id, shownEmail, iso(createdMs), place.zone, consent, firstName, country]);
  let aliasRow: string | undefined;
  if (alias !== undefined) {
    const aliasEmail = shownEmail.trim() === email ? mixedCase(email) : email;
    countMessy(ctx.tally, aliasEmail);
    ctx.tally.duplicateContacts++;
    // Signed up again before any of the events that may carry the second id.
    const aliasCreated = Math.min(createdMs + random.int(1, 30) * DAY_MS, activeFrom);
    aliasRow = toCsvRow([alias, aliasEmail, iso(aliasCreated), place.zone, consent, firstName, country]);
  }
  return { contactRow, aliasRow, events };
}

type Shopper = {
  readonly ctx: PersonContext;
  readonly habits: Habits;
  readonly zone: string;
  readonly activeFrom: number;
  readonly who: () => string;
  readonly add: (t: number, body: EventBody) => boolean;
};

function drawConsent(random: Random): Consent {
  const r = random.float();
  if (r < 0.87) return "subscribed";
  if (r < 0.95) return "unsubscribed";
  return r < 0.985 ? "bounced" : "complained";
}

function drawHabits(random: Random): Habits {
  // Most contacts never buy, a third buy now and then, one in ten buys often.
  const kind = random.float();
  const ordersPerPeriod = kind < 0.58 ? 0 : kind < 0.9 ? 0.5 + random.float() : 2.5 + 4 * random.float();
  const favourites = new Set<number>();
  const wanted = random.int(1, 3);
  while (favourites.size < wanted) favourites.add(random.pickCumulative(LEAF_CUMULATIVE));
  return {
    ordersPerPeriod,
    sessionsPerPeriod: 0.3 + 3 * random.float() ** 2 + (ordersPerPeriod > 0 ? 1 : 0),
    favourites: [...favourites],
    hour: drawHour(random),
    // Spec: about 30% of contacts read mail behind Apple MPP.
    mpp: random.chance(0.3),
    openRate: 0.05 + 0.45 * random.float() ** 2,
    clickRate: 0.1 + 0.3 * random.float(),
    listShare: 0.1 + 0.35 * random.float(),
  };
}

function drawHour(random: Random): number {
  const r = random.float();
  if (r < 0.3) return random.int(7, 8); // on the way to work
  if (r < 0.5) return random.int(12, 13); // lunch break
  if (r < 0.9) return random.int(19, 22); // evening on the sofa
  return random.int(9, 23);
}

/** Sessions that end without an order: category and product views, some carts and checkouts. */
function browse(s: Shopper): void {
  const { random } = s.ctx;
  const sessions = random.poisson((s.habits.sessionsPerPeriod * activeDays(s)) / RATE_DAYS);
  for (let i = 0; i < sessions; i++) {
    const leaf = favouriteLeaf(s);
    let t = sessionTime(s);
    if (random.chance(0.45)) {
      const l = DEMO_LEAVES[leaf];
      if (l !== undefined) s.add(t, { type: "viewed_category", contactId: s.who(), category: random.chance(0.25) ? l.top : l.path });
    }
    const viewed: DemoProduct[] = [];
    const views = 1 + random.poisson(1.6);
    for (let v = 0; v < views; v++) {
      // Mostly within the session's category, sometimes a detour to another favourite.
      const product = productIn(s, random.chance(0.8) ? leaf : favouriteLeaf(s));
      t += random.int(20, 240) * 1000;
      s.add(t, { type: "viewed_product", contactId: s.who(), productId: product.id });
      viewed.push(product);
    }
    if (!random.chance(0.22)) continue;
    const product = random.pick(viewed);
    t += random.int(10, 120) * 1000;
    s.add(t, { type: "added_to_cart", contactId: s.who(), productId: product.id, quantity: 1 });
    if (!random.chance(0.35)) continue;
    t += random.int(30, 300) * 1000;
    s.add(t, { type: "started_checkout", contactId: s.who(), value: toMoney(product.priceCents), items: [{ productId: product.id, quantity: 1, price: toMoney(product.priceCents) }] });
  }
}

type BasketLine = { readonly product: DemoProduct; readonly quantity: number };
type PlannedOrder = { t: number; readonly lines: readonly BasketLine[] };

/** Orders with the views, carts and checkout that led to them, refunds, replenishment and planted duplicates. Returns the orders placed. */
function order(s: Shopper): number {
  const { random, nowMs, ids } = s.ctx;
  // Leave room before the order for the session that led to it.
  const earliest = s.activeFrom + 30 * MINUTE_MS;
  if (earliest >= nowMs) return 0;
  const planned: PlannedOrder[] = [];
  const count = random.poisson((s.habits.ordersPerPeriod * activeDays(s)) / RATE_DAYS);
  for (let i = 0; i < count; i++) {
    const t = earliest + Math.floor(random.float() * (nowMs - earliest));
    const lines = basket(s);
    planned.push({ t, lines });
    // Some buyers of consumables come back when the jar is empty.
    for (const { product } of lines) {
      const days = product.replenishDays;
      if (days === undefined || !random.chance(0.4)) continue;
      planned.push({ t: t + Math.round(days * (0.85 + 0.3 * random.float()) * DAY_MS), lines: [{ product, quantity: 1 }] });
    }
  }
  planned.sort((a, b) => a.t - b.t);
  // Real orders of one person are at least an hour apart, so a duplicate-contents match
  // (same items and value within minutes) only ever catches a planted copy.
  let previous = -Infinity;
  let placed = 0;
  for (const p of planned) {
    p.t = Math.max(p.t, previous + HOUR_MS);
    if (p.t >= nowMs) break;
    previous = p.t;
    placed++;
    placeOrder(s, p, `o${++ids.order}`);
  }
  return placed;
}

function placeOrder(s: Shopper, p: PlannedOrder, orderId: string): void {
  const { random, ids, tally } = s.ctx;
  const contactId = s.who();
  const subtotal = p.lines.reduce((sum, l) => sum + l.product.priceCents * l.quantity, 0);
  const items: OrderItem[] = p.lines.map(({ product, quantity }) => ({ productId: product.id, quantity, price: toMoney(product.priceCents) }));
  for (const { product, quantity } of p.lines) {
    s.add(p.t - random.int(6, 25) * MINUTE_MS, { type: "viewed_product", contactId: s.who(), productId: product.id });
    s.add(p.t - random.int(180, 360) * 1000, { type: "added_to_cart", contactId: s.who(), productId: product.id, quantity });
  }
  s.add(p.t - random.int(60, 150) * 1000, { type: "started_checkout", contactId, value: toMoney(subtotal), items });
  const discountCents = drawDiscount(random, subtotal);
  const body: EventBody = { type: "placed_order", contactId, orderId, value: toMoney(subtotal - discountCents), discount: toMoney(discountCents), items };
  s.add(p.t, body);

  // Spec: ~3% of orders fire twice with the same orderId, ~1% with a new one.
  const r = random.float();
  if (r < 0.03) {
    if (s.add(p.t + random.int(2, 30) * 1000, body)) tally.sameOrderIdDuplicates++;
  } else if (r < 0.04) {
    const copy = { ...body, orderId: `o${ids.order + 1}` };
    if (s.add(p.t + random.int(20, 110) * 1000, copy)) {
      ids.order++;
      tally.sameContentsDuplicates++;
    }
  }
  if (random.chance(0.04)) {
    // Most refunds return the whole order, the rest one line of it.
    const first = p.lines[0];
    const paid = subtotal - discountCents;
    const value = random.chance(0.6) || first === undefined ? paid : Math.min(paid, first.product.priceCents * first.quantity);
    s.add(p.t + random.int(2, 20) * DAY_MS, { type: "refunded", contactId, orderId, value: toMoney(value), reason: random.pick(REFUND_REASONS) });
  }
}

/** 1 to 4 distinct products, mostly from the contact's favourite categories. */
function basket(s: Shopper): BasketLine[] {
  const { random } = s.ctx;
  const r = random.float();
  const size = r < 0.55 ? 1 : r < 0.8 ? 2 : r < 0.93 ? 3 : 4;
  const lines: BasketLine[] = [];
  for (let i = 0; i < size; i++) {
    const product = productIn(s, i === 0 || random.chance(0.6) ? favouriteLeaf(s) : random.pickCumulative(LEAF_CUMULATIVE));
    const quantity = random.chance(0.1) ? 2 : 1;
    const same = lines.findIndex((l) => l.product === product);
    const existing = lines[same];
    if (existing !== undefined) lines[same] = { product, quantity: existing.quantity + quantity };
    else lines.push({ product, quantity });
  }
  return lines;
}

function drawDiscount(random: Random, subtotalCents: number): number {
  // One order in five uses a code: a percentage off, or a fixed amount on bigger baskets.
  if (!random.chance(0.2)) return 0;
  if (subtotalCents > 5000 && random.chance(0.4)) return random.pick([500, 1000]);
  return Math.round(subtotalCents * random.pick([0.1, 0.15, 0.2]));
}

/** Campaign mail: sends, opens (machine or human), clicks and the odd unsubscribe. Returns true when they unsubscribed. */
function readMail(s: Shopper, subscribed: boolean): boolean {
  if (!subscribed) return false;
  const { random, campaigns } = s.ctx;
  const h = s.habits;
  for (const campaign of campaigns) {
    if (campaign.at < s.activeFrom || !random.chance(h.listShare)) continue;
    const campaignId = campaign.id;
    // A bulk send trickles out over about ten minutes.
    const sent = campaign.at + random.int(0, 600) * 1000;
    if (!s.add(sent, { type: "email_sent", contactId: s.who(), campaignId })) continue;
    let read = sent;
    if (h.mpp) {
      // The proxy fetches every mail within minutes, whether anyone reads it or not.
      s.add(sent + random.int(30, 480) * 1000, { type: "email_opened", contactId: s.who(), campaignId, machineOpen: true });
    } else if (random.chance(h.openRate)) {
      const opened = humanOpenTime(s, sent);
      if (s.add(opened, { type: "email_opened", contactId: s.who(), campaignId, machineOpen: false })) {
        read = opened;
        if (random.chance(h.clickRate)) {
          const product = productIn(s, favouriteLeaf(s));
          s.add(opened + random.int(5, 240) * 1000, { type: "email_clicked", contactId: s.who(), campaignId, url: product.url });
        }
      }
    }
    if (random.chance(0.004) && s.add(read + random.int(1, 600) * MINUTE_MS, { type: "unsubscribed", contactId: s.who(), campaignId })) return true;
  }
  return false;
}

/** Most people open at their usual hour (in their own timezone), some open right away. */
function humanOpenTime(s: Shopper, sent: number): number {
  const { random, utcOffset } = s.ctx;
  if (random.chance(0.2)) return sent + random.int(2, 180) * MINUTE_MS;
  const offset = utcOffset(s.zone, sent);
  const local = sent + offset;
  const minutes = Math.min(59, Math.max(0, Math.round(30 + 20 * random.normal())));
  let target = Math.floor(local / DAY_MS) * DAY_MS + s.habits.hour * HOUR_MS + minutes * MINUTE_MS;
  while (target < local + 2 * MINUTE_MS) target += DAY_MS;
  if (random.chance(0.25)) target += DAY_MS;
  return target - offset;
}

function openTickets(s: Shopper, orders: number): void {
  const { random, ids, nowMs } = s.ctx;
  if (!random.chance(orders > 0 ? 0.08 : 0.015)) return;
  const t = s.activeFrom + Math.floor(random.float() * (nowMs - s.activeFrom));
  const ticketId = `t${++ids.ticket}`;
  const contactId = s.who();
  s.add(t, { type: "ticket_opened", contactId, ticketId, subject: random.pick(TICKET_SUBJECTS) });
  s.add(t + random.int(1, 72) * HOUR_MS, { type: "ticket_closed", contactId, ticketId });
}

function statePreferences(s: Shopper): void {
  const { random, nowMs } = s.ctx;
  const t = s.activeFrom + Math.floor(random.float() * (nowMs - s.activeFrom));
  const favourites = s.habits.favourites.map((leaf) => DEMO_LEAVES[leaf]?.path ?? "");
  s.add(t, { type: "submitted_preferences", contactId: s.who(), answers: { favouriteCategories: favourites, style: random.pick(STYLES), size: random.pick(SIZES) } });
}

/** A time in the contact's window, mostly near their usual hour in their own timezone. */
function sessionTime(s: Shopper): number {
  const { random, nowMs, utcOffset } = s.ctx;
  const anyTime = s.activeFrom + Math.floor(random.float() * (nowMs - s.activeFrom));
  const offset = utcOffset(s.zone, anyTime);
  const localDay = Math.floor((anyTime + offset) / DAY_MS) * DAY_MS;
  const hour = random.chance(0.5) ? s.habits.hour + 0.5 + 1.5 * random.normal() : 8 + 15 * random.float();
  const t = localDay + Math.round(hour * HOUR_MS) - offset;
  return t >= s.activeFrom && t < nowMs ? t : anyTime;
}

function favouriteLeaf(s: Shopper): number {
  const { random } = s.ctx;
  return random.chance(0.75) ? random.pick(s.habits.favourites) : random.pickCumulative(LEAF_CUMULATIVE);
}

function productIn(s: Shopper, leaf: number): DemoProduct {
  const { random, catalog } = s.ctx;
  const sampler = catalog.byLeaf[leaf] ?? catalog.byLeaf[0];
  const product = catalog.products[sampler?.indexes[random.pickCumulative(sampler.cumulative)] ?? 0];
  if (product === undefined) throw new Error("the demo catalog has no products");
  return product;
}

function activeDays(s: Shopper): number {
  return (s.ctx.nowMs - s.activeFrom) / DAY_MS;
}

function messy(random: Random, email: string): string {
  const r = random.float();
  if (r < 0.5) return mixedCase(email);
  if (r < 0.75) return `  ${email}`;
  return `  ${mixedCase(email)} `;
}

/** "ann.lee12@example.com" -> "Ann.Lee12@Example.COM". */
function mixedCase(email: string): string {
  const [local = "", domain = ""] = email.split("@");
  const labels = domain.split(".");
  const tld = labels.pop() ?? "";
  return `${local.split(".").map(capitalise).join(".")}@${[...labels.map(capitalise), tld.toUpperCase()].join(".")}`;
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

function countMessy(tally: DirtyTally, email: string): void {
  if (email !== email.trim().toLowerCase()) tally.messyEmails++;
}

function ascii(name: string): string {
  return name.normalize("NFD").replace(/[^A-Za-z]/g, "");
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
