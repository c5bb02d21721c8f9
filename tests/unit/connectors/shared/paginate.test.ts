import { describe, expect, expectTypeOf, it } from "vitest";
import { paginate, RepeatedCursorError, type CursorPage } from "../../../../src/connectors/shared/paginate.js";

/** An ESP whose pages are keyed by the cursor that fetches them ("" = the first page). */
function esp(pages: Record<string, CursorPage<number> & { total?: number }>) {
  const asked: (string | null)[] = [];
  const fetchPage = (cursor: string | null) => {
    asked.push(cursor);
    // A paginate that missed a loop fails here instead of spinning forever.
    if (asked.length > 20) return Promise.reject(new Error("fetched more than 20 pages"));
    const page = pages[cursor ?? ""];
    return page === undefined ? Promise.reject(new Error(`no page at ${String(cursor)}`)) : Promise.resolve(page);
  };
  return { fetchPage, asked };
}

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

describe("paginate", () => {
  it("follows next cursors until a page has none, yielding where to resume after each page", async () => {
    const { fetchPage, asked } = esp({ "": { items: [1, 2], next: "b" }, b: { items: [3], next: "c" }, c: { items: [4], next: null } });
    const pages = await collect(paginate(fetchPage, null));
    expect(pages.map(({ items, cursor }) => ({ items, cursor }))).toEqual([
      { items: [1, 2], cursor: "b" },
      { items: [3], cursor: "c" },
      { items: [4], cursor: null },
    ]);
    expect(asked).toEqual([null, "b", "c"]);
  });

  it("resumes from a stored cursor", async () => {
    const { fetchPage, asked } = esp({ c: { items: [4], next: null } });
    const pages = await collect(paginate(fetchPage, "c"));
    expect(pages.map((p) => p.items)).toEqual([[4]]);
    expect(asked).toEqual(["c"]);
  });

  it("passes the raw page along for fields beyond items and next", async () => {
    const { fetchPage } = esp({ "": { items: [1], next: null, total: 1 } });
    const [first] = await collect(paginate(fetchPage, null));
    expect(first?.page.total).toBe(1);
    // Item and page types are inferred from fetchPage alone.
    expectTypeOf(first!.items).toEqualTypeOf<readonly number[]>();
    expectTypeOf(first!.page.total).toEqualTypeOf<number | undefined>();
  });

  it("keeps going past empty pages that still have a next cursor", async () => {
    const { fetchPage } = esp({ "": { items: [], next: "b" }, b: { items: [7], next: null } });
    expect((await collect(paginate(fetchPage, null))).flatMap((p) => p.items)).toEqual([7]);
  });

  it("fetches a page only when the consumer asks for it", async () => {
    const { fetchPage, asked } = esp({ "": { items: [1], next: "b" }, b: { items: [2], next: null } });
    for await (const page of paginate(fetchPage, null)) {
      expect(page.items).toEqual([1]);
      break;
    }
    expect(asked).toEqual([null]);
  });

  it("throws a RepeatedCursorError when the ESP hands back the cursor it was just given", async () => {
    const { fetchPage } = esp({ "": { items: [1], next: "b" }, b: { items: [2], next: "b" } });
    const seen: number[] = [];
    const run = async () => { for await (const page of paginate(fetchPage, null)) seen.push(...page.items); };
    await expect(run()).rejects.toThrow(RepeatedCursorError);
    await expect(run()).rejects.toThrow(/cursor "b" again after 2 pages/);
    // The looping page is not yielded, so its cursor is never stored as a resume point.
    expect(seen).toEqual([1, 1]);
  });

  it("catches a longer loop back to an earlier cursor", async () => {
    const { fetchPage, asked } = esp({ a: { items: [1], next: "b" }, b: { items: [2], next: "c" }, c: { items: [3], next: "a" } });
    await expect(collect(paginate(fetchPage, "a"))).rejects.toMatchObject({ name: "RepeatedCursorError", cursor: "a", pages: 3 });
    expect(asked).toEqual(["a", "b", "c"]);
  });

  it("passes a failed fetch through unchanged", async () => {
    const failure = new Error("HubSpot: 502");
    await expect(collect(paginate(() => Promise.reject(failure), null))).rejects.toBe(failure);
  });
});
