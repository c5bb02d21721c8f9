/**
 * HubSpot OAuth 2.0 authorization-code flow on the v3 token endpoints, which take every
 * parameter in the form body so the client secret never lands in a URL or an access log
 * (https://developers.hubspot.com/docs/api-reference/auth-oauth-v3/guide; H-SPEC
 * `Auth/Oauth/Rollouts/279897/v3/oauth.json`). v1 token endpoints are deprecated on 2027-02-16.
 * Nothing here retries: the caller's one retry policy does, on the retryable EspError kinds.
 */
import { z } from "zod";
import type { OAuthCredentials } from "../../domain/index.js";
import { EspError, kindOfStatus, retryAfterMsOf, type EspErrorKind } from "../shared/esp-error.js";

/** The app's registration in HubSpot; scopes come from app-manifest.json `esps.hubspot`. */
export type HubSpotOAuthApp = {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Must equal one of the app's redirect URLs exactly. */
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly optionalScopes: readonly string[];
};

export type OAuthDeps = { readonly fetch: typeof fetch; readonly now: () => number };

const AUTHORIZE_URL = "https://app.hubspot.com/oauth/authorize";
const TOKEN_URL = "https://api.hubapi.com/oauth/v3/token";
const INTROSPECT_URL = "https://api.hubapi.com/oauth/v3/token/introspect";
// A token call answers in well under a second; past this the install page or the sync is better off failing clearly.
const TOKEN_TIMEOUT_MS = 15_000;
// HubSpot error descriptions are short sentences; anything longer is not worth carrying in a message.
const MAX_DESCRIPTION_CHARS = 200;

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
  const token = await postForm(deps, TOKEN_URL, "code exchange", secrets, {
    grant_type: "authorization_code",
    client_id: app.clientId,
    client_secret: app.clientSecret,
    redirect_uri: app.redirectUri,
    code,
  }, TokenResponseSchema);
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
  const token = await postForm(deps, TOKEN_URL, "refresh", secrets, {
    grant_type: "refresh_token",
    client_id: app.clientId,
    client_secret: app.clientSecret,
    refresh_token: credentials.refreshToken,
  }, TokenResponseSchema);
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
  .transform(({ scope, scopes, ...rest }) => ({ ...rest, scopes: scopes ?? scope?.split(" ").filter((s) => s !== "") }));

// The v3 spec documents only `active`; hub_id is read when present, as on the v1 token-metadata endpoint (UNVERIFIED for v3).
const IntrospectResponseSchema = z.object({ active: z.boolean(), hub_id: HubIdSchema.optional() });

/** Fallback when a token response names no portal: ask HubSpot who the token belongs to. */
async function introspectHubId(app: HubSpotOAuthApp, accessToken: string, deps: OAuthDeps): Promise<string> {
  const info = await postForm(deps, INTROSPECT_URL, "introspection", [app.clientSecret, accessToken], {
    client_id: app.clientId,
    client_secret: app.clientSecret,
    token: accessToken,
    token_type_hint: "access_token",
  }, IntrospectResponseSchema);
  if (!info.active || info.hub_id === undefined) throw new EspError("server", "HubSpot did not name the account (hub_id) the new token belongs to");
  return info.hub_id;
}

/** One form POST to a token endpoint; every failure leaves as an EspError whose message holds none of `secrets`. */
async function postForm<S extends z.ZodType>(
  deps: OAuthDeps,
  url: string,
  what: string,
  secrets: readonly string[],
  form: Record<string, string>,
  schema: S,
): Promise<z.infer<S>> {
  let response: Response;
  try {
    response = await deps.fetch(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
    });
  } catch (error) {
    const timedOut = error instanceof Error && error.name === "TimeoutError";
    throw new EspError(timedOut ? "timeout" : "network", `HubSpot token ${what}: ${timedOut ? `no answer in ${TOKEN_TIMEOUT_MS} ms` : "endpoint unreachable"}`, { cause: error });
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) throw tokenError(response, body, what, secrets, deps.now());
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    // Never echo the body: a 200 from the token endpoint carries tokens.
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join(".") || "body"))].join(", ");
    throw new EspError("server", `HubSpot token ${what} answered ${response.status} with an unexpected body (${fields})`, { status: response.status });
  }
  return parsed.data;
}

// Error body: RFC 6749 `error` / `error_description`, plus HubSpot's older `status` / `message`
// (https://developers.hubspot.com/changelog/new-oauth-v3-api-endpoints-and-standardized-error-responses).
const TokenErrorSchema = z.object({
  error: z.string().optional(),
  error_description: z.string().optional(),
  status: z.string().optional(),
  message: z.string().optional(),
});

function tokenError(response: Response, body: unknown, what: string, secrets: readonly string[], now: number): EspError {
  const parsed = TokenErrorSchema.safeParse(body);
  const info = parsed.success ? parsed.data : {};
  const codes = [info.error, info.status].filter((c): c is string => c !== undefined);
  const description = redact((info.error_description ?? info.message ?? "").slice(0, MAX_DESCRIPTION_CHARS), secrets);
  const kind = kindOfTokenError(response.status, codes, what);
  const label = codes.length > 0 ? ` ${codes.join("/")}` : "";
  return new EspError(kind, `HubSpot token ${what} failed: ${response.status}${label}${description === "" ? "" : ` (${description})`}${hintFor(kind, codes)}`, {
    status: response.status,
    retryAfterMs: retryAfterMsOf(response.headers.get("retry-after"), now),
  });
}

function kindOfTokenError(status: number, codes: readonly string[], what: string): EspErrorKind {
  if (status === 429 || status >= 500) return kindOfStatus(status);
  // A dead refresh token is how HubSpot tells an app it was uninstalled (or the token deleted).
  if (what === "refresh" && (codes.includes("invalid_grant") || codes.includes("BAD_REFRESH_TOKEN"))) return "uninstalled";
  if (codes.includes("invalid_client") || codes.includes("BAD_CLIENT_ID") || codes.includes("BAD_CLIENT_SECRET")) return "auth";
  return kindOfStatus(status);
}

function hintFor(kind: EspErrorKind, codes: readonly string[]): string {
  if (kind === "uninstalled") return ": the app was uninstalled or its refresh token revoked; install it again";
  if (kind === "auth") return ": check the app's client id and secret";
  if (codes.includes("BAD_AUTH_CODE") || codes.includes("invalid_grant")) return ": the code expired or was already used; start the install again";
  if (codes.includes("BAD_REDIRECT_URI")) return ": the redirect URI must match one of the app's redirect URLs exactly";
  return "";
}

/** ESP text is outside input: make sure no secret we sent comes back out in a message. */
function redact(text: string, secrets: readonly string[]): string {
  return secrets.filter((s) => s.length > 0).reduce((t, s) => t.replaceAll(s, "[redacted]"), text);
}
