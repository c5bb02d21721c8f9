import { createHmac, timingSafeEqual } from "node:crypto";
import type { WebhookRequest } from "../../domain/index.js";

// HubSpot's documented replay window for v3 signatures: "Reject the request if the timestamp is
// older than 5 minutes" (developers.hubspot.com/changelog/introducing-version-3-of-webhook-signatures).
const MAX_AGE_MS = 5 * 60_000;
// Not in HubSpot's rule, which only names "older": a timestamp this far ahead is no delivery of theirs.
const MAX_AHEAD_MS = 5 * 60_000;

/**
 * The %-escapes HubSpot's request-validation page says to decode in the URI before signing
 * (developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/request-validation);
 * every other escape stays as it arrived.
 */
const DECODED: Readonly<Record<string, string>> = {
  "%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$",
  "%27": "'", "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";",
};

/**
 * Checks HubSpot's v3 signature: base64(HMAC-SHA256(client secret, method + URI + raw body +
 * timestamp)), the timestamp being X-HubSpot-Request-Timestamp in epoch ms. Never throws;
 * the reasons name no secret and no signature.
 */
export function verifyHubSpotSignature(request: WebhookRequest, clientSecret: string): { ok: true } | { ok: false; reason: string } {
  const signature = header(request, "x-hubspot-signature-v3");
  if (signature === undefined) return { ok: false, reason: "missing X-HubSpot-Signature-v3" };
  const timestamp = header(request, "x-hubspot-request-timestamp");
  if (timestamp === undefined) return { ok: false, reason: "missing X-HubSpot-Request-Timestamp" };
  if (!/^\d{1,16}$/.test(timestamp)) return { ok: false, reason: "X-HubSpot-Request-Timestamp is not epoch milliseconds" };
  const sentAt = Number(timestamp);
  if (request.receivedAt - sentAt > MAX_AGE_MS) return { ok: false, reason: "timestamp older than 5 minutes" };
  if (sentAt - request.receivedAt > MAX_AHEAD_MS) return { ok: false, reason: "timestamp more than 5 minutes in the future" };

  const expected = createHmac("sha256", clientSecret)
    .update(request.method.toUpperCase() + decodeUri(request.url) + request.rawBody + timestamp, "utf8")
    .digest("base64");
  // Compared as text, not decoded: Node's base64 decoder skips stray characters, so two different
  // headers could decode alike. timingSafeEqual throws on unequal lengths, and a digest's length is no secret.
  const given = Buffer.from(signature, "utf8");
  const wanted = Buffer.from(expected, "utf8");
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return { ok: false, reason: "signature mismatch" };
  return { ok: true };
}

/** The URI as HubSpot signs it: only the documented escapes decoded, hex digits in either case. */
export function decodeUri(url: string): string {
  return url.replace(/%[0-9A-Fa-f]{2}/g, (escape) => DECODED[escape.toUpperCase()] ?? escape);
}

/** A header by name whatever its case; express lowercases them, but a WebhookRequest may come from anywhere. */
function header(request: WebhookRequest, name: string): string | undefined {
  for (const [key, value] of Object.entries(request.headers)) {
    if (key.toLowerCase() === name && value !== undefined && value !== "") return value;
  }
  return undefined;
}
