import type { Product, RecommendationSettings, RecSource } from "../../domain/index.js";

/** A product a source proposes for a contact, with its score (comparable within one source only) and the reason a marketer reads. */
export type Candidate = { readonly productId: string; readonly score: number; readonly why: string };

/** What the generators and the rules know about one contact, derived once from their features. */
export type RecContact = {
  readonly contactId: string;
  /** Product id -> last purchase, epoch ms. */
  readonly purchasedAt: Readonly<Record<string, number>>;
  /** Product id -> units in the latest order line for it. */
  readonly lastQuantity: Readonly<Record<string, number>>;
  /** Recent product views and cart adds, product id -> latest time, epoch ms (already limited to recentViewDays). */
  readonly viewedAt: ReadonlyMap<string, number>;
  readonly cartedAt: ReadonlyMap<string, number>;
  /** Product ids of the latest order, for "goes with your last order". */
  readonly lastOrderProducts: readonly string[];
  readonly orders: number;
  /** Average order value; null before the first order. */
  readonly aov: number | null;
  /** Mean unit price paid; null before the first purchase. */
  readonly meanItemPrice: number | null;
  /** Category with the highest affinity, or the first stated one for a contact with no behaviour; null when neither. */
  readonly topCategory: string | null;
  /** Categories with affinity, best first (stated preferences when there is no behaviour). */
  readonly affinityCategories: readonly string[];
  /** True when the categories above come from stated preferences (preference centre, quiz, signup), not behaviour. */
  readonly categoriesStated: boolean;
  /** Products shown in the contact's last `rotationSends` sends: demoted by rotation. */
  readonly shown: ReadonlySet<string>;
};

/**
 * Installation-level lookups, built once per run and shared by every contact. Each field is
 * produced by its own module; a generator reads only what it needs.
 */
export type RecModel = {
  readonly now: number;
  readonly settings: RecommendationSettings;
  /** Every product by id, latest version (rules decide which may be shown). */
  readonly catalog: ReadonlyMap<string, Product>;
  readonly bestsellers: RankedList;
  readonly trending: RankedList;
  readonly newArrivals: RankedList;
  /** New or rarely sold products, for exploration. */
  readonly underExposed: RankedList;
  /** Bought together (co-purchase, shrunk cosine). */
  readonly coPurchase: ItemGraph;
  /** The personal model: EASE over the best sellers when the catalog fits, else item-kNN. */
  readonly personal: PersonalModel;
  /** Content neighbours: category path, brand, price band, title tokens. */
  readonly content: ItemGraph;
  /** Co-view neighbours (viewed by the same contacts). */
  readonly coView: ItemGraph;
};

/** A ranked, best-first list of products, with per-category views of it (category path and every ancestor). */
export type RankedList = {
  readonly all: readonly Candidate[];
  readonly byCategory: ReadonlyMap<string, readonly Candidate[]>;
};

/** One neighbour of a product: similarity weight, and how many contacts share both (for reasons). */
export type Neighbour = { readonly productId: string; readonly weight: number; readonly together: number };

/** Top neighbours per product, best first; unknown products have none. */
export type ItemGraph = { neighbours(productId: string): readonly Neighbour[] };

/** The personal ranking model, with what it is for the run report. */
export type PersonalModel = {
  readonly kind: "ease" | "item_knn";
  /** Items the model covers (EASE: the best sellers up to easeMaxItems). */
  readonly items: number;
  readonly why: string;
  /** Scores for the contact's unseen products, best first, at most `limit`. */
  rank(contact: RecContact, limit: number): readonly Candidate[];
};

/** Categories a step may draw from; null means any. Paths match themselves and everything below them. */
export type CategoryScope = ReadonlySet<string> | null;

/**
 * Every source has this signature: best-first candidates for the contact, lazily, limited to
 * the scope. Rules are not the generator's concern: the slot filler applies them to every
 * candidate from every source.
 */
export type Generator = (contact: RecContact, model: RecModel, scope: CategoryScope) => Iterable<Candidate>;

export type Generators = Readonly<Record<RecSource, Generator>>;

/** A filled slot: the product, where it came from, and why. `fallback` is the step index (0 = the slot's own source). */
export type SlotPick = {
  readonly product: Product;
  readonly source: RecSource | "exploration";
  readonly step: number;
  readonly why: string;
};
