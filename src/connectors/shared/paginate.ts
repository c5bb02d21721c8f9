/** One page as an ESP returns it: its items and the cursor of the next page (null on the last). */
export type CursorPage<T> = { readonly items: readonly T[]; readonly next: string | null };

/** The ESP handed back a cursor it had already given: following it would loop forever. */
export class RepeatedCursorError extends Error {
  readonly cursor: string;
  readonly pages: number;
  constructor(cursor: string, pages: number) {
    super(`The ESP returned cursor "${cursor}" again after ${pages} pages; stopping instead of looping forever.`);
    this.name = "RepeatedCursorError";
    this.cursor = cursor;
    this.pages = pages;
  }
}

/**
 * Streams pages from `start` (null = the beginning) until a page has no next cursor. Each page is
 * yielded as soon as it arrives with `cursor`, where to resume once its items are stored (null when
 * the pull is complete), and the raw `page` for anything else the ESP sent along.
 * Nothing is gathered in memory but the cursors seen, which catch an ESP that loops.
 */
export async function* paginate<P extends CursorPage<T>, T = P["items"][number]>(
  fetchPage: (cursor: string | null) => Promise<P>,
  start: string | null,
): AsyncIterable<{ items: readonly T[]; cursor: string | null; page: P }> {
  const seen = new Set<string>(start === null ? [] : [start]);
  let cursor = start;
  for (let pages = 1; ; pages++) {
    const page = await fetchPage(cursor);
    const next = page.next;
    if (next !== null && seen.has(next)) throw new RepeatedCursorError(next, pages);
    yield { items: page.items, cursor: next, page };
    if (next === null) return;
    seen.add(next);
    cursor = next;
  }
}
