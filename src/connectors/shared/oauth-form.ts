/**
 * The part of OAuth 2.0 both ESPs share: one form POST to a token, introspection or revocation
 * endpoint (RFC 6749 section 4.1.3 and 6, RFC 7009), with a timeout, a zod-checked body and an
 * RFC 6749 error body turned into an EspError that carries none of the secrets sent. What a
 * failure means (an uninstall, bad app credentials) differs per ESP, so each passes its own reading.
 * Nothing here retries: the caller's one retry policy does, on the retryable EspError kinds.
 */
import { z } from "zod";
import { EspError, kindOfStatus, retryAfterMsOf, type EspErrorKind } from "./esp-error.js";

/** What an OAuth call needs from the outside world; injected so tests use nock and a fixed clock. */
export type OAuthDeps = { readonly fetch: typeof fetch; readonly now: () => number };

/** How one ESP's token endpoints speak: its name for messages and what its error codes mean. */
export type TokenDialect = {
  /** "HubSpot", "Klaviyo": starts every message. */
  readonly espName: string;
  /**
   * The kind a refused request means, from its 4xx status (429 and 5xx are read before this) and
   * its error codes; null leaves it to the status.
   */
  readonly kindOf: (status: number, codes: readonly string[], what: string) => EspErrorKind | null;
  /** A sentence fragment telling the reader what to do (": install it again"), or "". */
  readonly hintOf: (kind: EspErrorKind, codes: readonly string[], what: string) => string;
};

export type FormPost = {
  readonly url: string;
  /** "code exchange", "refresh", "revocation": names the call in messages. */
  readonly what: string;
  /** Every secret in the request: none of them may come back out in a message. */
  readonly secrets: readonly string[];
  readonly form: Readonly<Record<string, string>>;
  /** Extra headers, such as HTTP Basic client authentication. */
  readonly headers?: Readonly<Record<string, string>>;
};

// A token call answers in well under a second; past this the install page or the sync is better off failing clearly.
export const TOKEN_TIMEOUT_MS = 15_000;
// Token error descriptions are short sentences; anything longer is not worth carrying in a message.
const MAX_DESCRIPTION_CHARS = 200;

/** One form POST; every failure leaves as an EspError whose message holds none of `post.secrets`. */
export async function postForm<S extends z.ZodType>(deps: OAuthDeps, dialect: TokenDialect, post: FormPost, schema: S): Promise<z.infer<S>> {
  const { espName } = dialect;
  let response: Response;
  try {
    response = await deps.fetch(post.url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json", ...post.headers },
      body: new URLSearchParams(post.form).toString(),
      signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
    });
  } catch (error) {
    const timedOut = error instanceof Error && error.name === "TimeoutError";
    throw new EspError(timedOut ? "timeout" : "network", `${espName} token ${post.what}: ${timedOut ? `no answer in ${TOKEN_TIMEOUT_MS} ms` : "endpoint unreachable"}`, { cause: error });
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) throw tokenError(dialect, response, body, post, deps.now());
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    // Never echo the body: a 200 from a token endpoint carries tokens.
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join(".") || "body"))].join(", ");
    throw new EspError("server", `${espName} token ${post.what} answered ${response.status} with an unexpected body (${fields})`, { status: response.status });
  }
  return parsed.data;
}

/** `Authorization: Basic base64(client_id:client_secret)` (RFC 6749 section 2.3.1). */
export function basicAuth(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`;
}

/** The granted scopes from an RFC 6749 space-separated `scope`; undefined when absent. */
export const scopesOf = (scope: string | undefined): string[] | undefined => scope?.split(" ").filter((s) => s !== "");

// RFC 6749 section 5.2 `error` / `error_description`, plus HubSpot's older `status` / `message`
// (https://developers.hubspot.com/changelog/new-oauth-v3-api-endpoints-and-standardized-error-responses).
const TokenErrorSchema = z.object({
  error: z.string().optional(),
  error_description: z.string().optional(),
  status: z.string().optional(),
  message: z.string().optional(),
});

function tokenError(dialect: TokenDialect, response: Response, body: unknown, post: FormPost, now: number): EspError {
  const parsed = TokenErrorSchema.safeParse(body);
  const info = parsed.success ? parsed.data : {};
  const codes = [info.error, info.status].filter((c): c is string => c !== undefined);
  const description = redact((info.error_description ?? info.message ?? "").slice(0, MAX_DESCRIPTION_CHARS), post.secrets);
  // Rate limits and server trouble mean the same everywhere; only a refusal needs the ESP's reading.
  const status = response.status;
  const kind = status === 429 || status >= 500 ? kindOfStatus(status) : (dialect.kindOf(status, codes, post.what) ?? kindOfStatus(status));
  const label = codes.length > 0 ? ` ${codes.join("/")}` : "";
  const detail = description === "" ? "" : ` (${description})`;
  return new EspError(kind, `${dialect.espName} token ${post.what} failed: ${status}${label}${detail}${dialect.hintOf(kind, codes, post.what)}`, {
    status,
    retryAfterMs: retryAfterMsOf(response.headers.get("retry-after"), now),
  });
}

/** ESP text is outside input: make sure no secret we sent comes back out in a message. */
export function redact(text: string, secrets: readonly string[]): string {
  return secrets.filter((s) => s.length > 0).reduce((t, s) => t.replaceAll(s, "[redacted]"), text);
}
