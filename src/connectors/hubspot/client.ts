import { Client } from "@hubspot/api-client";
import { EspError, kindOfStatus, retryAfterMsOf, type EspErrorKind } from "../shared/esp-error.js";
import { readHubSpotRateHeaders, type RateLimiter, type RateLimitHeaders } from "../shared/rate-limit.js";
import { withRetry, type RetryPolicy } from "../shared/retry.js";
import type { CallBudget, HubSpotCall } from "./hubspot-call.js";

export type HubSpotCallOptions = {
  /** The installation's current access token (refreshed by expiry time by the caller, never on a 401). */
  readonly accessToken: () => Promise<string>;
  /** Another API root, for local mocks; HubSpot's own by default. */
  readonly basePath?: string;
  /** The installation's limiters: one per HubSpot budget, never shared between installations. */
  readonly limiters: { readonly standard: RateLimiter; readonly search: RateLimiter };
  readonly retry: RetryPolicy;
  readonly now: () => number;
};

// The windows a 429's policyName can name: HubSpot's 10-second rolling bucket and the per-second limit.
const TEN_SECONDS_MS = 10_000;
const ONE_SECOND_MS = 1_000;
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_SOCKET"]);
const UNREADABLE_ANSWER = /^(Cannot parse content\. No Content-Type defined|The mediaType .* is not supported by ObjectSerializer)/;
const TIMEOUT_CODES = new Set(["ETIMEDOUT", "ESOCKETTIMEDOUT", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT"]);

/**
 * Builds the installation's HubSpotCall: every attempt waits for the budget's limiter, runs on an
 * SDK client for the current token, feeds HubSpot's rate headers back to the limiter, and fails
 * only with an EspError that never contains the token. Retries are ours alone (SDK retries off).
 */
export function createHubSpotCall(options: HubSpotCallOptions): HubSpotCall {
  let current: { readonly token: string; readonly sdk: Client } | null = null;
  const sdkFor = (token: string): Client => {
    if (current?.token !== token) {
      // numberOfApiCallRetries 0 and no limiterOptions: the SDK's decorators live in a process-wide
      // singleton, so any set here would throttle and retry every other installation's calls too.
      const sdk = new Client({ accessToken: token, numberOfApiCallRetries: 0, ...(options.basePath === undefined ? {} : { basePath: options.basePath }) });
      current = { token, sdk };
    }
    return current.sdk;
  };
  // The headers describe the app's 10-second bucket whichever endpoint answered, so they tune the standard limiter.
  const observe = (headers: RateLimitHeaders): void => {
    if (Object.keys(headers).length > 0) options.limiters.standard.observe(headers);
  };

  async function call<T>(budget: CallBudget, what: string, fn: (sdk: Client) => Promise<T>): Promise<T> {
    return withRetry(async () => {
      await options.limiters[budget].take();
      const token = await options.accessToken();
      try {
        const result = await fn(sdkFor(token));
        await settle(result, what, options.now, observe);
        return result;
      } catch (error) {
        throw toEspError(error, what, token, options.now(), observe);
      }
    }, options.retry);
  }
  return call;
}

type FetchResponseLike = { status: number; ok: boolean; headers: { get(name: string): string | null }; text(): Promise<string> };
type HttpInfoLike = { httpStatusCode: number; headers: Record<string, string> };
type ApiExceptionLike = Error & { code: number; body: unknown; headers: Record<string, string> };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

const isFetchResponse = (value: unknown): value is FetchResponseLike =>
  isObject(value) && typeof value.status === "number" && typeof value.ok === "boolean" && isObject(value.headers) && typeof value.headers.get === "function";

const isHttpInfo = (value: unknown): value is HttpInfoLike => isObject(value) && typeof value.httpStatusCode === "number" && isObject(value.headers);

const isApiException = (error: unknown): error is ApiExceptionLike =>
  error instanceof Error && typeof (error as Partial<ApiExceptionLike>).code === "number" && "body" in error && isObject((error as Partial<ApiExceptionLike>).headers);

/**
 * The SDK 13.5 ignores `middleware` and `httpAgent` from the config (its generated APIs only run
 * call-time middleware), so response headers are visible only on `*WithHttpInfo` results, on
 * `apiRequest` responses and on ApiException. `apiRequest` also resolves on any status: a failed one is turned into an error here.
 */
async function settle(result: unknown, what: string, now: () => number, observe: (h: RateLimitHeaders) => void): Promise<void> {
  if (isHttpInfo(result)) {
    observe(rateHeadersOf((name) => result.headers[name]));
    return;
  }
  if (!isFetchResponse(result)) return;
  observe(rateHeadersOf((name) => result.headers.get(name) ?? undefined));
  if (result.ok) return;
  const text = await result.text().catch(() => "");
  throw httpError(result.status, parseBody(text), (name) => result.headers.get(name) ?? undefined, what, now());
}

const RATE_HEADERS = ["x-hubspot-ratelimit-max", "x-hubspot-ratelimit-remaining", "x-hubspot-ratelimit-interval-milliseconds"];

/** HubSpot's X-HubSpot-RateLimit-* headers, from any header source (lower-case names). */
const rateHeadersOf = (get: (name: string) => string | undefined): RateLimitHeaders =>
  readHubSpotRateHeaders(Object.fromEntries(RATE_HEADERS.map((name) => [name, get(name)])));

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** An HTTP failure as an EspError: status kind, HubSpot's category and message, and how long to wait on a 429. */
function httpError(status: number, body: unknown, header: (name: string) => string | undefined, what: string, nowMs: number): EspError {
  const fields = isObject(body) ? body : {};
  const text = (key: string): string | undefined => (typeof fields[key] === "string" ? fields[key] : undefined);
  const category = text("category") ?? text("errorType");
  const detail = text("message") ?? (typeof body === "string" ? body.slice(0, 300) : undefined);
  let retryAfterMs = retryAfterMsOf(header("retry-after"), nowMs);
  if (status === 429 && retryAfterMs === null) retryAfterMs = policyWaitMs(text("policyName"), detail, header);
  const message = `HubSpot ${what}: HTTP ${status}${category === undefined ? "" : ` ${category}`}${detail === undefined || detail === "" ? "" : `: ${detail}`}`;
  return new EspError(kindOfStatus(status), message, { status, retryAfterMs });
}

/**
 * HubSpot sends no Retry-After (usage guidelines; the SDK never reads one): the policy name says
 * which window ran out. A DAILY limit resets at midnight in the portal's time zone, which a retry
 * cannot wait for, so it gets no wait and the policy's backoff gives up.
 */
function policyWaitMs(policyName: string | undefined, detail: string | undefined, header: (name: string) => string | undefined): number | null {
  if (policyName === "TEN_SECONDLY_ROLLING") {
    const interval = Number(header("x-hubspot-ratelimit-interval-milliseconds"));
    return Number.isFinite(interval) && interval > 0 ? interval : TEN_SECONDS_MS;
  }
  if (policyName === "SECONDLY" || detail?.includes("secondly limit") === true) return ONE_SECOND_MS;
  return null;
}

/** Every way a call can fail, as one EspError; errors that are not about the ESP (our bugs) pass through. */
function toEspError(error: unknown, what: string, token: string, nowMs: number, observe: (h: RateLimitHeaders) => void): unknown {
  const redact = (text: string): string => (token === "" ? text : text.split(token).join("[token]"));
  if (error instanceof EspError) return error.message.includes(token) && token !== "" ? new EspError(error.kind, redact(error.message), { status: error.status, retryAfterMs: error.retryAfterMs }) : error;
  if (isApiException(error)) {
    const headers = error.headers;
    observe(rateHeadersOf((name) => headers[name]));
    const translated = httpError(error.code, error.body, (name) => headers[name], what, nowMs);
    return new EspError(translated.kind, redact(translated.message), { status: translated.status, retryAfterMs: translated.retryAfterMs, cause: safeCause(error, token) });
  }
  const kind = transportKind(error);
  const detail = error instanceof Error ? error.message : String(error);
  if (kind === null) return detail.includes(token) && token !== "" ? new Error(redact(detail)) : error;
  return new EspError(kind, `HubSpot ${what}: ${kind} error: ${redact(detail)}`, { cause: safeCause(error, token) });
}

/** Network and timeout failures from node-fetch (FetchError), undici (`cause.code`) or an abort. */
function transportKind(error: unknown): EspErrorKind | null {
  if (!(error instanceof Error)) return null;
  if (error.name === "AbortError" || (error as { type?: unknown }).type === "request-timeout") return "timeout";
  const codes = [(error as { code?: unknown }).code, (error.cause as { code?: unknown } | undefined)?.code];
  if (codes.some((c) => typeof c === "string" && TIMEOUT_CODES.has(c))) return "timeout";
  if (codes.some((c) => typeof c === "string" && NETWORK_CODES.has(c))) return "network";
  if (error.name === "FetchError" || (error instanceof TypeError && error.message === "fetch failed")) return "network";
  // The SDK loses the status of an answer it cannot parse (no or unknown Content-Type, cut-off JSON):
  // HubSpot always answers JSON, so such an answer comes from a struggling proxy in between.
  if (UNREADABLE_ANSWER.test(error.message) || (error instanceof SyntaxError && error.message.includes("JSON"))) return "server";
  return null;
}

/** The original error is kept for debugging only when neither its message nor its stack carries the token. */
const safeCause = (error: unknown, token: string): unknown => {
  if (token === "" || !(error instanceof Error)) return error;
  return `${error.message}\n${error.stack ?? ""}`.includes(token) ? undefined : error;
};
