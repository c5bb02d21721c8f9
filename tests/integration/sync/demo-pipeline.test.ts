import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createFilesConnector } from "../../../src/connectors/files/connector.js";
import { generateDemoStore, type DemoStats } from "../../../src/demo/generate-demo-store.js";
import type { RunSummary, Store } from "../../../src/domain/index.js";
import { createLowdbStore } from "../../../src/store/lowdb-store.js";
import { runSync } from "../../../src/sync/run-sync.js";

const NOW = new Date("2026-11-01T00:00:00Z");

/** The demo shop through the real files connector and lowdb store: the path `npm run demo` takes. */
describe("the demo shop through a full sync", () => {
  let dir: string;
  let stats: DemoStats;
  let store: Store;
  let first: RunSummary;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tailor-demo-"));
    stats = await generateDemoStore({ dir: join(dir, "input"), seed: 3, contacts: 800, products: 120, days: 120, now: NOW });
    store = await createLowdbStore(join(dir, "store"));
    await store.saveInstallation({ id: "demo", esp: "files", name: "Demo", createdAt: NOW.toISOString(), propertiesDefined: [] });
    const connector = createFilesConnector({ inputDir: join(dir, "input"), outputDir: join(dir, "output") });
    first = (await runSync({ connector, store, now: () => NOW, seed: 1 }, "demo")).summary;
  });

  it.each(["contacts", "products", "events"] as const)("accounts for every %s record: accepted, merged, deduped or quarantined", async (stream) => {
    const i = first.ingest;
    const { items } = await store.listQuarantine("demo", { limit: 100_000, offset: 0 });
    const quarantined = items.filter((q) => q.stream === stream).length;
    const folded = stream === "events" ? i.ordersDeduped.sameOrderId + i.ordersDeduped.sameContents + i.eventsRepeated
      : stream === "contacts" ? i.identitiesMerged : 0;
    expect(i.received[stream]).toBe(stats[stream]);
    expect(i.accepted[stream] + folded + quarantined).toBe(i.received[stream]);
  });

  it("finds each kind of planted dirt", () => {
    const i = first.ingest;
    expect(i.identitiesMerged).toBeGreaterThan(0);
    expect(i.ordersDeduped.sameOrderId).toBeGreaterThan(0);
    expect(i.ordersDeduped.sameContents).toBeGreaterThan(0);
    expect(Object.keys(i.categoriesMerged).length).toBeGreaterThan(0);
    expect(Object.keys(i.quarantinedByReason).some((r) => r.includes("email"))).toBe(true);
  });

  it("writes every scored contact with something to say, and the feed", () => {
    expect(first.contactsScored).toBeGreaterThan(700);
    expect(first.written).toBe(first.contactsChanged);
    const feed = JSON.parse(readFileSync(join(dir, "output", "feed.json"), "utf8")) as { products: Record<string, unknown> };
    expect(Object.keys(feed.products).length).toBeGreaterThan(50);
  });

  it("writes nothing on the second run over the same files", async () => {
    const connector = createFilesConnector({ inputDir: join(dir, "input"), outputDir: join(dir, "output") });
    const { summary } = await runSync({ connector, store, now: () => NOW, seed: 1 }, "demo");
    expect(summary.ingest.received).toEqual({ contacts: 0, products: 0, events: 0 });
    expect(summary.writeCalls).toBe(0);
  });
});
