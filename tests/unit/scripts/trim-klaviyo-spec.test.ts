import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEFAULT_SOURCE, TRIMMED_PATH, renderTrimmedSpec, trimKlaviyoSpec } from "../../../scripts/trim-klaviyo-spec.js";
import { KLAVIYO_RATE_LIMITS } from "../../../src/connectors/klaviyo/rate-limits.js";

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const spec = {
  openapi: "3.0.2",
  info: { title: "Klaviyo API", version: "2026-07-15" },
  servers: [{ url: "https://a.klaviyo.com" }],
  paths: {
    "/api/a": {
      get: { operationId: "get_a", tags: ["A"], "x-klaviyo-ratelimit": { burst: "1/s", steady: "15/m" }, responses: { "200": { content: { "application/vnd.api+json": { schema: ref("AList") } } }, "4XX": { $ref: "#/components/responses/ClientError" } } },
      post: { operationId: "create_a", tags: ["A"], requestBody: { content: { "application/vnd.api+json": { schema: ref("ACreate") } } }, responses: {} },
    },
    "/api/b": { get: { operationId: "get_b", tags: ["B"], responses: { "200": { content: { "application/vnd.api+json": { schema: ref("B") } } } } } },
  },
  components: {
    schemas: {
      AList: { type: "object", properties: { data: { type: "array", items: ref("A") } } },
      A: { type: "object", properties: { links: ref("Links") } },
      Links: { type: "object" },
      ACreate: { type: "object" },
      B: { type: "object" },
      Error: { type: "object" },
    },
    responses: { ClientError: { content: { "application/vnd.api+json": { schema: ref("Error") } } }, ServerError: {} },
    securitySchemes: { "Klaviyo-API-Key": { type: "apiKey", in: "header", name: "Authorization" } },
  },
  tags: [{ name: "A" }, { name: "B" }],
  security: [{ "Klaviyo-API-Key": [] }],
  "x-readme": { "proxy-enabled": true },
};

describe("trimKlaviyoSpec", () => {
  const trimmed = trimKlaviyoSpec(spec, ["get_a"]);

  it("keeps only the named operations, not their siblings on the same path", () => {
    expect(Object.keys(trimmed.paths as object)).toEqual(["/api/a"]);
    expect(Object.keys((trimmed.paths as Record<string, object>)["/api/a"] ?? {})).toEqual(["get"]);
  });

  it("keeps every schema and response the operations reach, transitively, and no other", () => {
    const components = trimmed.components as { schemas: object; responses: object; securitySchemes: object };
    expect(Object.keys(components.schemas)).toEqual(["AList", "A", "Links", "Error"]);
    expect(Object.keys(components.responses)).toEqual(["ClientError"]);
    expect(components.securitySchemes).toEqual(spec.components.securitySchemes);
  });

  it("keeps info, servers, security, the operations' tags and the x- extensions", () => {
    expect(trimmed).toMatchObject({ info: spec.info, servers: spec.servers, security: spec.security, tags: [{ name: "A" }], "x-readme": spec["x-readme"] });
    expect((trimmed.paths as Record<string, Record<string, object>>)["/api/a"]?.get).toMatchObject({ "x-klaviyo-ratelimit": { burst: "1/s", steady: "15/m" } });
  });

  it("refuses an operation the spec lacks", () => {
    expect(() => trimKlaviyoSpec(spec, ["get_a", "get_c"])).toThrow("Not in the spec: get_c");
  });

  it("refuses a reference to a component the spec lacks", () => {
    const broken = { ...spec, components: { ...spec.components, schemas: { ...spec.components.schemas, Links: undefined } } };
    expect(() => trimKlaviyoSpec(JSON.parse(JSON.stringify(broken)) as typeof spec, ["get_a"])).toThrow("Dangling reference #/components/schemas/Links");
  });

  // Skipped where ../shared is absent (CI): the vendored copy is then the only spec there is.
  it.skipIf(!existsSync(DEFAULT_SOURCE))("matches the vendored copy, so a table change or a new spec is re-vendored", () => {
    const source = JSON.parse(readFileSync(DEFAULT_SOURCE, "utf8")) as typeof spec;
    expect(renderTrimmedSpec(trimKlaviyoSpec(source, Object.keys(KLAVIYO_RATE_LIMITS))) === readFileSync(TRIMMED_PATH, "utf8"), "rerun: npx tsx scripts/trim-klaviyo-spec.ts").toBe(true);
  });
});
