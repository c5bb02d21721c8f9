/**
 * A full sync against a fake HubSpot portal, through the production composition: token provider,
 * the installation's limiters and our one retry policy, the real SDK, the connector, runSync and the
 * memory store. The portal answers with the documented shapes (fixtures in tests/fixtures/hubspot/);
 * only the clock and the sleeps are fake, so a run takes milliseconds and every wait is visible.
 */
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import nock from "nock";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHubSpotCall } from "../../../src/connectors/hubspot/client.js";
import { createHubSpotConnector } from "../../../src/connectors/hubspot/connector.js";
import { createHubSpotApp } from "../../../src/connectors/hubspot/hubspot-app.js";
import { refreshCredentials, type HubSpotOAuthApp } from "../../../src/connectors/hubspot/oauth.js";
import { hubspotLimiters } from "../../../src/connectors/shared/rate-limit.js";
import { defaultRetryPolicy } from "../../../src/connectors/shared/retry.js";
import { createTokenProvider } from "../../../src/connectors/shared/token-provider.js";
import { PROPERTIES, type OAuthCredentials, type Store } from "../../../src/domain/index.js";
import { createApp } from "../../../src/server/app.js";
import { createMemoryStore } from "../../../src/store/memory-store.js";
import { runSync, type SyncResult } from "../../../src/sync/run-sync.js";
import { listen } from "../../helpers/listen.js";

const HUBSPOT = "https://api.hubapi.com";
const T0 = Date.parse("2026-11-01T08:00:00Z");
const MINUTE = 60_000;
const ID = "hubspot-62515";
const PORTAL = "62515";
const UPDATE = "/crm/v3/objects/contacts/batch/update";
// Fake: no real secret or token ever appears in tests.
const OAUTH: HubSpotOAuthApp = {
  clientId: "fake-client-id",
  clientSecret: "fake-client-secret-not-real",
  redirectUri: "https://tailor.example.com/oauth/hubspot/callback",
  scopes: ["oauth", "crm.objects.contacts.read", "crm.objects.contacts.write"],
  optionalScopes: [],
};
const OLD_TOKEN = "fake-access-token-old";
// What oauth-token.json hands out.
const NEW_TOKEN = "fake-access-token-0001";
const REFRESH_TOKEN = "fake-refresh-token-na1-0000";

const json = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../fixtures/hubspot/${name}`, import.meta.url), "utf8"));
const fixture = (name: string): nock.Body => json(name) as nock.Body;

type Row = { id: string; properties: Record<string, string | null>; createdAt: string; updatedAt: string; archived: boolean };
type ListPage = { results: Row[]; paging?: { next: { after: string; link: string } } };
type BatchBody = { inputs: Record<string, unknown>[] };
/** One request the fake portal answered. */
type Seen = { method: string; path: string; auth: string | undefined };

const emptySearch = { total: 0, results: [] };
const emptyEvents = { hasMore: false, offset: "x", events: [] };
const EMAIL_TYPES = ["SENT", "OPEN", "CLICK", "BOUNCE", "STATUSCHANGE", "SPAMREPORT"] as const;

/**
 * The portal's contacts as two list pages (HubSpot's page size is 100): the documented pages,
 * filled up with copies of their first record so the write-back needs more than one batch.
 */
function contactPages(): { first: ListPage; second: ListPage } {
  const first = json("pull-contacts-page-1.json") as ListPage;
  const second = json("pull-contacts-page-2.json") as ListPage;
  const cloneOf = (template: Row, id: number): Row => ({
    ...template,
    id: String(id),
    properties: { ...template.properties, hs_object_id: String(id), email: `shopper${id}@example.com`, firstname: `Shopper ${id}` },
  });
  const firstTemplate = first.results[0];
  const secondTemplate = second.results[0];
  if (firstTemplate === undefined || secondTemplate === undefined) throw new Error("contact fixtures are empty");
  for (let id = 2001; first.results.length < 100; id++) first.results.push(cloneOf(firstTemplate, id));
  for (let id = 3001; second.results.length < 50; id++) second.results.push(cloneOf(secondTemplate, id));
  return { first, second };
}

/** The documented batch-read-by-email answer, cut down to the addresses asked for. */
function contactsByEmail(_uri: string, body: nock.Body): nock.ReplyFnResult {
  const asked = (body as unknown as { inputs: { id: string }[] }).inputs.map((i) => i.id);
  const all = json("pull-contacts-by-email.json") as { results: { properties: { email: string } }[] };
  const results = all.results.filter((r) => asked.includes(r.properties.email));
  return [200, { status: "COMPLETE", results, startedAt: "2026-11-01T08:00:01.000Z", completedAt: "2026-11-01T08:00:01.050Z" }];
}

const byDescending = (a: number, b: number): number => b - a;
const all = async <T>(chunks: AsyncIterable<readonly T[]>): Promise<T[]> => {
  const out: T[] = [];
  for await (const chunk of chunks) out.push(...chunk);
  return out;
};

/** Everything one test's fake portal saw, and its clock. */
type World = {
  readonly clock: { now: number };
  readonly store: Store;
  readonly seen: Seen[];
  readonly retrySleeps: number[];
  readonly limiterWaits: number[];
  readonly hubspot: () => nock.Scope;
  readonly sync: () => Promise<SyncResult>;
};

/**
 * An installed portal with OAuth credentials, composed like openHubSpot does it but with a fake
 * clock: the limiters' and the retry's sleeps move the clock instead of waiting.
 */
async function world(options: { credentials?: Partial<OAuthCredentials>; setupDone?: boolean } = {}): Promise<World> {
  const clock = { now: T0 };
  const now = () => clock.now;
  const store = createMemoryStore();
  // setupDone: the properties were created by an earlier run, which keeps setup's 78 calls out of tests about something else.
  const propertiesDefined = options.setupDone === true ? PROPERTIES.map((p) => p.name) : [];
  await store.saveInstallation({ id: ID, esp: "hubspot", name: `HubSpot portal ${PORTAL}`, createdAt: "2026-10-01T00:00:00.000Z", propertiesDefined, accountId: PORTAL, status: "active" });
  await store.saveCredentials(ID, { kind: "oauth", accessToken: OLD_TOKEN, refreshToken: REFRESH_TOKEN, expiresAt: T0 + 30 * MINUTE, scopes: OAUTH.scopes, accountId: PORTAL, ...options.credentials });
  const seen: Seen[] = [];
  const retrySleeps: number[] = [];
  const limiterWaits: number[] = [];
  const tokens = createTokenProvider({ store, installationId: ID, espName: "HubSpot", refresh: (c) => refreshCredentials(OAUTH, c, { fetch, now }), now });
  const call = createHubSpotCall({
    accessToken: () => tokens.accessToken(),
    basePath: HUBSPOT,
    limiters: hubspotLimiters(now, (ms) => { limiterWaits.push(ms); clock.now += ms; return Promise.resolve(); }),
    // Production's policy, with a fake sleep; random 0.5 and a 1 ms base make any wait above 1 ms HubSpot's own.
    retry: defaultRetryPolicy({ baseDelayMs: 1, random: () => 0.5, sleep: (ms) => { retrySleeps.push(ms); clock.now += ms; return Promise.resolve(); } }),
    now,
  });
  const connector = createHubSpotConnector({ call, now });
  const hubspot = () => {
    const scope = nock(HUBSPOT);
    scope.on("request", (req: { method: string; path: string; headers: Record<string, string | undefined> }) => {
      seen.push({ method: req.method, path: req.path.split("?")[0] ?? req.path, auth: req.headers.authorization });
    });
    return scope;
  };
  return { clock, store, seen, retrySleeps, limiterWaits, hubspot, sync: () => runSync({ connector, store, now: () => new Date(clock.now) }, ID) };
}

/** Setup on a portal that has none of Tailor's properties: the group, the property list, one create per property. */
function expectSetup(w: World, created: unknown[]): nock.Scope {
  return w.hubspot()
    .post("/crm/v3/properties/contacts/groups", { name: "tailor", label: "Tailor", displayOrder: -1 })
    .reply(201, fixture("property-group.json"))
    .get("/crm/v3/properties/contacts")
    .query(true)
    .reply(200, fixture("properties-contacts.json"))
    .post("/crm/v3/properties/contacts")
    .times(PROPERTIES.length)
    .reply(201, (_uri, body) => {
      created.push(body);
      return { ...(body as object), options: (body as { options?: unknown }).options ?? [], hidden: false, hubspotDefined: false, createdAt: "2026-11-01T08:00:00.000Z", updatedAt: "2026-11-01T08:00:00.000Z", archived: false };
    });
}

/** A first pull: 2 list pages of contacts, the product library, orders with line items, one bot-filtered open, tickets refused. */
function expectFirstPull(w: World, options: { onPage2?: () => void } = {}): nock.Scope {
  const { first, second } = contactPages();
  const scope = w.hubspot()
    .get("/crm/v3/objects/contacts")
    .query((q) => q.after === undefined && q.limit === "100")
    .reply(200, first)
    .get("/crm/v3/objects/contacts")
    .query((q) => q.after === "103")
    .reply(200, () => {
      options.onPage2?.();
      return second;
    })
    .post("/crm/v3/objects/contacts/search")
    .reply(200, emptySearch)
    .get("/crm/v3/objects/products")
    .query(true)
    .reply(200, fixture("full-sync/products-page.json"))
    .post("/crm/v3/objects/products/search")
    .reply(200, emptySearch)
    .post("/crm/v3/objects/orders/search")
    .reply(200, fixture("pull-orders-search.json"))
    .post("/crm/v4/associations/orders/contacts/batch/read")
    .reply(200, fixture("pull-associations-orders-contacts.json"))
    .post("/crm/v4/associations/orders/line_items/batch/read")
    .reply(200, fixture("pull-associations-orders-line-items.json"))
    .post("/crm/v3/objects/line_items/batch/read")
    .reply(200, fixture("pull-line-items-batch-read.json"))
    .post("/crm/v3/objects/contacts/batch/read", (b: { idProperty?: string }) => b.idProperty === "email")
    .reply(contactsByEmail)
    .post("/crm/v3/objects/tickets/search")
    .reply(403, fixture("pull-error-missing-scopes.json"));
  for (const type of EMAIL_TYPES) {
    scope.get("/email/public/v1/events").query((q) => q.eventType === type).reply(200, type === "OPEN" ? fixture("full-sync/email-events-open.json") : emptyEvents);
  }
  return scope;
}

/** A pull with nothing new: every search and email window comes back empty. */
function expectQuietPull(w: World): nock.Scope {
  const scope = w.hubspot()
    .post("/crm/v3/objects/contacts/search")
    .reply(200, emptySearch)
    .post("/crm/v3/objects/products/search")
    .reply(200, emptySearch)
    .post("/crm/v3/objects/orders/search")
    .reply(200, emptySearch)
    .post("/crm/v3/objects/tickets/search")
    .reply(403, fixture("pull-error-missing-scopes.json"));
  for (const type of EMAIL_TYPES) scope.get("/email/public/v1/events").query((q) => q.eventType === type).reply(200, emptyEvents);
  return scope;
}

/**
 * batch/update answered as HubSpot does: 200 when all went in, 207 naming the refused ids in
 * errors[].context.ids. `upTo`: at most that many calls, none required.
 */
function expectUpdates(w: World, calls: { exactly: number } | { upTo: number }, bodies: BatchBody[], refuse: ReadonlySet<string> = new Set()): nock.Scope {
  return w.hubspot()
    .post(UPDATE)
    .times("exactly" in calls ? calls.exactly : calls.upTo)
    .optionally("upTo" in calls)
    .reply((_uri, body) => {
      const inputs = (body as unknown as BatchBody).inputs;
      bodies.push(body as unknown as BatchBody);
      const ids = inputs.map((i) => String(i.id));
      const refused = ids.filter((id) => refuse.has(id));
      const partial = json("batch-update-partial.json") as { errors: Record<string, unknown>[] };
      const results = ids.filter((id) => !refuse.has(id)).map((id) => ({ id, properties: {}, createdAt: "2026-01-05T09:12:00.000Z", updatedAt: "2026-11-01T08:00:00.120Z", archived: false }));
      const answer = { status: "COMPLETE", results, startedAt: "2026-11-01T08:00:00.000Z", completedAt: "2026-11-01T08:00:00.131Z" };
      if (refused.length === 0) return [200, answer];
      return [207, { ...answer, numErrors: 1, errors: partial.errors.map((e) => ({ ...e, context: { ids: refused } })) }];
    });
}

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("a full HubSpot sync against a fake portal", () => {
  it("first sync: sets up properties, pulls every stream, scores, writes back ≤ 100 per call and quarantines a record refused twice", async () => {
    const w = await world();
    const created: { name?: string; groupName?: string }[] = [];
    const bodies: BatchBody[] = [];
    const setup = expectSetup(w, created);
    const pull = expectFirstPull(w);
    const push = expectUpdates(w, { exactly: 3 }, bodies, new Set(["103"]));

    const { summary, changes } = await w.sync();

    expect([setup.isDone(), pull.isDone(), push.isDone()]).toEqual([true, true, true]);
    // Setup: every declared property, in the tailor group, remembered so the next run skips it.
    expect(created.map((p) => p.name)).toEqual(PROPERTIES.map((p) => p.name));
    expect(new Set(created.map((p) => p.groupName))).toEqual(new Set(["tailor"]));
    expect((await w.store.getInstallation(ID))?.propertiesDefined).toEqual(PROPERTIES.map((p) => p.name));
    // Pulls: 2 list pages of contacts, 3 products, 2 orders (one cancelled), one bot-filtered open.
    const events = await all(w.store.readEvents(ID));
    expect((await all(w.store.readContacts(ID))).length).toBe(150);
    expect((await all(w.store.readProducts(ID))).map((p) => p.id).sort()).toEqual(["1645187", "1645342", "1645400"]);
    expect(events.map((e) => [e.type, e.contactId])).toEqual([["placed_order", "101"], ["placed_order", "102"], ["refunded", "102"], ["email_opened", "101"]]);
    expect(events.find((e) => e.type === "email_opened")).toMatchObject({ machineOpen: true });
    expect(summary.machineOpenShare).toBe(1);
    expect(summary.warnings).toContain("tickets: not available (scope tickets missing)");
    // Push: 100 + 50 on the first pass (in flight together), then the refused record alone, once; only tailor_* strings.
    expect(bodies.map((b) => b.inputs.length).sort(byDescending)).toEqual([100, 50, 1]);
    for (const input of bodies.flatMap((b) => b.inputs)) {
      expect(Object.keys(input).sort()).toEqual(["id", "properties"]);
      const properties = input.properties as Record<string, unknown>;
      expect(Object.keys(properties).every((name) => name.startsWith("tailor_"))).toBe(true);
      expect(Object.values(properties).every((value) => typeof value === "string")).toBe(true);
    }
    const first103 = bodies.find((b) => b.inputs.length === 50)?.inputs.find((i) => i.id === "103");
    expect(first103).toBeDefined();
    expect(bodies.find((b) => b.inputs.length === 1)?.inputs).toEqual([first103]);
    const quarantine = await w.store.listQuarantine(ID, { limit: 10, offset: 0 });
    expect(quarantine.items.map((q) => [q.stream, q.reason, (q.raw as { contactId: string }).contactId])).toEqual([
      ["push", "push: OBJECT_NOT_FOUND: Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.", "103"],
    ]);
    expect([...(await w.store.lastWritten(ID)).keys()]).not.toContain("103");
    // The figures add up: every change was written or refused, and the refusal is the run's one quarantined record.
    expect(summary).toMatchObject({ status: "succeeded", contactsScored: 150, contactsChanged: 150, written: 149, writeFailures: 1, writeCalls: 2, quarantined: 1 });
    expect(summary.written + summary.writeFailures).toBe(changes.length);
    expect(summary.propertiesChanged).toBe(changes.reduce((n, c) => n + Object.keys(c.set).length, 0));
    expect(summary.ingest.received).toEqual({ contacts: 150, products: 3, events: 4 });
    expect(summary.ingest.accepted).toEqual(summary.ingest.received);
    // On the 10-second budget: setup 2 + one per property, pulls 13, pushes 3. Under 100, so the limiter never waited.
    expect(w.seen.filter((s) => !s.path.endsWith("/search")).length).toBe(2 + PROPERTIES.length + 13 + 3);
    expect([w.limiterWaits, w.retrySleeps]).toEqual([[], []]);
    expect(new Set(w.seen.map((s) => s.auth))).toEqual(new Set([`Bearer ${OLD_TOKEN}`]));
  });

  it("second sync with nothing new pulls incrementally and writes nothing", async () => {
    const w = await world({ setupDone: true });
    expectFirstPull(w);
    expectUpdates(w, { exactly: 2 }, []);
    await w.sync();
    w.clock.now += 10 * MINUTE;
    w.seen.length = 0;
    const pull = expectQuietPull(w);
    const push = w.hubspot().post(UPDATE).reply(500);

    const { summary } = await w.sync();

    expect(pull.isDone()).toBe(true);
    expect(push.isDone()).toBe(false);
    expect(summary).toMatchObject({ status: "succeeded", contactsScored: 150, contactsChanged: 0, written: 0, writeCalls: 0 });
    expect(w.seen.map((s) => `${s.method} ${s.path}`).sort()).toEqual([
      ...EMAIL_TYPES.map(() => "GET /email/public/v1/events"),
      "POST /crm/v3/objects/contacts/search",
      "POST /crm/v3/objects/orders/search",
      "POST /crm/v3/objects/products/search",
      "POST /crm/v3/objects/tickets/search",
    ]);
  });

  it("refreshes an access token that expires mid-run exactly once, on the v3 endpoint, and goes on with the new one", async () => {
    // 6 minutes left at the start: usable (the refresh margin is 5), until the clock passes T0 + 1 min.
    const w = await world({ setupDone: true, credentials: { expiresAt: T0 + 6 * MINUTE } });
    const token = w.hubspot()
      .post("/oauth/v3/token", (b: Record<string, string>) =>
        b.grant_type === "refresh_token" && b.refresh_token === REFRESH_TOKEN && b.client_id === OAUTH.clientId && b.client_secret === OAUTH.clientSecret)
      .reply(200, fixture("oauth-token.json"));
    // The second contacts page takes 2 minutes to come back.
    const pull = expectFirstPull(w, { onPage2: () => { w.clock.now += 2 * MINUTE; } });
    const push = expectUpdates(w, { exactly: 2 }, []);

    const { summary } = await w.sync();

    expect([token.isDone(), pull.isDone(), push.isDone(), summary.status]).toEqual([true, true, true, "succeeded"]);
    const calls = w.seen.map((s) => (s.path.includes("/oauth/") ? s.path : s.auth ?? "none"));
    // Both list pages went out with the old token, then one refresh, then only the new token.
    expect(calls.slice(0, 3)).toEqual([`Bearer ${OLD_TOKEN}`, `Bearer ${OLD_TOKEN}`, "/oauth/v3/token"]);
    expect(new Set(calls.slice(3))).toEqual(new Set([`Bearer ${NEW_TOKEN}`]));
    expect(calls.length).toBeGreaterThan(10);
    expect(await w.store.getCredentials(ID)).toMatchObject({ kind: "oauth", accessToken: NEW_TOKEN, refreshToken: REFRESH_TOKEN, expiresAt: T0 + 2 * MINUTE + 1800_000 });
  });

  it("waits out a 429 without headers by its policy window, and a 429 with Retry-After for as long as it says", async () => {
    const w = await world({ setupDone: true });
    // HubSpot's documented 429 body; no Retry-After, no X-HubSpot-RateLimit-* headers.
    const limited = w.hubspot()
      .get("/crm/v3/objects/contacts")
      .query((q) => q.after === undefined)
      .reply(429, fixture("rate-limit-ten-secondly.json"))
      .post(UPDATE)
      .reply(429, fixture("rate-limit-ten-secondly.json"), { "Retry-After": "2" });
    const pull = expectFirstPull(w);
    const bodies: BatchBody[] = [];
    const push = expectUpdates(w, { exactly: 2 }, bodies);

    const { summary } = await w.sync();

    expect([limited.isDone(), pull.isDone(), push.isDone()]).toEqual([true, true, true]);
    // TEN_SECONDLY_ROLLING names a 10-second window; Retry-After 2 s wins over it.
    expect(w.retrySleeps).toEqual([10_000, 2_000]);
    expect(bodies.map((b) => b.inputs.length).sort(byDescending)).toEqual([100, 50]);
    expect(summary).toMatchObject({ status: "succeeded", written: 150, writeFailures: 0, writeCalls: 2 });
  });

  it("treats a refused refresh token as an uninstall: the run fails clearly, the tokens are forgotten, and later runs refuse", async () => {
    const w = await world({ setupDone: true, credentials: { expiresAt: T0 - MINUTE } });
    const token = w.hubspot().post("/oauth/v3/token").reply(400, fixture("oauth-error-bad-refresh-token.json"));

    const failure = await w.sync().then(() => null, (error: unknown) => error);

    expect(token.isDone()).toBe(true);
    expect(failure).toMatchObject({ name: "EspError", kind: "uninstalled", message: expect.stringContaining("the app was uninstalled or its refresh token revoked") as unknown });
    const message = (failure as Error).message;
    for (const secret of [REFRESH_TOKEN, OLD_TOKEN, OAUTH.clientSecret]) expect(message).not.toContain(secret);
    // Nothing but the token call went out.
    expect(w.seen.map((s) => s.path)).toEqual(["/oauth/v3/token"]);
    expect((await w.store.listRuns(ID, 1))[0]).toMatchObject({ status: "failed", error: message });
    expect((await w.store.getInstallation(ID))?.status).toBe("uninstalled");
    expect(await w.store.getCredentials(ID)).toBeNull();
    await expect(w.sync()).rejects.toThrow(`Installation "${ID}" was uninstalled from hubspot`);
  });

  describe("webhooks through the app", () => {
    const PUBLIC_URL = "https://tailor.example.com";
    const deliveries = json("webhook-contact-events.json") as { subscriptionType: string; objectId: number; propertyName?: string }[];
    const privacyDeletion = JSON.stringify(deliveries.filter((e) => e.subscriptionType === "contact.privacyDeletion" && e.objectId === 101));
    // The documented hs_email_optout change, for a contact this portal has.
    const optOutChange = JSON.stringify(deliveries.filter((e) => e.propertyName === "hs_email_optout").map((e) => ({ ...e, objectId: 102, propertyValue: "false" })));

    /** Headers HubSpot would send: v3 signature over method + the public URL + body + timestamp. */
    const signed = (body: string, sentAt: number, secret = OAUTH.clientSecret): Record<string, string> => ({
      "content-type": "application/json",
      "x-hubspot-signature-v3": createHmac("sha256", secret).update(`POST${PUBLIC_URL}/webhooks/hubspot${body}${sentAt}`).digest("base64"),
      "x-hubspot-request-timestamp": String(sentAt),
    });

    it("erases on a good signature only, and has the next sync re-read a contact whose opt-out changed, first", async () => {
      const w = await world({ setupDone: true });
      expectFirstPull(w);
      expectUpdates(w, { exactly: 2 }, []);
      await w.sync();
      const app = createApp({
        store: w.store,
        log: pino({ level: "silent" }),
        installationId: ID,
        esps: {
          apps: { hubspot: createHubSpotApp({ oauth: OAUTH, fetch, now: () => w.clock.now }) },
          stateSecret: "fake-state-secret-not-real",
          publicUrl: PUBLIC_URL,
          onInstalled: () => Promise.resolve(),
        },
      });
      nock.enableNetConnect("127.0.0.1");
      const server = await listen(app);
      const post = (body: string, headers: Record<string, string>) => fetch(`${server.base}/webhooks/hubspot`, { method: "POST", body, headers }).then((r) => r.status);
      const stored = async () => ({
        contact: (await all(w.store.readContacts(ID))).some((c) => c.id === "101"),
        profile: (await w.store.getProfile(ID, "101")) !== null,
        events: (await all(w.store.readEvents(ID))).filter((e) => e.contactId === "101").length,
        written: (await w.store.lastWritten(ID)).has("101"),
      });
      try {
        expect(await stored()).toEqual({ contact: true, profile: true, events: 2, written: true });
        // The route checks against the real clock: HubSpot's timestamps are wall-clock milliseconds.
        const bad = await post(privacyDeletion, signed(privacyDeletion, Date.now(), "someone-elses-secret"));
        const stale = await post(privacyDeletion, signed(privacyDeletion, Date.now() - 6 * MINUTE));
        expect([bad, stale]).toEqual([401, 401]);
        expect(await stored()).toEqual({ contact: true, profile: true, events: 2, written: true });

        expect(await post(privacyDeletion, signed(privacyDeletion, Date.now()))).toBe(200);
        expect(await stored()).toEqual({ contact: false, profile: false, events: 0, written: false });

        expect(await post(optOutChange, signed(optOutChange, Date.now()))).toBe(200);
      } finally {
        await server.close();
      }

      w.clock.now += 10 * MINUTE;
      w.seen.length = 0;
      const page = json("pull-contacts-page-1.json") as ListPage;
      const grace = page.results.find((r) => r.id === "102");
      const reread = w.hubspot()
        .post("/crm/v3/objects/contacts/batch/read", (b: { inputs: { id: string }[]; idProperty?: string }) => JSON.stringify(b.inputs) === JSON.stringify([{ id: "102" }]) && b.idProperty === undefined)
        .reply(200, { status: "COMPLETE", results: [{ ...grace, properties: { ...grace?.properties, hs_email_optout: "false", lastmodifieddate: "2026-11-01T08:05:00.000Z" } }], startedAt: "2026-11-01T08:10:00.000Z", completedAt: "2026-11-01T08:10:00.050Z" });
      const pull = expectQuietPull(w);
      const bodies: BatchBody[] = [];
      // The erased contact's orders no longer count towards bestsellers, so others' slots move too: any number of batches.
      expectUpdates(w, { upTo: 10 }, bodies);

      const { summary } = await w.sync();

      expect([reread.isDone(), pull.isDone(), summary.status]).toEqual([true, true, "succeeded"]);
      const paths = w.seen.map((s) => s.path);
      expect(paths.slice(0, 2)).toEqual(["/crm/v3/objects/contacts/batch/read", "/crm/v3/objects/contacts/search"]);
      expect((await all(w.store.readContacts(ID))).find((c) => c.id === "102")?.consent).toBe("subscribed");
      const pushed = bodies.flatMap((b) => b.inputs);
      expect(pushed.find((i) => i.id === "102")?.properties).toMatchObject({ tailor_segment_why: expect.not.stringContaining("unsubscribed") as unknown });
      // The erased contact is never written to again.
      expect(pushed.some((i) => i.id === "101")).toBe(false);
    });
  });
});
