import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { PropertyValue } from "../../../src/domain/index.js";
import { formatTemplateQa, parseTemplate, templateQa } from "../../../src/engine/template-qa.js";
import type { QaRecipient, TemplateReference } from "../../../src/engine/template-qa.js";
import { contact } from "./fixtures.js";

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/templates/${name}`, import.meta.url), "utf8");

const recipient = (id: string, firstName: string | undefined, values: Record<string, PropertyValue> = {}): QaRecipient => ({
  contact: firstName === undefined ? contact(id) : { ...contact(id), firstName },
  values,
});

/** The one reference a one-tag template reads, with the parts a test compares. */
const only = (template: string): Pick<TemplateReference, "field" | "kind" | "fallback" | "guarded"> => {
  const refs = parseTemplate(template).references;
  expect(refs).toHaveLength(1);
  const { field, kind, fallback, guarded } = refs[0]!;
  return { field, kind, fallback, guarded };
};

describe("parseTemplate: what a tag reads", () => {
  it.each([
    ["HubL", "{{ contact.tailor_top_category }}"],
    ["Klaviyo", "{{ person.tailor_top_category }}"],
    ["Klaviyo lookup", "{{ person|lookup:'tailor_top_category' }}"],
    ["Handlebars", "{{tailor_top_category}}"],
    ["Handlebars with contact", "{{contact.tailor_top_category}}"],
    ["Handlebars triple-stash and whitespace control", "{{{~ tailor_top_category ~}}}"],
    ["HubL with whitespace control and another filter", "{{- contact.tailor_top_category|upper -}}"],
  ])("reads a tailor property in %s syntax", (_syntax, template) => {
    expect(only(template)).toEqual({ field: "tailor_top_category", kind: "tailor", fallback: null, guarded: false });
  });

  it.each([
    ["{{ contact.firstname }}", "firstName"],
    ["{{ person.first_name }}", "firstName"],
    ["{{ first_name }}", "firstName"],
    ["{{firstName}}", "firstName"],
    ["{{ person.email }}", "email"],
    ["{{ email }}", "email"],
  ])("maps %s to the contact's %s", (template, field) => {
    expect(only(template)).toMatchObject({ field, kind: "contact" });
  });

  it.each([
    ["HubL double quotes", `{{ contact.firstname|default("there") }}`],
    ["HubL single quotes", "{{ contact.firstname|default('there') }}"],
    ["HubL with the boolean argument", "{{ contact.firstname|default('there', true) }}"],
    ["Klaviyo", "{{ person.first_name|default:'there' }}"],
    ["Liquid spacing", `{{ first_name | default: "there" }}`],
    ["a later filter", "{{ person.first_name|default:'there'|title }}"],
    ["HubSpot's personalization_token", "{{ personalization_token('contact.firstname', 'there') }}"],
  ])("reads the fallback of a default filter (%s)", (_form, template) => {
    expect(only(template).fallback).toBe("there");
  });

  it("reads an empty default as an empty fallback, not as none", () => {
    expect(only("{{ person.first_name|default:'' }}").fallback).toBe("");
  });

  it("keeps a contact field Tailor does not know as unknown, under its written name", () => {
    expect(only("{{ person.favorite_color }}")).toMatchObject({ field: "favorite_color", kind: "unknown" });
  });

  it("ignores the ESP's own variables and catalog item fields", () => {
    expect(parseTemplate("{{ unsubscribe_link }} {{ organization.name }} {{ catalog_item.title }} {{ coupon }}").references).toEqual([]);
  });

  it("reads the fields a Handlebars helper call is given", () => {
    expect(only("{{number tailor_orders}}")).toMatchObject({ field: "tailor_orders", kind: "tailor", fallback: null });
  });

  it("reads the product id of a Klaviyo catalog tag as a catalog reference", () => {
    const parsed = parseTemplate(`{% catalog person.tailor_rec_1 unpublished="cancel" %}{{ catalog_item.title }}{% endcatalog %}`);
    expect(parsed.references.map((r) => [r.field, r.kind])).toEqual([["tailor_rec_1", "catalog"]]);
    expect(parsed.errors).toEqual([]);
  });

  it("reads a catalog tag given through lookup", () => {
    expect(only("{% catalog person|lookup:'tailor_rec_3' %}x{% endcatalog %}")).toMatchObject({ field: "tailor_rec_3", kind: "catalog" });
  });

  it("numbers lines from 1, counting the lines inside multi-line tags", () => {
    const parsed = parseTemplate("intro\n{% if contact.tailor_orders\n  > 1 %}\n{{ contact.tailor_aov }}{% endif %}\n\n{{ contact.tailor_revenue }}");
    expect(parsed.references.map((r) => [r.field, r.line])).toEqual([["tailor_orders", 2], ["tailor_aov", 4], ["tailor_revenue", 6]]);
  });

  it("skips comments and raw blocks", () => {
    const parsed = parseTemplate("{# {{ contact.tailor_foo }} #}{{!-- {{tailor_bar}} --}}{% raw %}{{ contact.tailor_baz }}{% endraw %}");
    expect([parsed.references, parsed.errors]).toEqual([[], []]);
  });
});

describe("parseTemplate: guards", () => {
  it("treats a Handlebars reference inside an if on the same field as guarded, rendering the else branch", () => {
    const refs = parseTemplate("{{#if tailor_top_category}}New in {{tailor_top_category}}{{else}}Our favourites{{/if}}").references;
    expect(refs.map((r) => [r.token, r.guarded, r.fallback])).toEqual([
      ["{{#if tailor_top_category}}", true, "Our favourites"],
      ["{{tailor_top_category}}", true, "Our favourites"],
    ]);
  });

  it("renders nothing for a guarded reference whose if has no else", () => {
    const ref = parseTemplate("{% if contact.tailor_top_category %}New in {{ contact.tailor_top_category }}{% endif %}").references[1];
    expect([ref?.guarded, ref?.fallback]).toEqual([true, ""]);
  });

  it("guards through a comparison with a non-empty value", () => {
    const ref = parseTemplate("{% if person.tailor_lifecycle == 'lapsing' %}{{ person.tailor_lifecycle }}{% endif %}").references[1];
    expect(ref?.guarded).toBe(true);
  });

  it("does not guard a reference inside an if on another field", () => {
    const ref = parseTemplate("{% if contact.tailor_orders %}{{ contact.tailor_aov }}{% endif %}").references[1];
    expect([ref?.field, ref?.guarded, ref?.fallback]).toEqual(["tailor_aov", false, null]);
  });

  it("does not guard when the condition has an or", () => {
    const ref = parseTemplate("{% if contact.tailor_aov or contact.tailor_orders %}{{ contact.tailor_aov }}{% endif %}").references[2];
    expect([ref?.field, ref?.guarded]).toEqual(["tailor_aov", false]);
  });

  it("guards the else branch of a negated condition, which renders the if branch when empty", () => {
    const ref = parseTemplate("{% if not contact.tailor_top_category %}Browse all{% else %}New in {{ contact.tailor_top_category }}{% endif %}").references[1];
    expect([ref?.guarded, ref?.fallback]).toEqual([true, "Browse all"]);
  });

  it("says an unless renders its body when the field is empty", () => {
    const ref = parseTemplate("{% unless person.tailor_top_category %}Browse all{% endunless %}").references[0];
    expect([ref?.guarded, ref?.fallback]).toEqual([true, "Browse all"]);
  });

  it("guards inside an elif on the field", () => {
    const ref = parseTemplate("{% if contact.tailor_orders > 5 %}VIP{% elif contact.tailor_top_category %}{{ contact.tailor_top_category }}{% else %}Hello{% endif %}").references[2];
    expect([ref?.field, ref?.guarded, ref?.fallback]).toEqual(["tailor_top_category", true, "Hello"]);
  });

  it("keeps a for loop's else out of the enclosing if", () => {
    const parsed = parseTemplate("{% if contact.tailor_top_category %}{% for x in items %}{{ x }}{% else %}none{% endfor %}{{ contact.tailor_top_category }}{% else %}Hi{% endif %}");
    const ref = parsed.references[1];
    expect([ref?.guarded, ref?.fallback, parsed.errors]).toEqual([true, "Hi", []]);
  });

  it("takes the fallback from the if, not from a loop inside it", () => {
    const ref = parseTemplate("{% if contact.tailor_top_category %}{% for x in items %}{{ contact.tailor_top_category }}{% endfor %}{% else %}Hi{% endif %}").references[1];
    expect([ref?.guarded, ref?.fallback]).toEqual([true, "Hi"]);
  });

  it("does not guard outside the if once it is closed", () => {
    const ref = parseTemplate("{% if contact.tailor_aov %}x{% endif %}{{ contact.tailor_aov }}").references[1];
    expect(ref?.guarded).toBe(false);
  });
});

describe("parseTemplate: errors", () => {
  it("names a tailor_* property Tailor does not write, with its lines", () => {
    expect(parseTemplate("{{ contact.tailor_foo }}\n{% if contact.tailor_foo %}{% endif %}").errors).toEqual(["tailor_foo is not a property Tailor writes (lines 1, 2)"]);
  });

  it("names a slot beyond the most Tailor declares", () => {
    expect(parseTemplate("{% catalog person.tailor_rec_7 %}{% endcatalog %}").errors).toEqual(["tailor_rec_7 is not a property Tailor writes (line 1)"]);
  });

  it("accepts the last declared slot", () => {
    expect(parseTemplate("{{ contact.tailor_rec_6_title }}").errors).toEqual([]);
  });

  it("names an end tag with nothing open and a block never closed", () => {
    expect(parseTemplate("{% endif %}\n{% if contact.tailor_aov %}").errors).toEqual([
      "line 1: {% endif %} has no open if",
      "line 2: this if is never closed",
    ]);
  });

  it("names a tag that is never closed", () => {
    expect(parseTemplate("Hi\nthere {{ contact.firstname ,").errors).toEqual(["line 2: a tag opened here is never closed"]);
  });
});

describe("parseTemplate: greetings", () => {
  it.each([
    ["Hi {{ person.first_name }},", "Hi {{ person.first_name }},"],
    ["<p>Hello {{ first_name }}!</p>", "Hello {{ first_name }}!"],
    ["Dear <strong>{{ contact.firstname }}</strong>, welcome", "Dear <strong>{{ contact.firstname }}</strong>,"],
    ["Bonjour {{ first_name }} ,", "Bonjour {{ first_name }} ,"],
    ["hola {{ first_name }},", "hola {{ first_name }},"],
  ])("finds the salutation in %s", (line, text) => {
    expect(parseTemplate(line).greetings).toEqual([{ line: 1, text, field: "firstName" }]);
  });

  it.each([
    ["no punctuation after the tag", "Hi {{ first_name }} and welcome"],
    ["no salutation", "Thanks {{ first_name }},"],
    ["a word that only ends in one", "Sushi {{ first_name }}!"],
    ["the punctuation on the next line", "Hi {{ first_name }}\n,"],
    ["a variable that is not a contact field", "Hi {{ organization.name }},"],
  ])("finds none with %s", (_case, template) => {
    expect(parseTemplate(template).greetings).toEqual([]);
  });
});

describe("templateQa", () => {
  const greeting = parseTemplate("<p>Hi {{ contact.firstname }},</p>\n{{ contact.tailor_top_category }}");

  it("finds an empty greeting and shows exactly what renders", () => {
    const report = templateQa(greeting, [recipient("a", "Ann"), recipient("b", undefined), recipient("c", "Cy"), recipient("d", "")], new Set());
    expect(report.emptyGreetings).toEqual([{ line: 1, text: "Hi {{ contact.firstname }},", contacts: 2, share: 0.5, example: "Hi ," }]);
  });

  it("reports a blank greeting once, not again as its field's problem", () => {
    const report = templateQa(parseTemplate("Hi {{ first_name }},\n{{ first_name }}"), [recipient("a", undefined)], new Set());
    expect(report.fields[0]?.problem).toBe("prints blank (line 2) for 1 of 1 contact (100 %)");
  });

  it("reports no empty greeting when every contact has a name", () => {
    expect(templateQa(greeting, [recipient("a", "Ann")], new Set()).emptyGreetings).toEqual([]);
  });

  it("does not flag a greeting with a fallback, and shows the fallback", () => {
    const report = templateQa(parseTemplate("Hi {{ first_name|default:'there' }},"), [recipient("a", undefined)], new Set());
    expect([report.emptyGreetings, report.fields[0]?.rendersWhenEmpty, report.fields[0]?.problem]).toEqual([[], '"there"', null]);
  });

  it("flags a greeting whose fallback is blank", () => {
    const report = templateQa(parseTemplate("Hi {{ first_name|default:'' }},"), [recipient("a", undefined)], new Set());
    expect(report.emptyGreetings.map((g) => g.example)).toEqual(["Hi ,"]);
  });

  it("does not flag a greeting guarded by an if on the name", () => {
    const report = templateQa(parseTemplate("{% if first_name %}Hi {{ first_name }},{% else %}Hi there,{% endif %}"), [recipient("a", undefined)], new Set());
    expect([report.emptyGreetings, report.fields[0]?.rendersWhenEmpty]).toEqual([[], '"Hi there," (the if\'s other branch)']);
  });

  it.each<[string, number, PropertyValue | undefined]>([
    ["null", 1, null],
    ["an empty string", 1, ""],
    ["only spaces", 1, "  "],
    ["missing", 1, undefined],
    ["false", 0, false],
    ["0", 0, 0],
    ["text", 0, "Shoes"],
  ])("counts a value that is %s as empty for %i contacts", (_case, empty, value) => {
    const values: Record<string, PropertyValue> = value === undefined ? {} : { tailor_top_category: value };
    expect(templateQa(greeting, [recipient("a", "Ann", values)], new Set()).fields[1]?.empty).toBe(empty);
  });

  it("reports each field's empty share, what prints and the problem, in template order", () => {
    const parsed = parseTemplate("{{ contact.tailor_top_category }}\n{{ contact.tailor_aov|default('n/a') }}\n{{ contact.tailor_top_category }}");
    const audience = [recipient("a", "A", { tailor_aov: 10 }), recipient("b", "B", { tailor_top_category: "Shoes" }), recipient("c", "C"), recipient("d", "D", { tailor_top_category: "Bags", tailor_aov: 5 })];
    expect(templateQa(parsed, audience, new Set()).fields).toEqual([
      { field: "tailor_top_category", references: 2, empty: 2, emptyShare: 0.5, rendersWhenEmpty: "(blank)", problem: "prints blank (lines 1, 3) for 2 of 4 contacts (50 %)" },
      { field: "tailor_aov", references: 1, empty: 2, emptyShare: 0.5, rendersWhenEmpty: '"n/a"', problem: null },
    ]);
  });

  it("lists each reference's rendering when they differ", () => {
    const parsed = parseTemplate("{{ contact.tailor_top_category }}\n{{ contact.tailor_top_category|default('ours') }}");
    expect(templateQa(parsed, [recipient("a", "A")], new Set()).fields[0]?.rendersWhenEmpty).toBe('line 1: (blank); line 2: "ours"');
  });

  it("has no problem when nobody is empty", () => {
    expect(templateQa(greeting, [recipient("a", "Ann", { tailor_top_category: "Shoes" })], new Set()).fields[1]?.problem).toBeNull();
  });

  it("does not check a field Tailor does not know", () => {
    const report = templateQa(parseTemplate("{{ person.favorite_color }}"), [recipient("a", "A")], new Set());
    expect(report.fields).toEqual([{ field: "favorite_color", references: 1, empty: 0, emptyShare: 0, rendersWhenEmpty: "(blank)", problem: "not known to Tailor (not checked)" }]);
  });

  it("gives a tailor_* name Tailor does not write as the field's problem and keeps the error", () => {
    const report = templateQa(parseTemplate("{{ contact.tailor_coupon }}"), [recipient("a", "A")], new Set());
    expect([report.fields[0]?.problem, report.errors]).toEqual(["tailor_coupon is not a property Tailor writes", ["tailor_coupon is not a property Tailor writes (line 1)"]]);
  });

  it("reports shares of 0 for an empty audience", () => {
    const report = templateQa(greeting, [], new Set());
    expect([report.audience, report.fields.map((f) => f.emptyShare), report.emptyGreetings]).toEqual([0, [0, 0], []]);
  });

  describe("products missing from the feed", () => {
    const slots = parseTemplate("{% catalog person.tailor_rec_1 %}{% endcatalog %}\n{{ contact.tailor_rec_2_title }}\n{{ contact.tailor_abandoned_product }}");
    const feed = new Set(["p1", "p2"]);

    it("counts catalog slots, display fields (by their slot's id) and abandoned products whose id the feed lacks", () => {
      const audience = [
        recipient("a", "A", { tailor_rec_1: "p1", tailor_rec_2: "gone", tailor_abandoned_product: "p2" }),
        recipient("b", "B", { tailor_rec_1: "old", tailor_rec_2: "p2", tailor_abandoned_product: "x9" }),
        recipient("c", "C", { tailor_rec_1: "", tailor_rec_2: null }),
      ];
      expect(templateQa(slots, audience, feed).missingFromFeed).toEqual([
        { field: "tailor_rec_1", contacts: 1, productIds: ["old"] },
        { field: "tailor_rec_2_title", contacts: 1, productIds: ["gone"] },
        { field: "tailor_abandoned_product", contacts: 1, productIds: ["x9"] },
      ]);
    });

    it("keeps 10 example ids, each once, while counting every contact", () => {
      const audience = Array.from({ length: 12 }, (_, i) => recipient(`c${i}`, "C", { tailor_rec_1: `m${Math.min(i, 10)}` }));
      const missing = templateQa(slots, [...audience, recipient("again", "A", { tailor_rec_1: "m0" })], feed).missingFromFeed[0];
      expect([missing?.contacts, missing?.productIds]).toEqual([13, ["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9"]]);
    });

    it("lists nothing when every slot is in the feed", () => {
      expect(templateQa(slots, [recipient("a", "A", { tailor_rec_1: "p1", tailor_rec_2: "p2" })], feed).missingFromFeed).toEqual([]);
    });
  });
});

describe("formatTemplateQa", () => {
  it("prints the problems first, then every field", () => {
    const parsed = parseTemplate("Hi {{ contact.firstname }},\n{{ contact.tailor_rec_1_title }} {{ contact.tailor_bogus }}\n{{ person.nickname }}");
    const report = templateQa(parsed, [recipient("a", undefined, { tailor_rec_1: "gone", tailor_rec_1_title: "Old" }), recipient("b", "Bo")], new Set());
    expect(formatTemplateQa(report)).toBe([
      "Template QA for 2 contacts",
      "",
      "Problems (4)",
      "  error: tailor_bogus is not a property Tailor writes (line 2)",
      '  empty greeting, line 1: "Hi ," for 1 contact (50 %); the template has Hi {{ contact.firstname }},',
      "  missing from the feed: tailor_rec_1_title names a product the feed lacks for 1 contact (e.g. gone)",
      "  tailor_rec_1_title: prints blank (line 2) for 1 of 2 contacts (50 %)",
      "",
      "Fields",
      "  firstName            1 ref   empty for 1 (50 %), then prints (blank)",
      "  tailor_rec_1_title   1 ref   empty for 1 (50 %), then prints (blank)",
      "  tailor_bogus         1 ref   empty for 2 (100 %), then prints (blank)",
      "  nickname             1 ref   not known to Tailor (not checked)",
    ].join("\n"));
  });

  it("says when there is nothing to fix", () => {
    const report = templateQa(parseTemplate("Hi {{ first_name|default:'there' }},"), [recipient("a", "Ann")], new Set());
    expect(formatTemplateQa(report).split("\n").slice(0, 3)).toEqual(["Template QA for 1 contact", "", "No problems found."]);
  });
});

describe("the sample templates", () => {
  it("finds the HubL template's empty greeting, unknown property and unchecked field", () => {
    const parsed = parseTemplate(fixture("hubl-winback.html"));
    const report = templateQa(parsed, [recipient("a", undefined, { tailor_rec_1: "p1", tailor_rec_2: "p2" }), recipient("b", "Bo", { tailor_rec_1: "p1", tailor_rec_2: "p2" })], new Set(["p1", "p2"]));
    expect(report.emptyGreetings.map((g) => [g.line, g.example, g.contacts])).toEqual([[2, "Hi ,", 1]]);
    expect(report.errors).toEqual(["tailor_coupon is not a property Tailor writes (line 11)"]);
    expect(report.fields.find((f) => f.field === "company")?.problem).toBe("not known to Tailor (not checked)");
    expect(report.fields.find((f) => f.field === "tailor_top_category")?.rendersWhenEmpty).toBe('"See what is new this week." (the if\'s other branch)');
  });

  it("finds no empty greeting in the Klaviyo template, which has a fallback and a guard", () => {
    const parsed = parseTemplate(fixture("klaviyo-recs.html"));
    const report = templateQa(parsed, [recipient("a", undefined, { tailor_rec_1: "gone", tailor_rec_2: "p2" })], new Set(["p2"]));
    expect([parsed.greetings.length, report.emptyGreetings, report.errors]).toEqual([2, [], []]);
    expect(report.missingFromFeed).toEqual([{ field: "tailor_rec_1", contacts: 1, productIds: ["gone"] }]);
  });
});
