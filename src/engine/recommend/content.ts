import type { Product, RecommendationSettings } from "../../domain/index.js";

import { ancestorPaths } from "./in-scope.js";
import { createItemGraphWriter, type CompactItemGraph } from "./item-graph.js";
import { compareIds } from "../compare-ids.js";

/**
 * Products in one token's posting list visited per product. Common tokens (a top-level
 * category, "set", a brand with 10,000 products) would make the graph quadratic; past this
 * many products a token proposes only its first POSTING_CAP products (most popular first when
 * a popularity is given), and their share of the similarity is small anyway: a token held by
 * more than 500 products has an IDF below ln(N / 500).
 */
export const POSTING_CAP = 500;

// Words that say nothing about what a product is, in titles of any store.
const STOP_WORDS: ReadonlySet<string> = new Set(["a", "an", "and", "for", "in", "of", "on", "or", "the", "to", "with", "by", "from"]);

/** A product's content tokens: every category ancestor, the brand and the title words, each once. */
export function contentTokens(product: Product): string[] {
  const tokens = new Set<string>();
  for (const path of ancestorPaths(product.category)) tokens.add(`category:${path}`);
  const brand = product.brand.trim().toLowerCase();
  if (brand !== "") tokens.add(`brand:${brand}`);
  for (const word of product.title.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    if (word.length >= 2 && !STOP_WORDS.has(word)) tokens.add(`title:${word}`);
  }
  return [...tokens].sort(compareIds);
}

/**
 * Content neighbours: TF-IDF cosine over category ancestors, brand and title words (binary
 * term frequency, IDF = ln(products / products with the token)), divided by
 * 1 + |log2(price ratio)| so a product at twice the price counts half as similar (products
 * without a price are not penalised). Built from an inverted index, so the cost is products x
 * tokens x POSTING_CAP at most, never products squared. `together` is 0: no contacts are counted.
 */
export function buildContentGraph(
  catalog: ReadonlyMap<string, Product>,
  settings: RecommendationSettings,
  popularity: (productId: string) => number = () => 0,
): CompactItemGraph {
  const ids = [...catalog.keys()].sort(compareIds);
  const n = ids.length;
  const tokensOf = ids.map((id) => contentTokens(catalog.get(id) as Product));
  const postings = new Map<string, number[]>();
  tokensOf.forEach((tokens, i) => {
    for (const token of tokens) {
      const list = postings.get(token);
      if (list === undefined) postings.set(token, [i]);
      else list.push(i);
    }
  });
  const popular = Float64Array.from(ids, popularity);
  const idf = new Map<string, number>();
  for (const [token, list] of postings) {
    idf.set(token, Math.log(n / list.length));
    if (list.length > POSTING_CAP) list.sort((a, b) => (popular[b] ?? 0) - (popular[a] ?? 0) || a - b);
  }
  const norms = Float64Array.from(tokensOf, (tokens) => Math.sqrt(tokens.reduce((sum, t) => sum + (idf.get(t) ?? 0) ** 2, 0)));
  const logPrice = Float64Array.from(ids, (id) => {
    const price = catalog.get(id)?.price ?? null;
    return price !== null && price > 0 ? Math.log2(price) : Number.NaN;
  });

  const writer = createItemGraphWriter(ids, settings.neighbours);
  const dots = new Float64Array(n);
  const touched = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let size = 0;
    for (const token of tokensOf[i] ?? []) {
      const weight = (idf.get(token) ?? 0) ** 2;
      if (weight === 0) continue;
      const list = postings.get(token) ?? [];
      for (let p = 0, end = Math.min(list.length, POSTING_CAP); p < end; p++) {
        const j = list[p] ?? 0;
        if (j === i) continue;
        if (dots[j] === 0) touched[size++] = j;
        dots[j] = (dots[j] ?? 0) + weight;
      }
    }
    const norm = norms[i] ?? 0;
    for (let t = 0; t < size; t++) {
      const j = touched[t] ?? 0;
      const gap = Math.abs((logPrice[i] ?? 0) - (logPrice[j] ?? 0));
      const cosine = (dots[j] ?? 0) / (norm * (norms[j] ?? 1));
      writer.offer(j, Number.isNaN(gap) ? cosine : cosine / (1 + gap), 0);
      dots[j] = 0;
    }
    writer.commit(i);
  }
  return writer.graph();
}
