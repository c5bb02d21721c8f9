import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createRandom } from "./create-random.js";
import { createUtcOffset } from "../engine/create-utc-offset.js";
import { emptyTally } from "./dirty-cases.js";
import { generateCatalog, plantCount } from "./generate-catalog.js";
import { CONTACTS_HEADER, generatePerson } from "./generate-person.js";
import type { Campaign, EventBody, PersonContext } from "./generate-person.js";
import { openChunkedWriter } from "./open-chunked-writer.js";
import { toCsvRow } from "./to-csv-row.js";

export type DemoOptions = {
  readonly dir: string;
  readonly seed: number;
  /** Distinct shoppers; contacts.csv gets a few more rows (duplicates and planted bad ones). */
  readonly contacts: number;
  readonly products: number;
  /** Days of history before `now`. */
  readonly days: number;
  readonly now: Date;
  /** Where product images live, e.g. `http://localhost:3000/demo/images`; default: made-up URLs on the demo site. */
  readonly imageBase?: string;
  readonly onProgress?: (done: number, total: number) => void;
};

/** What was written: rows and lines in the files (planted ones included), and how many of each dirty case. */
export type DemoStats = {
  readonly contacts: number;
  readonly products: number;
  readonly events: number;
  /** How many of each dirty case were planted; keys are DIRTY_CASES. */
  readonly dirty: Readonly<Record<string, number>>;
};

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
// One bad record of each kind per this many contacts (at least one): "a few", at any scale.
const CONTACTS_PER_PLANT = 1000;
const INVALID_EMAILS = ["not-an-email", "ann.lee@", "bob at example.com", "@example.com"];
const EVENT_PLANTS = ["nonJsonLines", "unknownEventTypes", "ordersWithoutItems", "unknownContactEvents"] as const;
type EventPlant = (typeof EVENT_PLANTS)[number];

/**
 * Writes a shop in the files connector's layout into `dir`: contacts.csv, products.csv, events.ndjson.
 * Same seed + now => byte-identical files. Events are generated per contact and streamed, so
 * memory stays bounded by the catalog and one contact's history.
 */
export async function generateDemoStore(options: DemoOptions): Promise<DemoStats> {
  const { dir, seed, contacts, products, days, now, imageBase, onProgress } = options;
  requireCount("contacts", contacts);
  requireCount("products", products);
  requireCount("days", days);
  const nowMs = now.getTime();
  if (Number.isNaN(nowMs)) throw new RangeError("now must be a valid date");
  const startMs = nowMs - days * DAY_MS;

  const random = createRandom(seed);
  const tally = emptyTally();
  await mkdir(dir, { recursive: true });

  const catalog = generateCatalog(random, products, nowMs, imageBase);
  tally.categoryVariants = catalog.categoryVariants;
  tally.nonNumericPrices = catalog.nonNumericPrices;
  await writeFile(join(dir, "products.csv"), catalog.csv);

  const ctx: PersonContext = {
    random, catalog, startMs, nowMs, tally,
    campaigns: scheduleCampaigns(startMs, nowMs),
    utcOffset: createUtcOffset(),
    // Contact ids past the last shopper are handed to duplicates, then to planted bad rows.
    ids: { order: 0, ticket: 0, contact: contacts },
  };
  // Ids ten times past the last shopper belong to no row, whatever duplicates were added.
  const plants = planEventPlants(contacts);
  const contactsOut = await openChunkedWriter(join(dir, "contacts.csv"));
  const eventsOut = await openChunkedWriter(join(dir, "events.ndjson"));
  let events = 0;
  // Duplicate sign-ups go at the end of the file, as a later import would put them.
  const aliasRows: string[] = [];
  try {
    await contactsOut.write(toCsvRow(CONTACTS_HEADER));
    for (let n = 1; n <= contacts; n++) {
      const person = generatePerson(ctx, n);
      await contactsOut.write(person.contactRow);
      if (person.aliasRow !== undefined) aliasRows.push(person.aliasRow);
      let lines = "";
      for (const draft of person.events) lines += eventLine(++events, draft.t, draft.body);
      for (const [plant, j] of plants.get(n) ?? []) lines += plantedLine(ctx, plant, ++events, n, `c${10 * contacts + j + 1}`);
      await eventsOut.write(lines);
      // Every 1000 contacts: often enough for a progress bar, rare enough to cost nothing.
      if (n % 1000 === 0 || n === contacts) onProgress?.(n, contacts);
    }
    for (const row of aliasRows) await contactsOut.write(row);
    const invalid = plantCount(contacts, CONTACTS_PER_PLANT);
    for (let j = 0; j < invalid; j++) {
      const createdAt = new Date(startMs + Math.floor(random.float() * (nowMs - startMs))).toISOString();
      const email = INVALID_EMAILS[j % INVALID_EMAILS.length];
      await contactsOut.write(toCsvRow([`c${++ctx.ids.contact}`, email, createdAt, "Europe/London", "subscribed", undefined, "GB"]));
      tally.invalidEmails++;
    }
  } finally {
    await Promise.all([contactsOut.close(), eventsOut.close()]);
  }

  return { contacts: ctx.ids.contact, products: catalog.rows, events, dirty: { ...tally } };
}

/** Two campaigns a week, Tuesdays and Fridays at 15:00 UTC (morning in New York, afternoon in Europe). */
function scheduleCampaigns(startMs: number, nowMs: number): Campaign[] {
  const campaigns: Campaign[] = [];
  for (let day = Math.floor(startMs / DAY_MS) * DAY_MS; day < nowMs; day += DAY_MS) {
    const at = day + 15 * HOUR_MS;
    const weekday = new Date(day).getUTCDay();
    if (at < startMs || at >= nowMs || (weekday !== 2 && weekday !== 5)) continue;
    campaigns.push({ id: `campaign-${new Date(day).toISOString().slice(0, 10)}`, at });
  }
  return campaigns;
}

/** Contact number -> the bad event lines (kind, index of that kind) written after that contact's events, spread over the file. */
function planEventPlants(contacts: number): Map<number, [EventPlant, number][]> {
  const plants = new Map<number, [EventPlant, number][]>();
  const count = plantCount(contacts, CONTACTS_PER_PLANT);
  EVENT_PLANTS.forEach((plant, k) => {
    for (let j = 0; j < count; j++) {
      // Each kind is offset a little, so the kinds do not bunch up behind the same contact.
      const n = Math.min(contacts, 1 + Math.floor(((j + (k + 1) / (EVENT_PLANTS.length + 1)) / count) * contacts));
      plants.set(n, [...(plants.get(n) ?? []), [plant, j]]);
    }
  });
  return plants;
}

function eventLine(n: number, t: number, body: EventBody): string {
  // id, type, contactId and at first, so a line reads well in a terminal.
  const { type, contactId, ...rest } = body;
  return `${JSON.stringify({ id: `e${n}`, type, contactId, at: new Date(t).toISOString(), ...rest })}\n`;
}

function plantedLine(ctx: PersonContext, plant: EventPlant, n: number, contact: number, ghostId: string): string {
  const { random, startMs, nowMs, catalog } = ctx;
  ctx.tally[plant]++;
  const at = new Date(startMs + Math.floor(random.float() * (nowMs - startMs))).toISOString();
  const productId = random.pick(catalog.products).id;
  const head = { id: `e${n}`, type: "viewed_product", contactId: `c${contact}`, at };
  switch (plant) {
    case "nonJsonLines":
      // A line cut off mid-write, as a crashed exporter leaves it.
      return `${JSON.stringify({ ...head, productId }).slice(0, -productId.length - 3)}\n`;
    case "unknownEventTypes":
      return `${JSON.stringify({ ...head, type: "wishlist_added", productId })}\n`;
    case "ordersWithoutItems":
      return `${JSON.stringify({ ...head, type: "placed_order", orderId: `o${++ctx.ids.order}`, value: 0, discount: 0, items: [] })}\n`;
    case "unknownContactEvents":
      // A contact deleted from the shop whose events stayed behind.
      return `${JSON.stringify({ ...head, contactId: ghostId, productId })}\n`;
  }
}

function requireCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a whole number of at least 1`);
}
