import { decided } from "../domain/index.js";
import type { Decided } from "../domain/index.js";
import type { CategoryEvidence, ContactFeatures } from "./feature-book.js";
import { round2 } from "./round2.js";

/** The category with the highest affinity score, ties broken alphabetically; null when there is no signal. */
export function topCategoryOf(f: Pick<ContactFeatures, "categoryScores" | "categoryEvidence">): Decided<string | null> {
  let top: string | null = null;
  let topScore = 0;
  for (const [category, points] of Object.entries(f.categoryScores)) {
    if (points > topScore || (points === topScore && top !== null && category < top)) {
      top = category;
      topScore = points;
    }
  }
  if (top === null) return decided(null, "no views, carts or purchases in a known category yet");
  const evidence = f.categoryEvidence[top] ?? { views: 0, carts: 0, purchases: 0 };
  const points = round2(topScore);
  return decided(top, `${points} point${points === 1 ? "" : "s"} from ${describeEvidence(evidence)} in ${top}`);
}

function describeEvidence(e: CategoryEvidence): string {
  const parts = [
    counted(e.purchases, "purchase", "purchases"),
    counted(e.carts, "cart", "carts"),
    counted(e.views, "view", "views"),
  ].filter((part) => part !== "");
  return parts.join(", ");
}

const counted = (n: number, one: string, many: string): string => (n === 0 ? "" : `${n} ${n === 1 ? one : many}`);
