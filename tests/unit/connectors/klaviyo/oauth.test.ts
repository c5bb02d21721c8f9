import { readFileSync } from "node:fs";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  authorizeUrl,
  codeChallengeOf,
  codeVerifierOf,
  exchangeCode,
  klaviyoAuthOf,
  refreshCredentials,
  revokeToken,
  type KlaviyoOAuthApp,
} from "../../../../src/connectors/klaviyo/oauth.js";
import type { OAuthCredentials } from "../../../../src/domain/index.js";

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../../fixtures/klaviyo/${name}`, import.meta.url), "utf8")) as Record<string, unknown>;

// Obviously fake values; the secret must never show up in a URL or an error message.
const app: KlaviyoOAuthApp = {
  clientId: "fake-klaviyo-client-id",
  clientSecret: "fake-klaviyo-secret-do-not-log",
  redirectUri: "https://tailor.test/oauth/klaviyo/callback",
  scopes: ["accounts:read", "profiles:read", "profiles:write"],
};
const BASIC = `Basic ${Buffer.from("fake-klaviyo-client-id:fake-klaviyo-secret-do-not-log").toString("base64")}`;
// The install route's state shape: <nonce>.<issued ms>.<mac>.
const STATE = "nonce.1767000000000.mac";
// base64url(HMAC-SHA256(secret, "tailor-pkce." + STATE)), computed apart with `openssl dgst -sha256 -hmac`.
const VERIFIER = "YXiOdXCXoKU0vaUjnRIoj_G4spWwtV5u-OfnCnQR6oM";
const NOW = Date.parse("2026-01-10T12:00:00Z");
const deps = { fetch: globalThis.fetch, now: () => NOW };
const klaviyo = () => nock("https://a.klaviyo.com");

const stored: OAuthCredentials = {
  kind: "oauth",
  accessToken: "fake-klaviyo-access-old",
  refreshToken: "fake-klaviyo-refresh-0001",
  expiresAt: NOW - 1000,
  scopes: ["accounts:read", "profiles:read"],
  accountId: "XyZ789",
};

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("PKCE", () => {
  it("computes the S256 challenge of RFC 7636 appendix B", () => {
    expect(codeChallengeOf("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  });

  it("derives the verifier from the state with the client secret", () => {
    expect(codeVerifierOf(app, STATE)).toBe(VERIFIER);
  });

  it("makes a verifier Klaviyo accepts: 43 characters of the RFC 7636 alphabet", () => {
    for (const state of [STATE, "x", "a".repeat(512)]) expect(codeVerifierOf(app, state)).toMatch(/^[a-zA-Z0-9\-._~]{43}$/);
  });

  it("gives another verifier for another state or another secret", () => {
    expect(codeVerifierOf(app, `${STATE}x`)).not.toBe(VERIFIER);
    expect(codeVerifierOf({ ...app, clientSecret: "other-fake-secret" }, STATE)).not.toBe(VERIFIER);
  });
});

describe("authorizeUrl", () => {
  it("sends the admin to Klaviyo's authorize page with every required parameter and the S256 challenge", () => {
    const url = authorizeUrl(app, STATE);
    expect(url.startsWith("https://www.klaviyo.com/oauth/authorize?")).toBe(true);
    expect(url).toContain("scope=accounts%3Aread%20profiles%3Aread%20profiles%3Awrite");
    expect(Object.fromEntries(new URL(url).searchParams)).toEqual({
      response_type: "code",
      client_id: "fake-klaviyo-client-id",
      redirect_uri: "https://tailor.test/oauth/klaviyo/callback",
      scope: "accounts:read profiles:read profiles:write",
      state: STATE,
      code_challenge_method: "S256",
      code_challenge: codeChallengeOf(VERIFIER),
    });
  });

  it("keeps the client secret and the verifier out of the URL", () => {
    const url = authorizeUrl(app, STATE);
    expect(url).not.toContain(app.clientSecret);
    expect(url).not.toContain(VERIFIER);
  });
});

describe("exchangeCode", () => {
  it("posts the code with the state's verifier, authenticating the app with HTTP Basic, and returns the tokens", async () => {
    const api = klaviyo()
      .post("/oauth/token", { grant_type: "authorization_code", code: "fake-code-1", code_verifier: VERIFIER, redirect_uri: app.redirectUri })
      .matchHeader("authorization", BASIC)
      .matchHeader("content-type", "application/x-www-form-urlencoded")
      .reply(200, fixture("oauth-token.json"));

    const tokens = await exchangeCode(app, "fake-code-1", STATE, deps);

    expect(tokens).toEqual({
      kind: "oauth",
      accessToken: "fake-klaviyo-access-0001",
      refreshToken: "fake-klaviyo-refresh-0001",
      expiresAt: NOW + 3600 * 1000,
      scopes: ["accounts:read", "events:read", "metrics:read", "profiles:read", "profiles:write"],
    });
    expect(api.isDone()).toBe(true);
  });

  it("takes the requested scopes when the token response names none", async () => {
    const { scope: _scope, ...token } = fixture("oauth-token.json");
    klaviyo().post("/oauth/token").reply(200, token);
    expect((await exchangeCode(app, "fake-code-1", STATE, deps)).scopes).toEqual(app.scopes);
  });

  it("refuses a token response without a refresh token", async () => {
    const { refresh_token: _refresh, ...token } = fixture("oauth-token.json");
    klaviyo().post("/oauth/token").reply(200, token);
    await expect(exchangeCode(app, "fake-code-1", STATE, deps)).rejects.toMatchObject({ name: "EspError", kind: "server" });
  });

  it("refuses a used code or a wrong verifier as a client error that says to start again", async () => {
    klaviyo().post("/oauth/token").reply(400, { error: "invalid_grant", error_description: "Code challenge failed." });
    await expect(exchangeCode(app, "fake-code-1", STATE, deps)).rejects.toMatchObject({
      name: "EspError",
      kind: "client",
      status: 400,
      message: expect.stringContaining("start the install again") as unknown,
    });
  });

  it("reports wrong app credentials as an auth error without echoing the secret, the code or the verifier", async () => {
    klaviyo().post("/oauth/token").reply(401, { error: "invalid_client", error_description: `bad ${app.clientSecret} for fake-code-1 / ${VERIFIER}` });
    const error = await exchangeCode(app, "fake-code-1", STATE, deps).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "EspError", kind: "auth", status: 401 });
    const message = (error as Error).message;
    expect(message).toContain("[redacted]");
    for (const secret of [app.clientSecret, "fake-code-1", VERIFIER]) expect(message).not.toContain(secret);
  });

  it("never echoes a success body it cannot read, since it carries tokens", async () => {
    klaviyo().post("/oauth/token").reply(200, { access_token: "fake-klaviyo-access-0001", refresh_token: "fake-klaviyo-refresh-x" });
    const error = await exchangeCode(app, "fake-code-1", STATE, deps).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "EspError", kind: "server", status: 200 });
    expect((error as Error).message).toContain("expires_in");
    expect((error as Error).message).not.toContain("fake-klaviyo-access");
  });
});

describe("refreshCredentials", () => {
  it("posts the refresh form with HTTP Basic and keeps the account, with a new expiry", async () => {
    const api = klaviyo()
      .post("/oauth/token", { grant_type: "refresh_token", refresh_token: "fake-klaviyo-refresh-0001" })
      .matchHeader("authorization", BASIC)
      .reply(200, { access_token: "fake-klaviyo-access-0002", token_type: "Bearer", expires_in: 3600 });

    const next = await refreshCredentials(app, stored, deps);

    expect(next).toEqual({ ...stored, accessToken: "fake-klaviyo-access-0002", expiresAt: NOW + 3_600_000 });
    expect(api.isDone()).toBe(true);
  });

  it("keeps the new refresh token when Klaviyo rotates it", async () => {
    klaviyo().post("/oauth/token").reply(200, { access_token: "fake-klaviyo-access-0002", refresh_token: "fake-klaviyo-refresh-0002", expires_in: 3600, scope: "accounts:read" });
    const next = await refreshCredentials(app, stored, deps);
    expect(next.refreshToken).toBe("fake-klaviyo-refresh-0002");
    expect(next.scopes).toEqual(["accounts:read"]);
  });

  it("turns a refused refresh token (invalid_grant) into kind uninstalled", async () => {
    klaviyo().post("/oauth/token").reply(400, fixture("oauth-error-invalid-grant.json"));
    await expect(refreshCredentials(app, stored, deps)).rejects.toMatchObject({
      name: "EspError",
      kind: "uninstalled",
      status: 400,
      message: expect.stringContaining("install it again") as unknown,
    });
  });

  it("keeps the refresh token out of the message even when Klaviyo echoes it", async () => {
    klaviyo().post("/oauth/token").reply(400, { error: "invalid_grant", error_description: `unknown token ${stored.refreshToken}` });
    const error = await refreshCredentials(app, stored, deps).catch((e: unknown) => e);
    expect((error as Error).message).not.toContain(stored.refreshToken);
  });

  it("makes a 5xx a retryable server error", async () => {
    klaviyo().post("/oauth/token").reply(503, "Service Unavailable");
    await expect(refreshCredentials(app, stored, deps)).rejects.toMatchObject({ kind: "server", status: 503 });
  });

  it("carries Retry-After on a 429", async () => {
    klaviyo().post("/oauth/token").reply(429, { error: "rate_limited" }, { "Retry-After": "3" });
    await expect(refreshCredentials(app, stored, deps)).rejects.toMatchObject({ kind: "rate_limited", retryAfterMs: 3000 });
  });

  it("makes a dropped connection a network error", async () => {
    klaviyo().post("/oauth/token").replyWithError({ code: "ECONNRESET", message: "socket hang up" });
    await expect(refreshCredentials(app, stored, deps)).rejects.toMatchObject({ name: "EspError", kind: "network" });
  });
});

describe("revokeToken", () => {
  it("revokes the refresh token on a.klaviyo.com with HTTP Basic", async () => {
    const api = klaviyo()
      .post("/oauth/revoke", { token: "fake-klaviyo-refresh-0001", token_type_hint: "refresh_token" })
      .matchHeader("authorization", BASIC)
      .matchHeader("content-type", "application/x-www-form-urlencoded")
      .reply(200, "");

    await expect(revokeToken(app, stored, deps)).resolves.toBeUndefined();
    expect(api.isDone()).toBe(true);
  });

  it("treats a token Klaviyo no longer knows as revoked", async () => {
    klaviyo().post("/oauth/revoke").reply(400, fixture("oauth-error-invalid-grant.json"));
    await expect(revokeToken(app, stored, deps)).resolves.toBeUndefined();
  });

  it("fails with a retryable error when Klaviyo is down, so the uninstall can try again", async () => {
    klaviyo().post("/oauth/revoke").reply(502, "Bad Gateway");
    await expect(revokeToken(app, stored, deps)).rejects.toMatchObject({ name: "EspError", kind: "server", status: 502 });
  });
});

describe("klaviyoAuthOf", () => {
  it("sends a private key as a private key and an OAuth token as a bearer token", () => {
    expect(klaviyoAuthOf({ kind: "private", accessToken: "pk_test_fake", accountId: null })).toEqual({ scheme: "private", token: "pk_test_fake" });
    expect(klaviyoAuthOf(stored)).toEqual({ scheme: "oauth", token: "fake-klaviyo-access-old" });
  });
});
