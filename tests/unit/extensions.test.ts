import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const manifest = JSON.parse(readFileSync("app-manifest.json", "utf8")) as { properties: { name: string }[] };
const declared = new Set(manifest.properties.map((p) => p.name));

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe("extensions", () => {
  const files = filesUnder("extensions").filter((f) => !f.endsWith(".md"));

  it("ships a template for each ESP", () => {
    expect(files.some((f) => f.startsWith(join("extensions", "hubspot")))).toBe(true);
    expect(files.some((f) => f.startsWith(join("extensions", "klaviyo")))).toBe(true);
  });

  it.each(files)("%s reads only declared tailor_* properties", (file) => {
    const used = [...readFileSync(file, "utf8").matchAll(/\btailor_[a-z0-9_]+/g)].map((m) => m[0]);
    // Templates exist to read properties; project configs and UI components may name none.
    if (file.endsWith(".html")) expect(used.length).toBeGreaterThan(0);
    expect(used.filter((name) => !declared.has(name))).toEqual([]);
  });
});
