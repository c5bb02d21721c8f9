import nock from "nock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineProperties } from "../../src/connectors/hubspot/properties.js";
import { pushChanges } from "../../src/connectors/hubspot/push.js";
import { PROPERTIES, type PropertyChange, type PropertyDefinition, type PropertyValue } from "../../src/domain/index.js";
import { HUBSPOT, testCall } from "../unit/connectors/hubspot/test-call.js";
import {
  BatchInputSimplePublicObjectBatchInputSchema,
  FIELD_TYPES_OF,
  PropertyCreateSchema,
  PropertyGroupCreateSchema,
} from "./hubspot-schemas.js";

type Sent = { readonly method: string; readonly path: string; readonly body: unknown };

/** A value of the declared type for every property, so every conversion path is sent at least once. */
function sampleValue(def: PropertyDefinition, i: number): PropertyValue {
  switch (def.type) {
    case "string": return i % 7 === 0 ? null : `value ${i}`;
    case "number": return i % 5 === 0 ? null : i / 3;
    case "boolean": return i % 2 === 0;
    case "date": return "2026-11-19";
    case "datetime": return "2026-11-01T08:30:00.000Z";
    case "enumeration": return def.options?.[i % def.options.length] ?? null;
  }
}

describe("every request body Tailor sends HubSpot matches the documented schema", () => {
  const sent: Sent[] = [];

  beforeAll(async () => {
    nock.disableNetConnect();
    const record = (method: string) => (path: string, body: nock.Body) => { sent.push({ method, path, body }); };
    nock(HUBSPOT).persist()
      .post("/crm/v3/properties/contacts/groups").reply(201, (path, body) => { record("POST")(path, body); return { ...(body as object), archived: false }; })
      .get("/crm/v3/properties/contacts").reply(200, { results: [] })
      .post("/crm/v3/properties/contacts").reply(201, (path, body) => { record("POST")(path, body); return { ...(body as object), options: [], archived: false }; })
      .post("/crm/v3/objects/contacts/batch/update").reply((path, body) => {
        record("POST")(path, body);
        const ids = (body as { inputs: { id: string }[] }).inputs.map((input) => input.id);
        const refused: string[] = ids.filter((id) => id === "5000");
        const results = ids.filter((id) => !refused.includes(id)).map((id) => ({ id, properties: {}, createdAt: "2025-01-01T00:00:00.000Z", updatedAt: "2026-11-01T08:00:00.000Z" }));
        const errors = refused.length === 0 ? [] : [{ status: "error", category: "OBJECT_NOT_FOUND", message: "Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.", context: { ids: refused } }];
        return [errors.length === 0 ? 200 : 207, { status: "COMPLETE", results, ...(errors.length === 0 ? {} : { numErrors: errors.length, errors }), startedAt: "2026-11-01T08:00:00.000Z", completedAt: "2026-11-01T08:00:00.100Z" }];
      });

    const { call } = testCall();
    await defineProperties(call, PROPERTIES);
    const changes: PropertyChange[] = Array.from({ length: 150 }, (_, i) => ({
      contactId: `c${i}`,
      espId: String(5000 + i),
      set: Object.fromEntries(PROPERTIES.filter((_p, j) => (i + j) % 3 === 0).map((p, j) => [p.name, sampleValue(p, i + j)])),
    }));
    await pushChanges(call, changes);
  });

  afterAll(() => { nock.cleanAll(); nock.enableNetConnect(); });

  const bodiesTo = (path: string) => sent.filter((s) => s.path === path).map((s) => s.body);

  it("sent the group, every declared property and the batches, including the retry of a refused record", () => {
    expect(bodiesTo("/crm/v3/properties/contacts/groups")).toHaveLength(1);
    expect(bodiesTo("/crm/v3/properties/contacts")).toHaveLength(PROPERTIES.length);
    expect(bodiesTo("/crm/v3/objects/contacts/batch/update")).toHaveLength(3);
  });

  it("creates the property group with a PropertyGroupCreate", () => {
    for (const body of bodiesTo("/crm/v3/properties/contacts/groups")) expect(PropertyGroupCreateSchema.parse(body)).toEqual(body);
  });

  it("creates each property with a PropertyCreate", () => {
    for (const body of bodiesTo("/crm/v3/properties/contacts")) expect(PropertyCreateSchema.safeParse(body).error?.issues ?? []).toEqual([]);
  });

  it("pairs each property type with a fieldType the properties guide allows for it", () => {
    for (const body of bodiesTo("/crm/v3/properties/contacts")) {
      const created = PropertyCreateSchema.parse(body);
      expect(FIELD_TYPES_OF[created.type], created.name).toContain(created.fieldType);
    }
  });

  it("gives every enumeration and bool property its options", () => {
    for (const body of bodiesTo("/crm/v3/properties/contacts")) {
      const created = PropertyCreateSchema.parse(body);
      if (created.type === "enumeration" || created.type === "bool") expect(created.options?.length ?? 0, created.name).toBeGreaterThan(0);
    }
  });

  it("updates contacts with a BatchInputSimplePublicObjectBatchInput of at most 100 inputs", () => {
    for (const body of bodiesTo("/crm/v3/objects/contacts/batch/update")) expect(BatchInputSimplePublicObjectBatchInputSchema.safeParse(body).error?.issues ?? []).toEqual([]);
  });

  it("writes only properties it created, and enumeration values among the options it created", () => {
    const created = new Map(bodiesTo("/crm/v3/properties/contacts").map((b) => PropertyCreateSchema.parse(b)).map((p) => [p.name, p]));
    for (const body of bodiesTo("/crm/v3/objects/contacts/batch/update")) {
      for (const input of BatchInputSimplePublicObjectBatchInputSchema.parse(body).inputs) {
        for (const [name, value] of Object.entries(input.properties)) {
          const property = created.get(name);
          expect(property, name).toBeDefined();
          if (property?.type === "enumeration" && value !== "") expect(property.options?.map((o) => o.value), name).toContain(value);
          if (property?.type === "bool" && value !== "") expect(["true", "false"]).toContain(value);
        }
      }
    }
  });
});
