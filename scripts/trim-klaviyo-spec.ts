// Cuts Klaviyo's OpenAPI spec (github klaviyo/openapi, openapi/stable.json, MIT) down to the
// operations Tailor calls, so the contract tests run without ../shared:
//   npx tsx scripts/trim-klaviyo-spec.ts [path/to/stable.json]
// Reads ../shared/data/openapi/klaviyo/stable.json by default and writes
// tests/fixtures/klaviyo/openapi/stable.trimmed.json. The operations are the ones in
// src/connectors/klaviyo/rate-limits.ts, so a call added there is vendored on the next run.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { KLAVIYO_RATE_LIMITS } from "../src/connectors/klaviyo/rate-limits.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const DEFAULT_SOURCE = join(ROOT, "..", "shared", "data", "openapi", "klaviyo", "stable.json");
export const TRIMMED_PATH = join(ROOT, "tests", "fixtures", "klaviyo", "openapi", "stable.trimmed.json");

const isObject = (value: Json | undefined): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);

/** Every local `#/components/<section>/<name>` a value refers to, directly. */
function refsIn(value: Json, found: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) refsIn(item, found);
  } else if (isObject(value)) {
    for (const [key, inner] of Object.entries(value)) {
      if (key === "$ref" && typeof inner === "string" && inner.startsWith("#/components/")) found.add(inner);
      else refsIn(inner, found);
    }
  }
}

/**
 * The spec with only the operations named (by operationId) and the components they reach,
 * transitively; info, servers, security, securitySchemes, tags in use and every x-* extension
 * kept. Components keep the source's order, so a regenerated file diffs cleanly.
 */
export function trimKlaviyoSpec(spec: JsonObject, operationIds: readonly string[]): JsonObject {
  const wanted = new Set(operationIds);
  const paths: JsonObject = {};
  const tags = new Set<string>();
  const pending = new Set<string>();
  const sourcePaths = isObject(spec.paths) ? spec.paths : {};
  for (const [path, item] of Object.entries(sourcePaths)) {
    if (!isObject(item)) continue;
    const kept: JsonObject = {};
    for (const [key, value] of Object.entries(item)) {
      if (!METHODS.includes(key)) continue;
      if (!isObject(value) || typeof value.operationId !== "string" || !wanted.has(value.operationId)) continue;
      kept[key] = value;
      wanted.delete(value.operationId);
      if (Array.isArray(value.tags)) for (const tag of value.tags) if (typeof tag === "string") tags.add(tag);
    }
    if (Object.keys(kept).length === 0) continue;
    // Path-level parameters and extensions belong to every kept method.
    for (const [key, value] of Object.entries(item)) if (!METHODS.includes(key)) kept[key] = value;
    paths[path] = kept;
    refsIn(kept, pending);
  }
  if (wanted.size > 0) throw new Error(`Not in the spec: ${[...wanted].join(", ")}`);

  const components = isObject(spec.components) ? spec.components : {};
  const reached = new Set<string>();
  for (const ref of pending) {
    // A Set visits what is added while iterating, which makes this the transitive closure.
    if (reached.has(ref)) continue;
    reached.add(ref);
    const [, , section = "", name = ""] = ref.split("/");
    const target = isObject(components[section]) ? components[section][name] : undefined;
    if (target === undefined) throw new Error(`Dangling reference ${ref}`);
    refsIn(target, pending);
  }

  const trimmedComponents: JsonObject = {};
  for (const [section, entries] of Object.entries(components)) {
    if (!isObject(entries)) continue;
    const keep = section === "securitySchemes"
      ? entries
      : Object.fromEntries(Object.entries(entries).filter(([name]) => reached.has(`#/components/${section}/${name}`)));
    if (Object.keys(keep).length > 0) trimmedComponents[section] = keep;
  }

  const trimmed: JsonObject = {};
  for (const [key, value] of Object.entries(spec)) {
    if (key === "paths") trimmed.paths = paths;
    else if (key === "components") trimmed.components = trimmedComponents;
    else if (key === "tags" && Array.isArray(value)) trimmed.tags = value.filter((t) => isObject(t) && typeof t.name === "string" && tags.has(t.name));
    else trimmed[key] = value;
  }
  return trimmed;
}

/** The trimmed spec as written to disk: two-space JSON and a final newline. */
export function renderTrimmedSpec(spec: JsonObject): string {
  return `${JSON.stringify(spec, null, 2)}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const source = process.argv[2] ?? DEFAULT_SOURCE;
  const spec = JSON.parse(readFileSync(source, "utf8")) as JsonObject;
  const trimmed = trimKlaviyoSpec(spec, Object.keys(KLAVIYO_RATE_LIMITS));
  mkdirSync(dirname(TRIMMED_PATH), { recursive: true });
  const text = renderTrimmedSpec(trimmed);
  writeFileSync(TRIMMED_PATH, text);
  const count = (section: string): number => {
    const components = trimmed.components;
    const entries = isObject(components) ? components[section] : undefined;
    return isObject(entries) ? Object.keys(entries).length : 0;
  };
  const version = isObject(spec.info) && typeof spec.info.version === "string" ? spec.info.version : "of unknown revision";
  process.stdout.write(`${TRIMMED_PATH}: ${Object.keys(KLAVIYO_RATE_LIMITS).length} operations, ${count("schemas")} schemas, ${count("responses")} responses, ${(text.length / 1024).toFixed(0)} KiB (spec ${version})\n`);
}
