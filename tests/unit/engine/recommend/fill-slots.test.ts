import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { REC_SCOPES, REC_SOURCES } from "../../../../src/domain/index.js";
import type { Product, RecommendationSettings, RecScope, RecSource, Slot } from "../../../../src/domain/index.js";
import type { Candidate, RecContact, RecModel } from "../../../../src/engine/recommend/candidate.js";
import { fillSlots } from "../../../../src/engine/recommend/fill-slots.js";
import type { FilledSlot } from "../../../../src/engine/recommend/fill-slots.js";
import { compileRules } from "../../../../src/engine/recommend/rules.js";
import { createKeyedRng } from "../../../../src/engine/rng.js";
import type { Rng } from "../../../../src/engine/rng.js";
import { NOW, product } from "../fixtures.js";
import { cand, listGenerators, rankedOf, recContact, recModel, recSettings, scriptedRng, slotOf } from "./rec-fixtures.js";
import type { GeneratorCall } from "./rec-fixtures.js";

const NEVER_EXPLORE = 0.99;

type Run = {
  readonly settings?: Partial<RecommendationSettings>;
  readonly contact?: Partial<RecContact>;
  readonly model?: Partial<RecModel>;
  readonly rng?: Rng;
  readonly calls?: GeneratorCall[];
};

const THREE_SLOTS: Slot[] = [
  slotOf("one", "personal", "recent_views", "bestsellers"),
  slotOf("two", "trending", "bestsellers"),
  slotOf("three", "bestsellers"),
];

function run(catalog: readonly Product[], lists: Partial<Record<RecSource, readonly Candidate[]>>, options: Run = {}): FilledSlot[] {
  const settings = recSettings({ slots: THREE_SLOTS, ...options.settings });
  return fillSlots(
    recContact(options.contact),
    recModel(catalog, { settings, ...options.model }),
    listGenerators(lists, options.calls),
    compileRules(settings, NOW),
    options.rng ?? scriptedRng(NEVER_EXPLORE),
  );
}

const ids = (filled: readonly FilledSlot[]): (string | null)[] => filled.map((f) => f.pick?.product.id ?? null);
const list = (...productIds: string[]): Candidate[] => productIds.map((id) => cand(id));

describe("fillSlots: slot strategy", () => {
  // One category each, so the category cap stays out of these tests.
  const catalog = ["a", "b", "c", "x"].map((id) => product(id, { category: id, active: id !== "x" }));

  it("fills each slot from its own source when it has a passing product", () => {
    const filled = run(catalog, { personal: list("a"), trending: list("b"), bestsellers: list("c") });
    expect(filled.map((f) => [f.pick?.product.id, f.pick?.source, f.pick?.step, f.why])).toEqual([
      ["a", "personal", 0, "why a"],
      ["b", "trending", 0, "why b"],
      ["c", "bestsellers", 0, "why c"],
    ]);
  });

  it("falls back in order when a source has nothing passing, naming the steps that failed", () => {
    const [first] = run(catalog, { personal: list("x"), bestsellers: list("x", "c") });
    expect(first?.pick).toMatchObject({ source: "bestsellers", step: 2, why: "why c (fallback after personal, recent_views)" });
  });

  it("gives way to the fallback after 500 candidates that all break a rule, rather than walking the whole list", () => {
    const inactive = Array.from({ length: 500 }, (_, i) => product(`off${i}`, { category: `off${i}`, active: false }));
    const long = [...inactive, product("late", { category: "late" })];
    const [first] = run([...long, ...catalog], { personal: list(...long.map((p) => p.id)), bestsellers: list("c") });
    expect(first?.pick).toMatchObject({ product: { id: "c" }, source: "bestsellers" });
    const [within] = run([...long.slice(1), ...catalog], { personal: list(...long.slice(1).map((p) => p.id)), bestsellers: list("c") });
    expect(within?.pick).toMatchObject({ product: { id: "late" }, source: "personal" });
  });

  it("says why a slot is empty, naming every step tried", () => {
    const [first] = run(catalog, { personal: list("x") });
    expect(first).toEqual({ pick: null, why: "no product passes the rules in personal, recent_views, bestsellers" });
  });

  it("gives an empty catalog empty slots with their reasons instead of failing", () => {
    const filled = run([], { personal: list("a"), bestsellers: list("b") }, { settings: { slots: recSettings().slots } });
    expect(filled.map((f) => f.pick)).toEqual([null, null, null, null, null]);
    expect(filled[2]?.why).toBe("no product passes the rules in trending in top category (none known), trending, bestsellers");
  });

  it("skips candidates that are not in the catalog", () => {
    expect(ids(run(catalog, { personal: list("ghost", "a") }))[0]).toBe("a");
  });

  it("never puts one product in two slots", () => {
    const everywhere = list("a", "b", "c");
    expect(ids(run(catalog, { personal: everywhere, trending: everywhere, bestsellers: everywhere }))).toEqual(["a", "b", "c"]);
  });
});

describe("fillSlots: category scopes", () => {
  const catalog = [product("g", { category: "Garden" }), product("h", { category: "Home > Kitchen" }), product("t", { category: "Toys" })];
  const scopedSlot: Slot = {
    name: "scoped",
    source: "trending",
    within: "top_category",
    fallbacks: [{ source: "new_arrivals", within: "affinity_categories" }, { source: "bestsellers", within: "any" }],
  };
  const settings = { slots: [scopedSlot, slotOf("two", "bestsellers"), slotOf("three", "bestsellers")] };

  it("asks each step's source for its scope and drops what a source returns outside it", () => {
    const calls: GeneratorCall[] = [];
    const filled = run(catalog, { trending: list("g", "h") }, { settings, calls, contact: { topCategory: "Home", affinityCategories: ["Home", "Garden"] } });
    expect(filled[0]?.pick).toMatchObject({ product: { id: "h" }, step: 0 });
    expect(calls[0]).toEqual({ source: "trending", scope: new Set(["Home"]) });
  });

  it("draws an affinity step from any of the contact's categories", () => {
    const contact = { topCategory: "Toys", affinityCategories: ["Toys", "Garden"] };
    const filled = run(catalog, { trending: list("g", "h"), new_arrivals: list("h", "g") }, { settings, contact });
    expect(filled[0]?.pick).toMatchObject({ product: { id: "g" }, source: "new_arrivals", step: 1, why: "why g (fallback after trending in Toys)" });
  });

  it("skips a scoped step when the contact has no such category, and says so", () => {
    const calls: GeneratorCall[] = [];
    const filled = run(catalog, { trending: list("g"), new_arrivals: list("g"), bestsellers: list("t") }, { settings, calls });
    expect(calls.map((c) => c.source).slice(0, 1)).toEqual(["bestsellers"]);
    expect(filled[0]?.why).toBe("why t (fallback after trending in top category (none known), new_arrivals in affinity categories (none known))");
  });
});

describe("fillSlots: diversity", () => {
  it("caps products per category across slots, uncategorised products counting as one category", () => {
    const catalog = [product("a", { category: "Home" }), product("b", { category: "Home" }), product("c", { category: "" }), product("d", { category: "" }), product("e", { category: "Garden" })];
    const all = list("a", "b", "c", "d", "e");
    const filled = run(catalog, { personal: all, trending: all, bestsellers: all }, { settings: { maxPerCategory: 1 } });
    expect(ids(filled)).toEqual(["a", "c", "e"]);
  });

  it("lets a category fill two slots under the default cap of 2, not three", () => {
    const catalog = ["a", "b", "c", "d"].map((id) => product(id, { category: id === "d" ? "Garden" : "Home" }));
    const all = list("a", "b", "c", "d");
    expect(ids(run(catalog, { personal: all, trending: all, bestsellers: all }))).toEqual(["a", "b", "d"]);
  });
});

describe("fillSlots: re-rank by margin", () => {
  const plain = product("a", { price: 10 });
  const margin = product("b", { price: 10, cost: 2 });

  it("lifts a high-margin product past a slightly better-scored one", () => {
    // b: 0.9 x (1 + 0.2 x 0.8) = 1.044 beats a: 1.
    expect(ids(run([plain, margin], { personal: [cand("a", 1), cand("b", 0.9)] }, { settings: { marginBoost: 0.2 } }))[0]).toBe("b");
  });

  it("keeps the source's order when the margin boost is off", () => {
    expect(ids(run([plain, margin], { personal: [cand("a", 1), cand("b", 0.9)] }, { settings: { marginBoost: 0 } }))[0]).toBe("a");
  });

  it("re-ranks only the first 20 acceptable candidates", () => {
    const fillers = Array.from({ length: 20 }, (_, i) => product(`f${String(i).padStart(2, "0")}`));
    const star = product("z", { price: 10, cost: 0 });
    const personal = [...fillers.map((f) => cand(f.id, 1)), cand("z", 1)];
    const settings = { marginBoost: 5 };
    expect(ids(run([...fillers, star], { personal }, { settings }))[0]).toBe("f00");
    // One filler breaking a rule does not use up the window: z becomes the 20th acceptable one.
    expect(ids(run([...fillers, star], { personal }, { settings: { ...settings, blocklist: ["f05"] } }))[0]).toBe("z");
  });

  it("stops reading a best-first source once no later candidate could win the re-rank", () => {
    function* personal(): Generator<Candidate> {
      yield cand("a", 10);
      yield cand("b", 8); // 8 x (1 + 0.2) = 9.6 < 10: nothing from here on can win
      throw new Error("read past the point where nothing could win");
    }
    const generators = { ...listGenerators({}), personal: () => personal() };
    const settings = recSettings({ slots: THREE_SLOTS, marginBoost: 0.2 });
    const catalog = [product("a", { category: "a" }), product("b", { category: "b" })];
    const filled = fillSlots(recContact(), recModel(catalog, { settings }), generators, compileRules(settings, NOW), scriptedRng(NEVER_EXPLORE));
    expect(filled[0]?.pick?.product.id).toBe("a");
  });

  it("breaks ties by the source's order", () => {
    expect(ids(run([product("a"), product("b")], { personal: [cand("b", 1), cand("a", 1)] }))[0]).toBe("b");
  });

  it("ranks negative scores as 0, so the source's order decides among them", () => {
    expect(ids(run([product("a"), product("b")], { personal: [cand("a", -5), cand("b", -1)] }))[0]).toBe("a");
  });
});

describe("fillSlots: rotation", () => {
  const catalog = ["a", "b", "c"].map((id) => product(id, { category: id }));
  const shown = { shown: new Set(["a"]) };

  it("demotes a shown product below an equally scored unshown one", () => {
    const filled = run(catalog, { personal: [cand("a", 1), cand("b", 1)] }, { contact: shown, settings: { rotationPenalty: 1 } });
    expect(ids(filled)[0]).toBe("b");
  });

  it.each([
    { other: 0.6, winner: "b" },
    { other: 0.4, winner: "a" },
  ])("with penalty 0.5, a shown product scored 1 against an unshown one scored $other: $winner wins", ({ other, winner }) => {
    const filled = run(catalog, { personal: [cand("a", 1), cand("b", other)] }, { contact: shown, settings: { rotationPenalty: 0.5 } });
    expect(ids(filled)[0]).toBe(winner);
  });

  it("ignores what was shown when rotation is off", () => {
    const filled = run(catalog, { personal: [cand("a", 1), cand("b", 0.1)] }, { contact: shown, settings: { rotationSends: 0, rotationPenalty: 0 } });
    expect(ids(filled)[0]).toBe("a");
  });

  it("with penalty 0 takes a later step's unshown product over a shown one", () => {
    const filled = run(catalog, { personal: [cand("a", 9)], bestsellers: list("b") }, { contact: shown, settings: { rotationPenalty: 0 } });
    expect(filled[0]?.pick).toMatchObject({ product: { id: "b" }, source: "bestsellers" });
  });

  it("with penalty 0 shows a recently shown product only when nothing else passes, saying so", () => {
    const filled = run(catalog, { personal: [cand("a", 9)], bestsellers: list("a") }, { contact: shown, settings: { rotationPenalty: 0 } });
    expect(filled[0]?.pick).toMatchObject({ product: { id: "a" }, source: "personal", step: 0, why: "why a; shown recently, nothing else passes" });
  });
});

describe("fillSlots: exploration", () => {
  const catalog = [product("g1", { category: "Garden" }), product("h1", { category: "Home" }), product("h2", { category: "Home > Bath" }), product("p", { category: "Toys" })];
  const underExposed = rankedOf(["g1", "h1", "h2"], catalog);
  const explore = (rng: Rng, more: Run = {}) =>
    run(catalog, { personal: list("p") }, { rng, contact: { affinityCategories: ["Home"] }, ...more, model: { underExposed, ...more.model }, settings: { explorationShare: 0.5, ...more.settings } });

  it("draws the rng exactly once per slot, exploring or not", () => {
    const quiet = scriptedRng(0.1, 0.2, 0.3);
    run(catalog, { personal: list("p") }, { rng: quiet, settings: { explorationShare: 0 } });
    const busy = scriptedRng(0.1, 0.9, 0.2);
    explore(busy);
    expect([quiet.calls, busy.calls]).toEqual([3, 3]);
  });

  it("gives an exploring slot an under-exposed product in the contact's categories, marked as exploration", () => {
    expect(explore(scriptedRng(0))[0]?.pick).toEqual({ product: catalog[1], source: "exploration", step: 0, why: "exploration: why h1" });
  });

  it("uses the slot's draw to choose among the acceptable under-exposed products", () => {
    // 0.49 / 0.5 = 0.98: the last of the two Home products.
    expect(explore(scriptedRng(0.49))[0]?.pick?.product.id).toBe("h2");
  });

  it("does not explore when the draw is at or above the share", () => {
    expect(explore(scriptedRng(0.5))[0]?.pick?.source).toBe("personal");
  });

  it("explores any category when nothing in the contact's categories passes the rules", () => {
    expect(explore(scriptedRng(0), { settings: { blocklist: ["h1", "h2"] } })[0]?.pick?.product.id).toBe("g1");
  });

  it("never explores with a product shown recently", () => {
    expect(explore(scriptedRng(0), { contact: { affinityCategories: ["Home"], shown: new Set(["h1"]) } })[0]?.pick?.product.id).toBe("h2");
  });

  it("falls back to the slot's strategy when no under-exposed product passes", () => {
    expect(explore(scriptedRng(0), { settings: { blocklist: ["g1", "h1", "h2"] } })[0]?.pick).toMatchObject({ product: { id: "p" }, source: "personal" });
  });

  it("keeps an under-exposed reason that already says exploration", () => {
    const marked = rankedOf(["h1"], catalog, () => "exploration: new (added 3 days ago)");
    expect(explore(scriptedRng(0), { model: { underExposed: marked } })[0]?.why).toBe("exploration: new (added 3 days ago)");
  });

  describe("over 2,000 contacts", () => {
    // Ten categories, so the cap of 2 per category never leaves an exploring slot without a product.
    const many = Array.from({ length: 40 }, (_, i) => product(`u${i}`, { category: `Dept ${i % 10}` }));
    const bestsellers = list(...many.map((p) => p.id));
    const model = recModel(many, { settings: recSettings({ explorationShare: 0.1 }), underExposed: rankedOf(many.map((p) => p.id).reverse(), many) });
    const rules = compileRules(model.settings, NOW);
    const generators = listGenerators({ personal: bestsellers, complementary: bestsellers, trending: bestsellers, new_arrivals: bestsellers, bestsellers });
    const runAll = (seed: number) =>
      Array.from({ length: 2000 }, (_, i) => {
        const contact = recContact({ contactId: `c${i}`, affinityCategories: ["Dept 0"] });
        return fillSlots(contact, model, generators, rules, createKeyedRng(seed, contact.contactId)).map((f) => f.pick?.source ?? null);
      });

    it("explores the configured share of slots, within 1.5 points for 10,000 slots", () => {
      const sources = runAll(7).flat();
      const share = sources.filter((s) => s === "exploration").length / sources.length;
      // Binomial(10,000, 0.1): standard error 0.003, so 0.015 is five of them.
      expect(sources.length).toBe(10_000);
      expect(sources.includes(null)).toBe(false);
      expect(Math.abs(share - 0.1)).toBeLessThan(0.015);
    });

    it("explores the same slots of the same contacts for the same seed, and others for another", () => {
      expect(runAll(7)).toEqual(runAll(7));
      expect(runAll(8)).not.toEqual(runAll(7));
    });
  });
});

describe("fillSlots: cold start", () => {
  const catalog = [
    product("t1", { category: "Home" }), product("t2", { category: "Garden" }), product("n1", { category: "Garden" }),
    product("b1", { category: "Toys" }), product("b2", { category: "Garden" }), product("b3", { category: "Books" }),
  ];
  const lists = { trending: list("t1", "t2"), new_arrivals: list("n1"), bestsellers: list("b1", "b2", "b3") };
  const defaults = { slots: recSettings().slots };

  it("fills every default slot for a contact with no history from the scoped fallbacks in their stated category", () => {
    const stated = { topCategory: "Garden", affinityCategories: ["Garden"], categoriesStated: true };
    const filled = run(catalog, lists, { settings: defaults, contact: stated });
    expect(filled.map((f) => [f.pick?.product.id, f.pick?.source, f.pick?.step])).toEqual([
      ["b2", "bestsellers", 2], // bestsellers in Garden, after personal and recent views had nothing
      ["t1", "trending", 3],
      ["t2", "trending", 0], // trending in Garden
      ["b1", "bestsellers", 3], // Garden is at its cap of 2, so the Garden new arrival waits
      ["b3", "bestsellers", 0],
    ]);
  });

  it("fills every default slot for a contact with no history and no stated categories from the unscoped fallbacks", () => {
    const filled = run(catalog, lists, { settings: defaults });
    expect(filled.every((f) => f.pick !== null)).toBe(true);
    expect(filled[0]?.pick).toMatchObject({ product: { id: "b1" }, step: 3 });
  });
});

// ---------------------------------------------------------------------------------------------
// Properties: random catalogs, contacts and settings, every source proposing the whole catalog
// in its own order. Rules are checked by an oracle written here, not by calling ruleBreak.

const DAY = 86_400_000;
const IDS = Array.from({ length: 24 }, (_, i) => `p${i}`);
const CATEGORIES = ["", "Home", "Home > Kitchen", "home/kitchen > Knives", "Homeware", "Garden", "Garden > Tools", "Christmas", "Christmas > Lights"];
const PATHS = ["Home", "Home/Kitchen", "garden > tools", "Garden", "Christmas", "Homeware"];

const cents = (min: number, max: number) => fc.integer({ min: min * 100, max: max * 100 }).map((c) => c / 100);
const monthDay = fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }))
  .map(([m, d]) => `${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`);
/** `otherwise` in `odds` of `odds + 1` cases, else a value from `arb`. */
const sometimes = <T>(arb: fc.Arbitrary<T>, otherwise: T, odds = 3) => fc.oneof({ weight: odds, arbitrary: fc.constant(otherwise) }, { weight: 1, arbitrary: arb });

const productArb = (id: string): fc.Arbitrary<Product> =>
  fc.record({
    active: sometimes(fc.constant(false), true, 9),
    inventory: sometimes(fc.integer({ min: -1, max: 4 }), null, 2),
    price: fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 8, arbitrary: cents(0, 100) }),
    costShare: fc.option(fc.double({ min: 0, max: 1.2, noNaN: true })),
    category: fc.constantFrom(...CATEGORIES),
    replenishDays: fc.option(fc.integer({ min: 5, max: 60 })),
  }).map(({ costShare, replenishDays, price, ...fields }) => ({
    id, title: id, url: "", imageUrl: "", brand: "", price, ...fields,
    ...(costShare === null || price === null ? {} : { cost: price * costShare }),
    ...(replenishDays === null ? {} : { replenishDays }),
  }));

// Mostly the whole id pool, sometimes a few products or none.
const catalogArb = fc.oneof({ weight: 3, arbitrary: fc.constant(IDS) }, { weight: 1, arbitrary: fc.subarray(IDS) }).chain((chosen) => fc.tuple(...chosen.map(productArb)));

const stepArb = fc.record({ source: fc.constantFrom(...REC_SOURCES), within: fc.constantFrom(...REC_SCOPES) });
const slotArb: fc.Arbitrary<Slot> = fc.record({ source: fc.constantFrom(...REC_SOURCES), within: fc.constantFrom(...REC_SCOPES), fallbacks: fc.array(stepArb, { maxLength: 3 }) })
  .map((slot) => ({ name: "slot", ...slot }));

const settingsArb: fc.Arbitrary<RecommendationSettings> = fc.record({
  slots: fc.array(slotArb, { minLength: 3, maxLength: 6 }),
  minInventory: fc.integer({ min: 0, max: 3 }),
  excludePurchasedDays: fc.constantFrom(0, 30, 365),
  priceBand: fc.constantFrom(0, 0.3, 1),
  priceReference: fc.constantFrom("aov" as const, "item_price" as const),
  marginFloor: fc.constantFrom(0, 0.2, 0.5),
  marginBoost: fc.constantFrom(0, 0.2, 2),
  includeCategories: sometimes(fc.subarray(PATHS, { minLength: 1 }), []),
  excludeCategories: sometimes(fc.subarray(PATHS, { minLength: 1 }), []),
  seasonal: sometimes(fc.array(fc.record({ category: fc.constantFrom(...PATHS), from: monthDay, to: monthDay }), { minLength: 1, maxLength: 2 }), []),
  blocklist: fc.subarray(IDS, { maxLength: 4 }),
  maxPerCategory: fc.integer({ min: 1, max: 3 }),
  rotationSends: fc.constantFrom(0, 3),
  rotationPenalty: fc.constantFrom(0, 0.5, 1),
  explorationShare: fc.constantFrom(0, 0.2, 0.5),
}).map((fields) => recSettings(fields));

const contactArb = (now: number): fc.Arbitrary<RecContact> =>
  fc.record({
    purchases: fc.array(fc.record({ id: fc.constantFrom(...IDS), daysAgo: fc.double({ min: -2, max: 800, noNaN: true }), quantity: fc.integer({ min: 0, max: 4 }) }), { maxLength: 10 }),
    aov: fc.option(cents(30, 70)),
    meanItemPrice: fc.option(cents(20, 60)),
    topCategory: fc.option(fc.constantFrom(...CATEGORIES.filter((c) => c !== ""))),
    affinityCategories: fc.subarray(CATEGORIES.filter((c) => c !== ""), { maxLength: 3 }),
    shown: fc.subarray(IDS, { maxLength: 8 }),
  }).map(({ purchases, shown, ...fields }) =>
    recContact({
      ...fields,
      purchasedAt: Object.fromEntries(purchases.map((p) => [p.id, now - p.daysAgo * DAY])),
      lastQuantity: Object.fromEntries(purchases.map((p) => [p.id, p.quantity])),
      orders: purchases.length,
      shown: new Set(shown),
    }));

/** Every source proposes every id (and one the catalog lacks), in its own order with its own scores. */
const proposalsArb = fc.tuple(...REC_SOURCES.map(() =>
  fc.tuple(fc.shuffledSubarray([...IDS, "ghost"], { minLength: IDS.length + 1 }), fc.array(fc.double({ min: -1, max: 10, noNaN: true }), { minLength: IDS.length + 1, maxLength: IDS.length + 1 }))
    .map(([order, scores]) => order.map((id, i) => cand(id, scores[i] ?? 0))),
)).map((lists) => Object.fromEntries(REC_SOURCES.map((source, i) => [source, lists[i] ?? []])) as Record<RecSource, Candidate[]>);

const worldArb = fc.integer({ min: Date.UTC(2023, 0, 1), max: Date.UTC(2025, 11, 31) }).chain((now) =>
  fc.record({
    now: fc.constant(now),
    catalog: catalogArb,
    settings: settingsArb,
    contact: contactArb(now),
    proposals: proposalsArb,
    underExposed: fc.shuffledSubarray(IDS),
    seed: fc.integer(),
  }));
type World = typeof worldArb extends fc.Arbitrary<infer W> ? W : never;

// --- The oracle: the rules as the settings describe them, written independently of rules.ts.

const segmentsOf = (path: string): string[] => path.split(/[/>]/).map((s) => s.trim().toLowerCase()).filter((s) => s !== "");
function under(category: string, path: string): boolean {
  const c = segmentsOf(category);
  const p = segmentsOf(path);
  return c.length > 0 && p.length <= c.length && p.every((segment, i) => c[i] === segment);
}
const ordinal = (monthDayText: string): number => Number(monthDayText.slice(0, 2)) * 32 + Number(monthDayText.slice(3));

function passes(p: Product, contact: RecContact, s: RecommendationSettings, now: number): boolean {
  if (!p.active || (p.inventory !== null && p.inventory < s.minInventory) || s.blocklist.includes(p.id)) return false;
  if (s.includeCategories.length > 0 && !s.includeCategories.some((path) => under(p.category, path))) return false;
  if (s.excludeCategories.some((path) => under(p.category, path))) return false;
  const day = new Date(now);
  const today = (day.getUTCMonth() + 1) * 32 + day.getUTCDate();
  for (const window of s.seasonal) {
    if (!under(p.category, window.category)) continue;
    const sameCategory = s.seasonal.filter((w) => segmentsOf(w.category).join("/") === segmentsOf(window.category).join("/"));
    const open = sameCategory.some((w) => {
      const [from, to] = [ordinal(w.from), ordinal(w.to)];
      return from <= to ? from <= today && today <= to : today >= from || today <= to;
    });
    if (!open) return false;
  }
  if (s.marginFloor > 0 && p.cost !== undefined && p.price !== null && p.price > 0 && (p.price - p.cost) / p.price < s.marginFloor) return false;
  const boughtAt = contact.purchasedAt[p.id];
  if (s.excludePurchasedDays > 0 && boughtAt !== undefined && now - boughtAt < s.excludePurchasedDays * DAY) {
    if (p.replenishDays === undefined) return false;
    const units = Math.max(1, contact.lastQuantity[p.id] ?? 1);
    if (now < boughtAt + (p.replenishDays * units - 7) * DAY) return false;
  }
  const reference = s.priceReference === "aov" ? contact.aov : contact.meanItemPrice;
  if (s.priceBand > 0 && reference !== null) {
    if (p.price === null) return false;
    const priceCents = Math.round(p.price * 100);
    if (priceCents < Math.round(reference * (1 - s.priceBand) * 100) || priceCents > Math.round(reference * (1 + s.priceBand) * 100)) return false;
  }
  return true;
}

/** Null when a scope has no categories for this contact (the step is skipped). */
function scopeTest(within: RecScope, contact: RecContact): ((p: Product) => boolean) | null {
  if (within === "any") return () => true;
  const paths = within === "top_category" ? (contact.topCategory === null ? [] : [contact.topCategory]) : contact.affinityCategories;
  return paths.length === 0 ? null : (p) => paths.some((path) => under(p.category, path));
}

/** Runs the world and walks its slots with what was taken before each. */
function walk(world: World, visit: (slot: { index: number; filled: FilledSlot; steps: { source: RecSource; within: RecScope }[]; acceptable: (p: Product) => boolean; shown: (p: Product) => boolean; catalog: readonly Product[] }) => void): void {
  const { now, catalog, settings, contact } = world;
  const model = recModel(catalog, { now, settings, underExposed: rankedOf(world.underExposed, catalog) });
  const filled = fillSlots(contact, model, listGenerators(world.proposals), compileRules(settings, new Date(now)), createKeyedRng(world.seed, contact.contactId));
  expect(filled).toHaveLength(settings.slots.length);
  const used = new Set<string>();
  const perCategory = new Map<string, number>();
  filled.forEach((entry, index) => {
    const slot = settings.slots[index];
    if (slot === undefined) throw new Error("more slots filled than configured");
    visit({
      index,
      filled: entry,
      steps: [{ source: slot.source, within: slot.within }, ...slot.fallbacks],
      acceptable: (p) => passes(p, contact, settings, now) && !used.has(p.id) && (perCategory.get(p.category) ?? 0) < settings.maxPerCategory,
      shown: (p) => settings.rotationSends > 0 && contact.shown.has(p.id),
      catalog,
    });
    const picked = entry.pick?.product;
    if (picked !== undefined) {
      used.add(picked.id);
      perCategory.set(picked.category, (perCategory.get(picked.category) ?? 0) + 1);
    }
  });
}

const PROPERTY_RUNS = { numRuns: 300 };

describe("fillSlots properties over random catalogs, histories and settings", () => {
  it("never fills a slot with a product that breaks a rule", () => {
    fc.assert(fc.property(worldArb, (world) => {
      walk(world, ({ filled }) => {
        if (filled.pick !== null) expect(passes(filled.pick.product, world.contact, world.settings, world.now)).toBe(true);
      });
    }), PROPERTY_RUNS);
  });

  it("never repeats a product and keeps every category within the cap", () => {
    fc.assert(fc.property(worldArb, (world) => {
      walk(world, ({ filled, acceptable }) => {
        if (filled.pick !== null) expect(acceptable(filled.pick.product)).toBe(true);
      });
    }), PROPERTY_RUNS);
  });

  it("leaves a slot empty only when no catalog product could fill any of its steps", () => {
    fc.assert(fc.property(worldArb, (world) => {
      walk(world, ({ filled, steps, acceptable, catalog }) => {
        if (filled.pick !== null) return;
        const reachable = (p: Product) => steps.some((step) => scopeTest(step.within, world.contact)?.(p) ?? false);
        expect(catalog.filter((p) => acceptable(p) && reachable(p)).map((p) => p.id)).toEqual([]);
      });
    }), PROPERTY_RUNS);
  });

  it("takes a step only when every earlier step had nothing acceptable, and honours the step's scope", () => {
    fc.assert(fc.property(worldArb, (world) => {
      walk(world, ({ filled, steps, acceptable, shown, catalog }) => {
        const pick = filled.pick;
        if (pick === null || pick.source === "exploration") return;
        const step = steps[pick.step];
        expect(step?.source).toBe(pick.source);
        expect(scopeTest(step?.within ?? "any", world.contact)?.(pick.product)).toBe(true);
        const reserved = world.settings.rotationPenalty === 0;
        for (const earlier of steps.slice(0, pick.step)) {
          const inScope = scopeTest(earlier.within, world.contact);
          if (inScope === null) continue;
          // With penalty 0 a shown product in an earlier step waits for the later steps.
          const open = catalog.filter((p) => acceptable(p) && inScope(p) && !(reserved && shown(p) && !shown(pick.product)));
          expect(open.map((p) => p.id)).toEqual([]);
        }
      });
    }), PROPERTY_RUNS);
  });

  it("with rotation penalty 0, shows a recently shown product only when no unshown one passes in any step", () => {
    fc.assert(fc.property(worldArb.map((w) => ({ ...w, settings: { ...w.settings, rotationPenalty: 0, rotationSends: 3 } })), (world) => {
      walk(world, ({ filled, steps, acceptable, shown, catalog }) => {
        if (filled.pick === null || !shown(filled.pick.product)) return;
        expect(filled.pick.source).not.toBe("exploration");
        const reachable = (p: Product) => steps.some((step) => scopeTest(step.within, world.contact)?.(p) ?? false);
        expect(catalog.filter((p) => acceptable(p) && reachable(p) && !shown(p)).map((p) => p.id)).toEqual([]);
      });
    }), PROPERTY_RUNS);
  });

  it("marks every exploration pick as exploration in its reason and never explores with a shown product", () => {
    fc.assert(fc.property(worldArb, (world) => {
      walk(world, ({ filled, shown }) => {
        if (filled.pick?.source !== "exploration") return;
        expect(filled.pick.why.startsWith("exploration:")).toBe(true);
        expect(shown(filled.pick.product)).toBe(false);
      });
    }), PROPERTY_RUNS);
  });
});
