/**
 * HubSpot OAuth 2.0 authorization-code flow on the v3 token endpoints, which take every
 * parameter in the form body so the client secret never lands in a URL or an access log
 * (https://developers.hubspot.com/docs/api-reference/auth-oauth-v3/guide; H-SPEC
 * `Auth/Oauth/Rollouts/279897/v3/oauth.json`). v1 token endpoints are deprecated on 2027-02-16.
 * The form POST, error reading and redaction are shared with Klaviyo (../shared/oauth-form.ts).
 */
import { z } from "zod";
import type { OAuthCredentials } from "../../domain/index.js";
import { EspError } from "../shared/esp-error.js";
import { postForm, scopesOf, type OAuthDeps, type TokenDialect } from "../shared/oauth-form.js";

export type { OAuthDeps } from "../shared/oauth-form.js";

/** The app's registration in HubSpot; scopes come from app-manifest.json `esps.hubspot`. */
export type HubSpotOAuthApp = {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Must equal one of the app's redirect URLs exactly. */
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly optionalScopes: readonly string[];
};

const AUTHORIZE_URL = "https://app.hubspot.com/oauth/authorize";
const TOKEN_URL = "https://api.hubapi.com/oauth/v3/token";
const INTROSPECT_URL = "https://api.hubapi.com/oauth/v3/token/introspect";

/** Where to send the installing admin. HubSpot documents space-separated scopes, encoded as %20. */
export function authorizeUrl(app: HubSpotOAuthApp, state: string): string {
  const params = new URLSearchParams({ client_id: app.clientId, redirect_uri: app.redirectUri, scope: app.scopes.join(" ") });
  if (app.optionalScopes.length > 0) params.set("optional_scope", app.optionalScopes.join(" "));
  params.set("state", state);
  // URLSearchParams writes a space as "+" and a literal "+" as "%2B", so this only touches spaces.
  return `${AUTHORIZE_URL}?${params.toString().replaceAll("+", "%20")}`;
}

/** Trades the callback's single-use code for tokens and the portal (hub) id. */
export async function exchangeCode(app: HubSpotOAuthApp, code: string, deps: OAuthDeps): Promise<OAuthCredentials> {
  const secrets = [app.clientSecret, code];
  const form = { grant_type: "authorization_code", client_id: app.clientId, client_secret: app.clientSecret, redirect_uri: app.redirectUri, code };
  const token = await postForm(deps, HUBSPOT, { url: TOKEN_URL, what: "code exchange", secrets, form }, TokenResponseSchema);
  if (token.refresh_token === undefined) throw new EspError("server", "HubSpot code exchange returned no refresh token");
  const accountId = token.hub_id ?? (await introspectHubId(app, token.access_token, deps));
  return {
    kind: "oauth",
    accessToken: token.access_token,
    refreshToken: token.refresh_token,
    expiresAt: deps.now() + token.expires_in * 1000,
    // Granted scopes include whichever optional ones the portal allowed; without the list, the required ones are certain.
    scopes: token.scopes ?? app.scopes,
    accountId,
  };
}

/**
 * A new access token from the refresh token. A refused refresh token (invalid_grant /
 * BAD_REFRESH_TOKEN) means the app was uninstalled or the token revoked: EspError kind "uninstalled".
 */
export async function refreshCredentials(app: HubSpotOAuthApp, credentials: OAuthCredentials, deps: OAuthDeps): Promise<OAuthCredentials> {
  const secrets = [app.clientSecret, credentials.refreshToken, credentials.accessToken];
  const form = { grant_type: "refresh_token", client_id: app.clientId, client_secret: app.clientSecret, refresh_token: credentials.refreshToken };
  const token = await postForm(deps, HUBSPOT, { url: TOKEN_URL, what: "refresh", secrets, form }, TokenResponseSchema);
  return {
    kind: "oauth",
    accessToken: token.access_token,
    // HubSpot refresh tokens do not rotate today; keep whichever one it sends.
    refreshToken: token.refresh_token ?? credentials.refreshToken,
    expiresAt: deps.now() + token.expires_in * 1000,
    scopes: token.scopes ?? credentials.scopes,
    accountId: token.hub_id ?? credentials.accountId,
  };
}

const HubIdSchema = z.union([z.number().int().positive(), z.string().regex(/^\d+$/)]).transform(String);

// Token response: https://developers.hubspot.com/changelog/additional-details-returned-when-generating-oauth-access-tokens
// (hub_id and scopes since 2025-08-18). The v3 spec declares no 200 body; an RFC 6749 `scope` string is accepted too.
const TokenResponseSchema = z
  .object({
    access_token: z.string().min(1),
    refresh_token: z.string().min(1).optional(),
    expires_in: z.number().positive(),
    hub_id: HubIdSchema.optional(),
    scopes: z.array(z.string()).optional(),
    scope: z.string().optional(),
  })
  .transform(({ scope, scopes, ...rest }) => ({ ...rest, scopes: scopes ?? scopesOf(scope) }));

// The v3 spec documents only `active`; hub_id is read when present, as on the v1 token-metadata endpoint (UNVERIFIED for v3).
const IntrospectResponseSchema = z.object({ active: z.boolean(), hub_id: HubIdSchema.optional() });

/** Fallback when a token response names no portal: ask HubSpot who the token belongs to. */
async function introspectHubId(app: HubSpotOAuthApp, accessToken: string, deps: OAuthDeps): Promise<string> {
  const form = { client_id: app.clientId, client_secret: app.clientSecret, token: accessToken, token_type_hint: "access_token" };
  const info = await postForm(deps, HUBSPOT, { url: INTROSPECT_URL, what: "introspection", secrets: [app.clientSecret, accessToken], form }, IntrospectResponseSchema);
  if (!info.active || info.hub_id === undefined) throw new EspError("server", "HubSpot did not name the account (hub_id) the new token belongs to");
  return info.hub_id;
}

// HubSpot's error codes: RFC 6749 ones, plus its older `status` values
// (https://developers.hubspot.com/changelog/new-oauth-v3-api-endpoints-and-standardized-error-responses).
const HUBSPOT: TokenDialect = {
  espName: "HubSpot",
  kindOf(_status, codes, what) {
    // A dead refresh token is how HubSpot tells an app it was uninstalled (or the token deleted).
    if (what === "refresh" && (codes.includes("invalid_grant") || codes.includes("BAD_REFRESH_TOKEN"))) return "uninstalled";
    if (codes.includes("invalid_client") || codes.includes("BAD_CLIENT_ID") || codes.includes("BAD_CLIENT_SECRET")) return "auth";
    return null;
  },
  hintOf(kind, codes) {
    if (kind === "uninstalled") return ": the app was uninstalled or its refresh token revoked; install it again";
    if (kind === "auth") return ": check the app's client id and secret";
    if (codes.includes("BAD_AUTH_CODE") || codes.includes("invalid_grant")) return ": the code expired or was already used; start the install again";
    if (codes.includes("BAD_REDIRECT_URI")) return ": the redirect URI must match one of the app's redirect URLs exactly";
    return "";
  },
};
