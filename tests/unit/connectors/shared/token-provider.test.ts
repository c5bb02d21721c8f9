import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { refreshCredentials, type HubSpotOAuthApp } from "../../../../src/connectors/hubspot/oauth.js";
import { EspError } from "../../../../src/connectors/shared/esp-error.js";
import { createTokenProvider } from "../../../../src/connectors/shared/token-provider.js";
import type { Credentials, Installation, OAuthCredentials, Store } from "../../../../src/domain/index.js";
import { createMemoryStore } from "../../../../src/store/memory-store.js";

const app: HubSpotOAuthApp = {
  clientId: "fake-client-id",
  clientSecret: "fake-client-secret",
  redirectUri: "https://tailor.test/oauth/hubspot/callback",
  scopes: ["oauth"],
  optionalScopes: [],
};
const T0 = Date.parse("2026-01-10T12:00:00Z");
const MINUTE = 60_000;
const ID = "hubspot-62515";
const installation: Installation = { id: ID, esp: "hubspot", name: "HubSpot portal 62515", createdAt: "2026-01-01T00:00:00.000Z", propertiesDefined: [], accountId: "62515", status: "active" };

const oauth = (over: Partial<OAuthCredentials> = {}): OAuthCredentials => ({
  kind: "oauth",
  accessToken: "fake-access-old",
  refreshToken: "fake-refresh",
  expiresAt: T0 + 30 * MINUTE,
  scopes: ["oauth"],
  accountId: "62515",
  ...over,
});

/** A memory store with its own credential vault (the real one may not have it yet), recording every save. */
async function setup(
  credentials: Credentials | null,
  options: { app?: HubSpotOAuthApp | null; refresh?: (c: OAuthCredentials) => Promise<OAuthCredentials>; espName?: string } = {},
) {
  const vault = new Map<string, Credentials>();
  const saves: (Credentials | null)[] = [];
  const store: Store = {
    ...createMemoryStore(),
    getCredentials: (id) => Promise.resolve(vault.get(id) ?? null),
    saveCredentials(id, next) {
      saves.push(next);
      if (next === null) vault.delete(id);
      else vault.set(id, next);
      return Promise.resolve();
    },
  };
  await store.saveInstallation(installation);
  if (credentials !== null) vault.set(ID, credentials);
  const clock = { now: T0 };
  const now = () => clock.now;
  const oauthApp = options.app === undefined ? app : options.app;
  const refresh = options.refresh ?? (oauthApp === null ? null : (c: OAuthCredentials) => refreshCredentials(oauthApp, c, { fetch: globalThis.fetch, now }));
  const tokens = createTokenProvider({ store, installationId: ID, espName: options.espName ?? "HubSpot", refresh, now });
  return { store, vault, saves, clock, tokens };
}

const tokenEndpoint = () => nock("https://api.hubapi.com").post("/oauth/v3/token", (body: Record<string, string>) => body.grant_type === "refresh_token" && body.refresh_token === "fake-refresh");
const newToken = { token_type: "bearer", access_token: "fake-access-new", refresh_token: "fake-refresh", expires_in: 1800, hub_id: 62515 };

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("createTokenProvider", () => {
  it("hands out a private-app token as it is, with no token call", async () => {
    const { tokens } = await setup({ kind: "private", accessToken: "fake-pat-na1", accountId: null });
    await expect(tokens.accessToken()).resolves.toBe("fake-pat-na1");
  });

  it.each([
    ["30 minutes left", 30 * MINUTE, false],
    ["5 minutes and 1 ms left", 5 * MINUTE + 1, false],
    ["exactly 5 minutes left", 5 * MINUTE, true],
    ["1 minute left", MINUTE, true],
    ["already expired", -MINUTE, true],
  ])("with %s, refreshes: %s", async (_label, left, refreshes) => {
    const { tokens } = await setup(oauth({ expiresAt: T0 + left }));
    const api = tokenEndpoint().reply(200, newToken);
    await expect(tokens.accessToken()).resolves.toBe(refreshes ? "fake-access-new" : "fake-access-old");
    expect(api.isDone()).toBe(refreshes);
  });

  it("saves the refreshed credentials with the new expiry and serves them from memory afterwards", async () => {
    const { tokens, vault, saves } = await setup(oauth({ expiresAt: T0 + MINUTE }));
    tokenEndpoint().once().reply(200, newToken);

    await tokens.accessToken();
    // A second refresh would find no interceptor and fail.
    await expect(tokens.accessToken()).resolves.toBe("fake-access-new");

    expect(saves).toHaveLength(1);
    expect(vault.get(ID)).toEqual(oauth({ accessToken: "fake-access-new", expiresAt: T0 + 1_800_000 }));
  });

  it("makes concurrent callers share one refresh", async () => {
    const { tokens, saves } = await setup(oauth({ expiresAt: T0 + MINUTE }));
    const api = tokenEndpoint().once().delay(20).reply(200, newToken);

    const all = await Promise.all(Array.from({ length: 5 }, () => tokens.accessToken()));

    expect(all).toEqual(Array(5).fill("fake-access-new"));
    expect(saves).toHaveLength(1);
    expect(api.isDone()).toBe(true);
  });

  it("reads the store again before refreshing, so a token another worker refreshed is used as it is", async () => {
    const { tokens, vault, clock } = await setup(oauth());
    await expect(tokens.accessToken()).resolves.toBe("fake-access-old");
    clock.now = T0 + 26 * MINUTE;
    vault.set(ID, oauth({ accessToken: "fake-access-other-worker", expiresAt: clock.now + 30 * MINUTE }));
    await expect(tokens.accessToken()).resolves.toBe("fake-access-other-worker");
  });

  it("on a refused refresh token marks the installation uninstalled, forgets the credentials and throws", async () => {
    const { tokens, store, vault, saves } = await setup(oauth({ expiresAt: T0 }));
    tokenEndpoint().reply(400, { error: "invalid_grant", error_description: "refresh token is invalid, expired or revoked", status: "BAD_REFRESH_TOKEN" });

    await expect(tokens.accessToken()).rejects.toMatchObject({ name: "EspError", kind: "uninstalled" });

    expect((await store.getInstallation(ID))?.status).toBe("uninstalled");
    expect(vault.has(ID)).toBe(false);
    expect(saves).toEqual([null]);
    // Later calls fail the same way without another token call.
    await expect(tokens.accessToken()).rejects.toMatchObject({ kind: "uninstalled" });
  });

  // Decision: the provider never retries (one retry policy, the HubSpotCall's). Inside the 5-minute
  // margin the current token still works, so a passing failure is absorbed and retried after 30 s.
  it("keeps using a still-valid token when a refresh hits a 5xx, and tries again after 30 s", async () => {
    const { tokens, clock, saves } = await setup(oauth({ expiresAt: T0 + 4 * MINUTE }));
    const failed = tokenEndpoint().once().reply(503, "Service Unavailable");

    await expect(tokens.accessToken()).resolves.toBe("fake-access-old");
    expect(failed.isDone()).toBe(true);
    const retried = tokenEndpoint().once().reply(200, newToken);
    clock.now = T0 + 29_000;
    await expect(tokens.accessToken()).resolves.toBe("fake-access-old");
    expect(retried.isDone()).toBe(false);
    expect(saves).toEqual([]);

    clock.now = T0 + 31_000;
    await expect(tokens.accessToken()).resolves.toBe("fake-access-new");
    expect(retried.isDone()).toBe(true);
  });

  it("throws a retryable server error when the token is already expired, and refreshes on the next call", async () => {
    const { tokens } = await setup(oauth({ expiresAt: T0 - 1 }));
    tokenEndpoint().once().reply(502, "Bad Gateway");
    await expect(tokens.accessToken()).rejects.toMatchObject({ name: "EspError", kind: "server", status: 502 });

    tokenEndpoint().once().reply(200, newToken);
    await expect(tokens.accessToken()).resolves.toBe("fake-access-new");
  });

  it("says so when the installation has no credentials", async () => {
    const { tokens } = await setup(null);
    await expect(tokens.accessToken()).rejects.toMatchObject({ name: "EspError", kind: "auth", message: expect.stringContaining("no HubSpot credentials") as unknown });
  });

  it("cannot refresh without an OAuth app (private mode) and says so", async () => {
    const { tokens } = await setup(oauth({ expiresAt: T0 }), { app: null });
    await expect(tokens.accessToken()).rejects.toMatchObject({ kind: "auth", message: expect.stringContaining("no OAuth app") as unknown });
  });
  it("hands out the credentials themselves, so an ESP can pick the header by their kind", async () => {
    const { tokens } = await setup({ kind: "private", accessToken: "pk_test_fake", accountId: null }, { espName: "Klaviyo" });
    await expect(tokens.credentials()).resolves.toEqual({ kind: "private", accessToken: "pk_test_fake", accountId: null });
  });

  it("keeps a rotated refresh token from the refresh it was given", async () => {
    const rotated = oauth({ accessToken: "fake-access-new", refreshToken: "fake-refresh-2", expiresAt: T0 + 60 * MINUTE });
    const { tokens, vault } = await setup(oauth({ expiresAt: T0 }), { espName: "Klaviyo", refresh: () => Promise.resolve(rotated) });
    await expect(tokens.credentials()).resolves.toEqual(rotated);
    expect(vault.get(ID)).toEqual(rotated);
  });

  // With rotating refresh tokens (Klaviyo), two workers refreshing at once: the loser's token is refused
  // because the winner just used it, yet the installation is fine and the winner saved what works.
  it("uses the credentials another worker saved when its own refresh token was refused after a rotation", async () => {
    const winner = oauth({ accessToken: "fake-access-other-worker", refreshToken: "fake-refresh-2", expiresAt: T0 + 60 * MINUTE });
    let vaultRef: Map<string, Credentials> | null = null;
    const refresh = (): Promise<OAuthCredentials> => {
      vaultRef?.set(ID, winner);
      return Promise.reject(new EspError("uninstalled", "Klaviyo token refresh failed: 400 invalid_grant"));
    };
    const { tokens, vault, store } = await setup(oauth({ expiresAt: T0 }), { espName: "Klaviyo", refresh });
    vaultRef = vault;

    await expect(tokens.accessToken()).resolves.toBe("fake-access-other-worker");
    expect((await store.getInstallation(ID))?.status).toBe("active");
    expect(vault.get(ID)).toEqual(winner);
  });

  it("names the ESP it was given in its messages", async () => {
    const { tokens } = await setup(null, { espName: "Klaviyo" });
    await expect(tokens.accessToken()).rejects.toMatchObject({ kind: "auth", message: expect.stringContaining("no Klaviyo credentials") as unknown });
  });
});
