import type { Contact, Event, Product, RecommendationSettings, SlotExposure } from "../../../../src/domain/index.js";
import { addEvents, createFeatureBook, featuresOf } from "../../../../src/engine/feature-book.js";
import type { FeatureBook } from "../../../../src/engine/feature-book.js";
import type { Candidate, ItemGraph, RecContact, RecModel } from "../../../../src/engine/recommend/candidate.js";
import { EMPTY_RANKED_LIST } from "../../../../src/engine/recommend/ranked-list.js";
import { recContactOf } from "../../../../src/engine/recommend/rec-contact.js";
import { contact as contactWith, daysAgo, item, NOW, order, settingsWith } from "../fixtures.js";

/** Builders for the ranked-list and per-contact source tests: real feature books, a model with only what a test sets. */
export const recSettings = (overrides: Partial<RecommendationSettings> = {}): RecommendationSettings =>
  settingsWith({ recommendations: overrides }).recommendations;

export const bookOf = (products: readonly Product[], events: readonly Event[]): FeatureBook => {
  const book = createFeatureBook(products, settingsWith());
  addEvents(book, events);
  return book;
};

export const catalogOf = (products: readonly Product[]): ReadonlyMap<string, Product> => new Map(products.map((p) => [p.id, p]));

let shopper = 0;
/** Sells `units` of each product id, `days` ago, each to a fresh shopper nobody scores. */
export const sales = (units: Record<string, number>, days = 1): Event[] =>
  Object.entries(units).map(([id, n]) => order(`shopper-${++shopper}`, daysAgo(days), 10 * n, [item(id, n)]));

const noGraph: ItemGraph = { neighbours: () => [] };

export const modelOf = (products: readonly Product[], parts: Partial<RecModel> = {}): RecModel => ({
  now: NOW.getTime(),
  settings: recSettings(),
  catalog: catalogOf(products),
  bestsellers: EMPTY_RANKED_LIST,
  trending: EMPTY_RANKED_LIST,
  newArrivals: EMPTY_RANKED_LIST,
  underExposed: EMPTY_RANKED_LIST,
  coPurchase: noGraph,
  coView: noGraph,
  content: noGraph,
  personal: { kind: "item_knn", items: 0, why: "none", rank: () => [] },
  ...parts,
});

export type ContactOptions = {
  readonly settings?: Partial<RecommendationSettings>;
  readonly categories?: readonly string[];
  readonly slotHistory?: readonly SlotExposure[];
  readonly contact?: Partial<Contact>;
};

/** The RecContact of `contactId` after `events`, as a run at NOW would see them. */
export const recContact = (products: readonly Product[], events: readonly Event[], contactId = "c1", options: ContactOptions = {}): RecContact =>
  recContactOf({ ...contactWith(contactId), ...options.contact }, featuresOf(bookOf(products, events), contactId, NOW), {
    settings: recSettings(options.settings),
    now: NOW,
    categories: new Set(options.categories ?? products.map((p) => p.category).filter((c) => c !== "")),
    ...(options.slotHistory === undefined ? {} : { slotHistory: options.slotHistory }),
  });

export const idsOf = (candidates: Iterable<Candidate>): string[] => [...candidates].map((c) => c.productId);
