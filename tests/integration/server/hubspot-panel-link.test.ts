import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EspApp } from "../../../src/domain/index.js";
import { verifyHubSpotSignature } from "../../../src/connectors/hubspot/signature.js";
import { createApp } from "../../../src/server/app.js";
import { createMemoryStore } from "../../../src/store/memory-store.js";
import { listen, type Listening } from "../../helpers/listen.js";
import { silentLog, TEST_SESSION_SECRET } from "../../helpers/panel-client.js";

// Fake: the real client secret never appears in tests.
const CLIENT_SECRET = "test-client-secret-not-real";
const PUBLIC_URL = "https://tailor.example.com";
const NOW = 1_714_000_000_000;

/** What hubspot.fetch sends from the settings page: a v3 signature over method, the full (decoded) URL, body and timestamp. */
function signed(path: string, body: string, secret = CLIENT_SECRET): Record<string, string> {
  const timestamp = String(NOW - 1000);
  return {
    "X-HubSpot-Signature-v3": createHmac("sha256", secret).update(`POST${PUBLIC_URL}${decodeURIComponent(path)}${body}${timestamp}`).digest("base64"),
    "X-HubSpot-Request-Timestamp": timestamp,
  };
}

describe("POST /hubspot/panel-link (HubSpot's settings page)", () => {
  let running: Listening;

  beforeAll(async () => {
    const store = createMemoryStore();
    await store.saveInstallation({ id: "hubspot-62515", esp: "hubspot", name: "Portal", createdAt: "2024-05-01T00:00:00.000Z", propertiesDefined: [], accountId: "62515", status: "active" });
    await store.saveInstallation({ id: "hubspot-777", esp: "hubspot", name: "Gone", createdAt: "2024-05-01T00:00:00.000Z", propertiesDefined: [], accountId: "777", status: "uninstalled" });
    // Only verifyWebhook is called on these routes; the rest of the app is not needed here.
    const hubspot = { esp: "hubspot", verifyWebhook: (request: Parameters<EspApp["verifyWebhook"]>[0]) => verifyHubSpotSignature(request, CLIENT_SECRET) } as unknown as EspApp;
    running = await listen(createApp({
      store, log: silentLog(), installationId: "hubspot-62515", now: () => NOW, panel: { sessionSecret: TEST_SESSION_SECRET },
      esps: { apps: { hubspot }, stateSecret: TEST_SESSION_SECRET, publicUrl: PUBLIC_URL, onInstalled: () => Promise.resolve() },
    }));
  });
  afterAll(() => running.close());

  const post = (path: string, headers: Record<string, string>) => fetch(running.base + path, { method: "POST", body: "", headers, redirect: "manual" });

  it("hands a signed request a one-click link that signs in to that portal's installation only", async () => {
    const path = "/hubspot/panel-link?portalId=62515&userId=9&userEmail=ana%40shop.test";
    const response = await post(path, signed(path, ""));
    expect(response.status).toBe(200);
    const { url } = (await response.json()) as { url: string };
    expect(url.startsWith(`${PUBLIC_URL}/panel/enter?link=`)).toBe(true);
    const entered = await fetch(running.base + new URL(url).pathname + new URL(url).search, { redirect: "manual" });
    expect(entered.status).toBe(303);
    expect(entered.headers.get("location")).toBe("/installations/hubspot-62515");
    const cookie = entered.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
    const page = await fetch(`${running.base}/installations/hubspot-62515`, { headers: { cookie, accept: "text/html" } });
    expect(await page.text()).toContain("HubSpot user 9 (ana@shop.test)");
  });

  it("refuses an unsigned or wrongly signed request with 401", async () => {
    const path = "/hubspot/panel-link?portalId=62515";
    expect((await post(path, {})).status).toBe(401);
    expect((await post(path, signed(path, "", "someone-elses-secret"))).status).toBe(401);
    // Signed for another portal's URL: the query is part of what is signed.
    expect((await post("/hubspot/panel-link?portalId=1", signed(path, ""))).status).toBe(401);
  });

  it("answers 404 for a portal without an active installation", async () => {
    for (const portal of ["999", "777"]) {
      const path = `/hubspot/panel-link?portalId=${portal}`;
      expect((await post(path, signed(path, ""))).status).toBe(404);
    }
  });
});
