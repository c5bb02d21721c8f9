import { REC_LEAKS } from "../../domain/index.js";
import type { Product, RecLeak, RecommendationReport, RecommendationSettings, RecSource } from "../../domain/index.js";
import { DAY_MS } from "../utc-day.js";

/** One filled slot as the monitor sees it: which product, which source, which step of the slot's chain (0 = its own source). */
export type MonitoredPick = { readonly productId: string; readonly source: RecSource | "exploration"; readonly step: number };

/** One contact's final slots (null = empty) and the raw facts the contact-dependent rules read. */
export type MonitoredContact = {
  readonly contactId: string;
  readonly slots: readonly (MonitoredPick | null)[];
  /** Product id -> last purchase, epoch ms. */
  readonly purchasedAt: Readonly<Record<string, number>>;
  /** Average order value and mean unit price paid; null before the first order. */
  readonly aov: number | null;
  readonly meanItemPrice: number | null;
};

export type MonitorInput = {
  readonly products: Iterable<Product>;
  readonly settings: RecommendationSettings;
  readonly now: Date;
  readonly contacts: Iterable<MonitoredContact>;
};

/** Folds contacts in one at a time, so a million contacts' slots never sit in one array. */
export type RecommendationMonitor = {
  observe(contact: MonitoredContact): void;
  report(): RecommendationReport;
};

// The rules may centre the band on an AOV rounded to cents; a cent either side is not a leak.
const PRICE_TOLERANCE = 0.01;
// Float noise at the margin floor's edge ((10 - 7) / 10 vs 0.3) is not a leak.
const FLOAT_SLACK = 1e-9;
// Enough for an alert to name one slot per leak kind and a few more; the counts carry the rest.
const LEAK_EXAMPLES_KEPT = 10;

/** The run's recommendation report, from every contact's final slots. */
export function monitorRecommendations(input: MonitorInput): RecommendationReport {
  const monitor = createRecommendationMonitor(input.products, input.settings, input.now);
  for (const contact of input.contacts) monitor.observe(contact);
  return monitor.report();
}

/**
 * A second line of defence, written apart from rules.ts on purpose: every leak check here is
 * read straight from the settings and the raw product and contact facts, so a bug in the rules
 * (or a source that skips them) shows up as a count instead of hiding behind the same code.
 * Where a setting could be read two ways the check takes the lenient one, so an alert is a
 * real leak, never a difference of interpretation.
 */
export function createRecommendationMonitor(products: Iterable<Product>, settings: RecommendationSettings, now: Date): RecommendationMonitor {
  const catalog = new Map<string, Product>();
  for (const p of products) catalog.set(p.id, p);
  const productRule = compileProductRule(settings, now);
  // The contact-independent verdict and category key of every product, worked out once: a
  // million contacts' slots then cost a lookup each.
  const productLeaks = new Map<string, readonly RecLeak[]>();
  const categoryOf = new Map<string, string>();
  const eligible = new Set<string>();
  let withoutPrice = 0;
  let withoutCategory = 0;
  for (const p of catalog.values()) {
    if (p.price === null) withoutPrice++;
    if (p.category.trim() === "") withoutCategory++;
    const found = productRule(p);
    productLeaks.set(p.id, found);
    categoryOf.set(p.id, categoryKey(p.category));
    if (found.length === 0) eligible.add(p.id);
  }

  const boughtAfter = now.getTime() - settings.excludePurchasedDays * DAY_MS;
  const leaks = Object.fromEntries(REC_LEAKS.map((l) => [l, 0])) as Record<RecLeak, number>;
  const leakExamples: RecommendationReport["leakExamples"][number][] = [];
  const recommended = new Set<string>();
  const bySource: Partial<Record<RecSource | "exploration", number>> = {};
  let contacts = 0;
  let filled = 0;
  let empty = 0;
  let fallbacks = 0;
  let explorations = 0;
  let diversitySum = 0;
  let diversityContacts = 0;

  function leak(kind: RecLeak, contactId: string, productId: string): void {
    leaks[kind]++;
    if (leakExamples.length < LEAK_EXAMPLES_KEPT) leakExamples.push({ leak: kind, contactId, productId });
  }

  function contactLeaks(contact: MonitoredContact, product: Product): RecLeak[] {
    const found: RecLeak[] = [];
    const boughtAt = Object.hasOwn(contact.purchasedAt, product.id) ? contact.purchasedAt[product.id] : undefined;
    // excludePurchasedDays = 0 turns the rule off; whether a consumable is due is the
    // replenishment source's call, so only a product that is never due again is a leak.
    if (settings.excludePurchasedDays > 0 && boughtAt !== undefined && boughtAt > boughtAfter && product.replenishDays === undefined) {
      found.push("already_bought_not_replenishable");
    }
    const reference = settings.priceReference === "aov" ? contact.aov : contact.meanItemPrice;
    if (settings.priceBand > 0 && reference !== null && reference > 0 && product.price !== null) {
      if (Math.abs(product.price - reference) > settings.priceBand * reference + PRICE_TOLERANCE) found.push("outside_price_band");
    }
    return found;
  }

  return {
    observe(contact) {
      contacts++;
      const seen = new Set<string>();
      const categories: string[] = [];
      for (const pick of contact.slots) {
        if (pick === null) {
          empty++;
          continue;
        }
        filled++;
        bySource[pick.source] = (bySource[pick.source] ?? 0) + 1;
        if (pick.step > 0) fallbacks++;
        if (pick.source === "exploration") explorations++;
        recommended.add(pick.productId);
        if (seen.has(pick.productId)) leak("repeated", contact.contactId, pick.productId);
        seen.add(pick.productId);
        const product = catalog.get(pick.productId);
        if (product === undefined) {
          leak("unknown_product", contact.contactId, pick.productId);
          categories.push("");
          continue;
        }
        categories.push(categoryOf.get(product.id) ?? "");
        for (const kind of productLeaks.get(product.id) ?? []) leak(kind, contact.contactId, product.id);
        for (const kind of contactLeaks(contact, product)) leak(kind, contact.contactId, product.id);
      }
      const diversity = pairDiversity(categories);
      if (diversity !== null) {
        diversitySum += diversity;
        diversityContacts++;
      }
    },

    report() {
      let recommendedEligible = 0;
      for (const id of recommended) if (eligible.has(id)) recommendedEligible++;
      return {
        contacts,
        slotsFilled: filled,
        slotsEmpty: empty,
        productsRecommended: recommended.size,
        productsEligible: eligible.size,
        coverage: eligible.size === 0 ? null : recommendedEligible / eligible.size,
        diversity: diversityContacts === 0 ? null : diversitySum / diversityContacts,
        fallbackShare: filled === 0 ? null : fallbacks / filled,
        explorationShare: filled === 0 ? null : explorations / filled,
        bySource: { ...bySource },
        catalog: { products: catalog.size, withoutPrice, withoutCategory },
        leaks: { ...leaks },
        leakExamples: [...leakExamples],
      };
    },
  };
}

/** The contact-independent rules as one check: the leaks a product would be, whoever it is shown to. */
function compileProductRule(settings: RecommendationSettings, now: Date): (product: Product) => RecLeak[] {
  const blocked = new Set(settings.blocklist.map((id) => id.trim()));
  const include = settings.includeCategories.map(categoryKey);
  const exclude = settings.excludeCategories.map(categoryKey);
  const today = now.toISOString().slice(5, 10); // "MM-DD", the format the seasonal windows use
  const seasons = settings.seasonal.map((w) => ({ category: categoryKey(w.category), open: inWindow(today, w.from, w.to) }));
  return (product) => {
    const found: RecLeak[] = [];
    if (!product.active) found.push("inactive");
    if (product.inventory !== null && product.inventory < settings.minInventory) found.push("out_of_stock");
    const category = categoryKey(product.category);
    const covering = seasons.filter((s) => isWithin(category, s.category));
    if (
      blocked.has(product.id) ||
      (include.length > 0 && !include.some((c) => isWithin(category, c))) ||
      exclude.some((c) => isWithin(category, c)) ||
      // Lenient on overlapping windows: any open window covering the product lets it through.
      (covering.length > 0 && !covering.some((s) => s.open))
    ) {
      found.push("excluded");
    }
    // Products without a known cost (or price) pass, as the setting documents.
    if (settings.marginFloor > 0 && product.cost !== undefined && product.price !== null && product.price > 0) {
      if ((product.price - product.cost) / product.price < settings.marginFloor - FLOAT_SLACK) found.push("below_margin_floor");
    }
    return found;
  };
}

/** Share of the slot pairs whose products are in different categories; null below two slots. */
function pairDiversity(categories: readonly string[]): number | null {
  const n = categories.length;
  if (n < 2) return null;
  let different = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (categories[i] !== categories[j]) different++;
  return different / ((n * (n - 1)) / 2);
}

/**
 * A category path compared loosely: segments split on "/" or ">", trimmed, lowercased and
 * rejoined with " > ", so a list typed as "Home/Candles" matches the stored "home > candles".
 */
function categoryKey(raw: string): string {
  return raw.split(/[/>]/).map((s) => s.trim().toLowerCase().replace(/\s+/g, " ")).filter((s) => s !== "").join(" > ");
}

/** A path is within a category when it is that category or below it. */
const isWithin = (path: string, category: string): boolean => category !== "" && (path === category || path.startsWith(`${category} > `));

/** Whether "MM-DD" `day` is in the inclusive window from..to, which may wrap past New Year. */
const inWindow = (day: string, from: string, to: string): boolean => (from <= to ? day >= from && day <= to : day >= from || day <= to);

// A coverage drop alerts when it loses more than half of the previous run's coverage...
const COVERAGE_DROP = 0.5;
// ...and the previous run covered at least 2 % of the eligible catalog: below that a few best
// sellers changing rank can halve the share, and the alert would be noise.
const COVERAGE_FLOOR = 0.02;

/**
 * Alerts for the run summary: one per leak kind with a count above 0, and one when coverage
 * fell by more than COVERAGE_DROP of the previous run's (which covered at least COVERAGE_FLOOR).
 */
export function recommendationAlerts(current: RecommendationReport, previous: RecommendationReport | null): string[] {
  const alerts: string[] = [];
  for (const kind of REC_LEAKS) {
    const count = current.leaks[kind];
    if (count === 0) continue;
    const example = current.leakExamples.find((e) => e.leak === kind);
    const named = example === undefined ? "" : ` (e.g. product ${example.productId} for contact ${example.contactId})`;
    alerts.push(`Recommendation leak: ${count} ${count === 1 ? "slot breaks" : "slots break"} the ${kind.replaceAll("_", " ")} rule${named}; this must be 0.`);
  }
  if (previous?.coverage != null && previous.coverage >= COVERAGE_FLOOR) {
    const now = current.coverage ?? 0;
    if (now < previous.coverage * (1 - COVERAGE_DROP)) {
      alerts.push(`Recommendation coverage fell from ${percent(previous.coverage)} to ${percent(now)} of eligible products since the previous run (${previous.productsRecommended} products recommended then, ${current.productsRecommended} now).`);
    }
  }
  return alerts;
}

const percent = (share: number): string => `${(share * 100).toFixed(1)} %`;
