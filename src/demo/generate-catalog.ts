import { categoryVariants, DEMO_LEAVES } from "./category-tree.js";
import type { Random } from "./create-random.js";
import { toCumulative } from "./create-random.js";
import { toCsvRow } from "./to-csv-row.js";

/** What the event generator needs to know about a product. */
export type DemoProduct = {
  readonly id: string;
  /** Index into DEMO_LEAVES. */
  readonly leaf: number;
  readonly priceCents: number;
  readonly url: string;
  readonly replenishDays: number | undefined;
};

/** Products drawn in proportion to their popularity: bestsellers get most of the traffic. */
export type ProductSampler = { readonly indexes: readonly number[]; readonly cumulative: readonly number[] };

/** The demo catalog: products.csv as text, plus what events need to refer to it. */
export type DemoCatalog = {
  readonly products: readonly DemoProduct[];
  /** One sampler per leaf of DEMO_LEAVES, falling back to the whole catalog for empty leaves. */
  readonly byLeaf: readonly ProductSampler[];
  readonly csv: string;
  /** Rows written, planted bad ones included. */
  readonly rows: number;
  readonly categoryVariants: number;
  readonly nonNumericPrices: number;
};

export const PRODUCTS_HEADER = ["id", "title", "url", "imageUrl", "category", "brand", "price", "cost", "inventory", "active", "replenishDays", "createdAt"] as const;

const DAY_MS = 86_400_000;
const SITE = "https://demo.tailor.example";
const ADJECTIVES = ["Classic", "Everyday", "Heritage", "Essential", "Organic", "Relaxed", "Signature", "Weekend", "Studio", "Coastal", "Nordic", "Soft"];
const BAD_PRICES = ["N/A", "12,99", "call for price"];
// Spec: about 30% of products spell their category some other way.
const VARIANT_SHARE = 0.3;

/**
 * Builds `count` products (plus a few planted with a non-numeric price) over the demo category tree.
 * Images are `<imageBase>/<id>.svg` when `imageBase` is given (the demo server's own placeholder
 * tiles, which work offline), else made-up URLs on the demo site.
 */
export function generateCatalog(random: Random, count: number, nowMs: number, imageBase?: string): DemoCatalog {
  const leafCumulative = toCumulative(DEMO_LEAVES.map((l) => l.popularity));
  const products: DemoProduct[] = [];
  const weights: number[] = [];
  let csv = toCsvRow(PRODUCTS_HEADER);
  let variants = 0;

  const badPrices = plantCount(count, 500);
  for (let n = 1; n <= count + badPrices; n++) {
    const leafIndex = random.pickCumulative(leafCumulative);
    const leaf = DEMO_LEAVES[leafIndex] ?? DEMO_LEAVES[0];
    if (leaf === undefined) throw new Error("the demo category tree is empty");
    const id = `p${n}`;
    const title = `${random.pick(ADJECTIVES)} ${random.pick(leaf.nouns)}`;
    const url = `${SITE}/products/${slug(title)}-${id}`;
    const priceCents = drawPriceCents(random, leaf.basePrice);
    // Cost is 40-70% of price: the margin range of a small fashion and home shop.
    const costCents = Math.round(priceCents * (0.4 + 0.3 * random.float()));
    const inventory = random.chance(0.05) ? undefined : random.chance(0.08) ? 0 : Math.floor(1 + 250 * random.float() ** 2);
    const active = !random.chance(0.04);
    const replenishDays = leaf.replenish === undefined ? undefined : random.int(leaf.replenish[0], leaf.replenish[1]);
    // One product in eight is a new arrival from the last 30 days; the rest span two years.
    const ageDays = random.chance(0.12) ? 30 * random.float() : 30 + 700 * random.float();
    const createdAt = new Date(nowMs - Math.ceil(ageDays * DAY_MS)).toISOString();
    let category = leaf.path;
    if (random.chance(VARIANT_SHARE)) {
      category = random.pick(categoryVariants(leaf));
      variants++;
    }
    const planted = n > count;
    const price = planted ? BAD_PRICES[(n - count - 1) % BAD_PRICES.length] : toMoney(priceCents);
    const imageUrl = imageBase === undefined ? `${SITE}/img/${id}.jpg` : `${imageBase.replace(/\/+$/, "")}/${id}.svg`;
    csv += toCsvRow([id, title, url, imageUrl, category, random.pick(leaf.brands), price, toMoney(costCents), inventory, active, replenishDays, createdAt]);
    // Planted rows are in the file only: ingest should quarantine them, so no event points at them.
    if (planted) continue;
    products.push({ id, leaf: leafIndex, priceCents, url, replenishDays });
    const shelfFactor = !active ? 0.05 : inventory === 0 ? 0.4 : 1;
    weights.push(Math.exp(random.normal()) * shelfFactor);
  }

  return { products, byLeaf: samplersByLeaf(products, weights), csv, rows: count + badPrices, categoryVariants: variants, nonNumericPrices: badPrices };
}

/** How many bad records of one kind to plant: at least one, then one per `per` records. */
export function plantCount(records: number, per: number): number {
  return Math.max(1, Math.round(records / per));
}

/** Cents as the shop writes money: 94.99. */
export function toMoney(cents: number): number {
  return cents / 100;
}

function drawPriceCents(random: Random, basePrice: number): number {
  // Log-normal around the leaf's typical price, and one product in twenty is a premium line.
  const premium = random.chance(0.05) ? 2.5 : 1;
  const price = basePrice * premium * Math.exp(0.4 * random.normal());
  return Math.max(299, Math.round(price) * 100 - 1);
}

function samplersByLeaf(products: readonly DemoProduct[], weights: readonly number[]): ProductSampler[] {
  const all = products.map((_, i) => i);
  const whole = { indexes: all, cumulative: toCumulative(weights) };
  return DEMO_LEAVES.map((_, leaf) => {
    const indexes = all.filter((i) => products[i]?.leaf === leaf);
    if (indexes.length === 0) return whole;
    return { indexes, cumulative: toCumulative(indexes.map((i) => weights[i] ?? 0)) };
  });
}

function slug(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}
