/** An OAuth install's tokens; the access token is refreshed by `expiresAt`, never on a 401. */
export type OAuthCredentials = {
  readonly kind: "oauth";
  readonly accessToken: string;
  readonly refreshToken: string;
  /** Epoch ms when the access token stops working, from the token response's `expires_in`. */
  readonly expiresAt: number;
  readonly scopes: readonly string[];
  /** The ESP account (HubSpot portal id, Klaviyo account id). */
  readonly accountId: string;
};

/** A private-app token (HubSpot) or private API key (Klaviyo), for development and self-hosting. */
export type PrivateCredentials = { readonly kind: "private"; readonly accessToken: string; readonly accountId: string | null };

/** An installation's ESP secrets. The store encrypts them at rest (AES-256-GCM, key from the environment). */
export type Credentials = OAuthCredentials | PrivateCredentials;

/** What an ESP's webhook asks Tailor to do, in domain terms. */
export type EspWebhookEvent =
  /** Privacy deletion or deletion: erase the contacts and everything derived from them. */
  | { readonly kind: "erase"; readonly accountId: string; readonly contactIds: readonly string[]; readonly reason: string }
  /** Email or subscription status changed: re-read these contacts in the next run. */
  | { readonly kind: "refresh"; readonly accountId: string; readonly contactIds: readonly string[]; readonly reason: string }
  /** Contacts merged in the ESP: the merged ids become the primary. */
  | { readonly kind: "merge"; readonly accountId: string; readonly primaryId: string; readonly mergedIds: readonly string[] }
  /** The app was uninstalled from the account. */
  | { readonly kind: "uninstall"; readonly accountId: string };

/** A webhook request as received, before anything is trusted. `rawBody` is the exact bytes, decoded as UTF-8. */
export type WebhookRequest = {
  readonly method: string;
  /** The full URL the ESP called, scheme and host included. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly rawBody: string;
  /** Epoch ms when it arrived: signatures older than the ESP's window are refused. */
  readonly receivedAt: number;
};

/**
 * The install side of an ESP app: OAuth and webhooks. The server gets one per ESP from the
 * composition root, so it never imports a connector.
 */
export interface EspApp {
  readonly esp: "hubspot" | "klaviyo";
  /** Where to send the installing admin; `state` comes back on the callback. */
  authorizeUrl(state: string): string;
  /** Trades the callback's code for credentials and names the account; `state` is the one authorizeUrl was given (PKCE derives its verifier from it). */
  exchangeCode(code: string, state: string): Promise<{ readonly accountId: string; readonly accountName: string; readonly credentials: Credentials }>;
  /** Checks the signature and its age; never throws. */
  verifyWebhook(request: WebhookRequest): { readonly ok: true } | { readonly ok: false; readonly reason: string };
  /** The verified body as domain events; unknown subscription types are skipped and counted. */
  parseWebhook(rawBody: string): { readonly events: readonly EspWebhookEvent[]; readonly skipped: number };
}
