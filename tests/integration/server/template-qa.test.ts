import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContactSchema } from "../../../src/domain/index.js";
import type { Profile, PropertyValue } from "../../../src/domain/index.js";
import { createMemoryStore } from "../../../src/store/memory-store.js";
import { openPanel, type PanelClient } from "../../helpers/panel-client.js";

const ID = "shop-1";
const QA = `/installations/${ID}/template-qa`;

const profile = (contactId: string, segment: string, values: Record<string, PropertyValue> = {}): Profile => ({
  contactId,
  properties: Object.fromEntries(Object.entries({ tailor_segment: segment, ...values }).map(([k, value]) => [k, { value, why: "test" }])),
});

let panel: PanelClient;

beforeAll(async () => {
  const store = createMemoryStore();
  await store.saveInstallation({ id: ID, esp: "klaviyo", name: "Acme Outdoor", createdAt: "2025-01-01T00:00:00.000Z", propertiesDefined: [] });
  const person = (id: string, firstName?: string) => ContactSchema.parse({ id, createdAt: "2024-01-01T00:00:00Z", email: `${id}@shop.test`, ...(firstName === undefined ? {} : { firstName }) });
  await store.commitPage(ID, "r1", {
    stream: "contacts", cursor: "1", products: [], events: [], quarantine: [], cleanState: null,
    contacts: [person("w1", "Ann"), person("w2"), person("w3", "Cy"), person("w4", "Dee"), person("a1", "Al")],
  });
  // Four win-back members, one of whom has a slot the feed no longer holds; one active buyer.
  await store.saveProfiles(ID, [
    profile("w1", "Win-back", { tailor_rec_1: "p1" }),
    profile("w2", "Win-back", { tailor_rec_1: "gone" }),
    profile("w3", "Win-back", { tailor_rec_1: "p2" }),
    profile("w4", "Win-back"),
    profile("a1", "Active repeat buyer", { tailor_rec_1: "p1" }),
  ]);
  const product = (id: string) => ({ id, title: id, url: `https://shop.test/${id}`, imageUrl: "", price: 10, category: "misc", brand: "" });
  await store.saveFeed(ID, { generatedAt: "2025-01-01T00:00:00.000Z", products: { p1: product("p1"), p2: product("p2") }, fallbacks: { all: [], bySegment: {} } });
  panel = await openPanel(store, ID);
});

afterAll(() => panel.close());

const read = async (res: Response): Promise<{ status: number; text: string }> => ({ status: res.status, text: (await res.text()).replaceAll("&#x3D;", "=") });
/** What a person reads: tags gone, whitespace collapsed, handlebars' entities decoded. */
const visible = (html: string): string =>
  html.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").replaceAll("&#x27;", "'").replaceAll("&quot;", '"').replaceAll("&#x60;", "`").replaceAll("&amp;", "&");
const check = async (form: Record<string, string>, options?: { csrf?: boolean }) => read(await panel.post(QA, { template: "", file: "", segment: "", ...form }, options));

/** A Klaviyo block: a greeting, a field Tailor never writes, and slot 1's product. */
const TEMPLATE = [
  "Hi {{ person.first_name|default:'there' }},",
  "{{ person.tailor_favourite_colour }}",
  "{% catalog person.tailor_rec_1 %}{{ catalog_item.title }}{% endcatalog %}",
].join("\n");

describe("template QA page", () => {
  it("shows the form: a Template box, the shipped templates to pick, the segments and Check template", async () => {
    const { status, text } = await read(await panel.get(QA));
    expect(status).toBe(200);
    expect(text).toContain("<h1>Template QA</h1>");
    expect(text).toContain('<label for="qa-template">Template</label>');
    expect(text).toContain('<textarea id="qa-template" name="template"');
    expect(text).toContain('<label for="qa-file">Pick a template</label>');
    expect(text).toContain('<label for="qa-segment">Segment</label>');
    expect(text).toContain('<option value="" selected>Everyone</option>');
    expect(text).toContain('<option value="Win-back">Win-back</option>');
    expect(text).toMatch(/<button type="submit"[^>]*>Check template<\/button>/);
    expect(text).toContain(`<input type="hidden" name="_csrf" value="`);
  });

  it("offers every shipped HubSpot template and Klaviyo block found beside package.json", async () => {
    const { text } = await read(await panel.get(QA));
    const root = fileURLToPath(new URL("../../../", import.meta.url));
    const hubspot = readdirSync(`${root}extensions/hubspot/templates`).filter((f) => f.endsWith(".hubl.html"));
    const klaviyo = readdirSync(`${root}extensions/klaviyo/blocks`).filter((f) => f.endsWith(".html"));
    const offered = [...text.matchAll(/<option value="(extensions\/[^"]+)"/g)].map((m) => m[1]);
    expect(offered).toEqual([...hubspot.sort().map((f) => `extensions/hubspot/templates/${f}`), ...klaviyo.sort().map((f) => `extensions/klaviyo/blocks/${f}`)]);
    expect(offered.length).toBeGreaterThan(0);
  });

  it("finds a tailor_ field Tailor never writes and a slot whose product the feed lacks, errors first", async () => {
    const { status, text } = await check({ template: TEMPLATE, segment: "Win-back" });
    expect(status).toBe(200);
    const page = visible(text);
    expect(page).toContain("Checked the pasted template for Win-back: 4 recipients.");
    const problems = /<ul class="qa-problems">([\s\S]*?)<\/ul>/.exec(text)?.[1] ?? "";
    expect(visible(problems).trim().split(/ (?=Error:|Missing product:|Field:|Empty greeting:)/)).toEqual([
      "Error: tailor_favourite_colour is not a property Tailor writes (line 2)",
      "Missing product: tailor_rec_1 names a product the feed lacks for 1 contact (e.g. gone)",
      "Field: tailor_rec_1: prints blank (line 3) for 1 of 4 contacts (25 %)",
    ]);
  });

  it("counts per field how many recipients render it, are empty, or miss the product", async () => {
    const { text } = await check({ template: TEMPLATE, segment: "Win-back" });
    const row = (field: string) => visible(new RegExp(`<tr>\\s*<th scope="row"><code>${field}</code></th>([\\s\\S]*?)</tr>`).exec(text)?.[1] ?? "").trim();
    // w1 and w3 show a product, w2's is gone from the feed, w4 has no slot 1; w2 has no first name.
    expect(row("tailor_rec_1")).toBe("1 2 1 (25.0 %) 1 (blank) prints blank (line 3) for 1 of 4 contacts (25 %)");
    expect(row("firstName")).toBe('1 3 1 (25.0 %) 0 "there" —');
    expect(row("tailor_favourite_colour")).toBe("1 0 4 (100.0 %) 0 (blank) tailor_favourite_colour is not a property Tailor writes");
  });

  it("checks everyone when no segment is chosen", async () => {
    expect(visible((await check({ template: TEMPLATE })).text)).toContain("for Everyone: 5 recipients.");
  });

  it("checks the picked template when the box is empty", async () => {
    const { status, text } = await check({ file: "extensions/hubspot/templates/recommendations.hubl.html", segment: "Win-back" });
    expect([status, visible(text).includes("Checked HubSpot: recommendations.hubl.html for Win-back: 4 recipients.")]).toEqual([200, true]);
    expect(text).toContain('<option value="extensions/hubspot/templates/recommendations.hubl.html" selected>');
  });

  it("keeps the pasted text in the box, escaped", async () => {
    const { text } = await check({ template: "</textarea><script>alert(1)</script>{{ person.tailor_segment }}" });
    expect(text).toContain("&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;{{ person.tailor_segment }}</textarea>");
    expect(text).not.toContain("<script>alert(1)");
  });

  it("refuses a template over 200 KB with a clear error on the field", async () => {
    const { status, text } = await check({ template: `{{ person.tailor_segment }}${"x".repeat(210 * 1024)}` });
    expect(status).toBe(400);
    expect(visible(text)).toContain("The template was not checked");
    expect(visible(text)).toContain("The template is 211 KB; the limit is 200 KB.");
    expect(text).toMatch(/<textarea id="qa-template" name="template" [^>]*aria-describedby="qa-template-doc qa-template-error" aria-invalid="true">/);
  });

  it("asks for a template when the box is empty and none is picked", async () => {
    const { status, text } = await check({ template: "   " });
    expect([status, visible(text).includes("Paste a template, or pick one of the shipped templates.")]).toEqual([400, true]);
  });

  it("refuses a picked file that is not in the list", async () => {
    const { status, text } = await check({ file: "package.json" });
    expect([status, visible(text).includes("Pick a template from the list.")]).toEqual([400, true]);
  });

  it("refuses a segment that is not in the settings", async () => {
    const { status, text } = await check({ template: TEMPLATE, segment: "VIPs" });
    expect([status, visible(text).includes("Pick a segment from the list.")]).toEqual([400, true]);
  });

  it("refuses a post without the CSRF token", async () => {
    expect((await check({ template: TEMPLATE }, { csrf: false })).status).toBe(403);
  });
});
