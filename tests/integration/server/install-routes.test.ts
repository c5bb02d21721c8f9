import { Writable } from "node:stream";
import express from "express";
import nock from "nock";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listen, type Listening } from "../../helpers/listen.js";
import { createHubSpotApp } from "../../../src/connectors/hubspot/hubspot-app.js";
import { EspError } from "../../../src/connectors/shared/esp-error.js";
import type { Credentials, EspApp, Store } from "../../../src/domain/index.js";
import { errorHandler } from "../../../src/server/middleware/error-handler.js";
import { installRoutes, type InstallRoutesDeps } from "../../../src/server/routes/install-routes.js";
import { createMemoryStore } from "../../../src/store/memory-store.js";

const CLIENT_SECRET = "fake-client-secret-never-shown";
const T0 = Date.parse("2026-01-10T12:00:00Z");
const MINUTE = 60_000;
// Token endpoint answer as documented (hub_id, scopes: changelog 2025-08-18), fake values.
const TOKEN = { token_type: "bearer", access_token: "fake-access-token-0001", refresh_token: "fake-refresh-token-0001", expires_in: 1800, hub_id: 62515, scopes: ["oauth", "crm.objects.contacts.read"] };

const klaviyoStub: Pick<EspApp, "authorizeUrl" | "exchangeCode" | "esp"> = {
  esp: "klaviyo",
  authorizeUrl: (state) => `https://www.klaviyo.com/oauth/authorize?state=${state}`,
  exchangeCode: () => Promise.reject(new Error("the klaviyo stub is never asked to exchange")),
};

type Harness = { server: Listening; store: Store; vault: Map<string, Credentials>; installed: string[]; clock: { now: number } };

let h: Harness;
let running: Listening | null = null;

async function start(over: Partial<InstallRoutesDeps> = {}): Promise<Harness> {
  const vault = new Map<string, Credentials>();
  // The memory store is getting its own credential methods; this vault keeps the test independent of that.
  const store: Store = {
    ...createMemoryStore(),
    getCredentials: (id) => Promise.resolve(vault.get(id) ?? null),
    saveCredentials(id, credentials) {
      if (credentials === null) vault.delete(id);
      else vault.set(id, credentials);
      return Promise.resolve();
    },
  };
  const clock = { now: T0 };
  const installed: string[] = [];
  const hubspot = createHubSpotApp({
    oauth: { clientId: "fake-client-id", clientSecret: CLIENT_SECRET, redirectUri: "https://tailor.test/oauth/hubspot/callback", scopes: ["oauth", "crm.objects.contacts.read"], optionalScopes: ["content"] },
    fetch: globalThis.fetch,
    now: () => clock.now,
  });
  const app = express();
  app.use(installRoutes({
    store,
    apps: { hubspot, klaviyo: klaviyoStub },
    stateSecret: "fake-state-secret-0123456789abcdef",
    now: () => clock.now,
    onInstalled: (id) => {
      installed.push(id);
      return Promise.resolve();
    },
    ...over,
  }));
  app.use(errorHandler(pino({ level: "silent" }, new Writable({ write: (_c, _e, done) => { done(); } }))));
  running = await listen(app);
  return { server: running, store, vault, installed, clock };
}

const get = (path: string, cookie?: string) => fetch(`${h.server.base}${path}`, { redirect: "manual", headers: cookie === undefined ? {} : { cookie } });

/** Starts an install the way a browser does: the state from the redirect, the cookie from Set-Cookie. */
async function beginInstall(esp = "hubspot"): Promise<{ state: string; cookie: string }> {
  const res = await get(`/install/${esp}`);
  const state = new URL(res.headers.get("location") ?? "").searchParams.get("state") ?? "";
  const cookie = (res.headers.getSetCookie()[0] ?? "").split(";")[0] ?? "";
  return { state, cookie };
}
const callback = (state: string, cookie?: string, code = "fake-code-1") => get(`/oauth/hubspot/callback?code=${code}&state=${encodeURIComponent(state)}`, cookie);
const tokenExchange = () => nock("https://api.hubapi.com").post("/oauth/v3/token", (body: Record<string, string>) => body.grant_type === "authorization_code" && body.code === "fake-code-1");

beforeEach(() => {
  nock.disableNetConnect();
  nock.enableNetConnect("127.0.0.1");
});
afterEach(async () => {
  await running?.close();
  running = null;
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("GET /install/:esp", () => {
  it("redirects to HubSpot's authorize URL with a state, and sets the same state as an httpOnly Lax cookie", async () => {
    h = await start();
    const res = await get("/install/hubspot");

    expect(res.status).toBe(302);
    const location = new URL(res.headers.get("location") ?? "");
    expect(location.origin + location.pathname).toBe("https://app.hubspot.com/oauth/authorize");
    expect(location.searchParams.get("client_id")).toBe("fake-client-id");
    const state = location.searchParams.get("state") ?? "";
    expect(state).toMatch(/^[\w-]{22}\.\d+\.[\w-]{43}$/);
    const [cookie] = res.headers.getSetCookie();
    expect(cookie).toContain(`tailor_oauth_state=${state}`);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toContain("Path=/oauth/hubspot");
    expect(cookie).toContain("Max-Age=600");
  });

  it("gives every install a different state", async () => {
    h = await start();
    expect((await beginInstall()).state).not.toBe((await beginInstall()).state);
  });

  it.each(["mailchimp", "files", "constructor"])("answers 404 for %s", async (esp) => {
    h = await start();
    expect((await get(`/install/${esp}`)).status).toBe(404);
  });

  it("answers 404 for an ESP this deployment has no app for", async () => {
    h = await start({ apps: { klaviyo: klaviyoStub } });
    expect((await get("/install/hubspot")).status).toBe(404);
  });
});

describe("GET /oauth/:esp/callback", () => {
  it("exchanges the code, saves the installation and credentials, runs setup and opens the installation", async () => {
    h = await start();
    const exchange = tokenExchange().reply(200, TOKEN);
    const { state, cookie } = await beginInstall();

    const res = await callback(state, cookie);

    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/installations/hubspot-62515");
    expect(exchange.isDone()).toBe(true);
    expect(await h.store.getInstallation("hubspot-62515")).toEqual({
      id: "hubspot-62515", esp: "hubspot", name: "HubSpot portal 62515", createdAt: new Date(T0).toISOString(), propertiesDefined: [], accountId: "62515", status: "active",
    });
    expect(h.vault.get("hubspot-62515")).toEqual({ kind: "oauth", accessToken: "fake-access-token-0001", refreshToken: "fake-refresh-token-0001", expiresAt: T0 + 1_800_000, scopes: TOKEN.scopes, accountId: "62515" });
    expect(h.installed).toEqual(["hubspot-62515"]);
    // The state is single-use: the cookie is cleared.
    expect(res.headers.getSetCookie().join()).toMatch(/tailor_oauth_state=;.*Expires=Thu, 01 Jan 1970/);
  });

  it("signs the installing admin in to that installation's panel, and only after a good callback", async () => {
    const sessions: string[] = [];
    h = await start({ startSession: (res, installationId, user) => { sessions.push(`${installationId} ${user}`); res.cookie("tailor_session", "signed"); } });
    const refused = await callback("forged.1.x", "tailor_oauth_state=forged.1.x");
    expect(refused.status).toBe(400);
    expect(sessions).toEqual([]);
    tokenExchange().reply(200, TOKEN);
    const { state, cookie } = await beginInstall();
    const res = await callback(state, cookie);
    expect(res.status).toBe(302);
    expect(sessions).toEqual(["hubspot-62515 HubSpot admin (OAuth)"]);
    expect(res.headers.getSetCookie().some((c) => c.startsWith("tailor_session="))).toBe(true);
  });

  it("reactivates an existing installation, keeping what setup already did", async () => {
    h = await start();
    await h.store.saveInstallation({ id: "hubspot-62515", esp: "hubspot", name: "Old name", createdAt: "2025-01-01T00:00:00.000Z", propertiesDefined: ["tailor_lifecycle"], accountId: "62515", status: "uninstalled" });
    tokenExchange().reply(200, TOKEN);
    const { state, cookie } = await beginInstall();

    expect((await callback(state, cookie)).status).toBe(302);
    expect(await h.store.getInstallation("hubspot-62515")).toMatchObject({ createdAt: "2025-01-01T00:00:00.000Z", propertiesDefined: ["tailor_lifecycle"], status: "active", name: "HubSpot portal 62515" });
  });

  it("refuses a callback without the state cookie (another browser, or login CSRF)", async () => {
    h = await start();
    const { state } = await beginInstall();
    const res = await callback(state);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("state cookie is missing");
    expect(h.vault.size).toBe(0);
  });

  it("refuses a state that differs from the browser's cookie", async () => {
    h = await start();
    const mine = await beginInstall();
    const theirs = await beginInstall();
    const res = await callback(theirs.state, mine.cookie);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("belongs to a different install");
  });

  it("refuses a state whose signature was tampered with, even when the cookie matches", async () => {
    h = await start();
    const { state } = await beginInstall();
    const [nonce, issued] = state.split(".");
    const forged = `${nonce ?? ""}.${issued ?? ""}.${"A".repeat(43)}`;
    const res = await callback(forged, `tailor_oauth_state=${forged}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("not one Tailor issued");
  });

  it("refuses a state issued for another ESP", async () => {
    h = await start();
    const { state, cookie } = await beginInstall("klaviyo");
    const res = await callback(state, cookie);
    expect(res.status).toBe(400);
  });

  it.each([
    [10 * MINUTE, 302],
    [10 * MINUTE + 1, 400],
  ])("after %d ms the state answers %d", async (age, status) => {
    h = await start();
    tokenExchange().reply(200, TOKEN);
    const { state, cookie } = await beginInstall();
    h.clock.now = T0 + age;
    const res = await callback(state, cookie);
    expect(res.status).toBe(status);
    if (status === 400) expect(await res.text()).toContain("longer than 10 minutes");
  });

  it("shows HubSpot's refusal on a 502 page without the code or the client secret", async () => {
    h = await start();
    tokenExchange().reply(400, { error: "invalid_grant", error_description: "missing or unknown auth code", status: "BAD_AUTH_CODE", message: "missing or unknown auth code" });
    const { state, cookie } = await beginInstall();

    const res = await callback(state, cookie);
    const page = await res.text();

    expect(res.status).toBe(502);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(page).toContain("BAD_AUTH_CODE");
    expect(page).toContain("Start again from /install/hubspot");
    expect(page).not.toContain("fake-code-1");
    expect(page).not.toContain(CLIENT_SECRET);
    expect(h.vault.size).toBe(0);
    expect(await h.store.listInstallations()).toEqual([]);
  });

  it("reports a cancelled authorization as a 400 with HubSpot's reason, escaped", async () => {
    h = await start();
    const { state, cookie } = await beginInstall();
    const res = await get(`/oauth/hubspot/callback?error=access_denied&error_description=${encodeURIComponent("<b>no</b>")}&state=${state}`, cookie);
    const page = await res.text();
    expect(res.status).toBe(400);
    expect(page).toContain("access_denied");
    expect(page).not.toContain("<b>no</b>");
  });

  it("refuses a callback with no code", async () => {
    h = await start();
    const { state, cookie } = await beginInstall();
    expect((await get(`/oauth/hubspot/callback?state=${state}`, cookie)).status).toBe(400);
  });

  it("answers 404 for an unknown ESP's callback", async () => {
    h = await start();
    expect((await get("/oauth/mailchimp/callback?code=x&state=y")).status).toBe(404);
  });

  it("keeps the credentials but shows a 502 when setup in HubSpot fails", async () => {
    h = await start({ onInstalled: () => Promise.reject(new EspError("auth", "HubSpot: 403 MISSING_SCOPES crm.schemas.contacts.write", { status: 403 })) });
    tokenExchange().reply(200, TOKEN);
    const { state, cookie } = await beginInstall();

    const res = await callback(state, cookie);

    expect(res.status).toBe(502);
    expect(await res.text()).toContain("MISSING_SCOPES");
    expect(h.vault.has("hubspot-62515")).toBe(true);
  });
});

describe("installRoutes", () => {
  it("refuses a short state secret at construction", () => {
    expect(() => installRoutes({ store: createMemoryStore(), apps: {}, stateSecret: "short", now: () => T0 })).toThrow(/at least 16/);
  });
});
