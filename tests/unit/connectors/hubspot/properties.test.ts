import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defineProperties, TAILOR_GROUP, toHubSpotProperty } from "../../../../src/connectors/hubspot/properties.js";
import type { PropertyDefinition } from "../../../../src/domain/index.js";
import { fixture, HUBSPOT, testCall } from "./test-call.js";

const def = (name: string, type: PropertyDefinition["type"], options?: readonly string[]): PropertyDefinition =>
  ({ name, label: `Label of ${name}`, type, description: `What ${name} means`, example: `{{ contact.${name} }}`, ...(options === undefined ? {} : { options }) });

const V1 = [def("tailor_lifecycle", "enumeration", ["new_lead", "lapsing"]), def("tailor_orders", "number"), def("tailor_fatigued", "boolean")];
const V2 = [...V1, def("tailor_winback_date", "date")];

type Request = { method: string; path: string; body: unknown };

/** A portal that remembers its contact properties and group, and answers as HubSpot does (409 on a second create). */
function fakePortal(start: { group: boolean; properties: Record<string, unknown>[] }) {
  const state = { group: start.group, properties: [...start.properties] };
  const requests: Request[] = [];
  const scope = nock(HUBSPOT).persist()
    .post("/crm/v3/properties/contacts/groups").reply((path, body) => {
      requests.push({ method: "POST", path, body });
      if (state.group) return [409, fixture("error-conflict.json")];
      state.group = true;
      return [201, fixture("property-group.json")];
    })
    .get("/crm/v3/properties/contacts").reply((path) => {
      requests.push({ method: "GET", path, body: undefined });
      return [200, { results: state.properties }];
    })
    .post("/crm/v3/properties/contacts").reply((path, body) => {
      requests.push({ method: "POST", path, body });
      const created = body as { name: string };
      if (state.properties.some((p) => p.name === created.name)) return [409, fixture("error-conflict.json")];
      const property = { ...created, options: (body as { options?: unknown[] }).options ?? [], archived: false, hidden: false, createdAt: "2026-11-01T08:00:00.000Z", updatedAt: "2026-11-01T08:00:00.000Z" };
      state.properties.push(property);
      return [201, property];
    });
  return { state, requests, scope };
}

const hubspotDefaults = () => (fixture("properties-contacts.json") as { results: Record<string, unknown>[] }).results;

describe("toHubSpotProperty", () => {
  it.each([
    ["string", "string", "text"],
    ["number", "number", "number"],
    ["boolean", "bool", "booleancheckbox"],
    ["date", "date", "date"],
    ["datetime", "datetime", "date"],
    ["enumeration", "enumeration", "select"],
  ] as const)("declares a %s property as type %s, fieldType %s", (type, hubspotType, fieldType) => {
    const body = toHubSpotProperty(def("tailor_x", type, type === "enumeration" ? ["a"] : undefined));
    expect(body).toMatchObject({ name: "tailor_x", type: hubspotType, fieldType, groupName: "tailor", formField: false });
  });

  it("gives a boolean the options true and false", () => {
    expect(toHubSpotProperty(def("tailor_fatigued", "boolean")).options?.map((o) => o.value)).toEqual(["true", "false"]);
  });

  it("lists an enumeration's options in order, with readable labels and the API words as values", () => {
    expect(toHubSpotProperty(V1[0] as PropertyDefinition).options).toEqual([
      { label: "New lead", value: "new_lead", hidden: false, displayOrder: 1 },
      { label: "Lapsing", value: "lapsing", hidden: false, displayOrder: 2 },
    ]);
  });

  it("gives other types no options", () => {
    expect(toHubSpotProperty(def("tailor_orders", "number"))).not.toHaveProperty("options");
  });
});

describe("defineProperties", () => {
  beforeEach(() => { nock.disableNetConnect(); });
  afterEach(() => { nock.cleanAll(); nock.enableNetConnect(); });

  it("creates the tailor group and every property on a fresh portal", async () => {
    const portal = fakePortal({ group: false, properties: hubspotDefaults() });
    const report = await defineProperties(testCall().call, V1);
    expect(report).toEqual({ created: ["tailor_lifecycle", "tailor_orders", "tailor_fatigued"], existing: [] });
    expect(portal.requests[0]).toEqual({ method: "POST", path: "/crm/v3/properties/contacts/groups", body: TAILOR_GROUP });
    expect(portal.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /crm/v3/properties/contacts/groups", "GET /crm/v3/properties/contacts",
      "POST /crm/v3/properties/contacts", "POST /crm/v3/properties/contacts", "POST /crm/v3/properties/contacts",
    ]);
  });

  it("on a second run after an upgrade adds only the new property and leaves the existing ones untouched", async () => {
    const portal = fakePortal({ group: false, properties: hubspotDefaults() });
    const { call } = testCall();
    await defineProperties(call, V1);
    const before = structuredClone(portal.state.properties);
    portal.requests.length = 0;

    const report = await defineProperties(call, V2);

    expect(report).toEqual({ created: ["tailor_winback_date"], existing: ["tailor_lifecycle", "tailor_orders", "tailor_fatigued"] });
    expect(portal.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /crm/v3/properties/contacts/groups", "GET /crm/v3/properties/contacts", "POST /crm/v3/properties/contacts",
    ]);
    expect(portal.requests[2]?.body).toMatchObject({ name: "tailor_winback_date", type: "date", fieldType: "date" });
    expect(portal.state.properties.slice(0, before.length)).toEqual(before);
  });

  it("counts a 409 on create as already there (made by a parallel setup since the read)", async () => {
    nock(HUBSPOT)
      .post("/crm/v3/properties/contacts/groups").reply(409, fixture("error-conflict.json") as nock.Body)
      .get("/crm/v3/properties/contacts").reply(200, fixture("properties-contacts.json") as nock.Body)
      .post("/crm/v3/properties/contacts").reply(409, fixture("error-conflict.json") as nock.Body);
    const report = await defineProperties(testCall().call, [def("tailor_orders", "number")]);
    expect(report).toEqual({ created: [], existing: ["tailor_orders"] });
    expect(nock.isDone()).toBe(true);
  });

  it("fails setup when the app lacks the scope to create properties", async () => {
    nock(HUBSPOT).post("/crm/v3/properties/contacts/groups").reply(403, { status: "error", message: "This app hasn't been granted all required scopes to make this call.", category: "MISSING_SCOPES", correlationId: "00000000-0000-4000-8000-000000000403" });
    await expect(defineProperties(testCall().call, V1)).rejects.toMatchObject({ name: "EspError", kind: "auth", status: 403 });
  });

  it("leaves an existing property of another type alone and says so", async () => {
    fakePortal({ group: true, properties: [...hubspotDefaults(), { name: "tailor_orders", label: "Orders", type: "string", fieldType: "text", groupName: "tailor", description: "", options: [] }] });
    const lines: string[] = [];
    const report = await defineProperties(testCall().call, [def("tailor_orders", "number")], (line) => lines.push(line));
    expect(report.created).toEqual([]);
    expect(lines).toEqual(["hubspot: property tailor_orders is string in the portal, Tailor writes number; left unchanged"]);
  });

  it("says which options an existing enumeration lacks, without adding them", async () => {
    const old = { ...toHubSpotProperty(def("tailor_lifecycle", "enumeration", ["new_lead"])), archived: false };
    const portal = fakePortal({ group: true, properties: [old] });
    const lines: string[] = [];
    await defineProperties(testCall().call, [V1[0] as PropertyDefinition], (line) => lines.push(line));
    expect(lines).toEqual(["hubspot: property tailor_lifecycle lacks options lapsing; values using them will be refused"]);
    expect(portal.requests.filter((r) => r.path === "/crm/v3/properties/contacts" && r.method === "POST")).toEqual([]);
  });
});
