import { describe, expect, it } from "vitest";
import type { Contact, Profile, PropertyValue } from "../../../src/domain/index.js";
import { decided } from "../../../src/domain/index.js";
import { diff } from "../../../src/sync/diff.js";

const contact = (id: string): Contact => ({ id, espIds: { files: `f-${id}` }, email: `${id}@example.com`, createdAt: new Date(0), timezone: "UTC", consent: "subscribed", preferences: {} });
const profile = (contactId: string, values: Record<string, PropertyValue>): Profile => ({
  contactId,
  properties: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, decided(v, "test")])),
});
const contacts = new Map([["c1", contact("c1")], ["c2", contact("c2")]]);

describe("diff", () => {
  it("writes nothing when nothing changed", () => {
    const before = new Map([["c1", { tailor_lifecycle: "lapsing", tailor_orders: 2 }]]);
    expect(diff(before, [profile("c1", { tailor_lifecycle: "lapsing", tailor_orders: 2 })], contacts, "files")).toEqual([]);
  });

  it("writes only the properties that changed, with the contact's ESP id", () => {
    const before = new Map([["c1", { tailor_lifecycle: "active_customer", tailor_orders: 2, tailor_top_category: "shoes" }]]);
    const changes = diff(before, [profile("c1", { tailor_lifecycle: "lapsing", tailor_orders: 2, tailor_top_category: "shoes" })], contacts, "files");
    expect(changes).toEqual([{ contactId: "c1", espId: "f-c1", email: "c1@example.com", set: { tailor_lifecycle: "lapsing" } }]);
  });

  it("skips empty values for a contact never written, but clears a value that became empty", () => {
    const fresh = diff(new Map(), [profile("c2", { tailor_aov: null, tailor_rec_1: "", tailor_orders: 0 })], contacts, "files");
    expect(fresh).toEqual([{ contactId: "c2", espId: "f-c2", email: "c2@example.com", set: { tailor_orders: 0 } }]);
    const cleared = diff(new Map([["c2", { tailor_rec_1: "p9" }]]), [profile("c2", { tailor_rec_1: "" })], contacts, "files");
    expect(cleared[0]?.set).toEqual({ tailor_rec_1: "" });
  });

  it("treats float noise below 1e-9 as unchanged", () => {
    const before = new Map([["c1", { tailor_aov: 0.1 + 0.2 }]]);
    expect(diff(before, [profile("c1", { tailor_aov: 0.3 })], contacts, "files")).toEqual([]);
  });

  it("leaves espId empty when the contact has no id in this ESP, so the connector can refuse it", () => {
    const changes = diff(new Map(), [profile("c1", { tailor_orders: 1 })], contacts, "hubspot");
    expect(changes[0]?.espId).toBe("");
  });
});
