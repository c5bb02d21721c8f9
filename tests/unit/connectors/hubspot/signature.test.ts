import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { WebhookRequest } from "../../../../src/domain/index.js";
import { decodeUri, verifyHubSpotSignature } from "../../../../src/connectors/hubspot/signature.js";

// Obviously fake; the app's real client secret never appears in tests.
const SECRET = "test-client-secret-not-real";
const URL = "https://tailor.example.com/webhooks/hubspot";
const BODY = '[{"eventId":1,"portalId":62515,"subscriptionType":"contact.privacyDeletion","objectId":101}]';
const SENT_AT = 1_714_000_000_000;

const sign = (secret: string, source: string): string => createHmac("sha256", secret).update(source, "utf8").digest("base64");

function request(overrides: Partial<WebhookRequest> & { signature?: string; timestamp?: string } = {}): WebhookRequest {
  const { signature, timestamp = String(SENT_AT), ...rest } = overrides;
  const base = { method: "POST", url: URL, rawBody: BODY, receivedAt: SENT_AT + 1_000, ...rest };
  return {
    ...base,
    headers: {
      "content-type": "application/json",
      "x-hubspot-signature-v3": signature ?? sign(SECRET, `POST${URL}${BODY}${timestamp}`),
      "x-hubspot-request-timestamp": timestamp,
      ...rest.headers,
    },
  };
}

describe("verifyHubSpotSignature", () => {
  it("accepts the official Python SDK's v3 vector (tests/spec/utils/test_signature.py)", () => {
    // HubSpot/hubspot-api-python: secret, body and URL of TEST_DATA, timestamp 15000000, expected HPW73R…cQw=.
    const vector: WebhookRequest = {
      method: "POST",
      url: "https://www.example.com/webhook_uri",
      rawBody: "{'example_field':'example_value'}",
      headers: { "X-HubSpot-Signature-v3": "HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw=", "X-HubSpot-Request-Timestamp": "15000000" },
      receivedAt: 15_000_000 + 1_000,
    };
    expect(verifyHubSpotSignature(vector, "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy")).toEqual({ ok: true });
  });

  it("accepts a good signature over method, URI, raw body and timestamp", () => {
    expect(verifyHubSpotSignature(request(), SECRET)).toEqual({ ok: true });
  });

  it("accepts a delivery at exactly 5 minutes old", () => {
    expect(verifyHubSpotSignature(request({ receivedAt: SENT_AT + 300_000 }), SECRET)).toEqual({ ok: true });
  });

  it.each([
    ["the body changed by one byte", { rawBody: BODY.replace("101", "102") }],
    ["another secret signed it", { signature: sign("another-secret", `POST${URL}${BODY}${SENT_AT}`) }],
    ["the URL scheme differs", { url: URL.replace("https:", "http:") }],
    ["the URL has a trailing slash", { url: `${URL}/` }],
    ["the method differs", { method: "PUT" }],
    ["the signature is hex, not base64", { signature: createHmac("sha256", SECRET).update(`POST${URL}${BODY}${SENT_AT}`).digest("hex") }],
    ["the signature is cut short", { signature: sign(SECRET, `POST${URL}${BODY}${SENT_AT}`).slice(0, 20) }],
  ])("refuses a bad signature: %s", (_case, overrides) => {
    expect(verifyHubSpotSignature(request(overrides), SECRET)).toEqual({ ok: false, reason: "signature mismatch" });
  });

  it("refuses a stale delivery even when its signature is good", () => {
    expect(verifyHubSpotSignature(request({ receivedAt: SENT_AT + 300_001 }), SECRET)).toEqual({ ok: false, reason: "timestamp older than 5 minutes" });
  });

  it("refuses a timestamp more than 5 minutes ahead of our clock", () => {
    expect(verifyHubSpotSignature(request({ receivedAt: SENT_AT - 300_001 }), SECRET)).toEqual({ ok: false, reason: "timestamp more than 5 minutes in the future" });
  });

  it("refuses a timestamp in seconds rather than milliseconds as stale", () => {
    const seconds = String(SENT_AT / 1000);
    expect(verifyHubSpotSignature(request({ timestamp: seconds }), SECRET)).toEqual({ ok: false, reason: "timestamp older than 5 minutes" });
  });

  it.each([
    ["X-HubSpot-Signature-v3", { "x-hubspot-signature-v3": undefined }, "missing X-HubSpot-Signature-v3"],
    ["X-HubSpot-Request-Timestamp", { "x-hubspot-request-timestamp": "" }, "missing X-HubSpot-Request-Timestamp"],
    ["a numeric timestamp", { "x-hubspot-request-timestamp": "soon" }, "X-HubSpot-Request-Timestamp is not epoch milliseconds"],
  ])("refuses a request without %s", (_case, headers, reason) => {
    expect(verifyHubSpotSignature(request({ headers }), SECRET)).toEqual({ ok: false, reason });
  });

  it("reads the headers whatever their case", () => {
    const good = request();
    const shouted = Object.fromEntries(Object.entries(good.headers).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyHubSpotSignature({ ...good, headers: shouted }, SECRET)).toEqual({ ok: true });
  });

  it("signs the URI with the documented escapes decoded and the others kept", () => {
    const url = "https://tailor.example.com/webhooks/hubspot?src=hs%3aapp%2Fv3&x=%28a%29&q=a%20b";
    const decoded = "https://tailor.example.com/webhooks/hubspot?src=hs:app/v3&x=(a)&q=a%20b";
    const signature = sign(SECRET, `POST${decoded}${BODY}${SENT_AT}`);
    expect([decodeUri(url), verifyHubSpotSignature(request({ url, signature }), SECRET)]).toEqual([decoded, { ok: true }]);
  });

  it("never puts the signature or the secret in a reason", () => {
    const bad = request({ rawBody: "[]" });
    const verdict = verifyHubSpotSignature(bad, SECRET);
    expect(JSON.stringify(verdict)).not.toMatch(new RegExp(`${SECRET}|${String(bad.headers["x-hubspot-signature-v3"]).slice(0, 12).replace(/[+/]/g, "\\$&")}`));
  });
});
