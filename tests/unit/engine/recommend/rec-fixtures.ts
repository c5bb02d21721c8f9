import { RecommendationSettingsSchema } from "../../../../src/domain/index.js";
import type { Product, RecommendationSettings, RecSource, Slot } from "../../../../src/domain/index.js";
import type { Candidate, CategoryScope, Generators, ItemGraph, PersonalModel, RankedList, RecContact, RecModel } from "../../../../src/engine/recommend/candidate.js";
import { toRankedList } from "../../../../src/engine/recommend/ranked-list.js";
import { NOW } from "../fixtures.js";

/** Plain RecModel / RecContact builders for the slot filler's tests: no feature book, only what a test sets. */

/** Schema defaults with some fields overridden. */
export const recSettings = (overrides: Partial<RecommendationSettings> = {}): RecommendationSettings => ({
  ...RecommendationSettingsSchema.parse({}),
  ...overrides,
});

/** A slot from a source and its fallbacks, all scoped "any" unless written "source@scope". */
export const slotOf = (name: string, source: RecSource, ...fallbacks: (RecSource | `${RecSource}@${Slot["within"]}`)[]): Slot => ({
  name,
  source,
  within: "any",
  fallbacks: fallbacks.map((step) => {
    const [fallback, within] = step.split("@") as [RecSource, Slot["within"] | undefined];
    return { source: fallback, within: within ?? "any" };
  }),
});

/** A contact with no history, no categories and nothing shown, unless `fields` say otherwise. */
export const recContact = (fields: Partial<RecContact> = {}): RecContact => ({
  contactId: "c1",
  purchasedAt: {},
  lastQuantity: {},
  viewedAt: new Map(),
  cartedAt: new Map(),
  lastOrderProducts: [],
  orders: 0,
  aov: null,
  meanItemPrice: null,
  topCategory: null,
  affinityCategories: [],
  categoriesStated: false,
  shown: new Set(),
  ...fields,
});

/** A candidate whose reason names it, so a test can see which source's entry won. */
export const cand = (productId: string, score = 1, why = `why ${productId}`): Candidate => ({ productId, score, why });

export const NO_GRAPH: ItemGraph = { neighbours: () => [] };
export const NO_PERSONAL: PersonalModel = { kind: "item_knn", items: 0, why: "no personal model in this test", rank: () => [] };
const NO_LIST: RankedList = { all: [], byCategory: new Map() };

/** A model over `catalog` at NOW with empty lists and graphs, unless `fields` say otherwise. */
export const recModel = (catalog: readonly Product[], fields: Partial<RecModel> = {}): RecModel => ({
  now: NOW.getTime(),
  settings: recSettings(),
  catalog: new Map(catalog.map((p) => [p.id, p])),
  bestsellers: NO_LIST,
  trending: NO_LIST,
  newArrivals: NO_LIST,
  underExposed: NO_LIST,
  coPurchase: NO_GRAPH,
  personal: NO_PERSONAL,
  content: NO_GRAPH,
  coView: NO_GRAPH,
  ...fields,
});

/** A ranked list of `ids` in the given order (scores descending), indexed by category as the engine does. */
export const rankedOf = (ids: readonly string[], catalog: readonly Product[], why = (id: string) => `why ${id}`): RankedList =>
  toRankedList(ids.map((id, i) => cand(id, ids.length - i, why(id))), new Map(catalog.map((p) => [p.id, p])));

/** One call a generator received: which source, and the scope it was asked for. */
export type GeneratorCall = { readonly source: RecSource; readonly scope: CategoryScope };

/**
 * Generators that ignore the scope and return the same candidates for every contact, so a test
 * checks the slot filler's own scope filter; each call is recorded in `calls`.
 */
export function listGenerators(lists: Partial<Record<RecSource, readonly Candidate[]>>, calls: GeneratorCall[] = []): Generators {
  const of = (source: RecSource) => (_contact: RecContact, _model: RecModel, scope: CategoryScope): Iterable<Candidate> => {
    calls.push({ source, scope });
    return lists[source] ?? [];
  };
  return {
    personal: of("personal"),
    complementary: of("complementary"),
    similar: of("similar"),
    trending: of("trending"),
    new_arrivals: of("new_arrivals"),
    bestsellers: of("bestsellers"),
    replenishment: of("replenishment"),
    recent_views: of("recent_views"),
    abandoned_cart: of("abandoned_cart"),
  };
}

/** An Rng that returns `values` in turn (then the last one again), counting its calls. */
export function scriptedRng(...values: number[]): (() => number) & { calls: number } {
  const rng = Object.assign(() => values[Math.min(rng.calls++, values.length - 1)] ?? 0.99, { calls: 0 });
  return rng;
}
