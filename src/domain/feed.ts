/** The display fields a template needs for one product. */
export type FeedProduct = {
  readonly id: string;
  readonly title: string;
  readonly url: string;
  readonly imageUrl: string;
  /** null when the catalog has no price for it. */
  readonly price: number | null;
  readonly category: string;
  readonly brand: string;
};

/** Dynamic-content feed: products keyed by id, read by templates and the panel. */
export type Feed = {
  readonly generatedAt: string;
  readonly products: Readonly<Record<string, FeedProduct>>;
};
