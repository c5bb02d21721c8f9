import type { Connector, Cursor, Feed, Page, PropertyChange, PropertyDefinition, PushReport } from "../../src/domain/index.js";

/**
 * An in-memory ESP for sync tests: serves its records in pages with numeric cursors, keeps
 * every write, and can be told to die on the Nth push call (a crash between batches).
 */
export type ScriptedConnector = Connector & {
  readonly data: { contacts: unknown[]; products: unknown[]; events: unknown[] };
  readonly pushes: PropertyChange[][];
  readonly defined: string[];
  feed: Feed | null;
  crashOnPushCall: number | null;
  refuse: Map<string, { reason: string; retryable: boolean; gone?: boolean }>;
};

export function createScriptedConnector(data: ScriptedConnector["data"], pageSize = 50): ScriptedConnector {
  let pushCalls = 0;
  async function* pages(records: unknown[], from: Cursor | null): AsyncIterable<Page> {
    let offset = from === null ? 0 : Number(from);
    await Promise.resolve();
    while (offset < records.length) {
      const slice = records.slice(offset, offset + pageSize);
      offset += slice.length;
      yield { records: slice, next: String(offset) };
    }
  }
  const connector: ScriptedConnector = {
    esp: "files",
    maxBatch: 100,
    data,
    pushes: [],
    defined: [],
    feed: null,
    crashOnPushCall: null,
    refuse: new Map(),
    pullContacts: (from) => pages(connector.data.contacts, from),
    pullProducts: (from) => pages(connector.data.products, from),
    pullEvents: (from) => pages(connector.data.events, from),
    defineProperties(definitions: readonly PropertyDefinition[]) {
      connector.defined.push(...definitions.map((d) => d.name));
      return Promise.resolve();
    },
    pushChanges(changes: readonly PropertyChange[]): Promise<PushReport> {
      pushCalls++;
      if (connector.crashOnPushCall === pushCalls) return Promise.reject(new Error("process killed"));
      const failed = changes.flatMap((c) => {
        const refusal = connector.refuse.get(c.contactId);
        return refusal ? [{ contactId: c.contactId, ...refusal }] : [];
      });
      connector.pushes.push(changes.filter((c) => !connector.refuse.has(c.contactId)));
      return Promise.resolve({ written: changes.length - failed.length, failed });
    },
    publishFeed(feed: Feed) {
      connector.feed = feed;
      return Promise.resolve();
    },
  };
  return connector;
}

/** A small clean shop: n contacts, 6 products in 2 categories, each contact with a view and some orders. */
export function smallShop(n: number, now: Date) {
  const day = 86_400_000;
  const products = Array.from({ length: 6 }, (_, i) => ({
    id: `p${i}`, title: `Product ${i}`, url: `https://shop.example/p${i}`, imageUrl: `https://shop.example/p${i}.jpg`,
    category: i < 3 ? "Shoes/Sneakers" : "Home/Candles", brand: "Acme", price: 10 + i, inventory: 5, active: true,
  }));
  const contacts = Array.from({ length: n }, (_, i) => ({
    id: `c${i}`, email: `person${i}@example.com`, createdAt: new Date(now.getTime() - 400 * day).toISOString(), espIds: { files: `c${i}` },
  }));
  const events: unknown[] = [];
  for (let i = 0; i < n; i++) {
    events.push({ id: `v${i}`, type: "viewed_product", contactId: `c${i}`, at: new Date(now.getTime() - 3 * day).toISOString(), productId: `p${i % 6}` });
    const orders = i % 4; // a quarter never order: new leads
    for (let k = 0; k < orders; k++) {
      const productId = `p${(i + k) % 6}`;
      events.push({
        id: `o${i}-${k}`, type: "placed_order", contactId: `c${i}`, orderId: `o${i}-${k}`,
        at: new Date(now.getTime() - (10 + 70 * k + (i % 50)) * day).toISOString(),
        value: 10 + ((i + k) % 6), items: [{ productId, quantity: 1, price: 10 + ((i + k) % 6) }],
      });
    }
  }
  return { contacts, products, events };
}
