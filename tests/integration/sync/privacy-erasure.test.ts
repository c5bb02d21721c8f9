import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFilesConnector } from "../../../src/connectors/files/connector.js";
import { generateDemoStore } from "../../../src/demo/generate-demo-store.js";
import type { Contact, Store } from "../../../src/domain/index.js";
import { createLowdbStore } from "../../../src/store/lowdb-store.js";
import { eraseFromStore } from "../../../src/sync/apply-webhook-events.js";
import { runSync } from "../../../src/sync/run-sync.js";
import { everyFile } from "../../helpers/lowdb-test-store.js";

const NOW = new Date("2026-11-01T00:00:00Z");
const DAY = 86_400_000;

/**
 * A GDPR delete end to end: the person is erased the way the deletion webhook and `tailor erase` do
 * it (eraseFromStore), one more run goes by, and then nothing Tailor keeps names them: not a byte on
 * disk (records, events, written values, slot history, guard log, profiles, quarantine, clean state,
 * run reports), not the feed.
 */
describe("a privacy erasure through a run", () => {
  let dir: string;
  let store: Store;
  let person: Contact;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tailor-erasure-"));
    await generateDemoStore({ dir: join(dir, "input"), seed: 11, contacts: 300, products: 60, days: 90, now: NOW });
    store = await createLowdbStore(join(dir, "store"));
    await store.saveInstallation({ id: "demo", esp: "files", name: "Demo", createdAt: NOW.toISOString(), propertiesDefined: [] });
    const connector = createFilesConnector({ inputDir: join(dir, "input"), outputDir: join(dir, "output") });
    await runSync({ connector, store, now: () => NOW, seed: 1 }, "demo");

    // Someone with a full trail: orders, so events, written values, slots and guard log all hold them.
    const buyers = new Set<string>();
    for await (const chunk of store.readEvents("demo")) for (const e of chunk) if (e.type === "placed_order") buyers.add(e.contactId);
    const contacts: Contact[] = [];
    for await (const chunk of store.readContacts("demo")) contacts.push(...chunk);
    const found = contacts.find((c) => buyers.has(c.id) && c.email !== undefined);
    if (found === undefined) throw new Error("the demo shop has no buyer with an email");
    person = found;

    await eraseFromStore(store, "demo", [person.id]);
    await runSync({ connector, store, now: () => new Date(NOW.getTime() + DAY), seed: 1 }, "demo");
  }, 60_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("leaves no byte on disk that names them, by email or by id", () => {
    const disk = everyFile(join(dir, "store"));
    expect(disk.length).toBeGreaterThan(10_000);
    expect(disk).not.toContain(person.email ?? "");
    expect(disk).not.toContain(JSON.stringify(person.id));
  });

  it("keeps none of their records, profile or written values", async () => {
    expect(await store.getProfile("demo", person.id)).toBeNull();
    expect((await store.lastWritten("demo")).has(person.id)).toBe(false);
    for await (const chunk of store.readEvents("demo")) expect(chunk.some((e) => e.contactId === person.id)).toBe(false);
    for await (const chunk of store.readProfiles("demo")) expect(chunk.some((p) => p.contactId === person.id)).toBe(false);
    expect((await store.readGuardLog("demo")).has(person.id)).toBe(false);
    expect((await store.readSlotHistory("demo")).has(person.id)).toBe(false);
  });

  it("publishes a feed and run reports that do not name them", async () => {
    expect(JSON.stringify(await store.getFeed("demo"))).not.toContain(JSON.stringify(person.id));
    expect(JSON.stringify(await store.listRuns("demo", 10))).not.toContain(person.email ?? "");
  });

  it("kept everyone else", async () => {
    let contacts = 0;
    for await (const chunk of store.readContacts("demo")) contacts += chunk.length;
    expect(contacts).toBeGreaterThan(250);
  });
});
