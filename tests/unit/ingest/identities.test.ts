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

describe("createIdentities: forget", () => {
  const none = new Set<string>();

  it("forgets a person by id, so their email starts a new person", () => {
    const identities = createIdentities(EMPTY);
    identities.absorb(person("c1", "ann@example.com"));
    identities.forget(new Set(["c1"]), none);
    expect([identities.keptIdOf("c1"), identities.absorb(person("c9", "ann@example.com"))]).toEqual([undefined, { contact: person("c9", "ann@example.com"), merged: false }]);
  });

  it("forgets a person by email, and the ids folded into them", () => {
    const identities = createIdentities(EMPTY);
    identities.absorb(person("c1", "ann@example.com"));
    identities.absorb(person("c2", "ann@example.com"));
    const forgotten = identities.forget(none, new Set(["ann@example.com"]));
    expect([forgotten, identities.keptIdOf("c1"), identities.keptIdOf("c2"), identities.state()]).toEqual([{ keptIds: ["c1"], aliases: 1 }, undefined, undefined, { people: [], aliases: [] }]);
  });

  it("forgets a person named by an ESP id", () => {
    const identities = createIdentities(EMPTY);
    identities.absorb({ ...person("c1", "ann@example.com"), espIds: { hubspot: "501" } });
    expect([identities.forget(new Set(["501"]), none).keptIds, identities.keptIdOf("c1")]).toEqual([["c1"], undefined]);
  });

  it("forgets an alias named by its own id, keeping the person it was folded into", () => {
    const identities = createIdentities(EMPTY);
    identities.absorb(person("c1", "ann@example.com"));
    identities.absorb(person("c2", "ann@example.com"));
    expect([identities.forget(new Set(["c2"]), none), identities.keptIdOf("c1"), identities.keptIdOf("c2")]).toEqual([{ keptIds: [], aliases: 1 }, "c1", undefined]);
  });

  it("leaves everyone else as they were, still merging by email after the rows moved", () => {
    const identities = createIdentities(EMPTY);
    identities.absorb(person("c1", "ann@example.com"));
    identities.absorb(person("c3", "bob@example.com"));
    identities.absorb(person("c4", "bob@example.com"));
    identities.forget(new Set(["c1"]), none);
    expect([identities.keptIdOf("c3"), identities.keptIdOf("c4"), identities.absorb(person("c5", "bob@example.com")).contact.id]).toEqual(["c3", "c3", "c3"]);
  });

  it("ignores an empty email, which only marks people without one", () => {
    const identities = createIdentities(EMPTY);
    identities.absorb(person("c1"));
    expect([identities.forget(none, new Set([""])).keptIds, identities.keptIdOf("c1")]).toEqual([[], "c1"]);
  });
});
