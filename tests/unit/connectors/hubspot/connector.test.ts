import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHubSpotConnector } from "../../../../src/connectors/hubspot/connector.js";
import { HUBSPOT, testCall } from "./test-call.js";

describe("createHubSpotConnector", () => {
  beforeEach(() => { nock.disableNetConnect(); });
  afterEach(() => { nock.cleanAll(); nock.enableNetConnect(); });

  it("publishes no feed: HubL reads contact properties, so nothing is sent", async () => {
    const { call, limiters } = testCall();
    const connector = createHubSpotConnector({ call, now: () => 0 });
    await expect(connector.publishFeed({ generatedAt: "2026-11-01T08:00:00.000Z", products: {}, fallbacks: { all: [], bySegment: {} } })).resolves.toBeUndefined();
    expect(limiters.standard.taken + limiters.search.taken).toBe(0);
    expect(connector.esp).toBe("hubspot");
  });

  it("pushes through the installation's call", async () => {
    const api = nock(HUBSPOT).post("/crm/v3/objects/contacts/batch/update", { inputs: [{ id: "101", properties: { tailor_orders: "3" } }] })
      .reply(200, { status: "COMPLETE", results: [{ id: "101", properties: {}, createdAt: "2025-01-01T00:00:00.000Z", updatedAt: "2026-11-01T08:00:00.000Z" }], startedAt: "2026-11-01T08:00:00.000Z", completedAt: "2026-11-01T08:00:00.100Z" });
    const { call, limiters } = testCall();
    const report = await createHubSpotConnector({ call, now: () => 0 }).pushChanges([{ contactId: "c1", espId: "101", set: { tailor_orders: 3 } }]);
    expect(report).toEqual({ written: 1, failed: [] });
    expect(api.isDone()).toBe(true);
    expect(limiters.standard.taken).toBe(1);
  });

  it("logs what setup created through the logger it was given", async () => {
    nock(HUBSPOT)
      .post("/crm/v3/properties/contacts/groups").reply(201, { name: "tailor", label: "Tailor", displayOrder: -1, archived: false })
      .get("/crm/v3/properties/contacts").reply(200, { results: [] })
      .post("/crm/v3/properties/contacts").reply(201, (_p, body) => ({ ...(body as object), options: [], archived: false }));
    const lines: string[] = [];
    const connector = createHubSpotConnector({ call: testCall().call, now: () => 0, log: (line) => lines.push(line) });
    await connector.defineProperties([{ name: "tailor_orders", label: "Tailor orders", type: "number", description: "Orders placed.", example: "{{ contact.tailor_orders }}" }]);
    expect(lines).toEqual(["hubspot: created 1 tailor properties (tailor_orders)"]);
  });
});
