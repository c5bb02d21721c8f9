import { readFileSync } from "node:fs";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { authorizeUrl, exchangeCode, refreshCredentials, type HubSpotOAuthApp } from "../../../../src/connectors/hubspot/oauth.js";
import type { OAuthCredentials } from "../../../../src/domain/index.js";

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../../fixtures/hubspot/${name}`, import.meta.url), "utf8")) as Record<string, unknown>;

// Obviously fake values; the secret must never show up in an error message.
const app: HubSpotOAuthApp = {
  clientId: "fake-client-id",
  clientSecret: "fake-client-secret-do-not-log",
  redirectUri: "https://tailor.test/oauth/hubspot/callback",
  scopes: ["oauth", "crm.objects.contacts.read", "crm.objects.contacts.write"],
  optionalScopes: ["content", "tickets"],
};
const NOW = Date.parse("2026-01-10T12:00:00Z");
const deps = { fetch: globalThis.fetch, now: () => NOW };
const hubapi = () => nock("https://api.hubapi.com");

const stored: OAuthCredentials = {
  kind: "oauth",
  accessToken: "fake-access-token-old",
  refreshToken: "fake-refresh-token-na1-0000",
  expiresAt: NOW - 1000,
  scopes: ["oauth", "crm.objects.contacts.read"],
  accountId: "62515",
};

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("authorizeUrl", () => {
  it("asks HubSpot for the required and optional scopes, space-separated, with the state", () => {
    const url = authorizeUrl(app, "nonce.123.mac");
    expect(url.startsWith("https://app.hubspot.com/oauth/authorize?")).toBe(true);
    expect(url).toContain("scope=oauth%20crm.objects.contacts.read%20crm.objects.contacts.write");
    const params = new URL(url).searchParams;
    expect(Object.fromEntries(params)).toEqual({
      client_id: "fake-client-id",
      redirect_uri: "https://tailor.test/oauth/hubspot/callback",
      scope: "oauth crm.objects.contacts.read crm.objects.contacts.write",
      optional_scope: "content tickets",
      state: "nonce.123.mac",
    });
  });

  it("leaves optional_scope out when there is none", () => {
    expect(new URL(authorizeUrl({ ...app, optionalScopes: [] }, "s")).searchParams.has("optional_scope")).toBe(false);
  });

  it("keeps the client secret out of the URL", () => {
    expect(authorizeUrl(app, "s")).not.toContain(app.clientSecret);
  });
});

describe("exchangeCode", () => {
  it("posts the documented v3 form and returns credentials expiring after expires_in, named by hub_id", async () => {
    const api = hubapi()
      .post("/oauth/v3/token", {
        grant_type: "authorization_code",
        client_id: "fake-client-id",
        client_secret: app.clientSecret,
        redirect_uri: app.redirectUri,
        code: "fake-code-1",
      })
      .matchHeader("content-type", "application/x-www-form-urlencoded")
      .reply(200, fixture("oauth-token.json"));

    const credentials = await exchangeCode(app, "fake-code-1", deps);

    expect(credentials).toEqual({
      kind: "oauth",
      accessToken: "fake-access-token-0001",
      refreshToken: "fake-refresh-token-na1-0000",
      expiresAt: NOW + 1800 * 1000,
      scopes: ["oauth", "crm.objects.contacts.read", "crm.objects.contacts.write", "crm.schemas.contacts.read", "crm.schemas.contacts.write", "content"],
      accountId: "62515",
    });
    expect(api.isDone()).toBe(true);
  });

  it("asks the introspection endpoint for the portal when the token response names none", async () => {
    const { hub_id: _hubId, scopes: _scopes, ...token } = fixture("oauth-token.json");
    hubapi().post("/oauth/v3/token").reply(200, token);
    const introspect = hubapi()
      .post("/oauth/v3/token/introspect", { client_id: "fake-client-id", client_secret: app.clientSecret, token: "fake-access-token-0001", token_type_hint: "access_token" })
      .reply(200, { active: true, hub_id: 777 });

    const credentials = await exchangeCode(app, "fake-code-1", deps);

    expect(credentials.accountId).toBe("777");
    // Without a granted list, only the required scopes are certain.
    expect(credentials.scopes).toEqual(app.scopes);
    expect(introspect.isDone()).toBe(true);
  });

  it("refuses a used or expired code as a client error that says to start again", async () => {
    hubapi().post("/oauth/v3/token").reply(400, { error: "invalid_grant", error_description: "missing or unknown auth code", status: "BAD_AUTH_CODE", message: "missing or unknown auth code" });
    await expect(exchangeCode(app, "fake-code-1", deps)).rejects.toMatchObject({
      name: "EspError",
      kind: "client",
      status: 400,
      message: expect.stringContaining("start the install again") as unknown,
    });
  });

  it("reports wrong app credentials as an auth error without echoing the secret", async () => {
    hubapi().post("/oauth/v3/token").reply(400, { error: "invalid_client", error_description: `bad secret ${app.clientSecret}`, status: "BAD_CLIENT_SECRET" });
    const error = await exchangeCode(app, "fake-code-1", deps).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "EspError", kind: "auth" });
    expect((error as Error).message).toContain("[redacted]");
    expect((error as Error).message).not.toContain(app.clientSecret);
  });

  it("never echoes a success body it cannot read, since it carries tokens", async () => {
    hubapi().post("/oauth/v3/token").reply(200, { access_token: "fake-access-token-0001", refresh_token: "fake-refresh-token-x" });
    const error = await exchangeCode(app, "fake-code-1", deps).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "EspError", kind: "server", status: 200 });
    expect((error as Error).message).toContain("expires_in");
    expect((error as Error).message).not.toContain("fake-access-token");
  });
});

describe("refreshCredentials", () => {
  it("posts the refresh form and keeps the portal, with a new expiry", async () => {
    const api = hubapi()
      .post("/oauth/v3/token", { grant_type: "refresh_token", client_id: "fake-client-id", client_secret: app.clientSecret, refresh_token: "fake-refresh-token-na1-0000" })
      .reply(200, { token_type: "bearer", access_token: "fake-access-token-0002", expires_in: 1800 });

    const next = await refreshCredentials(app, stored, deps);

    expect(next).toEqual({ ...stored, accessToken: "fake-access-token-0002", expiresAt: NOW + 1_800_000 });
    expect(api.isDone()).toBe(true);
  });

  it("reads the RFC 6749 space-separated scope when HubSpot sends that instead of a list", async () => {
    hubapi().post("/oauth/v3/token").reply(200, { access_token: "fake-access-token-0002", expires_in: 60, scope: "oauth content" });
    expect((await refreshCredentials(app, stored, deps)).scopes).toEqual(["oauth", "content"]);
  });

  it("turns a refused refresh token (BAD_REFRESH_TOKEN) into kind uninstalled", async () => {
    hubapi().post("/oauth/v3/token").reply(400, fixture("oauth-error-bad-refresh-token.json"));
    await expect(refreshCredentials(app, stored, deps)).rejects.toMatchObject({ name: "EspError", kind: "uninstalled", status: 400 });
  });

  it("treats a bare invalid_grant as uninstalled too", async () => {
    hubapi().post("/oauth/v3/token").reply(400, { error: "invalid_grant" });
    await expect(refreshCredentials(app, stored, deps)).rejects.toMatchObject({ kind: "uninstalled" });
  });

  it("keeps the refresh token out of the message even when HubSpot echoes it", async () => {
    hubapi().post("/oauth/v3/token").reply(400, { error: "invalid_grant", error_description: `unknown token ${stored.refreshToken}` });
    const error = await refreshCredentials(app, stored, deps).catch((e: unknown) => e);
    expect((error as Error).message).not.toContain(stored.refreshToken);
  });

  it("makes a 5xx a retryable server error", async () => {
    hubapi().post("/oauth/v3/token").reply(503, "Service Unavailable");
    await expect(refreshCredentials(app, stored, deps)).rejects.toMatchObject({ kind: "server", status: 503 });
  });

  it("carries Retry-After on a 429", async () => {
    hubapi().post("/oauth/v3/token").reply(429, { status: "RATE_LIMIT" }, { "Retry-After": "3" });
    await expect(refreshCredentials(app, stored, deps)).rejects.toMatchObject({ kind: "rate_limited", retryAfterMs: 3000 });
  });

  it("makes a dropped connection a network error", async () => {
    hubapi().post("/oauth/v3/token").replyWithError({ code: "ECONNRESET", message: "socket hang up" });
    await expect(refreshCredentials(app, stored, deps)).rejects.toMatchObject({ name: "EspError", kind: "network" });
  });
});
