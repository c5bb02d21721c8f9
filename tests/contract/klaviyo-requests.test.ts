// The SDK declares request bodies as codegen classes but serializes plain objects, which is how
// src/connectors/** builds them too (eslint.config.js turns this rule off there for the same reason).
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment */
import { readdirSync, readFileSync } from "node:fs";
import { ApiKeySession, OAuthBasicSession, RetryWithExponentialBackoff } from "klaviyo-api";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createKlaviyoApis, type KlaviyoApis } from "../../src/connectors/klaviyo/klaviyo-call.js";
import { KLAVIYO_RATE_LIMITS } from "../../src/connectors/klaviyo/rate-limits.js";
import { checkKlaviyoRequest, checkKlaviyoRequests, checkKlaviyoResponse, klaviyoOperation, klaviyoSpec, operationOf, recordRequests, type KlaviyoRequest } from "./klaviyo-spec.js";

const KLAVIYO = "https://a.klaviyo.com";
const REVISION = "2026-07-15";
// numRetries counts attempts in klaviyo-api 23.0.0 (dist/api/apis.js): 0 and 1 both mean one.
const noRetry = (): RetryWithExponentialBackoff => new RetryWithExponentialBackoff({ numRetries: 0 });
const privateKeyApis = (): KlaviyoApis => createKlaviyoApis(new ApiKeySession("pk_test_fake", noRetry()), KLAVIYO);

/** "75/s" -> 75, as x-klaviyo-ratelimit writes its figures. */
const perUnit = (figure: string): number => Number(/^(\d+)\/[sm]$/.exec(figure)?.[1] ?? Number.NaN);

describe("KLAVIYO_RATE_LIMITS against Klaviyo's spec", () => {
  it.each(Object.entries(KLAVIYO_RATE_LIMITS))("%s has the spec's method, path, limits and scopes", (operationId, limit) => {
    const found = klaviyoOperation(operationId);
    expect(found, `${operationId} is not in the vendored spec: rerun scripts/trim-klaviyo-spec.ts`).toBeDefined();
    const ratelimit = found?.operation["x-klaviyo-ratelimit"];
    expect({
      method: found?.method,
      path: found?.template,
      burst: perUnit(ratelimit?.burst ?? ""),
      steady: perUnit(ratelimit?.steady ?? ""),
      scopes: [...(found?.operation["x-klaviyo-scopes"] ?? [])].sort(),
    }).toEqual({ method: limit.method, path: limit.path, burst: limit.burst, steady: limit.steady, scopes: [...limit.scopes].sort() });
  });

  it("reads burst per second and steady per minute, as the table documents", () => {
    for (const operationId of Object.keys(KLAVIYO_RATE_LIMITS)) {
      const ratelimit = klaviyoOperation(operationId)?.operation["x-klaviyo-ratelimit"];
      expect([ratelimit?.burst.endsWith("/s"), ratelimit?.steady.endsWith("/m")], operationId).toEqual([true, true]);
    }
  });

  it("vendors the spec revision the SDK pins", () => {
    expect(klaviyoSpec.info.version).toBe(REVISION);
  });
});

describe("app-manifest.json Klaviyo scopes", () => {
  it("asks for every scope an operation in the table needs", () => {
    const manifest = JSON.parse(readFileSync("app-manifest.json", "utf8")) as { esps: { klaviyo: { requiredScopes: string[]; optionalScopes?: string[] } } };
    const asked = new Set([...manifest.esps.klaviyo.requiredScopes, ...(manifest.esps.klaviyo.optionalScopes ?? [])]);
    const needed = [...new Set(Object.values(KLAVIYO_RATE_LIMITS).flatMap((l) => l.scopes))].sort();
    expect(needed.filter((scope) => !asked.has(scope))).toEqual([]);
  });
});

describe("Klaviyo fixtures against the spec's response schemas", () => {
  const FIXTURES = "tests/fixtures/klaviyo";
  /** Which operation and status each fixture answers, by file name; the OAuth endpoints are not in the spec. */
  const ANSWERS: readonly (readonly [RegExp, string, number])[] = [
    [/^pull-profiles-/, "get_profiles", 200],
    [/^pull-events-/, "get_events", 200],
    [/^pull-metrics-/, "get_metrics", 200],
    [/^pull-catalog-(items|category)-/, "get_catalog_items", 200],
    [/^pull-catalog-categories/, "get_catalog_categories", 200],
    [/-accounts\.json$/, "get_accounts", 200],
    [/^client-error-4/, "get_accounts", 400],
    [/^client-error-5/, "get_accounts", 500],
    [/^push-job-created/, "bulk_import_profiles", 202],
    [/^push-job-/, "get_bulk_import_profiles_job", 200],
    [/^push-import-errors-/, "get_errors_for_bulk_import_profiles_job", 200],
    [/^push-error-4/, "bulk_import_profiles", 400],
    [/^catalog-sync-items-/, "get_catalog_items", 200],
    [/^catalog-sync-create-job-queued/, "bulk_create_catalog_items", 202],
    [/^catalog-sync-create-job-/, "get_bulk_create_catalog_items_job", 200],
    [/^catalog-sync-update-job-queued/, "bulk_update_catalog_items", 202],
    [/^catalog-sync-update-job-/, "get_bulk_update_catalog_items_job", 200],
    [/^catalog-sync-error-4/, "bulk_create_catalog_items", 400],
    [/^privacy-error-4/, "request_profile_deletion", 404],
    [/^scope-error-403/, "create_web_feed", 403],
    [/^web-feed-created/, "create_web_feed", 201],
    [/^web-feed-list/, "get_web_feeds", 200],
    [/^web-feed-updated/, "update_web_feed", 200],
  ];
  const NOT_IN_SPEC = /^oauth-(token|error)/;
  const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith(".json") && !NOT_IN_SPEC.test(f));

  it.each(fixtures)("%s matches the response schema of the operation it answers", (file) => {
    const answer = ANSWERS.find(([pattern]) => pattern.test(file));
    expect(answer, `map ${file} to its operation in ANSWERS`).toBeDefined();
    const [, operationId = "", status = 0] = answer ?? [];
    expect(checkKlaviyoResponse(operationId, status, JSON.parse(readFileSync(`${FIXTURES}/${file}`, "utf8")))).toEqual([]);
  });
});

describe("checkKlaviyoRequest", () => {
  const headers = { revision: REVISION, authorization: "Klaviyo-API-Key pk_test_fake", "content-type": "application/vnd.api+json" };
  const getProfiles: KlaviyoRequest = {
    method: "GET",
    path: "/api/profiles",
    query: { filter: "greater-than(updated,2026-11-01T00:00:00Z)", sort: "updated", "page[size]": "100", "fields[profile]": "email,properties,updated" },
    headers,
    body: undefined,
  };
  const deletion: KlaviyoRequest = {
    method: "POST",
    path: "/api/data-privacy-deletion-jobs",
    query: {},
    headers,
    body: { data: { type: "data-privacy-deletion-job", attributes: { profile: { data: { type: "profile", attributes: { email: "gone@example.com" } } } } } },
  };

  it("finds nothing wrong with valid requests, so the cases below fail for their one fault", () => {
    expect([checkKlaviyoRequest(getProfiles), checkKlaviyoRequest(deletion)]).toEqual([[], []]);
  });

  it("maps method and path to the operation, templates included", () => {
    expect([operationOf("GET", "/api/profiles"), operationOf("get", "/api/profiles/01ABC"), operationOf("PATCH", "/api/web-feeds/wf1?x=1"), operationOf("GET", "/api/profile")])
      .toEqual(["get_profiles", "get_profile", "update_web_feed", null]);
  });

  it("catches a wrong path", () => {
    expect(checkKlaviyoRequest({ ...getProfiles, path: "/api/profile" })).toEqual([`GET /api/profile: no such operation in Klaviyo's spec (revision ${REVISION})`]);
  });

  it("catches a method the path does not take", () => {
    expect(checkKlaviyoRequest({ ...deletion, method: "GET" })).toEqual(["GET /api/data-privacy-deletion-jobs: the path takes POST only"]);
  });

  it("catches an undeclared query parameter", () => {
    expect(checkKlaviyoRequest({ ...getProfiles, query: { ...getProfiles.query, "page[limit]": "100" } }))
      .toEqual([expect.stringMatching(/^query page\[limit\]: not a parameter of get_profiles/)]);
  });

  it("catches a query parameter on the path as well as in the record", () => {
    expect(checkKlaviyoRequest({ ...getProfiles, path: "/api/profiles?include=lists" })).toEqual([expect.stringMatching(/^query include\/0: "lists" is not one of "conversations", "push-tokens"/)]);
  });

  it.each([
    ["a page size over the maximum", { "page[size]": "101" }, /^query page\[size\]: must be <= 100/],
    ["a sparse field the resource lacks", { "fields[profile]": "email,tailor_rec_1" }, /^query fields\[profile\]\/1: "tailor_rec_1" is not one of the \d+ allowed values/],
    ["a sort field the operation does not sort on", { sort: "-datetime" }, /^query sort: "-datetime" is not one of/],
    ["a filter field the operation does not filter on", { filter: "greater-than(last_event_date,2026-11-01T00:00:00Z)" }, /^filter: "last_event_date" is not filterable here/],
    ["a filter operator the field does not take", { filter: "greater-or-equal(updated,2026-11-01T00:00:00Z)" }, /^filter: updated does not take greater-or-equal\(\)/],
    ["a quoted datetime", { filter: "greater-than(updated,'2026-11-01T00:00:00Z')" }, /^filter: updated takes an unquoted ISO 8601 datetime/],
    ["an unquoted string", { filter: "equals(email,a@example.com)" }, /^filter: email takes a quoted string/],
    ["a filter that does not parse", { filter: "greater-than(updated,2026-11-01T00:00:00Z" }, /^filter: cannot parse/],
  ])("catches %s", (_fault, query, problem) => {
    expect(checkKlaviyoRequest({ ...getProfiles, query: { ...getProfiles.query, ...query } })).toEqual([expect.stringMatching(problem)]);
  });

  it("accepts and() of allowed filters, lists for list operators and has() without a value", () => {
    expect(checkKlaviyoRequest({ ...getProfiles, query: { filter: "and(greater-than(updated,2026-11-01T00:00:00+00:00),any(email,[\"a@example.com\",'b@example.com']))" } })).toEqual([]);
    expect(checkKlaviyoRequest({ method: "GET", path: "/api/events", query: { filter: "equals(metric_id,\"M1\"),has(profile)" }, headers, body: undefined })).toEqual([]);
  });

  it("catches a missing revision header", () => {
    const { revision: _revision, ...rest } = headers;
    expect(checkKlaviyoRequest({ ...getProfiles, headers: rest })).toEqual(["header revision: required by get_profiles"]);
  });

  it("catches a revision other than the spec's", () => {
    expect(checkKlaviyoRequest({ ...getProfiles, headers: { ...headers, Revision: "2024-10-15", revision: undefined } })).toEqual([`header revision: 2024-10-15, but the spec is revision ${REVISION}`]);
  });

  it.each([
    ["missing", undefined, "header Authorization: missing"],
    ["a bare key", "pk_test_fake", 'header Authorization: neither "Klaviyo-API-Key <key>" nor "Bearer <token>" (scheme "pk_test_fake")'],
  ])("catches an Authorization header that is %s, without echoing the key", (_case, authorization, problem) => {
    expect(checkKlaviyoRequest({ ...getProfiles, headers: { ...headers, authorization } })).toEqual([problem]);
  });

  it("catches a body that misses a required member", () => {
    expect(checkKlaviyoRequest({ ...deletion, body: { data: { type: "data-privacy-deletion-job", attributes: {} } } })).toEqual(["body/data/attributes: must have required property 'profile'"]);
  });

  it("catches a wrong resource type in a body", () => {
    expect(checkKlaviyoRequest({ ...deletion, body: { data: { ...(deletion.body as { data: object }).data, type: "profile-deletion-job" } } }))
      .toEqual(['body/data/type: "profile-deletion-job" is not one of "data-privacy-deletion-job"']);
  });

  it("catches a misspelt body member instead of letting it be dropped", () => {
    const body = { data: { type: "data-privacy-deletion-job", attributes: { profile: { data: { type: "profile", attributes: { e_mail: "gone@example.com" } } } } } };
    expect(checkKlaviyoRequest({ ...deletion, body })).toEqual(['body/data/attributes/profile/data/attributes: has unknown property "e_mail"']);
  });

  it("catches a missing body, a body that is not JSON and a body where none is taken", () => {
    expect(checkKlaviyoRequest({ ...deletion, body: undefined })).toEqual(["body: required by request_profile_deletion"]);
    expect(checkKlaviyoRequest({ ...deletion, body: "email=gone@example.com" })).toEqual(["body: not JSON"]);
    expect(checkKlaviyoRequest({ ...getProfiles, body: { data: {} } })).toEqual(["body: get_profiles takes none"]);
  });

  it("catches a body sent as a form", () => {
    expect(checkKlaviyoRequest({ ...deletion, headers: { ...headers, "content-type": "application/x-www-form-urlencoded" } }))
      .toEqual(["header Content-Type: application/x-www-form-urlencoded, but request_profile_deletion takes application/vnd.api+json"]);
  });
});

describe("requests the SDK builds for Tailor's calls, as sent", () => {
  let sent: KlaviyoRequest[];
  let scope: nock.Scope;
  const at = "2026-11-01T08:00:00+00:00";
  const links = { self: `${KLAVIYO}/api/x` };

  beforeEach(() => {
    nock.disableNetConnect();
    scope = nock(KLAVIYO);
    sent = recordRequests(scope);
  });
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  /**
   * The replies below are checked too, so a mock never teaches the connector a shape Klaviyo
   * does not send. The last page omits links.next: the spec types it as a string, not nullable.
   */
  const reply = (operationId: string, status: number, body?: object): [number, object | string] => {
    expect(checkKlaviyoResponse(operationId, status, body)).toEqual([]);
    return [status, body ?? ""];
  };

  it("get_profiles with the updated filter, sort, sparse fields, subscriptions and a page cursor", async () => {
    scope.get("/api/profiles").query(true).reply(...reply("get_profiles", 200, { data: [], links }));
    await privateKeyApis().profiles.getProfiles({
      filter: "greater-than(updated,2026-10-31T23:59:59+00:00)",
      sort: "updated",
      pageSize: 100,
      fieldsProfile: ["email", "first_name", "created", "updated", "location.timezone", "properties", "subscriptions"],
      additionalFieldsProfile: ["subscriptions"],
      // The SDK takes the whole links.next URL and keeps its cursor (queryParamPreProcessor).
      pageCursor: `${KLAVIYO}/api/profiles?page%5Bcursor%5D=bmV4dA%3D%3D&page%5Bsize%5D=100`,
    });
    expect(sent.map((r) => [operationOf(r.method, r.path), r.query["page[cursor]"]])).toEqual([["get_profiles", "bmV4dA=="]]);
    expect(checkKlaviyoRequests(sent)).toEqual([]);
  });

  it("bulk_import_profiles with two profiles' tailor_* properties, one cleared", async () => {
    scope.post("/api/profile-bulk-import-jobs").reply(...reply("bulk_import_profiles", 202, {
      data: { type: "profile-bulk-import-job", id: "job-1", attributes: { status: "queued", created_at: at, total_count: 2, completed_count: 0, failed_count: 0 }, links },
    }));
    await privateKeyApis().profiles.bulkImportProfiles({
      data: {
        type: "profile-bulk-import-job",
        attributes: {
          profiles: {
            data: [
              { type: "profile", id: "01KLAVIYOPROFILE1", attributes: { email: "ann@example.com", properties: { tailor_lifecycle: "lapsing", tailor_rec_1: "sku-1", tailor_suppress_promos: false } } },
              { type: "profile", attributes: { email: "bob@example.com", properties: { tailor_clv_12m: 412.5, tailor_rec_2: null } } },
            ],
          },
        },
      },
    });
    expect(sent).toHaveLength(1);
    expect(checkKlaviyoRequests(sent)).toEqual([]);
  });

  it("get_events for one metric since a datetime, with profile and metric included", async () => {
    scope.get("/api/events").query(true).reply(...reply("get_events", 200, { data: [], links }));
    await privateKeyApis().events.getEvents({
      filter: "and(equals(metric_id,\"RcQ7Ab\"),greater-or-equal(datetime,2026-10-01T00:00:00+00:00))",
      sort: "datetime",
      pageSize: 1000,
      include: ["profile", "metric"],
      fieldsEvent: ["datetime", "event_properties", "uuid"],
    });
    expect(checkKlaviyoRequests(sent)).toEqual([]);
  });

  it("create_web_feed for Tailor's shared feed", async () => {
    scope.post("/api/web-feeds").reply(...reply("create_web_feed", 201, {
      data: { type: "web-feed", id: "wf-1", attributes: { name: "tailor", url: "https://tailor.example.com/feeds/inst-1.json", request_method: "get", content_type: "json", created: at, updated: at, status: null }, links },
    }));
    await privateKeyApis().webFeeds.createWebFeed({
      data: { type: "web-feed", attributes: { name: "tailor", url: "https://tailor.example.com/feeds/inst-1.json", requestMethod: "get", contentType: "json" } },
    });
    expect(checkKlaviyoRequests(sent)).toEqual([]);
  });

  it("request_profile_deletion by email, with an OAuth token", async () => {
    scope.post("/api/data-privacy-deletion-jobs").reply(...reply("request_profile_deletion", 202));
    const apis = createKlaviyoApis(new OAuthBasicSession("oauth_test_fake", noRetry()), KLAVIYO);
    await apis.dataPrivacy.requestProfileDeletion({
      data: { type: "data-privacy-deletion-job", attributes: { profile: { data: { type: "profile", attributes: { email: "gone@example.com" } } } } },
    });
    expect(sent.map((r) => r.headers.authorization)).toEqual(["Bearer oauth_test_fake"]);
    expect(checkKlaviyoRequests(sent)).toEqual([]);
  });

  it("bulk_create_catalog_items for two custom-catalog products", async () => {
    scope.post("/api/catalog-item-bulk-create-jobs").reply(...reply("bulk_create_catalog_items", 202, {
      data: { type: "catalog-item-bulk-create-job", id: "job-2", attributes: { status: "queued", created_at: at, total_count: 2 }, links },
    }));
    const item = (id: string, price: number | null) => ({
      type: "catalog-item" as const,
      attributes: {
        externalId: id,
        integrationType: "$custom" as const,
        catalogType: "$default",
        title: `Product ${id}`,
        description: `About ${id}`,
        url: `https://shop.example.com/p/${id}`,
        imageFullUrl: `https://shop.example.com/img/${id}.jpg`,
        price,
        published: true,
        customMetadata: { tailor_category: "shoes/running" },
      },
    });
    await privateKeyApis().catalogs.bulkCreateCatalogItems({ data: { type: "catalog-item-bulk-create-job", attributes: { items: { data: [item("sku-1", 59.9), item("sku-2", null)] } } } });
    expect(checkKlaviyoRequests(sent)).toEqual([]);
  });

  it("fails the contract when the SDK is handed a body Klaviyo would refuse", async () => {
    scope.post("/api/web-feeds").reply(...reply("create_web_feed", 201, {
      data: { type: "web-feed", id: "wf-1", attributes: { name: "tailor", url: "x", request_method: "get", content_type: "json", created: at, updated: at }, links },
    }));
    // Typed as the SDK's model, but "csv" is no content type a web feed may have.
    const attributes = { name: "tailor", url: "https://tailor.example.com/feeds/inst-1.json", requestMethod: "get", contentType: "csv" } as unknown as { name: string; url: string; requestMethod: "get"; contentType: "json" };
    await privateKeyApis().webFeeds.createWebFeed({ data: { type: "web-feed", attributes } });
    expect(checkKlaviyoRequests(sent)).toEqual(['POST /api/web-feeds (create_web_feed): body/data/attributes/content_type: "csv" is not one of "json", "xml"']);
  });
});
