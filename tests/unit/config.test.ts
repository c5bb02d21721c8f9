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

describe("loadConfig: HubSpot", () => {
  const key = "a".repeat(64);
  const secret = "s".repeat(32);
  it("needs the client id and secret together, and a token key and session secret with them", () => {
    expect(() => loadConfig({ HUBSPOT_CLIENT_ID: "id" })).toThrow(/HUBSPOT_CLIENT_SECRET: HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET go together/);
    expect(() => loadConfig({ HUBSPOT_CLIENT_ID: "id", HUBSPOT_CLIENT_SECRET: "shh" })).toThrow(/TOKEN_KEY: an OAuth app needs TOKEN_KEY/);
    expect(loadConfig({ HUBSPOT_CLIENT_ID: "id", HUBSPOT_CLIENT_SECRET: "shh", TOKEN_KEY: key, SESSION_SECRET: secret })).toMatchObject({ HUBSPOT_CLIENT_ID: "id", HUBSPOT_API_BASE: "https://api.hubapi.com" });
    expect(() => loadConfig({ KLAVIYO_CLIENT_SECRET: "shh" })).toThrow(/KLAVIYO_CLIENT_SECRET: KLAVIYO_CLIENT_ID and KLAVIYO_CLIENT_SECRET go together/);
    expect(() => loadConfig({ KLAVIYO_CLIENT_ID: "id", KLAVIYO_CLIENT_SECRET: "shh" })).toThrow(/TOKEN_KEY: an OAuth app needs TOKEN_KEY/);
    expect(loadConfig({ KLAVIYO_CLIENT_ID: "id", KLAVIYO_CLIENT_SECRET: "shh", TOKEN_KEY: key, SESSION_SECRET: secret })).toMatchObject({ KLAVIYO_CLIENT_ID: "id", KLAVIYO_API_BASE: "https://a.klaviyo.com" });
  });

  it("never echoes the client secret", () => {
    expect(messageOf(() => loadConfig({ HUBSPOT_CLIENT_SECRET: "very-secret-value" }))).not.toContain("very-secret-value");
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
