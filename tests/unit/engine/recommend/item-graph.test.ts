import { describe, expect, it } from "vitest";
import { createItemGraphWriter } from "../../../../src/engine/recommend/item-graph.js";

describe("createItemGraphWriter", () => {
  const ids = ["a", "b", "c", "d", "e"];

  it("keeps each row's k best neighbours, best first, ties by product id", () => {
    const writer = createItemGraphWriter(ids, 3);
    writer.offer(4, 0.5, 1);
    writer.offer(1, 0.2, 2);
    writer.offer(3, 0.5, 3);
    writer.offer(2, 0.9, 4);
    writer.commit(0);
    expect(writer.graph().neighbours("a")).toEqual([
      { productId: "c", weight: expect.closeTo(0.9, 6) as number, together: 4 },
      { productId: "d", weight: 0.5, together: 3 },
      { productId: "e", weight: 0.5, together: 1 },
    ]);
  });

  it("lets a later offer with an equal weight and an earlier id displace the worst kept one", () => {
    const writer = createItemGraphWriter(ids, 2);
    writer.offer(3, 0.5, 0);
    writer.offer(1, 0.9, 0);
    writer.offer(2, 0.5, 0);
    writer.offer(4, 0.5, 0);
    writer.commit(0);
    expect(writer.graph().neighbours("a").map((n) => n.productId)).toEqual(["b", "c"]);
  });

  it("ignores weights that are not positive", () => {
    const writer = createItemGraphWriter(ids, 3);
    writer.offer(1, 0, 1);
    writer.offer(2, -1, 1);
    writer.offer(3, Number.NaN, 1);
    writer.commit(0);
    expect(writer.graph().neighbours("a")).toEqual([]);
  });

  it("keeps rows apart and gives unknown products no neighbours", () => {
    const writer = createItemGraphWriter(ids, 2);
    writer.offer(1, 1, 1);
    writer.commit(0);
    writer.offer(0, 1, 1);
    writer.commit(1);
    const graph = writer.graph();
    expect(graph.neighbours("a").map((n) => n.productId)).toEqual(["b"]);
    expect(graph.neighbours("b").map((n) => n.productId)).toEqual(["a"]);
    expect(graph.neighbours("c")).toEqual([]);
    expect(graph.neighbours("zzz")).toEqual([]);
  });

  it("keeps the same k best whatever order candidates are offered in", () => {
    const offers: [number, number][] = [[1, 0.3], [2, 0.7], [3, 0.1], [4, 0.7], [0, 0.5]];
    const rowOf = (order: readonly [number, number][]) => {
      const writer = createItemGraphWriter(ids, 3);
      for (const [j, w] of order) writer.offer(j, w, 0);
      writer.commit(0);
      return writer.graph().neighbours("a").map((n) => n.productId);
    };
    expect(rowOf(offers)).toEqual(["c", "e", "a"]);
    expect(rowOf([...offers].reverse())).toEqual(["c", "e", "a"]);
  });
});
