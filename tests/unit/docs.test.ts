import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PROPERTIES } from "../../src/domain/index.js";
import { manifestProperties, propertiesTable, PROPERTIES_END, PROPERTIES_START, segmentsTable, SEGMENTS_END, SEGMENTS_START, settingsTable, SETTINGS_END, SETTINGS_START } from "../../scripts/render-docs.js";

const readme = readFileSync("README.md", "utf8");
const between = (start: string, end: string) => readme.slice(readme.indexOf(start) + start.length, readme.indexOf(end)).trim();

describe("docs mirror the domain", () => {
  it("lists every property in app-manifest.json exactly as declared", () => {
    const manifest = JSON.parse(readFileSync("app-manifest.json", "utf8")) as Record<string, unknown>;
    expect({ group: manifest.group, properties: manifest.properties }).toEqual(manifestProperties());
  });

  it("lists every property in the README table (run `npm run docs` after changing them)", () => {
    expect(between(PROPERTIES_START, PROPERTIES_END)).toBe(propertiesTable());
    for (const p of PROPERTIES) expect(readme).toContain(`| \`${p.name}\` |`);
  });

  it("lists every setting with its default in the README", () => {
    expect(between(SETTINGS_START, SETTINGS_END)).toBe(settingsTable());
  });

  it("lists the default named segments with their guards in the README", () => {
    expect(between(SEGMENTS_START, SEGMENTS_END)).toBe(segmentsTable());
  });

  it("declares only tailor_-prefixed, unique property names", () => {
    const names = PROPERTIES.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^tailor_[a-z0-9_]+$/);
  });
});
