// Recommendation bench: 1,000,000 contacts and a 50,000-product catalog, generated in process
// (seeded, no files), folded into a FeatureBook, then the real engine: buildRecModel once and
// fillSlots for every contact, checked by the run monitor. Prints time per phase, contacts/s
// and peak RSS. The book for a million contacts needs more than Node's default heap:
//   node --max-old-space-size=8192 --import tsx bench/recommend-slots.ts
// BENCH_CONTACTS and BENCH_PRODUCTS override the sizes.
import { defaultSettings } from "../src/domain/index.js";
import type { Contact, Event, OrderItem, Product, SlotExposure } from "../src/domain/index.js";
import { addEvents, createFeatureBook, featuresOf } from "../src/engine/feature-book.js";
import { buildRecModel } from "../src/engine/recommend/build-rec-model.js";
import { fillSlots } from "../src/engine/recommend/fill-slots.js";
import { GENERATORS } from "../src/engine/recommend/generators.js";
import { createRecommendationMonitor } from "../src/engine/recommend/monitor.js";
import type { MonitoredPick } from "../src/engine/recommend/monitor.js";
import { recContactOf } from "../src/engine/recommend/rec-contact.js";
import { compileRules } from "../src/engine/recommend/rules.js";
import { createKeyedRng } from "../src/engine/rng.js";

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 1_000_000);
const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 50_000);
const NOW = new Date("2026-11-01T00:00:00Z");
const DAY = 86_400_000;
// Contacts whose events are generated and folded per step: bounds the live event objects.
const FOLD_CONTACTS = 5_000;
// Zipf exponent for product and category popularity: retail sales are close to s = 1
// (a few hundred products make most of the revenue), a little steeper within a category.
const ZIPF_GLOBAL = 1.0;
const ZIPF_IN_CATEGORY = 1.1;
// A shopper's picks: most from their favourite leaf category, the rest from the whole store.
const FAVOURITE_SHARE = 0.7;
// Categories 3 levels deep: 8 departments x 6 aisles x 5 shelves = 240 leaves (~208 products each).
const TREE = [8, 6, 5] as const;

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const peakRss = () => process.resourceUsage().maxRSS * 1024;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const count = (n: number) => n.toLocaleString("en-US");

/** mulberry32: a tiny seeded generator, fast enough to draw ~50M numbers in a second or two. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
const random = seeded(20_261_101);
const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));

/** Draws an index with Zipf(s) weights over `items` ranks: a cumulative table and a binary search. */
function zipf<T>(items: readonly T[], s: number): () => T {
  const cumulative = new Float64Array(items.length);
  let total = 0;
  for (let i = 0; i < items.length; i++) cumulative[i] = total += 1 / (i + 1) ** s;
  return () => {
    const x = random() * total;
    let lo = 0;
    let hi = items.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cumulative[mid] ?? Infinity) < x) lo = mid + 1;
      else hi = mid;
    }
    return items[lo] as T;
  };
}

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function generateCatalog(): { products: Product[]; leaves: string[]; byLeaf: Map<string, Product[]> } {
  const leaves: string[] = [];
  for (let d = 0; d < TREE[0]; d++) for (let a = 0; a < TREE[1]; a++) for (let s = 0; s < TREE[2]; s++) leaves.push(`dept ${d} > aisle ${a} > shelf ${s}`);
  const basePrice = new Map(leaves.map((leaf) => [leaf, 5 * 40 ** random()])); // 5 to 200, log-uniform
  const products: Product[] = [];
  const byLeaf = new Map<string, Product[]>();
  for (let i = 0; i < PRODUCTS; i++) {
    const leaf = leaves[i % leaves.length] as string;
    const price = (basePrice.get(leaf) ?? 20) * (0.6 + random());
    const tracked = random() < 0.6;
    const product: Product = {
      id: `p${i}`,
      title: `Product ${i} ${["classic", "slim", "organic", "deluxe", "mini"][i % 5] ?? ""}`,
      url: `https://shop.test/p${i}`,
      imageUrl: `https://cdn.shop.test/p${i}.jpg`,
      // Bad input on purpose: 0.5 % without a category, 1 % without a price.
      category: random() < 0.005 ? "" : leaf,
      brand: `brand ${int(0, 499)}`,
      price: random() < 0.01 ? null : Math.round(price * 100) / 100,
      ...(random() < 0.7 ? { cost: Math.round(price * (0.4 + 0.4 * random()) * 100) / 100 } : {}),
      // 5 % out of stock, 55 % tracked in stock, 40 % untracked.
      inventory: random() < 0.05 ? 0 : tracked ? int(1, 200) : null,
      active: random() >= 0.03,
      // Department 0 sells consumables.
      ...(leaf.startsWith("dept 0 >") ? { replenishDays: int(30, 90) } : {}),
      // 2 % arrived in the last 30 days; the rest over three years.
      createdAt: new Date(NOW.getTime() - (random() < 0.02 ? int(0, 29) : int(30, 3 * 365)) * DAY),
    };
    products.push(product);
    const list = byLeaf.get(leaf) ?? [];
    list.push(product);
    byLeaf.set(leaf, list);
  }
  return { products, leaves, byLeaf };
}

const phases: [string, number][] = [];
function timed<T>(label: string, work: () => T): T {
  const started = performance.now();
  const result = work();
  phases.push([label, performance.now() - started]);
  console.log(`${label.padEnd(34)} ${seconds(performance.now() - started).padStart(8)}   peak RSS ${mb(peakRss())}`);
  return result;
}

const settings = defaultSettings();
const rec = settings.recommendations;
console.log(`recommend-slots bench: ${count(CONTACTS)} contacts, ${count(PRODUCTS)} products, ${rec.slots.length} slots, node ${process.version}`);

const { products, leaves, byLeaf } = timed("generate catalog", generateCatalog);
// Popularity is a random permutation of the catalog, so it does not follow product ids.
const popular = zipf(shuffled(products), ZIPF_GLOBAL);
const favouriteLeaf = zipf(shuffled(leaves), ZIPF_GLOBAL);
const inLeaf = new Map([...byLeaf].map(([leaf, list]) => [leaf, zipf(shuffled(list), ZIPF_IN_CATEGORY)]));
const pickFor = (leaf: string): Product => (random() < FAVOURITE_SHARE ? (inLeaf.get(leaf)?.() ?? popular()) : popular());

const contacts: Contact[] = timed("generate contacts", () =>
  Array.from({ length: CONTACTS }, (_, i): Contact => ({
    id: `c${i}`,
    espIds: {},
    createdAt: new Date(NOW.getTime() - int(1, 3 * 365) * DAY),
    timezone: "UTC",
    consent: "subscribed",
    // Cold start: 3 % told the preference centre a department or shelf they like.
    preferences: random() < 0.03 ? { categories: [(leaves[int(0, leaves.length - 1)] ?? "").split(" > ")[2] ?? ""] } : {},
  })),
);

const book = createFeatureBook(products, settings);
const slotHistory = new Map<string, SlotExposure[]>();
let events = 0;
let foldMs = 0;
timed("generate + fold events", () => {
  let n = 0;
  for (let from = 0; from < CONTACTS; from += FOLD_CONTACTS) {
    const chunk: Event[] = [];
    for (let i = from; i < Math.min(CONTACTS, from + FOLD_CONTACTS); i++) {
      const contactId = `c${i}`;
      const leaf = favouriteLeaf();
      const u = random();
      // 35 % never ordered; then 1, 2, 3 or 4-6 orders.
      const orders = u < 0.35 ? 0 : u < 0.7 ? 1 : u < 0.85 ? 2 : u < 0.95 ? 3 : int(4, 6);
      for (let k = 0; k < orders; k++) {
        const items: OrderItem[] = [];
        for (let line = int(1, 3); line > 0; line--) {
          const product = pickFor(leaf);
          items.push({ productId: product.id, quantity: int(1, 2), price: product.price ?? 10 });
        }
        const value = Math.round(items.reduce((sum, it) => sum + it.price * it.quantity, 0) * 100) / 100;
        chunk.push({ id: `e${n++}`, type: "placed_order", contactId, at: new Date(NOW.getTime() - int(1, 365) * DAY - int(0, DAY - 1)), orderId: `o${n}`, value, discount: 0, items });
      }
      for (let v = int(0, 6); v > 0; v--) chunk.push({ id: `e${n++}`, type: "viewed_product", contactId, at: new Date(NOW.getTime() - int(0, 60) * DAY - int(0, DAY - 1)), productId: pickFor(leaf).id });
      if (random() < 0.2) chunk.push({ id: `e${n++}`, type: "added_to_cart", contactId, at: new Date(NOW.getTime() - int(0, 20) * DAY), productId: pickFor(leaf).id, quantity: 1 });
      // 30 % got three campaign emails, whose slots rotation will demote.
      if (random() < 0.3) {
        const exposures: SlotExposure[] = [];
        for (const days of [21, 14, 7]) {
          const at = NOW.getTime() - days * DAY;
          chunk.push({ id: `e${n++}`, type: "email_sent", contactId, at: new Date(at), campaignId: `w${days}` });
          exposures.push({ at, productIds: Array.from({ length: rec.slots.length }, () => popular().id) });
        }
        slotHistory.set(contactId, exposures);
      }
    }
    const started = performance.now();
    addEvents(book, chunk);
    foldMs += performance.now() - started;
    events += chunk.length;
  }
});
console.log(`  ${count(events)} events, of which folding into the book took ${seconds(foldMs)}`);

const model = timed("build model (buildRecModel)", () => buildRecModel(book, products, rec, NOW));
const rules = timed("compile rules", () => compileRules(rec, NOW));
console.log(`  personal model: ${model.personal.kind} over ${count(model.personal.items)} products (${model.personal.why})`);

const categories = new Set(products.map((p) => p.category).filter((c) => c !== ""));
const monitor = createRecommendationMonitor(products, rec, NOW);
// Same stream keys as score(): contact id and ISO week, from one run seed.
const week = Math.floor(Math.floor(NOW.getTime() / DAY) / 7);
let featuresMs = 0;
let fillMs = 0;
let monitorMs = 0;
// A line every quarter of the contacts, so a slow engine shows its pace before the end.
const PROGRESS_EVERY = Math.max(1, Math.ceil(CONTACTS / 4));
timed("fill slots for every contact", () => {
  let done = 0;
  for (const contact of contacts) {
    if (++done % PROGRESS_EVERY === 0) console.log(`  ${count(done)} contacts, ${count(Math.round(done / ((featuresMs + fillMs) / 1000)))} contacts/s so far`);
    let t = performance.now();
    const f = featuresOf(book, contact.id, NOW);
    const recContact = recContactOf(contact, f, { settings: rec, now: NOW, categories, slotHistory: slotHistory.get(contact.id) ?? [] });
    let t2 = performance.now();
    featuresMs += t2 - t;
    const filled = fillSlots(recContact, model, GENERATORS, rules, createKeyedRng(1, `${contact.id}\u0000${week}`));
    t = performance.now();
    fillMs += t - t2;
    const slots = filled.map((s): MonitoredPick | null => (s.pick === null ? null : { productId: s.pick.product.id, source: s.pick.source, step: s.pick.step }));
    monitor.observe({ contactId: contact.id, slots, purchasedAt: recContact.purchasedAt, aov: recContact.aov, meanItemPrice: recContact.meanItemPrice });
    t2 = performance.now();
    monitorMs += t2 - t;
  }
});
const slotsMs = featuresMs + fillMs;
console.log(`  featuresOf + recContactOf ${seconds(featuresMs)}, fillSlots ${seconds(fillMs)}, monitor ${seconds(monitorMs)}`);
console.log(`  ${count(Math.round(CONTACTS / (slotsMs / 1000)))} contacts/s (features + slots), ${count(Math.round(CONTACTS / (fillMs / 1000)))} contacts/s (fillSlots alone)`);

const report = monitor.report();
const share = (x: number | null) => (x === null ? "n/a" : `${(x * 100).toFixed(1)} %`);
console.log(`slots: ${count(report.slotsFilled)} filled, ${count(report.slotsEmpty)} empty; coverage ${share(report.coverage)} of ${count(report.productsEligible)} eligible products; diversity ${share(report.diversity)}; fallback ${share(report.fallbackShare)}; exploration ${share(report.explorationShare)}`);
console.log(`by source: ${Object.entries(report.bySource).map(([k, v]) => `${k} ${count(v)}`).join(", ")}`);
console.log(`leaks: ${Object.entries(report.leaks).map(([k, v]) => `${k} ${v}`).join(", ")}`);
console.log(`peak RSS ${mb(peakRss())}`);
