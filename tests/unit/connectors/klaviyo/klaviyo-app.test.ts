import { readFileSync } from "node:fs";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KLAVIYO_REVISION } from "../../../../src/connectors/klaviyo/client.js";
import { createKlaviyoApp } from "../../../../src/connectors/klaviyo/klaviyo-app.js";
import { codeChallengeOf, codeVerifierOf, type KlaviyoOAuthApp } from "../../../../src/connectors/klaviyo/oauth.js";
import { checkKlaviyoRequests, checkKlaviyoResponse, recordRequests } from "../../../contract/klaviyo-spec.js";

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../../fixtures/klaviyo/${name}`, import.meta.url), "utf8")) as Record<string, unknown>;

const oauth: KlaviyoOAuthApp = {
  clientId: "fake-klaviyo-client-id",
  clientSecret: "fake-klaviyo-secret-do-not-log",
  redirectUri: "https://tailor.test/oauth/klaviyo/callback",
  scopes: ["accounts:read", "profiles:read"],
};
const STATE = "nonce.1767000000000.mac";
const NOW = Date.parse("2026-01-10T12:00:00Z");
const NEW_TOKEN = "fake-klaviyo-access-0001";

/** The app on a fake clock that its sleeps move forward, so the limiter and a 429 cost no real time. */
function setup() {
  const sleeps: number[] = [];
  const clock = { now: NOW };
  const sleep = (ms: number): Promise<void> => {
    sleeps.push(ms);
    clock.now += ms;
    return Promise.resolve();
  };
  const app = createKlaviyoApp({ oauth, fetch: globalThis.fetch, now: () => clock.now, sleep });
  return { app, sleeps };
}

const tokenEndpoint = () =>
  nock("https://a.klaviyo.com").post("/oauth/token", (body: Record<string, string>) => body.grant_type === "authorization_code" && body.code_verifier === codeVerifierOf(oauth, STATE));
const accounts = (query: Record<string, string> | true = true) =>
  nock("https://a.klaviyo.com").get("/api/accounts").query(query).matchHeader("authorization", `Bearer ${NEW_TOKEN}`);

/** The fixture's account with other contact names. */
function accountsNamed(organization: string, sender: string): Record<string, unknown> {
  const body = fixture("oauth-accounts.json") as { data: [{ attributes: { contact_information: Record<string, unknown> } }] };
  Object.assign(body.data[0].attributes.contact_information, { organization_name: organization, default_sender_name: sender });
  return body;
}

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("createKlaviyoApp", () => {
  it("is the Klaviyo app and sends the admin to Klaviyo with the state's PKCE challenge", () => {
    const { app } = setup();
    expect(app.esp).toBe("klaviyo");
    const url = new URL(app.authorizeUrl(STATE));
    expect(url.origin + url.pathname).toBe("https://www.klaviyo.com/oauth/authorize");
    expect(url.searchParams.get("code_challenge")).toBe(codeChallengeOf(codeVerifierOf(oauth, STATE)));
  });

  it("trades the code for tokens, then names the account with the new token", async () => {
    const { app } = setup();
    const token = tokenEndpoint().reply(200, fixture("oauth-token.json"));
    const lookup = accounts({ "fields[account]": "contact_information.organization_name,contact_information.default_sender_name" })
      .matchHeader("revision", KLAVIYO_REVISION)
      .reply(200, fixture("oauth-accounts.json"), { "content-type": "application/vnd.api+json" });

    const installed = await app.exchangeCode("fake-code-1", STATE);

    expect(installed).toEqual({
      accountId: "XyZ789",
      accountName: "Fjord Outfitters",
      credentials: {
        kind: "oauth",
        accessToken: NEW_TOKEN,
        refreshToken: "fake-klaviyo-refresh-0001",
        expiresAt: NOW + 3_600_000,
        scopes: ["accounts:read", "events:read", "metrics:read", "profiles:read", "profiles:write"],
        accountId: "XyZ789",
      },
    });
    expect(token.isDone()).toBe(true);
    expect(lookup.isDone()).toBe(true);
  });

  it("asks for the account the way Klaviyo's spec describes, and the fixture is the spec's shape", async () => {
    const { app } = setup();
    tokenEndpoint().reply(200, fixture("oauth-token.json"));
    const scope = accounts().reply(200, fixture("oauth-accounts.json"));
    const seen = recordRequests(scope);

    await app.exchangeCode("fake-code-1", STATE);

    expect(seen).toHaveLength(1);
    expect(checkKlaviyoRequests(seen)).toEqual([]);
    expect(checkKlaviyoResponse("get_accounts", 200, fixture("oauth-accounts.json"))).toEqual([]);
  });

  it.each([
    ["the organization name", "Fjord Outfitters", "Fjord Team", "Fjord Outfitters"],
    ["the default sender name when the organization has none", "  ", "Fjord Team", "Fjord Team"],
    ["the account id when both are empty", "", "", "Klaviyo account XyZ789"],
  ])("names the installation by %s", async (_label, organization, sender, expected) => {
    const { app } = setup();
    tokenEndpoint().reply(200, fixture("oauth-token.json"));
    accounts().reply(200, accountsNamed(organization, sender));
    expect((await app.exchangeCode("fake-code-1", STATE)).accountName).toBe(expected);
  });

  it("waits out a 429 on the account lookup for as long as Klaviyo says, then goes on", async () => {
    const { app, sleeps } = setup();
    tokenEndpoint().reply(200, fixture("oauth-token.json"));
    accounts().reply(429, { errors: [{ status: 429, code: "throttled", detail: "Request was throttled. Expected available in 2 seconds." }] }, { "Retry-After": "2" });
    accounts().reply(200, fixture("oauth-accounts.json"));

    await expect(app.exchangeCode("fake-code-1", STATE)).resolves.toMatchObject({ accountId: "XyZ789" });
    expect(sleeps.some((ms) => ms >= 2000)).toBe(true);
  });

  it("fails with an auth EspError that holds no token when the new token lacks accounts:read", async () => {
    const { app } = setup();
    tokenEndpoint().reply(200, fixture("oauth-token.json"));
    accounts().reply(403, { errors: [{ status: 403, code: "permission_denied", detail: "You do not have permission to perform this action." }] });

    const error = await app.exchangeCode("fake-code-1", STATE).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: "EspError", kind: "auth", status: 403 });
    expect((error as Error).message).toContain("permission");
    expect((error as Error).message).not.toContain(NEW_TOKEN);
  });

  it("refuses a lookup that names no account", async () => {
    const { app } = setup();
    tokenEndpoint().reply(200, fixture("oauth-token.json"));
    accounts().reply(200, { data: [], links: { self: "https://a.klaviyo.com/api/accounts/" } });
    await expect(app.exchangeCode("fake-code-1", STATE)).rejects.toMatchObject({ name: "EspError", kind: "server" });
  });

  it("does not ask for the account when the code exchange fails", async () => {
    const { app } = setup();
    tokenEndpoint().reply(400, { error: "invalid_grant" });
    const lookup = accounts().reply(200, fixture("oauth-accounts.json"));
    await expect(app.exchangeCode("fake-code-1", STATE)).rejects.toMatchObject({ kind: "client" });
    expect(lookup.isDone()).toBe(false);
  });

  it("trusts no webhook and finds no events in one, since Tailor registers none with Klaviyo", () => {
    const { app } = setup();
    const verdict = app.verifyWebhook({ method: "POST", url: "https://tailor.test/webhooks/klaviyo", headers: {}, rawBody: "{}", receivedAt: NOW });
    expect(verdict).toMatchObject({ ok: false, reason: expect.stringContaining("no Klaviyo webhooks") as unknown });
    expect(app.parseWebhook('{"data":[{"topic":"event:klaviyo.opened_email"}]}')).toEqual({ events: [], skipped: 0 });
  });
});
