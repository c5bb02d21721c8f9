import { setTimeout as sleep } from "node:timers/promises";
import type { Connector, Store } from "../../domain/index.js";
import { hubspotLimiters } from "../shared/rate-limit.js";
import { defaultRetryPolicy } from "../shared/retry.js";
import { createTokenProvider } from "../shared/token-provider.js";
import { createHubSpotCall } from "./client.js";
import { createHubSpotConnector } from "./connector.js";
import type { HubSpotCall } from "./hubspot-call.js";
import { refreshCredentials, type HubSpotOAuthApp } from "./oauth.js";

export type OpenHubSpotOptions = {
  readonly store: Store;
  readonly installationId: string;
  /** The OAuth app that refreshes the installation's tokens; null for a private-app token. */
  readonly oauth: HubSpotOAuthApp | null;
  /** HubSpot's API root; tests and local mocks change it. */
  readonly basePath: string;
  readonly log?: (message: string) => void;
};

/**
 * A HubSpot call for one token source, with its own limiters (100 / 10 s and search 5 / s, never
 * shared with another installation) and our one retry policy.
 */
export function hubspotCallFor(accessToken: () => Promise<string>, basePath: string): HubSpotCall {
  const now = () => Date.now();
  return createHubSpotCall({ accessToken, basePath, limiters: hubspotLimiters(now, (ms) => sleep(ms)), retry: defaultRetryPolicy(), now });
}

/** One installation's HubSpot call: its stored credentials, refreshed by expiry. */
export function openHubSpotCall(options: OpenHubSpotOptions): HubSpotCall {
  const now = () => Date.now();
  const { oauth } = options;
  const tokens = createTokenProvider({
    store: options.store,
    installationId: options.installationId,
    espName: "HubSpot",
    refresh: oauth === null ? null : (credentials) => refreshCredentials(oauth, credentials, { fetch, now }),
    now,
  });
  return hubspotCallFor(() => tokens.accessToken(), options.basePath);
}

/** The installation's Connector, ready for runSync. */
export function openHubSpot(options: OpenHubSpotOptions): Connector {
  return createHubSpotConnector({ call: openHubSpotCall(options), now: () => Date.now(), ...(options.log === undefined ? {} : { log: options.log }) });
}

/** The portal a private-app token belongs to (GET /account-info/v3/details), so webhooks can find the installation. */
export async function portalOf(call: HubSpotCall): Promise<string> {
  const response = await call("standard", "account details", (sdk) => sdk.apiRequest({ method: "GET", path: "/account-info/v3/details" }));
  const body = (await response.json()) as { portalId?: unknown };
  if (typeof body.portalId !== "number" && typeof body.portalId !== "string") throw new Error("HubSpot's account details named no portal id");
  return String(body.portalId);
}
