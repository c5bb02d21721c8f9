/** One leaf of the demo shop's catalog. `path` is how a tidy product row spells its category. */
export type DemoLeaf = {
  readonly top: string;
  readonly leaf: string;
  readonly path: string;
  readonly brands: readonly string[];
  readonly nouns: readonly string[];
  /** Typical price in the shop currency; single prices spread around it with a long tail. */
  readonly basePrice: number;
  /** Share of the shop's traffic, relative to the other leaves. */
  readonly popularity: number;
  /** Consumables only: the range a product's replenishDays is drawn from. */
  readonly replenish?: readonly [number, number];
};

type Top = {
  readonly top: string;
  readonly brands: readonly string[];
  readonly leaves: readonly Omit<DemoLeaf, "top" | "path" | "brands">[];
};

// Leaf names are unique across tops and pluralise regularly, so every misspelling the
// generator plants ("sneaker", "shoes>sneakers") still points at exactly one leaf.
const TREE: readonly Top[] = [
  {
    top: "Shoes",
    brands: ["Northpaw", "Strider", "Kettle & Finch"],
    leaves: [
      { leaf: "Sneakers", nouns: ["Court Sneaker", "Runner", "Canvas Sneaker", "Trail Sneaker"], basePrice: 95, popularity: 12 },
      { leaf: "Boots", nouns: ["Chelsea Boot", "Hiking Boot", "Ankle Boot"], basePrice: 160, popularity: 7 },
      { leaf: "Sandals", nouns: ["Slide", "Strap Sandal", "Espadrille"], basePrice: 55, popularity: 4 },
      { leaf: "Loafers", nouns: ["Penny Loafer", "Suede Loafer"], basePrice: 130, popularity: 3 },
    ],
  },
  {
    top: "Apparel",
    brands: ["Fjordline", "Oak & Thread", "Marlow"],
    leaves: [
      { leaf: "Jackets", nouns: ["Rain Jacket", "Denim Jacket", "Quilted Jacket", "Parka"], basePrice: 180, popularity: 8 },
      { leaf: "Shirts", nouns: ["Oxford Shirt", "Linen Shirt", "Flannel Shirt"], basePrice: 65, popularity: 9 },
      { leaf: "Knitwear", nouns: ["Merino Jumper", "Cardigan", "Cable Knit"], basePrice: 90, popularity: 6 },
      { leaf: "Dresses", nouns: ["Wrap Dress", "Shirt Dress", "Slip Dress"], basePrice: 110, popularity: 6 },
      { leaf: "Trousers", nouns: ["Chino", "Wide-Leg Trouser", "Cargo Trouser"], basePrice: 85, popularity: 5 },
    ],
  },
  {
    top: "Accessories",
    brands: ["Lumen", "Marlow", "Coast Atelier"],
    leaves: [
      { leaf: "Bags", nouns: ["Tote", "Backpack", "Crossbody Bag"], basePrice: 120, popularity: 6 },
      { leaf: "Belts", nouns: ["Leather Belt", "Woven Belt"], basePrice: 45, popularity: 2 },
      { leaf: "Hats", nouns: ["Beanie", "Bucket Hat", "Cap"], basePrice: 35, popularity: 3 },
      { leaf: "Jewellery", nouns: ["Hoop Earrings", "Chain Necklace", "Signet Ring"], basePrice: 70, popularity: 4 },
      { leaf: "Sunglasses", nouns: ["Round Sunglasses", "Aviator Sunglasses"], basePrice: 130, popularity: 3 },
    ],
  },
  {
    top: "Home",
    brands: ["Hearth & Co", "Stillroom", "Pale Oak"],
    leaves: [
      { leaf: "Candles", nouns: ["Soy Candle", "Pillar Candle", "Travel Candle"], basePrice: 28, popularity: 7, replenish: [30, 45] },
      { leaf: "Cushions", nouns: ["Linen Cushion", "Velvet Cushion"], basePrice: 40, popularity: 3 },
      { leaf: "Throws", nouns: ["Wool Throw", "Waffle Throw"], basePrice: 85, popularity: 3 },
      { leaf: "Planters", nouns: ["Ceramic Planter", "Hanging Planter"], basePrice: 32, popularity: 2 },
      { leaf: "Tableware", nouns: ["Stoneware Mug", "Dinner Plate Set", "Serving Bowl"], basePrice: 38, popularity: 4 },
    ],
  },
  {
    top: "Beauty",
    brands: ["Dewlab", "Botanica North", "Salt & Fern"],
    leaves: [
      { leaf: "Skincare", nouns: ["Face Serum", "Day Cream", "Cleansing Balm", "Eye Cream"], basePrice: 34, popularity: 8, replenish: [45, 60] },
      { leaf: "Fragrance", nouns: ["Eau de Parfum", "Solid Perfume"], basePrice: 75, popularity: 3 },
      { leaf: "Haircare", nouns: ["Shampoo", "Conditioner", "Hair Oil"], basePrice: 22, popularity: 4, replenish: [40, 60] },
      { leaf: "Bodycare", nouns: ["Body Lotion", "Hand Cream", "Body Wash"], basePrice: 18, popularity: 4, replenish: [30, 50] },
    ],
  },
  {
    top: "Pantry",
    brands: ["Roastery 12", "Leaf & Kettle"],
    leaves: [
      { leaf: "Coffee", nouns: ["Espresso Beans", "Filter Roast", "Decaf Beans"], basePrice: 16, popularity: 5, replenish: [30, 40] },
      { leaf: "Tea", nouns: ["Loose Leaf Tea", "Matcha"], basePrice: 14, popularity: 3, replenish: [40, 60] },
    ],
  },
];

/** The demo catalog's 25 leaves under 6 top categories, in a fixed order. */
export const DEMO_LEAVES: readonly DemoLeaf[] = TREE.flatMap(({ top, brands, leaves }) =>
  leaves.map((l) => ({ ...l, top, brands, path: `${top}/${l.leaf}` })),
);

/** The five messy ways the demo spells a leaf: "Sneakers", "sneaker", "sneakers", "Shoes / Sneakers", "shoes>sneakers". */
export function categoryVariants(leaf: DemoLeaf): readonly string[] {
  const lower = leaf.leaf.toLowerCase();
  return [leaf.leaf, singular(lower), lower, `${leaf.top} / ${leaf.leaf}`, `${leaf.top.toLowerCase()}>${lower}`];
}

function singular(word: string): string {
  if (word.endsWith("ies")) return `${word.slice(0, -3)}y`;
  if (/(ss|sh|ch|x)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith("s") && !word.endsWith("ss")) return word.slice(0, -1);
  return word;
}
