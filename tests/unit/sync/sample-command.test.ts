import { describe, expect, it } from "vitest";
import type { Profile, Store } from "../../../src/domain/index.js";
import { createMemoryStore } from "../../../src/store/memory-store.js";
import { sampleCommand, sampleProfiles } from "../../../src/sync/sample-command.js";

const member = (contactId: string, segment: string, orders = 2): Profile => ({
  contactId,
  properties: {
    tailor_lifecycle: { value: "active_customer", why: "last order 41 days ago" },
    tailor_segment: { value: segment, why: segment === "" ? "not in any segment: nearest is Lapsing" : `guards of ${segment} held` },
    tailor_orders: { value: orders, why: `${orders} orders` },
    tailor_top_category: { value: null, why: "no category activity" },
  },
});

const profiles: Profile[] = [
  ...Array.from({ length: 30 }, (_, i) => member(`a${String(i).padStart(2, "0")}`, "Active repeat buyer")),
  ...Array.from({ length: 5 }, (_, i) => member(`w${i}`, "Win-back", 1)),
  member("none", ""),
];

async function storeWith(list: readonly Profile[]): Promise<Store> {
  const store = createMemoryStore();
  await store.saveInstallation({ id: "shop", esp: "files", name: "Shop", createdAt: "2025-01-01T00:00:00.000Z", propertiesDefined: [] });
  await store.saveProfiles("shop", list);
  return store;
}
const ids = (list: readonly Profile[]) => list.map((p) => p.contactId);

describe("sampleProfiles", () => {
  it("draws only members of the segment and counts them", async () => {
    const drawn = await sampleProfiles(await storeWith(profiles), "shop", "Win-back", 3, 1);
    expect([drawn.members, drawn.sample.length, drawn.sample.every((p) => p.properties.tailor_segment?.value === "Win-back")]).toEqual([5, 3, true]);
  });

  it("draws the same sample whatever order the store returns profiles in", async () => {
    const forwards = await sampleProfiles(await storeWith(profiles), "shop", "Active repeat buyer", 5, 9);
    const backwards = await sampleProfiles(await storeWith(profiles.slice().reverse()), "shop", "Active repeat buyer", 5, 9);
    expect(ids(backwards.sample)).toEqual(ids(forwards.sample));
  });

  it("draws another sample for another seed", async () => {
    const store = await storeWith(profiles);
    const [one, two] = await Promise.all([sampleProfiles(store, "shop", "Active repeat buyer", 5, 1), sampleProfiles(store, "shop", "Active repeat buyer", 5, 2)]);
    expect(ids(one.sample)).not.toEqual(ids(two.sample));
  });

  it("finds a segment by its slug", async () => {
    const drawn = await sampleProfiles(await storeWith(profiles), "shop", "active-repeat-buyer", 50, 1);
    expect(drawn.members).toBe(30);
  });

  it("counts every segment it saw, leaving out contacts in none", async () => {
    const drawn = await sampleProfiles(await storeWith(profiles), "shop", "Lapsing", 5, 1);
    expect([drawn.members, Object.fromEntries(drawn.segmentSizes)]).toEqual([0, { "Active repeat buyer": 30, "Win-back": 5 }]);
  });
});

describe("sampleCommand", () => {
  it("prints each sampled contact's properties with their reasons and any confidence", async () => {
    const base = member("w2", "Win-back", 1);
    const store = await storeWith([{ ...base, properties: { ...base.properties, tailor_orders: { value: 1, why: "1 order", confidence: "low" } } }]);
    const text = await sampleCommand(store, "shop", { segment: "Win-back", n: 1, seed: 4, format: "text" });
    expect(text).toBe([
      "Win-back: 1 of 1 members, seed 4",
      "",
      "w2",
      "  tailor_lifecycle: active_customer (last order 41 days ago)",
      "  tailor_orders: 1 (1 order; low confidence)",
      "  tailor_top_category: (empty) (no category activity)",
      "  tailor_segment: Win-back (guards of Win-back held)",
    ].join("\n"));
  });

  it("names the segments that have members when the one asked for has none", async () => {
    const text = await sampleCommand(await storeWith(profiles), "shop", { segment: "Lapsing", n: 5, seed: 1, format: "text" });
    expect(text).toBe('No contacts in segment "Lapsing". Segments with members: Active repeat buyer (30), Win-back (5).');
  });

  it("says to run a sync first when no profile has a segment", async () => {
    const text = await sampleCommand(await storeWith([]), "shop", { segment: "Lapsing", n: 5, seed: 1, format: "text" });
    expect(text).toBe('No contacts in segment "Lapsing". No stored profile has a segment yet: run a sync first.');
  });

  it("writes the sampled profiles as a JSON array", async () => {
    const store = await storeWith(profiles);
    const json = JSON.parse(await sampleCommand(store, "shop", { segment: "Win-back", n: 2, seed: 3, format: "json" })) as unknown;
    expect(json).toEqual((await sampleProfiles(store, "shop", "Win-back", 2, 3)).sample);
  });

  it("writes one CSV row per contact: contact_id, segment, then each property's value", async () => {
    const store = await storeWith([member("w1", "Win-back", 1)]);
    const csv = await sampleCommand(store, "shop", { segment: "Win-back", n: 5, seed: 1, format: "csv" });
    expect(csv).toBe("contact_id,segment,tailor_lifecycle,tailor_orders,tailor_top_category\nw1,Win-back,active_customer,1,\n");
  });

  it("quotes CSV cells with commas and quotes, and defuses cells a spreadsheet would run as formulas", async () => {
    const odd: Profile = { contactId: 'c,"1"', properties: { tailor_segment: { value: "Win-back", why: "" }, tailor_top_category: { value: "=HYPERLINK(1)", why: "" } } };
    const csv = await sampleCommand(await storeWith([odd]), "shop", { segment: "Win-back", n: 5, seed: 1, format: "csv" });
    expect(csv).toBe('contact_id,segment,tailor_top_category\n"c,""1""",Win-back,\'=HYPERLINK(1)\n');
  });

  it("rejects an unknown installation", async () => {
    await expect(sampleCommand(await storeWith(profiles), "nope", { segment: "Win-back", n: 5, seed: 1, format: "text" })).rejects.toThrow('unknown installation "nope"');
  });
});
