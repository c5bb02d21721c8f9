import { beforeAll, describe, expect, it } from "vitest";
import type { Settings, Store } from "../../../src/domain/index.js";
import { createMemoryStore } from "../../../src/store/memory-store.js";
import { formatPreview, previewSettings, propertyGroupOf, type SettingsPreview } from "../../../src/sync/preview-settings.js";
import { runSync } from "../../../src/sync/run-sync.js";
import { createScriptedConnector, smallShop } from "../../helpers/scripted-connector.js";

const NOW = new Date("2026-11-01T12:00:00Z");
const ID = "shop";
const SEED = 7;

/** A store after one real sync of a small shop: profiles scored, every value written. */
async function syncedShop(contacts = 120): Promise<Store> {
  const store = createMemoryStore();
  await store.saveInstallation({ id: ID, esp: "files", name: "Shop", createdAt: NOW.toISOString(), propertiesDefined: [] });
  await runSync({ connector: createScriptedConnector(smallShop(contacts, NOW)), store, now: () => NOW, seed: SEED }, ID);
  return store;
}

const withLifecycle = (settings: Settings, activeDays: number): Settings => ({ ...settings, lifecycle: { ...settings.lifecycle, activeDays } });

describe("previewSettings", () => {
  let store: Store;
  let current: Settings;
  beforeAll(async () => {
    store = await syncedShop();
    current = await store.getSettings(ID);
  });

  it("changes nothing when the proposed settings are the stored ones", async () => {
    const preview = await previewSettings(store, ID, current, NOW, SEED);
    expect(preview).toEqual({ contacts: 120, changedContacts: 0, byProperty: [], nextSyncWrites: 0 });
  });

  describe("with a shorter active window", () => {
    let preview: SettingsPreview;
    beforeAll(async () => {
      preview = await previewSettings(store, ID, withLifecycle(current, 40), NOW, SEED);
    });

    it("moves some contacts' tailor_lifecycle", () => {
      const lifecycle = preview.byProperty.find((b) => b.property === "tailor_lifecycle")?.contacts ?? 0;
      expect(lifecycle).toBeGreaterThan(0);
      expect(lifecycle).toBeLessThan(120);
    });

    it("leaves the recommendation slots alone", () => {
      expect(preview.byProperty.map((b) => b.property)).not.toContain("tailor_rec_*");
    });

    it("counts each changed contact once, and no property more often than that", () => {
      const most = Math.max(...preview.byProperty.map((b) => b.contacts));
      expect(preview.changedContacts).toBe(most);
      expect(preview.changedContacts).toBeLessThanOrEqual(preview.contacts);
      expect(preview.byProperty.map((b) => b.contacts)).toEqual([...preview.byProperty.map((b) => b.contacts)].sort((a, b) => b - a));
    });

    it("would write exactly the changed contacts on the next sync, since the last one wrote everything", () => {
      expect(preview.nextSyncWrites).toBe(preview.changedContacts);
    });

    it("saves nothing", async () => {
      expect(await store.listSettingsVersions(ID, 10)).toEqual([]);
      expect(await store.getSettings(ID)).toEqual(current);
    });
  });

  it("counts a contact whose slots changed once under tailor_rec_*", async () => {
    const settings: Settings = { ...current, recommendations: { ...current.recommendations, blocklist: ["p0", "p1", "p2"] } };
    const preview = await previewSettings(store, ID, settings, NOW, SEED);
    const recs = preview.byProperty.find((b) => b.property === "tailor_rec_*")?.contacts ?? 0;
    expect(recs).toBeGreaterThan(0);
    expect(recs).toBeLessThanOrEqual(preview.changedContacts);
    expect(preview.byProperty.filter((b) => b.property.startsWith("tailor_rec_"))).toHaveLength(1);
  });

  it("refuses an unknown installation", async () => {
    await expect(previewSettings(store, "nope", current, NOW, SEED)).rejects.toThrow(/No installation "nope"/);
  });
});

describe("propertyGroupOf", () => {
  it.each([
    ["tailor_rec_1", "tailor_rec_*"],
    ["tailor_rec_3_price", "tailor_rec_*"],
    ["tailor_segment_why", "tailor_segment"],
    ["tailor_segment", "tailor_segment"],
    ["tailor_lifecycle", "tailor_lifecycle"],
  ])("reports %s under %s", (name, group) => {
    expect(propertyGroupOf(name)).toBe(group);
  });
});

describe("formatPreview", () => {
  it("writes counts with en-US thousands, most changed first", () => {
    const text = formatPreview({ contacts: 9000, changedContacts: 4210, byProperty: [{ property: "tailor_rec_*", contacts: 3900 }, { property: "tailor_segment", contacts: 310 }], nextSyncWrites: 4210 });
    expect(text).toBe("This would change 4,210 contacts: 3,900 tailor_rec_*, 310 tailor_segment");
  });

  it("says so when nothing would change", () => {
    expect(formatPreview({ contacts: 5, changedContacts: 0, byProperty: [], nextSyncWrites: 0 })).toBe("This would change 0 contacts.");
  });

  it("uses the singular for one contact", () => {
    expect(formatPreview({ contacts: 5, changedContacts: 1, byProperty: [{ property: "tailor_lifecycle", contacts: 1 }], nextSyncWrites: 1 })).toBe("This would change 1 contact: 1 tailor_lifecycle");
  });
});
