import { describe, expect, it } from "vitest";
import type { Event, Product } from "../../../../src/domain/index.js";
import type { RankedList } from "../../../../src/engine/recommend/candidate.js";
import { rankUnderExposed, UNDER_EXPOSED_UNITS } from "../../../../src/engine/recommend/under-exposed.js";
import { daysAgo, NOW, product } from "../fixtures.js";
import { bookOf, catalogOf, idsOf, recSettings, sales } from "./source-fixtures.js";

const rank = (catalog: readonly Product[], events: readonly Event[] = []): RankedList =>
  rankUnderExposed(bookOf(catalog, events), catalogOf(catalog), recSettings({ bestsellerWindowDays: 90, newArrivalDays: 30 }), NOW);

describe("rankUnderExposed", () => {
  const listed = (id: string) => product(id, { createdAt: daysAgo(400) });
  const catalog = [
    listed("hit"),
    listed("never"),
    listed("rare"),
    listed("almost"),
    product("new-hit", { createdAt: daysAgo(2) }),
    product("newer", { createdAt: daysAgo(1) }),
    listed("stale"),
  ];
  const events = [
    ...sales({ hit: 50, rare: 1, almost: UNDER_EXPOSED_UNITS - 1, "new-hit": 40 }),
    ...sales({ stale: 100 }, 200),
  ];

  it("puts new arrivals first, newest first, then the rarely sold, fewest first", () => {
    expect(idsOf(rank(catalog, events).all)).toEqual(["newer", "new-hit", "never", "stale", "rare", "almost"]);
  });

  it("leaves out products that sold the documented number of units in the window", () => {
    const list = rank([product("enough"), product("short")], sales({ enough: UNDER_EXPOSED_UNITS, short: UNDER_EXPOSED_UNITS - 1 }));
    expect(idsOf(list.all)).toEqual(["short"]);
  });

  it("marks every reason as exploration and says why the product qualifies", () => {
    expect(rank(catalog, events).all.slice(0, 3).map((c) => c.why)).toEqual([
      "exploration: new (added 1 day ago), shown to learn what sells",
      "exploration: new (added 2 days ago), shown to learn what sells",
      "exploration: under-exposed (0 sold in the last 90 days), shown to learn what sells",
    ]);
  });

  it("scores in list order, so a re-rank by score keeps it", () => {
    const scores = rank(catalog, events).all.map((c) => c.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it("lists each product under its categories", () => {
    const list = rank([product("a", { category: "Home/Rugs" }), product("b", { category: "Shoes" })]);
    expect(idsOf(list.byCategory.get("Home") ?? [])).toEqual(["a"]);
  });
});
