import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isRefreshProperty, parseHubSpotWebhook } from "../../../../src/connectors/hubspot/webhook-events.js";

const fixture = readFileSync(new URL("../../../fixtures/hubspot/webhook-contact-events.json", import.meta.url), "utf8");
const event = (fields: Record<string, unknown>) => ({ eventId: 1, subscriptionId: 2, portalId: 62515, appId: 3, occurredAt: 1_714_000_000_000, attemptNumber: 0, ...fields });
const parse = (...events: Record<string, unknown>[]) => parseHubSpotWebhook(JSON.stringify(events.map(event)));

describe("parseHubSpotWebhook", () => {
  it("turns a documented batch into erase, refresh and merge events per portal, skipping the rest", () => {
    expect(parseHubSpotWebhook(fixture)).toEqual({
      events: [
        { kind: "erase", accountId: "62515", contactIds: ["101", "102"], reason: "contact.privacyDeletion, contact.deletion" },
        { kind: "refresh", accountId: "62515", contactIds: ["103", "104"], reason: "contact.propertyChange email, contact.propertyChange hs_email_optout" },
        { kind: "merge", accountId: "62515", primaryId: "106", mergedIds: ["107"] },
        { kind: "erase", accountId: "77001", contactIds: ["201"], reason: "contact.privacyDeletion" },
      ],
      // firstname changed, and a contact was created: neither asks anything of Tailor.
      skipped: 2,
    });
  });

  it("reads the generic object.* form for contacts (objectTypeId 0-1) and skips other object types", () => {
    expect(parse(
      { subscriptionType: "object.deletion", objectTypeId: "0-1", objectId: 5 },
      { subscriptionType: "object.propertyChange", objectTypeId: "0-1", objectId: 6, propertyName: "hs_email_optout_12345", propertyValue: "true" },
      { subscriptionType: "object.deletion", objectTypeId: "0-2", objectId: 7 },
      { subscriptionType: "deal.deletion", objectId: 8 },
    )).toEqual({
      events: [
        { kind: "erase", accountId: "62515", contactIds: ["5"], reason: "object.deletion" },
        { kind: "refresh", accountId: "62515", contactIds: ["6"], reason: "object.propertyChange hs_email_optout_12345" },
      ],
      skipped: 2,
    });
  });

  it("makes newObjectId the survivor when a merge created a new record", () => {
    expect(parse({ subscriptionType: "contact.merge", objectId: 30, primaryObjectId: 10, mergedObjectIds: [20, 10], newObjectId: 30 }).events)
      .toEqual([{ kind: "merge", accountId: "62515", primaryId: "30", mergedIds: ["20", "10"] }]);
  });

  it("skips a merge that names nothing to fold in", () => {
    expect(parse({ subscriptionType: "contact.merge", objectId: 10, primaryObjectId: 10, mergedObjectIds: [10] })).toEqual({ events: [], skipped: 1 });
  });

  it("marks a restored contact for a fresh read", () => {
    expect(parse({ subscriptionType: "contact.restore", objectId: 9 }).events).toEqual([{ kind: "refresh", accountId: "62515", contactIds: ["9"], reason: "contact.restore" }]);
  });

  it("lists each contact once when HubSpot delivers an event twice", () => {
    expect(parse({ subscriptionType: "contact.deletion", objectId: 1 }, { subscriptionType: "contact.deletion", objectId: 1, attemptNumber: 1 }).events)
      .toEqual([{ kind: "erase", accountId: "62515", contactIds: ["1"], reason: "contact.deletion" }]);
  });

  it("counts malformed events as skipped and keeps the good ones", () => {
    expect(parse({ subscriptionType: "contact.deletion" }, { subscriptionType: "contact.deletion", objectId: -1 }, { subscriptionType: "contact.deletion", objectId: 4 }))
      .toEqual({ events: [{ kind: "erase", accountId: "62515", contactIds: ["4"], reason: "contact.deletion" }], skipped: 2 });
  });

  it.each([["not JSON", "{"], ["not an array", '{"portalId":1}']])("skips a body that is %s", (_case, body) => {
    expect(parseHubSpotWebhook(body)).toEqual({ events: [], skipped: 1 });
  });
});

describe("isRefreshProperty", () => {
  it.each([["email", true], ["hs_email_optout", true], ["hs_email_optout_6871816", true], ["firstname", false], ["hs_email_optout_x", false], ["emails", false]])("%s -> %s", (name, expected) => {
    expect(isRefreshProperty(name)).toBe(expected);
  });
});
