import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_SEGMENTS } from "../../src/domain/segment-settings.js";
import type { Feed } from "../../src/domain/index.js";
import { toSharedFeed } from "../../src/engine/build-feed.js";
import { parseTemplate, templateQa } from "../../src/engine/template-qa.js";
import { contact } from "./engine/fixtures.js";

const DIR = join("extensions", "klaviyo");
const manifest = JSON.parse(readFileSync("app-manifest.json", "utf8")) as {
  properties: { name: string }[];
  esps: { klaviyo: { webFeed?: { name: string } } };
};
const declared = new Set(manifest.properties.map((p) => p.name));
const read = (file: string): string => readFileSync(join(DIR, file), "utf8");
const files = ["README.md", ...readdirSync(join(DIR, "blocks")).map((f) => join("blocks", f))];
const blocks = files.filter((f) => f.endsWith(".html"));
const ROWS = ["blocks/recommendations-row.html", "blocks/recommendations-row-feed-fallback.html"];

/** The Klaviyo template code in a file: the whole of a block, the fenced snippets of a Markdown page. */
const codeOf = (file: string): string =>
  file.endsWith(".html") ? read(file) : [...read(file).matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1] ?? "").join("\n");

const TAG = /\{#[\s\S]*?#\}|\{%[\s\S]*?%\}|\{\{[\s\S]*?\}\}/g;

/**
 * Every printed value with neither a non-empty `default` nor an enclosing `{% if %}` on the same
 * expression: catalog_item and feed fields too, which Tailor's template QA does not follow.
 */
function unguardedOutputs(text: string): string[] {
  const frames: Set<string>[] = [];
  const guarded = (expression: string): boolean => frames.some((f) => f.has(expression));
  const guardsOf = (condition: string): Set<string> =>
    /\bor\b/.test(condition) ? new Set() : new Set(condition.split(/\band\b/).map((c) => c.trim()).filter((c) => /^[\w.]+$/.test(c)));
  const found: string[] = [];
  for (const [token] of text.matchAll(TAG)) {
    if (token.startsWith("{#")) continue;
    const inner = token.slice(2, -2).trim();
    if (token.startsWith("{{")) {
      const [head = "", ...filters] = inner.split("|").map((p) => p.trim());
      const fallback = filters.map((f) => /^default:\s*(.*)$/.exec(f)?.[1]).find((v) => v !== undefined);
      if ((fallback === undefined || /^(''|"")$/.test(fallback)) && !guarded(head)) found.push(token);
      continue;
    }
    const [, name = "", rest = ""] = /^(\w+)\s*([\s\S]*)$/.exec(inner) ?? [];
    if (name === "if") frames.push(guardsOf(rest));
    else if (name === "elif") frames.splice(-1, 1, guardsOf(rest));
    else if (name === "else") frames.splice(-1, 1, new Set());
    else if (name === "currency_format" && !guarded(rest.trim())) found.push(token);
    else if (name.startsWith("end")) frames.pop();
    else if (["for", "catalog", "with"].includes(name)) frames.push(new Set());
  }
  return found;
}

describe("extensions/klaviyo", () => {
  it("ships the recommendation rows, the segment hero, the flow guide and a README", () => {
    expect(files.sort()).toEqual(["README.md", ...ROWS, "blocks/flow-usage.md", "blocks/segment-hero.html"].sort());
  });

  it.each(files)("%s names only tailor_* properties declared in app-manifest.json", (file) => {
    const used = [...new Set([...read(file).matchAll(/\btailor_[a-z0-9_]+/g)].map((m) => m[0]))];
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((name) => !declared.has(name))).toEqual([]);
  });

  it.each(files)("%s parses in Tailor's template QA with no unknown name or unbalanced tag", (file) => {
    const code = codeOf(file);
    if (file.endsWith(".html")) expect(parseTemplate(code).references.length).toBeGreaterThan(0);
    expect(parseTemplate(code).errors).toEqual([]);
  });

  it.each(files)("%s never prints a blank: each output has a default or sits inside an if on it", (file) => {
    expect(unguardedOutputs(codeOf(file))).toEqual([]);
  });

  it.each(blocks)("%s reads every tailor_* property guarded or with a fallback, by Tailor's template QA", (file) => {
    const blank = parseTemplate(read(file)).references.filter((r) => !r.guarded && (r.fallback ?? "").trim() === "");
    expect(blank.map((r) => `line ${r.line}: ${r.token}`)).toEqual([]);
  });

  it.each(blocks)("%s shows no problem for a person Tailor has not scored yet", (file) => {
    const report = templateQa(parseTemplate(read(file)), [{ contact: contact("c1"), values: {} }], new Set());
    expect(report.fields.filter((f) => f.problem !== null).map((f) => `${f.field}: ${f.problem ?? ""}`)).toEqual([]);
    expect(report.emptyGreetings).toEqual([]);
  });

  it("finds a printed value without a fallback, and a price outside an if on it", () => {
    expect(unguardedOutputs("{% catalog person.tailor_rec_1 %}{{ catalog_item.title }}{% currency_format catalog_item.metadata.price %}{% endcatalog %}"))
      .toEqual(["{{ catalog_item.title }}", "{% currency_format catalog_item.metadata.price %}"]);
    expect(unguardedOutputs("{% if x.y %}{% else %}{{ x.y }}{% endif %}{{ x.z|default:'' }}")).toEqual(["{{ x.y }}", "{{ x.z|default:'' }}"]);
    expect(unguardedOutputs("{% if x.y %}{{ x.y }}{% endif %}{{ x.z|default:'n/a' }}")).toEqual([]);
  });
});

describe.each(ROWS)("%s", (file) => {
  const text = read(file);
  const references = parseTemplate(text).references;

  it("renders the five slots from the catalog, each skipped when empty and cancelling on an unpublished product", () => {
    for (let n = 1; n <= 5; n++) {
      const slot = references.filter((r) => r.field === `tailor_rec_${n}` && r.kind === "catalog");
      expect(slot.map((r) => [r.guarded, r.token]), `slot ${n}`).toEqual([[true, `{% catalog person.tailor_rec_${n} unpublished="cancel" %}`]]);
    }
    expect(references.some((r) => r.field === "tailor_rec_6")).toBe(false);
  });

  it("shows something else when the person has no slot at all", () => {
    const outer = references.filter((r) => r.token.startsWith("{% if person.tailor_rec_1 or"));
    expect(outer).toHaveLength(5);
    for (const r of outer) expect(r.fallback?.trim()).not.toBe("");
  });
});

describe("blocks/recommendations-row-feed-fallback.html", () => {
  const text = read("blocks/recommendations-row-feed-fallback.html");

  it("reads the web feed by the name Tailor registers", () => {
    const names = new Set([...text.matchAll(/\bfeeds\.(\w+)/g)].map((m) => m[1]));
    expect([...names]).toEqual([manifest.esps.klaviyo.webFeed?.name ?? "tailor"]);
    expect([...names]).toEqual(["tailor"]);
  });

  it("reads only paths the shared feed has", () => {
    const feed: Feed = {
      generatedAt: "2026-11-01T00:00:00.000Z",
      products: { p1: { id: "p1", title: "Mug", url: "https://shop.example.com/p1", imageUrl: "https://shop.example.com/p1.jpg", price: 12, category: "home", brand: "b" } },
      fallbacks: { all: ["p1"], bySegment: { Lapsing: ["p1"] } },
    };
    const shared = toSharedFeed(feed, 3_300_000) as unknown as Record<string, unknown>;
    const paths = [...new Set([...text.matchAll(/\bfeeds\.tailor((?:\.\w+)+)/g)].map((m) => m[1] ?? ""))];
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) {
      const value = path.split(".").slice(1).reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], shared);
      expect(value, `feeds.tailor${path}`).toBeDefined();
    }
  });
});

describe("blocks/segment-hero.html", () => {
  const text = read("blocks/segment-hero.html");

  it("names only Tailor's default segments, so a renamed default fails here first", () => {
    const named = [...text.matchAll(/person\.tailor_segment == "([^"]+)"/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((name) => !DEFAULT_SEGMENTS.some((s) => s.name === name))).toEqual([]);
  });

  it("falls back to a default hero for anyone without a segment", () => {
    const segment = parseTemplate(text).references.filter((r) => r.field === "tailor_segment");
    expect(segment.length).toBeGreaterThan(0);
    for (const r of segment) expect(r.fallback).toContain("New this week");
  });
});
