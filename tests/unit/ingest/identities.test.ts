import { describe, expect, it } from "vitest";
import type { Contact } from "../../../src/domain/index.js";
import { createIdentities } from "../../../src/ingest/identities.js";

const EMPTY = { people: [], aliases: [] };
const person = (id: string, email?: string): Contact => ({
  id,
  ...(email === undefined ? {} : { email }),
  espIds: {},
  createdAt: new Date("2024-01-01T00:00:00Z"),
  timezone: "UTC",
  consent: "subscribed",
  preferences: {},
});

describe("createIdentities", () => {
  it("resolves a folded id to the first id seen for the email", () => {
    const identities = createIdentities(EMPTY);
    identities.absorb(person("c1", "ann@example.com"));
    identities.absorb(person("c2", "ann@example.com"));
    expect(identities.keptIdOf("c2")).toBe("c1");
  });

  it("knows nothing of an id it never absorbed", () => {
    expect(createIdentities(EMPTY).keptIdOf("c1")).toBeUndefined();
  });

  it("keeps a known id's own identity when its email moves to another person's", () => {
    const identities = createIdentities(EMPTY);
    identities.absorb(person("c1", "ann@example.com"));
    identities.absorb(person("c2", "bob@example.com"));
    expect(identities.absorb(person("c2", "ann@example.com"))).toMatchObject({ contact: { id: "c2" }, merged: false });
  });

  it("reports a re-pulled alias as merged again", () => {
    const identities = createIdentities(EMPTY);
    identities.absorb(person("c1", "ann@example.com"));
    identities.absorb(person("c2", "ann@example.com"));
    expect(identities.absorb(person("c2", "ann@example.com"))).toMatchObject({ contact: { id: "c1" }, merged: true });
  });

  it("records each alias once", () => {
    const identities = createIdentities(EMPTY);
    identities.absorb(person("c1", "ann@example.com"));
    identities.absorb(person("c2", "ann@example.com"));
    identities.absorb(person("c2", "ann@example.com"));
    expect(identities.state().aliases).toEqual([[["c2", "c1"]]]);
  });

  it("resolves aliases from a state read back from JSON", () => {
    const first = createIdentities(EMPTY);
    first.absorb(person("c1", "ann@example.com"));
    first.absorb(person("c2", "ann@example.com"));
    const second = createIdentities(JSON.parse(JSON.stringify(first.state())) as typeof EMPTY);
    expect([second.keptIdOf("c1"), second.keptIdOf("c2")]).toEqual(["c1", "c1"]);
  });
});
