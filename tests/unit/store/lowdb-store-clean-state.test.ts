import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { defaultSettings } from "../../../src/domain/index.js";
import type { Installation } from "../../../src/domain/index.js";
import { createCleaner } from "../../../src/ingest/create-cleaner.js";
import { createLowdbStore } from "../../../src/store/lowdb-store.js";
import { applyWebhookEvents } from "../../../src/sync/apply-webhook-events.js";
import { everyFile, removeTempDirs, tempDir } from "../../helpers/lowdb-test-store.js";
import { page } from "./store-contract.js";

// The lowdb store's clean-state file on disk: saveCleanState replaces it like a page commit does,
// and a privacy erasure leaves no copy of ingest's memory of the person behind.

afterEach(removeTempDirs);

const cleanStateFiles = (folder: string): string[] => readdirSync(folder).filter((f) => f.startsWith("clean-state"));

describe("lowdb store clean state", () => {
  it("writes a new clean-state file, deletes the old one, and keeps it after a restart", async () => {
    const dir = tempDir("tailor-clean-state-");
    const store = await createLowdbStore(dir);
    await store.commitPage("shop", "r1", page("contacts", "1", { cleanState: { seen: ["erase.me@example.com"] } }));
    const before = cleanStateFiles(join(dir, "shop"));
    await store.saveCleanState("shop", { seen: [] });
    const after = cleanStateFiles(join(dir, "shop"));
    expect({ before: before.length, after: after.length, same: after[0] === before[0], reopened: await (await createLowdbStore(dir)).getCleanState("shop") })
      .toEqual({ before: 1, after: 1, same: false, reopened: { seen: [] } });
  });

  it("keeps one clean-state file across page commits: each page's state replaces the last one's on disk", async () => {
    const dir = tempDir("tailor-clean-state-");
    const store = await createLowdbStore(dir);
    await store.commitPage("shop", "r1", page("contacts", "1", { cleanState: { seen: ["erase.me@example.com"] } }));
    await store.commitPage("shop", "r1", page("contacts", "2", { cleanState: { seen: ["other@example.com"] } }));
    await store.commitPage("shop", "r1", page("contacts", "3", { cleanState: { seen: ["third@example.com"] } }));
    expect(cleanStateFiles(join(dir, "shop"))).toHaveLength(1);
    expect(everyFile(join(dir, "shop"))).not.toContain("erase.me@example.com");
  });

  it("writes nothing when the state is unchanged", async () => {
    const dir = tempDir("tailor-clean-state-");
    const store = await createLowdbStore(dir);
    await store.commitPage("shop", "r1", page("contacts", "1", { cleanState: { n: 1 } }));
    const commit = readFileSync(join(dir, "shop", "commit.json"), "utf8");
    await store.saveCleanState("shop", { n: 1 });
    expect(readFileSync(join(dir, "shop", "commit.json"), "utf8")).toBe(commit);
  });

  it("leaves no file naming the erased contact after a privacy-deletion webhook, clean state included", async () => {
    const dir = tempDir("tailor-clean-state-");
    const store = await createLowdbStore(dir);
    const installation: Installation = { id: "hubspot-1", esp: "hubspot", name: "Shop", createdAt: "2024-05-01T00:00:00.000Z", propertiesDefined: [], accountId: "1" };
    await store.saveInstallation(installation);
    const cleaner = createCleaner(defaultSettings().cleaning, null);
    const contacts = cleaner.contacts([
      { id: "101", email: "Erase.Me@example.com", espIds: { hubspot: "101" }, createdAt: "2024-01-01T00:00:00Z" },
      { id: "102", email: "keep@example.com", espIds: { hubspot: "102" }, createdAt: "2024-01-01T00:00:00Z" },
    ]);
    await store.commitPage("hubspot-1", "r1", page("contacts", "1", { contacts: contacts.records, cleanState: cleaner.state() }));
    await applyWebhookEvents(store, [{ kind: "erase", accountId: "1", contactIds: ["101"], reason: "contact.privacyDeletion" }]);
    const disk = everyFile(join(dir, "hubspot-1"));
    expect([disk.includes("erase.me@example.com"), disk.includes("keep@example.com")]).toEqual([false, true]);
  });
});
