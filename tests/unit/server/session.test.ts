import { describe, expect, it } from "vitest";
import { createSessionSigner, panelCookieOptions, PANEL_LINK_MAX_AGE_MS, SESSION_MAX_AGE_MS } from "../../../src/server/session.js";

const signer = createSessionSigner("a-session-secret-for-tests-only");
const NOW = 1_750_000_000_000;

describe("createSessionSigner", () => {
  it("reads back a session it signed, with a fresh nonce per sign-in", () => {
    const a = signer.sign("shop-a", "ana", NOW);
    const b = signer.sign("shop-a", "ana", NOW);
    expect(signer.read(a.value, NOW + 1000)).toEqual(a.session);
    expect(a.session.nonce).not.toBe(b.session.nonce);
    expect(a.session.expiresAt).toBe(NOW + SESSION_MAX_AGE_MS);
  });

  it("refuses a session that expired, was altered, or claims to live longer than any session does", () => {
    const { value } = signer.sign("shop-a", "ana", NOW);
    expect(signer.read(value, NOW + SESSION_MAX_AGE_MS)).toBeNull();
    const [body = "", mac = ""] = value.split(".");
    const swapped = Buffer.from(Buffer.from(body, "base64url").toString("utf8").replace("shop-a", "shop-b")).toString("base64url");
    expect(signer.read(`${swapped}.${mac}`, NOW)).toBeNull();
    expect(signer.read(`${body}.${mac}.extra`, NOW)).toBeNull();
    expect(signer.read(undefined, NOW)).toBeNull();
    expect(signer.read("", NOW)).toBeNull();
    // Signed by a clock far ahead: forged or broken, either way not trusted.
    expect(signer.read(signer.sign("shop-a", "ana", NOW + 10 * 60_000).value, NOW)).toBeNull();
  });

  it("accepts a link within two minutes and names why it refuses one", () => {
    const link = signer.signLink("shop-a", "ana", NOW);
    expect(signer.readLink(link, NOW + PANEL_LINK_MAX_AGE_MS - 1)).toEqual({ ok: true, installationId: "shop-a", user: "ana" });
    const expired = signer.readLink(link, NOW + PANEL_LINK_MAX_AGE_MS);
    expect(expired.ok ? "accepted" : expired.reason).toMatch(/expired/);
    const foreign = createSessionSigner("another-secret-of-enough-length").readLink(link, NOW);
    expect(foreign.ok ? "accepted" : foreign.reason).toMatch(/not one Tailor made/);
  });

  it("refuses a short secret", () => {
    expect(() => createSessionSigner("short")).toThrow(/at least 16/);
  });
});

describe("panelCookieOptions", () => {
  it("is SameSite=None; Secure; Partitioned on https (inside the ESP's frame) and Lax on the http demo, httpOnly always", () => {
    expect(panelCookieOptions(true)).toMatchObject({ httpOnly: true, secure: true, sameSite: "none", partitioned: true });
    expect(panelCookieOptions(false)).toMatchObject({ httpOnly: true, secure: false, sameSite: "lax" });
  });
});
