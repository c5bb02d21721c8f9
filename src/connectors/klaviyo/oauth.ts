/**
 * Klaviyo OAuth 2.0: authorization code with PKCE (S256, mandatory), refresh and revocation
 * (https://developers.klaviyo.com/en/docs/set_up_oauth). The token and revoke endpoints take an
 * HTTP Basic client_id:client_secret header and a form body, and live on a.klaviyo.com only: since
 * 2025-03-31 Klaviyo blocks token traffic through www.klaviyo.com (same page). The form POST, error
 * reading and redaction are shared with HubSpot (../shared/oauth-form.ts); nothing here retries.
 */
import { createHash, createHmac } from "node:crypto";
import { z } from "zod";
import type { Credentials, OAuthCredentials } from "../../domain/index.js";
import { EspError } from "../shared/esp-error.js";
import { basicAuth, postForm, scopesOf, type OAuthDeps, type TokenDialect } from "../shared/oauth-form.js";
import type { KlaviyoAuth } from "./client.js";

export type { OAuthDeps } from "../shared/oauth-form.js";

/** The app's registration in Klaviyo (Manage apps); scopes come from app-manifest.json `esps.klaviyo`. */
export type KlaviyoOAuthApp = {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Must equal one of the app's redirect URLs exactly. */
  readonly redirectUri: string;
  readonly scopes: readonly string[];
};

/** A code exchange's tokens; the account they belong to is asked for separately (GET /api/accounts). */
export type KlaviyoTokens = Omit<OAuthCredentials, "accountId">;

// The authorize page is on www (set_up_oauth's installation URL); token and revoke only answer on a.klaviyo.com.
const AUTHORIZE_URL = "https://www.klaviyo.com/oauth/authorize";
const TOKEN_URL = "https://a.klaviyo.com/oauth/token";
const REVOKE_URL = "https://a.klaviyo.com/oauth/revoke";
// Domain separation: the client secret keys nothing else with this prefix.
const VERIFIER_PREFIX = "tailor-pkce.";

/**
 * The PKCE code_verifier of an install, derived from its state so nothing is stored between the
 * redirect and the callback: base64url(HMAC-SHA256(client secret, "tailor-pkce." + state)), 43
 * characters of the RFC 7636 alphabet (Klaviyo checks `^[a-zA-Z0-9\-._~]{43,128}$`,
 * developers.klaviyo.com/en/docs/troubleshoot_oauth_errors). The state travels in URLs, but without
 * the client secret it gives nothing away; the install route signs it and binds it to a cookie.
 */
export function codeVerifierOf(app: KlaviyoOAuthApp, state: string): string {
  return createHmac("sha256", app.clientSecret).update(VERIFIER_PREFIX + state).digest("base64url");
}

/** The S256 code_challenge: base64url(SHA-256(ASCII(verifier))), unpadded (RFC 7636 section 4.2). */
export function codeChallengeOf(verifier: string): string {
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}

/** Where to send the installing admin; the scopes are space-separated, encoded as %20. */
export function authorizeUrl(app: KlaviyoOAuthApp, state: string): string {
  const params = new URLSearchParams({
    response_type: "code",
    client_id: app.clientId,
    redirect_uri: app.redirectUri,
    scope: app.scopes.join(" "),
    state,
    code_challenge_method: "S256",
    code_challenge: codeChallengeOf(codeVerifierOf(app, state)),
  });
  // URLSearchParams writes a space as "+" and a literal "+" as "%2B", so this only touches spaces.
  return `${AUTHORIZE_URL}?${params.toString().replaceAll("+", "%20")}`;
}

/** Trades the callback's single-use code, with the verifier of the state it came back with, for tokens. */
export async function exchangeCode(app: KlaviyoOAuthApp, code: string, state: string, deps: OAuthDeps): Promise<KlaviyoTokens> {
  const verifier = codeVerifierOf(app, state);
  const form = { grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: app.redirectUri };
  const token = await postForm(deps, KLAVIYO, { url: TOKEN_URL, what: "code exchange", secrets: [app.clientSecret, code, verifier], form, headers: clientAuth(app) }, TokenResponseSchema);
  if (token.refresh_token === undefined) throw new EspError("server", "Klaviyo code exchange returned no refresh token");
  return {
    kind: "oauth",
    accessToken: token.access_token,
    refreshToken: token.refresh_token,
    expiresAt: deps.now() + token.expires_in * 1000,
    // Without the granted list, the requested scopes are what the admin saw and accepted.
    scopes: token.scopes ?? app.scopes,
  };
}

/**
 * A new access token from the refresh token. Klaviyo may send a new refresh token too; it is kept,
 * since the old one may stop working. A refused refresh token (invalid_grant: "expired or revoked",
 * troubleshoot_oauth_errors) means the app was removed from the account: EspError kind "uninstalled".
 */
export async function refreshCredentials(app: KlaviyoOAuthApp, credentials: OAuthCredentials, deps: OAuthDeps): Promise<OAuthCredentials> {
  const form = { grant_type: "refresh_token", refresh_token: credentials.refreshToken };
  const secrets = [app.clientSecret, credentials.refreshToken, credentials.accessToken];
  const token = await postForm(deps, KLAVIYO, { url: TOKEN_URL, what: "refresh", secrets, form, headers: clientAuth(app) }, TokenResponseSchema);
  return {
    kind: "oauth",
    accessToken: token.access_token,
    refreshToken: token.refresh_token ?? credentials.refreshToken,
    expiresAt: deps.now() + token.expires_in * 1000,
    scopes: token.scopes ?? credentials.scopes,
    accountId: credentials.accountId,
  };
}

/**
 * Revokes the installation's refresh token (RFC 7009, token_type_hint=refresh_token), for an
 * uninstall started from Tailor's side. A token Klaviyo no longer knows is as good as revoked.
 */
export async function revokeToken(app: KlaviyoOAuthApp, credentials: OAuthCredentials, deps: OAuthDeps): Promise<void> {
  const form = { token: credentials.refreshToken, token_type_hint: "refresh_token" };
  const secrets = [app.clientSecret, credentials.refreshToken, credentials.accessToken];
  try {
    await postForm(deps, KLAVIYO, { url: REVOKE_URL, what: "revocation", secrets, form, headers: clientAuth(app) }, z.unknown());
  } catch (error) {
    if (error instanceof EspError && error.kind === "uninstalled") return;
    throw error;
  }
}

/** How Klaviyo calls authenticate with stored credentials: a private key, or an OAuth bearer token. */
export function klaviyoAuthOf(credentials: Credentials): KlaviyoAuth {
  return { scheme: credentials.kind === "private" ? "private" : "oauth", token: credentials.accessToken };
}

const clientAuth = (app: KlaviyoOAuthApp): Record<string, string> => ({ authorization: basicAuth(app.clientId, app.clientSecret) });

// RFC 6749 section 5.1 (access_token, token_type, expires_in, refresh_token, scope); Klaviyo's OAuth
// endpoints are not in its OpenAPI spec, so the shape is the RFC's and set_up_oauth's.
const TokenResponseSchema = z
  .object({
    access_token: z.string().min(1),
    refresh_token: z.string().min(1).optional(),
    expires_in: z.number().positive(),
    scope: z.string().optional(),
  })
  .transform(({ scope, ...rest }) => ({ ...rest, scopes: scopesOf(scope) }));

// Error codes from developers.klaviyo.com/en/docs/troubleshoot_oauth_errors (RFC 6749 section 5.2).
const KLAVIYO: TokenDialect = {
  espName: "Klaviyo",
  kindOf(_status, codes, what) {
    // On a refresh or a revocation, a refused grant is a refresh token Klaviyo has dropped: the app is gone.
    if (codes.includes("invalid_grant") && (what === "refresh" || what === "revocation")) return "uninstalled";
    if (codes.includes("invalid_client")) return "auth";
    return null;
  },
  hintOf(kind, codes, what) {
    if (kind === "uninstalled") return ": the app was removed from the Klaviyo account or its refresh token expired or was revoked; install it again";
    if (kind === "auth") return ": check the app's client id and secret, and that token calls go to a.klaviyo.com";
    if (what === "code exchange" && codes.includes("invalid_grant")) return ": the code expired or was already used, or its PKCE verifier did not match; start the install again";
    // Klaviyo's troubleshooting page files an expired or revoked refresh token under this code too (UNVERIFIED which one it sends).
    if (what === "refresh" && codes.includes("invalid_grant_type")) return ": if the request is right, the refresh token expired or was revoked; install the app again";
    return "";
  },
};
