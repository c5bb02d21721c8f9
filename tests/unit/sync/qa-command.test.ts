import { mkdtempSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ContactSchema } from "../../../src/domain/index.js";
import type { Contact, Profile, PropertyValue, Store } from "../../../src/domain/index.js";
import type { TemplateQaReport } from "../../../src/engine/template-qa.js";
import { createMemoryStore } from "../../../src/store/memory-store.js";
import { qaCommand, qaTemplateText } from "../../../src/sync/qa-command.js";

const HUBL = fileURLToPath(new URL("../../fixtures/templates/hubl-winback.html", import.meta.url));
const KLAVIYO = fileURLToPath(new URL("../../fixtures/templates/klaviyo-recs.html", import.meta.url));

const person = (id: string, firstName?: string): Contact =>
  ContactSchema.parse({ id, createdAt: "2024-01-01T00:00:00Z", ...(firstName === undefined ? {} : { firstName }), email: `${id}@shop.test`, preferences: { quiz: "yes" } });

const profile = (contactId: string, segment: string, values: Record<string, PropertyValue> = {}): Profile => ({
  contactId,
  properties: Object.fromEntries(Object.entries({ tailor_segment: segment, ...values }).map(([k, value]) => [k, { value, why: "test" }])),
});

async function storeWith(contacts: readonly Contact[], profiles: readonly Profile[], feedIds: readonly string[] | null = ["p1", "p2"]): Promise<Store> {
  const store = createMemoryStore();
  await store.saveInstallation({ id: "shop", esp: "klaviyo", name: "Shop", createdAt: "2025-01-01T00:00:00.000Z", propertiesDefined: [] });
  await store.commitPage("shop", "r1", { stream: "contacts", contacts, products: [], events: [], quarantine: [], cleanState: null, cursor: "c1" });
  await store.saveProfiles("shop", profiles);
  if (feedIds !== null) {
    const products = Object.fromEntries(feedIds.map((id) => [id, { id, title: id, url: `https://shop.test/${id}`, imageUrl: "", price: 10, category: "misc", brand: "" }]));
    await store.saveFeed("shop", { generatedAt: "2025-01-01T00:00:00.000Z", products, fallbacks: { all: [], bySegment: {} } });
  }
  return store;
}

/** Four win-back members (two without a first name, one whose slot left the feed), one other contact, one orphan profile. */
const shop = (feedIds: readonly string[] | null = ["p1", "p2"]): Promise<Store> =>
  storeWith(
    [person("w1", "Ann"), person("w2"), person("w3", ""), person("w4", "Dee"), person("a1")],
    [
      profile("w1", "Win-back", { tailor_rec_1: "p1", tailor_top_category: "Shoes" }),
      profile("w2", "Win-back", { tailor_rec_1: "gone" }),
      profile("w3", "Win-back", { tailor_rec_1: "p2" }),
      profile("w4", "Win-back", { tailor_rec_1: "p1" }),
      profile("a1", "Active repeat buyer", { tailor_rec_1: "p1" }),
      profile("orphan", "Win-back", { tailor_rec_1: "zzz" }),
    ],
    feedIds,
  );

const json = async (store: Store, template: string, segment: string | null): Promise<TemplateQaReport> =>
  JSON.parse(await qaCommand(store, "shop", { template, segment, format: "json" })) as TemplateQaReport;

describe("qaCommand", () => {
  it("finds the empty greeting among the segment's members", async () => {
    const report = await json(await shop(), HUBL, "Win-back");
    expect([report.audience, report.emptyGreetings]).toEqual([4, [{ line: 2, text: "Hi {{ contact.firstname }},", contacts: 2, share: 0.5, example: "Hi ," }]]);
  });

  it("finds the segment by its slug", async () => {
    expect((await json(await shop(), HUBL, "win-back")).audience).toBe(4);
  });

  it("checks every stored profile that has a contact when no segment is given", async () => {
    expect((await json(await shop(), HUBL, null)).audience).toBe(5);
  });

  it("reports slots whose product the stored feed lacks", async () => {
    const report = await json(await shop(), KLAVIYO, "Win-back");
    expect(report.missingFromFeed).toEqual([{ field: "tailor_rec_1", contacts: 1, productIds: ["gone"] }]);
  });

  it("says when no feed is stored yet and the template shows products", async () => {
    const report = await json(await shop(null), KLAVIYO, "Win-back");
    expect([report.missingFromFeed[0]?.contacts, report.errors]).toEqual([4, ["no feed is stored yet, so every product counts as missing from it: run a sync first"]]);
  });

  it("reads only the properties the template shows", async () => {
    const report = await json(await shop(), KLAVIYO, "Win-back");
    expect(report.fields.find((f) => f.field === "tailor_top_category")).toMatchObject({ empty: 3, references: 1 });
  });

  it("checks an empty audience when the segment is configured but has no members yet", async () => {
    const report = await json(await shop(), HUBL, "Lapsing");
    expect([report.audience, report.emptyGreetings]).toEqual([0, []]);
  });

  it("rejects an unknown segment, naming the segments that exist", async () => {
    await expect(qaCommand(await shop(), "shop", { template: HUBL, segment: "VIPs", format: "text" }))
      .rejects.toThrow('unknown segment "VIPs": the segments are New customer (0), Active repeat buyer (1), High-value at risk (0), Discount-driven (0), Lapsing (0), Win-back (5), Browsers who never bought (0)');
  });

  it("rejects an unknown installation", async () => {
    await expect(qaCommand(await shop(), "nope", { template: HUBL, segment: null, format: "text" })).rejects.toThrow('unknown installation "nope"');
  });

  it("prints the file, the audience and the problems first as text", async () => {
    const dir = mkdtempSync(join(tmpdir(), "qa-"));
    const file = join(dir, "greeting.hbs");
    writeFileSync(file, "Hi {{firstName}},\n{{tailor_top_category}}\n");
    const text = await qaCommand(await shop(), "shop", { template: file, segment: "Win-back", format: "text" });
    expect(text.split("\n").slice(0, 6)).toEqual([
      `${file} for segment "Win-back"`,
      "Template QA for 4 contacts",
      "",
      "Problems (2)",
      '  empty greeting, line 1: "Hi ," for 2 contacts (50 %); the template has Hi {{firstName}},',
      "  tailor_top_category: prints blank (line 2) for 3 of 4 contacts (75 %)",
    ]);
  });
});

describe("qaTemplateText", () => {
  it("checks pasted text as qaCommand checks the same file", async () => {
    const store = await shop();
    const text = await readFile(KLAVIYO, "utf8");
    expect(await qaTemplateText(store, "shop", text, "Win-back")).toEqual(await json(store, KLAVIYO, "Win-back"));
  });

  it("names a tailor_ field Tailor never writes among the errors", async () => {
    const report = await qaTemplateText(await shop(), "shop", "Hi {{ person.first_name|default:'there' }},\n{{ person.tailor_favourite_colour }}\n", null);
    expect([report.errors, report.fields.find((f) => f.field === "tailor_favourite_colour")?.problem]).toEqual([
      ["tailor_favourite_colour is not a property Tailor writes (line 2)"],
      "tailor_favourite_colour is not a property Tailor writes",
    ]);
  });

  it("rejects an unknown installation", async () => {
    await expect(qaTemplateText(await shop(), "nope", "{{ person.tailor_segment }}", null)).rejects.toThrow('unknown installation "nope"');
  });
});
