import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import express from "express";
import nock from "nock";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { listen, type Listening } from "../../helpers/listen.js";
import type { EspApp, Store } from "../../../src/domain/index.js";
import { verifyHubSpotSignature } from "../../../src/connectors/hubspot/signature.js";
import { parseHubSpotWebhook } from "../../../src/connectors/hubspot/webhook-events.js";
import { errorHandler } from "../../../src/server/middleware/error-handler.js";
import { webhookRoutes } from "../../../src/server/routes/webhook-routes.js";
import { createMemoryStore } from "../../../src/store/memory-store.js";
import { all, contact, page, viewed } from "../../unit/store/store-contract.js";

// Fake: the real client secret never appears in tests.
const SECRET = "test-client-secret-not-real";
// What PUBLIC_URL says: HubSpot signs the URL it called, not the loopback address we listen on.
const PUBLIC_URL = "https://tailor.example.com";
const NOW = 1_714_000_000_000;
const body = readFileSync(new URL("../../fixtures/hubspot/webhook-contact-events.json", import.meta.url), "utf8");

const hubspot: Pick<EspApp, "verifyWebhook" | "parseWebhook"> = {
  verifyWebhook: (request) => verifyHubSpotSignature(request, SECRET),
  parseWebhook: parseHubSpotWebhook,
};

/** Log lines as objects, so tests can see what was (and was not) logged. */
const logged: Record<string, unknown>[] = [];
const log = pino({ level: "info" }, { write: (line: string) => { logged.push(JSON.parse(line) as Record<string, unknown>); } });

let running: Listening;
let store: Store;

beforeAll(async () => {
  store = createMemoryStore();
  await store.saveInstallation({ id: "hubspot-62515", esp: "hubspot", name: "Portal", createdAt: "2024-05-01T00:00:00.000Z", propertiesDefined: [], accountId: "62515", status: "active" });
  await store.commitPage("hubspot-62515", "r1", page("contacts", "1", {
    contacts: [contact("101"), contact("102"), contact("103"), contact("106"), contact("107")],
    events: [viewed("e1", "101", "2024-03-01T10:00:00.000Z"), viewed("e2", "103", "2024-03-01T10:00:00.000Z")],
  }));
  const app = express();
  app.use(webhookRoutes({ store, apps: { hubspot }, publicUrl: `${PUBLIC_URL}/`, now: () => NOW, log }));
  app.use(errorHandler(log));
  running = await listen(app);
});

afterAll(() => running.close());

// Loopback only: nothing here may reach the network.
beforeEach(() => {
  nock.disableNetConnect();
  nock.enableNetConnect("127.0.0.1");
  logged.length = 0;
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

function post(path: string, payload: string, headers: Record<string, string>) {
  return fetch(`${running.base}${path}`, { method: "POST", body: payload, headers: { "content-type": "application/json", ...headers } });
}

function signed(payload: string, sentAt: number, path = "/webhooks/hubspot", secret = SECRET): Record<string, string> {
  const timestamp = String(sentAt);
  return {
    "X-HubSpot-Signature-v3": createHmac("sha256", secret).update(`POST${PUBLIC_URL}${path}${payload}${timestamp}`).digest("base64"),
    "X-HubSpot-Request-Timestamp": timestamp,
  };
}

describe("POST /webhooks/hubspot", () => {
  it("refuses a bad signature with 401, changes nothing, and logs the reason but not the signature", async () => {
    const headers = signed(body, NOW - 1_000, "/webhooks/hubspot", "someone-elses-secret");
    const res = await post("/webhooks/hubspot", body, headers);
    const contacts = (await all(store.readContacts("hubspot-62515"))).length;
    expect({ status: res.status, contacts, reason: logged.find((l) => l.msg === "webhook refused")?.reason }).toEqual({ status: 401, contacts: 5, reason: "signature mismatch" });
    expect(JSON.stringify(logged)).not.toContain(headers["X-HubSpot-Signature-v3"]);
  });

  it("refuses a stale delivery with 401 even though it was signed correctly", async () => {
    const res = await post("/webhooks/hubspot", body, signed(body, NOW - 300_001));
    expect([res.status, (await all(store.readContacts("hubspot-62515"))).length, logged.find((l) => l.msg === "webhook refused")?.reason]).toEqual([401, 5, "timestamp older than 5 minutes"]);
  });

  it("refuses a body changed after signing", async () => {
    const headers = signed(body, NOW - 1_000);
    const res = await post("/webhooks/hubspot", body.replace('"objectId": 101', '"objectId": 103'), headers);
    expect(res.status).toBe(401);
  });

  it("applies a good delivery: erases, marks for refresh and merges in the store, then answers 200", async () => {
    const res = await post("/webhooks/hubspot", body, signed(body, NOW - 1_000));
    expect({
      status: res.status,
      body: await res.json(),
      contacts: (await all(store.readContacts("hubspot-62515"))).map((c) => c.id).sort(),
      events: (await all(store.readEvents("hubspot-62515"))).map((e) => e.id),
      refresh: await store.takeRefresh("hubspot-62515"),
      applied: logged.find((l) => l.msg === "webhook applied"),
    }).toEqual({
      status: 200,
      body: { ok: true },
      // 101 privacy-deleted, 102 deleted, 107 merged into 106.
      contacts: ["103", "106"],
      events: ["e2"],
      refresh: ["103", "104", "106"],
      applied: expect.objectContaining({ esp: "hubspot", events: 4, skipped: 2, erased: 2, merged: 1, unknownAccounts: 1 }) as unknown,
    });
  });

  it("answers 404 for an ESP it has no app for", async () => {
    const res = await post("/webhooks/mailchimp", body, signed(body, NOW - 1_000, "/webhooks/mailchimp"));
    const klaviyo = await post("/webhooks/klaviyo", body, signed(body, NOW - 1_000, "/webhooks/klaviyo"));
    expect([res.status, klaviyo.status]).toEqual([404, 404]);
  });

  it("refuses a body over 1 MB before reading it all", async () => {
    const huge = `[${" ".repeat(1_100_000)}]`;
    const res = await post("/webhooks/hubspot", huge, signed(huge, NOW - 1_000));
    expect(res.status).toBe(413);
  });
});
