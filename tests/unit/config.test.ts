import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";

describe("loadConfig", () => {
  it("uses documented defaults for an empty environment", () => {
    expect(loadConfig({})).toMatchObject({ PORT: 3000, DATA_DIR: "./.tailor", LOG_LEVEL: "info" });
  });

  it("names every bad key at once and never echoes a value", () => {
    const secret = "not-hex-but-secret";
    expect(() => loadConfig({ PORT: "http", TOKEN_KEY: secret })).toThrow(/PORT: .*\n\s+TOKEN_KEY: must be 32 bytes of hex/);
    const message = messageOf(() => loadConfig({ TOKEN_KEY: secret }));
    expect(message).toContain("TOKEN_KEY");
    expect(message).not.toContain(secret);
  });
});

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return "did not throw";
}
