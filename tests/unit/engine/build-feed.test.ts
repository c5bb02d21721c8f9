import { describe, expect, it } from "vitest";
import { SHARED_FEED_MAX_BYTES, type Profile } from "../../../src/domain/index.js";
import { buildFeed, toSharedFeed } from "../../../src/engine/build-feed.js";
import { NOW, product } from "./fixtures.js";

describe("buildFeed", () => {
  it("keys active products by id with their display fields", () => {
    const feed = buildFeed([product("a", { title: "Alpha", price: 12.5, category: "socks", brand: "Acme", cost: 3 })], [], NOW);
    expect(feed).toEqual({
      generatedAt: "2024-06-30T12:00:00.000Z",
      products: { a: { id: "a", title: "Alpha", url: "https://shop.test/a", imageUrl: "https://cdn.test/a.jpg", price: 12.5, category: "socks", brand: "Acme" } },
      fallbacks: { all: [], bySegment: {} },
    });
  });

  it("leaves out inactive products", () => {
    expect(Object.keys(buildFeed([product("a"), product("b", { active: false }), product("c")], [], NOW).products)).toEqual(["a", "c"]);
  });

  it("uses the latest version of a product listed twice", () => {
    expect(buildFeed([product("a"), product("a", { active: false })], [], NOW).products).toEqual({});
  });

  it("keeps an id named __proto__ as an ordinary key", () => {
    expect(Object.keys(buildFeed([product("__proto__")], [], NOW).products)).toEqual(["__proto__"]);
  });
});

describe("fallbacksOf and toSharedFeed", () => {
  const slots = (contactId: string, segment: string, ids: readonly string[]): Profile => ({
    contactId,
    properties: {
      tailor_segment: { value: segment, why: "" },
      ...Object.fromEntries(ids.map((id, i) => [`tailor_rec_${i + 1}`, { value: id, why: "" }])),
    },
  });
  const products = ["a", "b", "c", "d"].map((id) => product(id));

  it("ranks products by slot position over everyone and per segment, leaving out inactive ones", () => {
    const feed = buildFeed([...products, product("x", { active: false })], [
      slots("1", "VIP", ["a", "b"]),
      slots("2", "VIP", ["b", "a"]),
      slots("3", "VIP", ["b", "x"]),
      slots("4", "", ["c", "d"]),
    ], NOW);
    expect(feed.fallbacks.all).toEqual(["b", "a", "c", "d"]);
    expect(feed.fallbacks.bySegment).toEqual({ VIP: ["b", "a"] });
  });

  it("keeps at most six fallbacks, ties broken by id", () => {
    const many = Array.from({ length: 8 }, (_, i) => product(`p${i}`));
    const feed = buildFeed(many, many.map((p, i) => slots(String(i), "All", [p.id])), NOW);
    expect(feed.fallbacks.all).toEqual(["p0", "p1", "p2", "p3", "p4", "p5"]);
  });

  it("carries only the products the fallbacks name", () => {
    const feed = buildFeed(products, [slots("1", "VIP", ["a"]), slots("2", "New", ["c"])], NOW);
    const shared = toSharedFeed(feed, SHARED_FEED_MAX_BYTES);
    expect(Object.keys(shared.products).sort()).toEqual(["a", "c"]);
    expect(shared.omittedSegments).toEqual([]);
  });

  it("leaves whole segments out, last first, to stay under the size limit", () => {
    const feed = buildFeed(products, [slots("1", "A", ["a"]), slots("2", "B", ["b"]), slots("3", "C", ["c"])], NOW);
    const full = Buffer.byteLength(JSON.stringify(toSharedFeed(feed, Infinity)));
    const shared = toSharedFeed(feed, full - 1);
    expect(shared.omittedSegments).toEqual(["C"]);
    expect(Object.keys(shared.fallbacks.bySegment)).toEqual(["A", "B"]);
    expect(Buffer.byteLength(JSON.stringify(shared))).toBeLessThan(full);
  });
});
