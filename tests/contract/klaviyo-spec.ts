import type { ClientRequest } from "node:http";
import { readFileSync } from "node:fs";
import { Ajv2019, type ErrorObject, type ValidateFunction } from "ajv/dist/2019.js";
import addFormatsModule from "ajv-formats";
import type nock from "nock";

/*
 * Checks requests against Klaviyo's own OpenAPI spec (github klaviyo/openapi `openapi/stable.json`,
 * MIT), vendored trimmed in tests/fixtures/klaviyo/openapi (scripts/trim-klaviyo-spec.ts): the
 * operation, every query parameter and its value, the `filter` expression against the operation's
 * `x-klaviyo-filters`, the required headers, and the JSON:API body against the requestBody schema.
 */

/** One request as sent on the wire, decoded. */
export type KlaviyoRequest = {
  readonly method: string;
  /** Path without the query, e.g. `/api/profiles`; a query left on it is read too. */
  readonly path: string;
  readonly query: Readonly<Record<string, string | string[]>>;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Parsed JSON, the raw text when it is not JSON, undefined when there is none. */
  readonly body: unknown;
};

type Schema = Record<string, unknown>;
type Parameter = { readonly name: string; readonly in: string; readonly required?: boolean; readonly schema?: Schema; readonly explode?: boolean };
type FilterRule = { readonly operators: Readonly<Partial<Record<"single" | "list" | "none", readonly string[]>>>; readonly value?: { readonly type?: string; readonly format?: string } };
type Response = { readonly $ref?: string; readonly content?: Readonly<Record<string, { readonly schema: Schema }>> };
type Operation = {
  readonly operationId: string;
  readonly parameters?: readonly Parameter[];
  readonly requestBody?: { readonly required?: boolean; readonly content: Readonly<Record<string, { readonly schema: Schema }>> };
  readonly responses?: Readonly<Record<string, Response>>;
  readonly "x-klaviyo-filters"?: Readonly<Record<string, FilterRule>>;
  readonly "x-klaviyo-ratelimit"?: { readonly burst: string; readonly steady: string };
  readonly "x-klaviyo-scopes"?: readonly string[];
};
type Spec = {
  readonly info: { readonly version: string };
  readonly paths: Readonly<Record<string, Readonly<Record<string, Operation>>>>;
  readonly components: { readonly schemas: Readonly<Record<string, Schema>>; readonly responses?: Readonly<Record<string, Response>> };
};

export const TRIMMED_SPEC_PATH = new URL("../fixtures/klaviyo/openapi/stable.trimmed.json", import.meta.url);
/** The vendored spec, parsed once. */
export const klaviyoSpec = JSON.parse(readFileSync(TRIMMED_SPEC_PATH, "utf8")) as Spec;

const SPEC_ID = "https://klaviyo.invalid/stable.json";
const METHODS = new Set(["get", "post", "patch", "put", "delete"]);

/** Every operation of the spec with its method, template and a matcher for concrete paths. */
const OPERATIONS = Object.entries(klaviyoSpec.paths).flatMap(([template, item]) =>
  Object.entries(item).filter(([method]) => METHODS.has(method)).map(([method, operation]) => ({
    method: method.toUpperCase(),
    template,
    operation,
    // Klaviyo's reference examples add a trailing slash (`/api/profiles/`) and the API takes both.
    pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}/?$`),
  })));

/** A spec operation by its operationId, with its method and path template. */
export function klaviyoOperation(operationId: string): { readonly method: string; readonly template: string; readonly operation: Operation } | undefined {
  return OPERATIONS.find((o) => o.operation.operationId === operationId);
}

/** The operationId that serves `method path` (path templates matched, query ignored), or null. */
export function operationOf(method: string, path: string): string | null {
  const bare = path.split("?")[0] ?? path;
  return OPERATIONS.find((o) => o.method === method.toUpperCase() && o.pattern.test(bare))?.operation.operationId ?? null;
}

/**
 * OpenAPI 3.0 schema -> JSON Schema 2019-09, which ajv reads:
 * - `nullable: true` becomes a null alternative (3.0's own keyword; ajv ignores it);
 * - `oneOf` becomes `anyOf`: Klaviyo's alternatives overlap (`oneOf: [integer, number]`, ids that
 *   are string or number), so a valid value would match two branches and fail a real oneOf;
 * - an object that lists its properties gets `unevaluatedProperties: false`, so a misspelt or
 *   invented field fails the contract instead of being dropped (the spec sets no
 *   additionalProperties; free-form maps such as profile `properties` list none and stay open).
 *   allOf members stay open all the way down (`open`): Klaviyo's profile responses split one
 *   object's attributes over two members, and each member sees only its own.
 */
function toJsonSchema(node: unknown, open = false): unknown {
  if (Array.isArray(node)) return node.map((n) => toJsonSchema(n, open));
  if (typeof node !== "object" || node === null) return node;
  const source = node as Schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === "nullable" || key.startsWith("x-")) continue;
    if (key === "properties" && typeof value === "object" && value !== null) {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, schema]) => [name, toJsonSchema(schema, open)]));
    } else if (key === "oneOf" || key === "anyOf") out.anyOf = toJsonSchema(value, open);
    else if (key === "allOf") out.allOf = toJsonSchema(value, true);
    else if (key === "items" || key === "additionalProperties" || key === "not") out[key] = toJsonSchema(value, open);
    else out[key] = value;
  }
  if ("properties" in source && !open && !("additionalProperties" in source)) out.unevaluatedProperties = false;
  if (source.nullable !== true) return out;
  if (typeof out.type === "string" && out.$ref === undefined && out.anyOf === undefined && out.allOf === undefined) {
    const nullable: Schema = { ...out, type: [out.type, "null"] };
    if (Array.isArray(out.enum)) nullable.enum = [...(out.enum as unknown[]), null];
    return nullable;
  }
  return { anyOf: [out, { type: "null" }] };
}

/** Schemas an allOf names as a member: they stay open too (see toJsonSchema). */
function allOfMembers(spec: Spec): Set<string> {
  const names = new Set<string>();
  JSON.stringify(spec.components.schemas, (key, value: unknown) => {
    if (key === "allOf" && Array.isArray(value)) {
      for (const member of value as { $ref?: unknown }[]) if (typeof member.$ref === "string") names.add(member.$ref.split("/").pop() ?? "");
    }
    return value;
  });
  return names;
}

const addFormats = addFormatsModule.default;
// Each validator runs a few times per test run: skipping the meta-schema check of Klaviyo's schemas
// and ajv's code optimisation roughly halves compile time, which dominates here.
const ajv = new Ajv2019({ strict: false, allErrors: true, verbose: true, validateSchema: false, code: { optimize: false } });
addFormats(ajv);
const openMembers = allOfMembers(klaviyoSpec);
ajv.addSchema({
  $id: SPEC_ID,
  components: { schemas: Object.fromEntries(Object.entries(klaviyoSpec.components.schemas).map(([name, schema]) => [name, toJsonSchema(schema, openMembers.has(name))])) },
});

const compiled = new Map<unknown, ValidateFunction>();
/** A validator for a schema of the spec; `$ref`s resolve against the vendored components. */
function validatorFor(schema: Schema): ValidateFunction {
  let validate = compiled.get(schema);
  if (validate === undefined) {
    // The schema sits outside the registered document, so its local refs are made absolute.
    const text = JSON.stringify(toJsonSchema(schema)).replaceAll('"$ref":"#/', `"$ref":"${SPEC_ID}#/`);
    validate = ajv.compile(JSON.parse(text) as Schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/** An enum's allowed values, the first few of a long list. */
function allowedOf(error: ErrorObject): string {
  const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues ?? [];
  const shown = allowed.slice(0, 8).map((v) => JSON.stringify(v)).join(", ");
  return allowed.length > 8 ? `the ${allowed.length} allowed values (${shown}, …)` : shown;
}

/** ajv's errors as one line each, without the noise of every failed anyOf branch. */
function describeErrors(where: string, errors: readonly ErrorObject[] | null | undefined): string[] {
  const lines = (errors ?? []).filter((e) => e.keyword !== "anyOf" || (errors ?? []).length === 1).map((e) => {
    const detail = e.keyword === "unevaluatedProperties" ? `has unknown property "${String((e.params as { unevaluatedProperty?: string }).unevaluatedProperty)}"`
      : e.keyword === "enum" ? `${JSON.stringify(e.data)} is not one of ${allowedOf(e)}`
        : (e.message ?? e.keyword);
    return `${where}${e.instancePath}: ${detail}`;
  });
  return [...new Set(lines)];
}

const headerOf = (headers: KlaviyoRequest["headers"], name: string): string | undefined => {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name && headers[k] !== undefined);
  const value = key === undefined ? undefined : headers[key];
  return Array.isArray(value) ? value.join(", ") : value;
};

/** A query value as the parameter's schema expects it: `explode: false` arrays are comma-joined on the wire. */
function queryValue(parameter: Parameter, raw: string | string[]): unknown {
  const type = parameter.schema?.type;
  const values = Array.isArray(raw) ? raw : [raw];
  if (type === "array") return values.flatMap((v) => (parameter.explode === false ? v.split(",") : [v]));
  const one = values.length === 1 ? (values[0] ?? "") : values;
  if (typeof one !== "string") return one;
  if ((type === "integer" || type === "number") && /^-?\d+(\.\d+)?$/.test(one)) return Number(one);
  if (type === "boolean" && (one === "true" || one === "false")) return one === "true";
  return one;
}

// ---- filter expressions: `and(greater-than(updated,2026-01-01T00:00:00Z),equals(email,"a@b.c"))`

type FilterValue = { readonly kind: "quoted" | "bare"; readonly text: string } | { readonly kind: "list"; readonly items: readonly FilterValue[] };
type FilterCall = { readonly name: string; readonly args: readonly (FilterCall | FilterValue)[] };

/** Parses Klaviyo's filter syntax (developers.klaviyo.com/en/docs/filtering_); throws on a syntax error. */
function parseFilter(text: string): FilterCall[] {
  let at = 0;
  const fail = (what: string): never => { throw new Error(`${what} at character ${at + 1}`); };
  const peek = (): string => text.charAt(at);
  const expect = (c: string): void => { if (peek() !== c) fail(`expected "${c}"`); at++; };
  const value = (): FilterValue | FilterCall => {
    const c = peek();
    if (c === "'" || c === '"') {
      at++;
      let out = "";
      while (at < text.length && peek() !== c) {
        if (peek() === "\\") at++;
        out += text.charAt(at++);
      }
      expect(c);
      return { kind: "quoted", text: out };
    }
    if (c === "[") {
      at++;
      const items: FilterValue[] = [];
      while (peek() !== "]") {
        const item = value();
        if ("name" in item || item.kind === "list") return fail("a list holds only plain values");
        items.push(item);
        if (peek() === ",") at++;
        else if (peek() !== "]") fail('expected "," or "]"');
      }
      at++;
      return { kind: "list", items };
    }
    const word = /^[^,()[\]'"]+/.exec(text.slice(at))?.[0] ?? fail("expected a value");
    at += word.length;
    return peek() === "(" ? call(word) : { kind: "bare", text: word };
  };
  const call = (name: string): FilterCall => {
    expect("(");
    const args: (FilterCall | FilterValue)[] = [];
    while (peek() !== ")") {
      args.push(value());
      if (peek() === ",") at++;
      else if (peek() !== ")") fail('expected "," or ")"');
    }
    at++;
    return { name: name.trim(), args };
  };
  const calls: FilterCall[] = [];
  while (at < text.length) {
    const next = value();
    if (!("name" in next)) fail("expected an operator call");
    else calls.push(next);
    if (at < text.length) expect(",");
  }
  return calls;
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Problems of one filter leaf, `op(field,value)`, against the operation's x-klaviyo-filters. */
function checkFilterCall(call: FilterCall, rules: Readonly<Record<string, FilterRule>>): string[] {
  if (call.name === "and") return call.args.flatMap((a) => ("name" in a ? checkFilterCall(a, rules) : [`filter: and() takes operator calls, not ${JSON.stringify(a)}`]));
  const [fieldArg, ...values] = call.args;
  if (fieldArg === undefined || "name" in fieldArg || fieldArg.kind !== "bare") return [`filter: ${call.name}() must name a field first`];
  const field = fieldArg.text.trim();
  const rule = rules[field];
  if (rule === undefined) return [`filter: "${field}" is not filterable here (allowed: ${Object.keys(rules).join(", ")})`];
  const allowed = (kind: "single" | "list" | "none"): boolean => rule.operators[kind]?.includes(call.name) === true;
  const known = allowed("single") || allowed("list") || allowed("none");
  if (!known) return [`filter: ${field} does not take ${call.name}() (allowed: ${[...new Set(Object.values(rule.operators).flat())].join(", ")})`];
  if (allowed("none") && values.length === 0) return [];
  const [value, ...extra] = values;
  if (value === undefined || extra.length > 0) return [`filter: ${call.name}(${field}, …) takes exactly one value`];
  if ("name" in value) return [`filter: ${call.name}(${field}, …) takes a value, not ${value.name}()`];
  if (value.kind === "list" && !allowed("list")) return [`filter: ${call.name}(${field}, …) takes one value, not a list`];
  if (value.kind !== "list" && !allowed("single")) return [`filter: ${call.name}(${field}, …) takes a list`];
  const items = value.kind === "list" ? value.items : [value];
  return items.flatMap((item): string[] => {
    if ("items" in item) return [];
    const { type, format } = rule.value ?? {};
    // Klaviyo reads datetimes unquoted; a quoted one is an "invalid filter" (its developer forum, 2024).
    if (format === "date-time") return item.kind === "bare" && ISO_DATE_TIME.test(item.text) ? [] : [`filter: ${field} takes an unquoted ISO 8601 datetime, not ${item.kind === "quoted" ? `"${item.text}"` : item.text}`];
    if (type === "string") return item.kind === "quoted" ? [] : [`filter: ${field} takes a quoted string, not ${item.text}`];
    if (type === "number") return item.kind === "bare" && Number.isFinite(Number(item.text)) ? [] : [`filter: ${field} takes a number, not ${item.text}`];
    if (type === "boolean") return item.kind === "bare" && /^(true|false)$/.test(item.text) ? [] : [`filter: ${field} takes true or false, not ${item.text}`];
    return [];
  });
}

function checkFilter(expression: string, rules: Readonly<Record<string, FilterRule>> | undefined): string[] {
  if (rules === undefined) return ["filter: this operation declares no filterable fields"];
  try {
    return parseFilter(expression).flatMap((call) => checkFilterCall(call, rules));
  } catch (error) {
    return [`filter: cannot parse ${JSON.stringify(expression)}: ${(error as Error).message}`];
  }
}

/**
 * What is wrong with a request by Klaviyo's spec; [] when nothing is. Checks the operation
 * exists, every query parameter is declared and holds an allowed value (filter fields and
 * operators included), required headers (revision at the spec's value, an Authorization
 * scheme Klaviyo takes) are present, and the JSON body matches the requestBody schema.
 */
export function checkKlaviyoRequest(request: KlaviyoRequest): string[] {
  const [bare = "", rawQuery] = request.path.split("?");
  const operationId = operationOf(request.method, bare);
  if (operationId === null) {
    const methods = OPERATIONS.filter((o) => o.pattern.test(bare)).map((o) => o.method);
    return [methods.length > 0
      ? `${request.method} ${bare}: the path takes ${methods.join(", ")} only`
      : `${request.method} ${bare}: no such operation in Klaviyo's spec (revision ${klaviyoSpec.info.version})`];
  }
  const found = klaviyoOperation(operationId);
  if (found === undefined) return [`${operationId}: not in the spec`];
  const { operation } = found;
  const problems: string[] = [];
  const parameters = operation.parameters ?? [];

  const query: Record<string, string | string[]> = { ...request.query };
  for (const [name, value] of new URLSearchParams(rawQuery ?? "")) {
    const seen = query[name];
    query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  for (const [name, raw] of Object.entries(query)) {
    const parameter = parameters.find((p) => p.in === "query" && p.name === name);
    if (parameter === undefined) {
      problems.push(`query ${name}: not a parameter of ${operationId} (it takes ${parameters.filter((p) => p.in === "query").map((p) => p.name).join(", ") || "none"})`);
      continue;
    }
    if (parameter.schema !== undefined) {
      const validate = validatorFor(parameter.schema);
      if (!validate(queryValue(parameter, raw))) problems.push(...describeErrors(`query ${name}`, validate.errors));
    }
    if (name === "filter") for (const expression of Array.isArray(raw) ? raw : [raw]) problems.push(...checkFilter(expression, operation["x-klaviyo-filters"]));
  }
  for (const p of parameters) if (p.in === "query" && p.required === true && query[p.name] === undefined) problems.push(`query ${p.name}: required by ${operationId}`);

  for (const p of parameters.filter((q) => q.in === "header")) {
    const value = headerOf(request.headers, p.name.toLowerCase());
    if (value === undefined) {
      if (p.required === true) problems.push(`header ${p.name}: required by ${operationId}`);
      continue;
    }
    const expected = p.schema?.default;
    if (p.name === "revision" && typeof expected === "string" && value !== expected) problems.push(`header revision: ${value}, but the spec is revision ${expected}`);
  }
  // The spec declares the private-key scheme; OAuth apps send a Bearer token (developers.klaviyo.com/en/docs/set_up_oauth).
  const authorization = headerOf(request.headers, "authorization");
  if (authorization === undefined) problems.push("header Authorization: missing");
  else if (!/^(Klaviyo-API-Key|Bearer) \S+$/.test(authorization)) problems.push(`header Authorization: neither "Klaviyo-API-Key <key>" nor "Bearer <token>" (scheme ${JSON.stringify(authorization.split(" ")[0] ?? "")})`);

  const body = operation.requestBody;
  const hasBody = request.body !== undefined && request.body !== "";
  if (body === undefined) {
    if (hasBody) problems.push(`body: ${operationId} takes none`);
    return problems;
  }
  if (!hasBody) {
    if (body.required === true) problems.push(`body: required by ${operationId}`);
    return problems;
  }
  const contentType = headerOf(request.headers, "content-type")?.split(";")[0]?.trim();
  // The spec lists only JSON:API's media type, but Klaviyo's own SDK sends axios's default
  // application/json (klaviyo-api 23.0.0 sets no Content-Type) and the API takes it.
  const media = contentType === undefined ? undefined : body.content[contentType === "application/json" ? "application/vnd.api+json" : contentType];
  if (media === undefined) {
    problems.push(`header Content-Type: ${contentType ?? "missing"}, but ${operationId} takes ${Object.keys(body.content).join(", ")}`);
  }
  const schema = (media ?? Object.values(body.content)[0])?.schema;
  if (typeof request.body === "string") problems.push("body: not JSON");
  else if (schema !== undefined) {
    const validate = validatorFor(schema);
    if (!validate(request.body)) problems.push(...describeErrors("body", validate.errors));
  }
  return problems;
}

/**
 * What is wrong with a response body (a fixture, or what a mock replies) by the operation's
 * response schema for that status ("4XX"-style ranges included); [] when nothing is.
 */
export function checkKlaviyoResponse(operationId: string, status: number, body: unknown): string[] {
  const found = klaviyoOperation(operationId);
  if (found === undefined) return [`${operationId}: not in the vendored spec`];
  const responses = found.operation.responses ?? {};
  const response = responses[String(status)] ?? responses[`${String(status).charAt(0)}XX`];
  if (response === undefined) return [`${operationId}: the spec documents no ${status} response (it has ${Object.keys(responses).join(", ")})`];
  const resolved = typeof response.$ref === "string" ? klaviyoSpec.components.responses?.[response.$ref.split("/").pop() ?? ""] : response;
  const schema = Object.values(resolved?.content ?? {})[0]?.schema;
  if (schema === undefined) return body === undefined || body === "" ? [] : [`${operationId} ${status}: the spec documents no body`];
  const validate = validatorFor(schema);
  return validate(body) ? [] : describeErrors(`${operationId} ${status} body`, validate.errors);
}

/** A request as nock hands it over: raw path with query, headers, body text. */
export function toKlaviyoRequest(method: string, pathWithQuery: string, headers: Readonly<Record<string, string | string[] | number | undefined>>, rawBody: string): KlaviyoRequest {
  const url = new URL(pathWithQuery, "http://klaviyo.invalid");
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const seen = query[name];
    query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  let body: unknown = undefined;
  if (rawBody !== "") {
    try {
      body = JSON.parse(rawBody);
    } catch {
      body = rawBody;
    }
  }
  const textHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), typeof v === "number" ? String(v) : v]));
  return { method: method.toUpperCase(), path: url.pathname, query, headers: textHeaders, body };
}

/**
 * Records every request the scope's interceptors answer, decoded, in order; the array fills as
 * requests arrive. Use with `checkKlaviyoRequest` after the code under test ran.
 */
export function recordRequests(scope: nock.Scope): KlaviyoRequest[] {
  const seen: KlaviyoRequest[] = [];
  scope.on("request", (req: ClientRequest, _interceptor: unknown, body: string) => {
    seen.push(toKlaviyoRequest(req.method, req.path, req.getHeaders(), body));
  });
  return seen;
}

/** Every problem of every recorded request, prefixed with its operation: [] when all are valid. */
export function checkKlaviyoRequests(requests: readonly KlaviyoRequest[]): string[] {
  return requests.flatMap((r) => checkKlaviyoRequest(r).map((p) => `${r.method} ${r.path} (${operationOf(r.method, r.path) ?? "unknown"}): ${p}`));
}
