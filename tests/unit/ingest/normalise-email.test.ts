import { describe, expect, it } from "vitest";
import { normaliseEmail } from "../../../src/ingest/normalise-email.js";

describe("normaliseEmail", () => {
  it("trims and lowercases the whole address", () => {
    expect(normaliseEmail("  Ann.Lee@Example.COM ")).toBe("ann.lee@example.com");
  });

  it("keeps dots and +tags in the local part", () => {
    expect(normaliseEmail("A.n.N+Shop@Gmail.com")).toBe("a.n.n+shop@gmail.com");
  });

  it.each([
    ["no @", "ann.example.com"],
    ["two @", "ann@lee@example.com"],
    ["empty local part", "@example.com"],
    ["empty domain", "ann@"],
    ["a space inside", "ann lee@example.com"],
    ["no dot in the domain", "ann@localhost"],
    ["a domain starting with a dot", "ann@.example.com"],
    ["a domain ending with a dot", "ann@example.com."],
    ["an empty domain label", "ann@example..com"],
    ["only whitespace", "   "],
  ])("rejects an address with %s", (_case, raw) => {
    expect(normaliseEmail(raw)).toBeNull();
  });
});
