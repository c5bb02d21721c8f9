import type { EspApp } from "../../domain/index.js";
import { authorizeUrl, exchangeCode, type HubSpotOAuthApp } from "./oauth.js";
import { verifyHubSpotSignature } from "./signature.js";
import { parseHubSpotWebhook } from "./webhook-events.js";

export type HubSpotAppOptions = {
  readonly oauth: HubSpotOAuthApp;
  readonly fetch: typeof fetch;
  readonly now: () => number;
};

/** The HubSpot app as the server sees it: OAuth install, and webhooks signed with the app's client secret. */
export function createHubSpotApp(options: HubSpotAppOptions): EspApp {
  const { oauth } = options;
  return {
    esp: "hubspot",
    authorizeUrl: (state) => authorizeUrl(oauth, state),
    async exchangeCode(code) {
      const credentials = await exchangeCode(oauth, code, options);
      // No HubSpot endpoint in our scopes returns a company name (account-info has none), so the portal id names it.
      return { accountId: credentials.accountId, accountName: `HubSpot portal ${credentials.accountId}`, credentials };
    },
    verifyWebhook: (request) => verifyHubSpotSignature(request, oauth.clientSecret),
    parseWebhook: parseHubSpotWebhook,
  };
}
