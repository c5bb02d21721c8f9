import { describe, expect, it } from "vitest";
import { topCategoryOf } from "../../../src/engine/affinity.js";

const evidence = (views: number, carts: number, purchases: number) => ({ views, carts, purchases });

describe("topCategoryOf", () => {
  it("picks the category with the highest score and names its evidence", () => {
    expect(topCategoryOf({
      categoryScores: { socks: 4, sneakers: 16 },
      categoryEvidence: { socks: evidence(4, 0, 0), sneakers: evidence(3, 1, 2) },
    })).toEqual({ value: "sneakers", why: "16 points from 2 purchases, 1 cart, 3 views in sneakers" });
  });

  it("breaks a tie alphabetically", () => {
    expect(topCategoryOf({
      categoryScores: { socks: 5, boots: 5, sneakers: 5 },
      categoryEvidence: { socks: evidence(0, 0, 1), boots: evidence(0, 0, 1), sneakers: evidence(0, 0, 1) },
    }).value).toBe("boots");
  });

  it("uses singular words for single pieces of evidence", () => {
    expect(topCategoryOf({ categoryScores: { hats: 1 }, categoryEvidence: { hats: evidence(1, 0, 0) } }).why).toBe("1 point from 1 view in hats");
  });

  it("is null with a reason when there is no signal", () => {
    expect(topCategoryOf({ categoryScores: {}, categoryEvidence: {} })).toEqual({ value: null, why: "no views, carts or purchases in a known category yet" });
  });

  it("is null when every weight is zero", () => {
    expect(topCategoryOf({ categoryScores: { hats: 0 }, categoryEvidence: { hats: evidence(3, 0, 0) } }).value).toBeNull();
  });
});
