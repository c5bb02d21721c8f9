import { describe, expect, it } from "vitest";
import { createTokenCipher } from "../../../src/store/token-cipher.js";

// Fake keys: 32 bytes of hex, nothing else.
const KEY = "0123456789abcdef".repeat(4);
const OTHER_KEY = "fedcba9876543210".repeat(4);
const TOKEN = "fake-access-token-CiQxMjM0NTY3OC05YWJjLWRlZg";

describe("createTokenCipher", () => {
  it("opens what it sealed", () => {
    const cipher = createTokenCipher(KEY);
    expect(cipher.decrypt(cipher.encrypt(TOKEN))).toBe(TOKEN);
  });

  it("seals with a v1 prefix and no trace of the plaintext", () => {
    const sealed = createTokenCipher(KEY).encrypt(TOKEN);
    expect([sealed.startsWith("v1:"), sealed.includes(TOKEN), Buffer.from(sealed.slice(3), "base64").includes(Buffer.from(TOKEN))]).toEqual([true, false, false]);
  });

  it("uses a fresh IV per message, so the same token never seals the same way twice", () => {
    const cipher = createTokenCipher(KEY);
    expect(cipher.encrypt(TOKEN)).not.toBe(cipher.encrypt(TOKEN));
  });

  it("keeps unicode and the empty string intact", () => {
    const cipher = createTokenCipher(KEY);
    expect([cipher.decrypt(cipher.encrypt("")), cipher.decrypt(cipher.encrypt("jeton é ✓"))]).toEqual(["", "jeton é ✓"]);
  });

  it("refuses to open with another key, saying so without naming a secret", () => {
    const sealed = createTokenCipher(KEY).encrypt(TOKEN);
    const attempt = () => createTokenCipher(OTHER_KEY).decrypt(sealed);
    expect(attempt).toThrow(/TOKEN_KEY is not the key they were saved with/);
    expect(() => { attempt(); }).not.toThrow(new RegExp(`${KEY}|${OTHER_KEY}|${TOKEN}`));
  });

  it("refuses a sealed value changed by one bit (the auth tag is checked)", () => {
    const cipher = createTokenCipher(KEY);
    const blob = Buffer.from(cipher.encrypt(TOKEN).slice(3), "base64");
    blob[14] = (blob[14] ?? 0) ^ 1;
    expect(() => cipher.decrypt(`v1:${blob.toString("base64")}`)).toThrow(/cannot decrypt stored credentials/);
  });

  it.each([["an unknown version", "v2:AAAA", /unknown format/], ["a truncated value", "v1:AAAA", /truncated/]])("refuses %s", (_case, sealed, message) => {
    expect(() => createTokenCipher(KEY).decrypt(sealed)).toThrow(message);
  });

  it.each([["too short", "abcd"], ["not hex", "z".repeat(64)], ["empty", ""]])("refuses a key that is %s, without echoing it", (_case, key) => {
    expect(() => createTokenCipher(key)).toThrow("TOKEN_KEY must be 32 bytes of hex (64 hex digits)");
  });
});
