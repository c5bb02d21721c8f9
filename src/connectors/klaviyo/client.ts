import { ApiKeySession, OAuthBasicSession, RetryWithExponentialBackoff, type Session } from "klaviyo-api";
import { EspError, kindOfStatus, retryAfterMsOf, type EspErrorKind } from "../shared/esp-error.js";
import { createRateLimiter, runLimited, type RateLimiter, type RateLimitHeaders, type SettlingRateLimiter } from "../shared/rate-limit.js";
import { withRetry, type RetryPolicy } from "../shared/retry.js";
import { createKlaviyoApis, type KlaviyoApis, type KlaviyoCall } from "./klaviyo-call.js";
import { KLAVIYO_RATE_LIMITS, type KlaviyoOperation } from "./rate-limits.js";

/** How the installation authenticates: a private API key, or an OAuth access token. */
export type KlaviyoAuth = { readonly scheme: "private" | "oauth"; readonly token: string };

/** One installation's limiters, one per Klaviyo operation (Klaviyo meters each apart). */
export type KlaviyoLimiters = { for(operation: KlaviyoOperation): RateLimiter };

export type KlaviyoCallOptions = {
  /** The installation's current credentials; an OAuth token is refreshed by expiry by the caller, never on a 401. */
  readonly auth: () => Promise<KlaviyoAuth>;
  /** Another API root, for local mocks; Klaviyo's own (https://a.klaviyo.com) by default. */
  readonly basePath?: string;
  /** The installation's limiters, never shared between installations. */
  readonly limiters: KlaviyoLimiters;
  readonly retry: RetryPolicy;
  readonly now: () => number;
  /** How long one HTTP request may take before it fails as a timeout; KLAVIYO_REQUEST_TIMEOUT_MS by default. */
  readonly requestTimeoutMs?: number;
};

/**
 * The `revision` header klaviyo-api 23.0.0 sends on every request (it pins one API revision per
 * release). The SDK keeps it in a private constant, so it is repeated here, and a test pins that
 * the SDK still sends it: an SDK upgrade that moves the revision then fails the suite instead of
 * changing response shapes silently.
 */
export const KLAVIYO_REVISION = "2026-07-15";

/**
 * Our windows are this much longer than Klaviyo's: a call counts here when it settles but there
 * when it arrives, and the two clocks differ (the same reason as HUBSPOT_WINDOW_SLACK).
 */
export const KLAVIYO_WINDOW_SLACK = 0.02;

/** axios waits forever by default, and the SDK sets no timeout: one hung socket would stall a run. */
export const KLAVIYO_REQUEST_TIMEOUT_MS = 60_000;

const BURST_MS = 1_000;
const STEADY_MS = 60_000;

/**
 * The longest Retry-After we wait for in-process: a 429 from the burst or steady window asks for at
 * most a minute. A longer one comes from a daily limit or a penalty (Klaviyo has sent hours), so the
 * call fails at once with the wait in retryAfterMs, for the scheduler to come back later.
 */
export const KLAVIYO_MAX_RETRY_AFTER_MS = STEADY_MS * (1 + KLAVIYO_WINDOW_SLACK) + BURST_MS;

/**
 * The limiters one Klaviyo installation needs: per operation, built on first use, each honouring
 * both of Klaviyo's fixed windows (burst per second, steady per minute; KLAVIYO_RATE_LIMITS) as
 * sliding ones, which never allow more in any fixed window. `overrides` replaces an operation's
 * figures (tests, or an account Klaviyo granted more).
 */
export function klaviyoLimiters(
  now: () => number,
  sleep: (ms: number) => Promise<void>,
  overrides: Partial<Record<KlaviyoOperation, { burst: number; steady: number }>> = {},
): KlaviyoLimiters {
  const built = new Map<KlaviyoOperation, SettlingRateLimiter>();
  return {
    for(operation) {
      const existing = built.get(operation);
      if (existing !== undefined) return existing;
      const { burst, steady } = overrides[operation] ?? KLAVIYO_RATE_LIMITS[operation];
      // The steady window is the main one: Klaviyo's RateLimit-* headers describe it.
      const limiter = createRateLimiter({
        max: steady,
        intervalMs: STEADY_MS * (1 + KLAVIYO_WINDOW_SLACK),
        also: [{ max: burst, intervalMs: BURST_MS * (1 + KLAVIYO_WINDOW_SLACK) }],
        now,
        sleep,
      });
      built.set(operation, limiter);
      return limiter;
    },
  };
}

/**
 * Builds the installation's KlaviyoCall: every attempt waits for the operation's limiter, runs on
 * the SDK session for the current credentials, feeds Klaviyo's RateLimit-* headers back to that
 * limiter, and fails only with an EspError that never contains the token. Retries are ours alone.
 */
export function createKlaviyoCall(options: KlaviyoCallOptions): KlaviyoCall {
  const timeoutMs = options.requestTimeoutMs ?? KLAVIYO_REQUEST_TIMEOUT_MS;
  let current: { readonly scheme: KlaviyoAuth["scheme"]; readonly token: string; readonly session: Session } | null = null;
  const sessionFor = (auth: KlaviyoAuth): Session => {
    if (current?.scheme !== auth.scheme || current.token !== auth.token) current = { ...auth, session: sdkSession(auth) };
    return current.session;
  };

  async function call<T>(operation: KlaviyoOperation, what: string, fn: (apis: KlaviyoApis) => Promise<T>): Promise<T> {
    const limiter = options.limiters.for(operation);
    const observe = (headers: RateLimitHeaders): void => {
      if (Object.keys(headers).length > 0) limiter.observe(headers);
    };
    const attempt = () =>
      runLimited(limiter, async () => {
        const auth = await options.auth();
        try {
          // The API objects are per call so the session can tell this operation's limiter what Klaviyo said.
          return await fn(createKlaviyoApis(observing(sessionFor(auth), observe, timeoutMs, options.now), options.basePath));
        } catch (error) {
          throw toEspError(error, what, auth.token, options.now());
        }
      });
    return withRetry(attempt, patientUpTo(KLAVIYO_MAX_RETRY_AFTER_MS, options.retry));
  }
  return call;
}

/**
 * The SDK session for `auth`. The SDK's retries are off: in 23.0.0 `numRetries` counts attempts,
 * and 0 makes exactly one (dist/api/apis.js gives up once `attempt >= numRetries`), so our
 * withRetry is the only retry loop and sees every 429.
 */
function sdkSession(auth: KlaviyoAuth): Session {
  const oneAttempt = new RetryWithExponentialBackoff({ numRetries: 0 });
  return auth.scheme === "private" ? new ApiKeySession(auth.token, oneAttempt) : new OAuthBasicSession(auth.token, oneAttempt);
}

type RequestConfig = Parameters<Session["requestWithRetry"]>[0];

/**
 * `inner` with a timeout on every request, telling `observe` the rate headers of every answer.
 * KlaviyoCall callers often return only the body, so the session is where every answer's headers are seen.
 */
function observing(inner: Session, observe: (headers: RateLimitHeaders) => void, timeoutMs: number, now: () => number): Session {
  return {
    applyToRequest: (config: RequestConfig) => inner.applyToRequest(config),
    refreshAndRetry: (error: unknown, retried: boolean) => inner.refreshAndRetry(error, retried),
    async requestWithRetry(config: RequestConfig) {
      try {
        const response = await inner.requestWithRetry({ ...config, timeout: timeoutMs });
        observe(readKlaviyoRateHeaders(headerReader(response.headers)));
        return response;
      } catch (error) {
        if (isAxiosError(error) && error.response !== undefined) {
          const header = headerReader(error.response.headers);
          observe(readKlaviyoRateHeaders(header));
          // A 429 carries no RateLimit-* headers, but its Retry-After says the budget is spent until then:
          // told so, the limiter holds this operation's other callers back too, instead of each drawing a 429.
          const retryAfterMs = error.response.status === 429 ? retryAfterMsOf(header("retry-after"), now()) : null;
          if (retryAfterMs !== null) observe({ remaining: 0, resetMs: retryAfterMs });
        }
        throw error;
      }
    },
  };
}

/**
 * `policy`, but a 429 whose Retry-After is longer than `maxWaitMs` is not retried. withRetry
 * rethrows what onRetry throws, before it sleeps.
 */
function patientUpTo(maxWaitMs: number, policy: RetryPolicy): RetryPolicy {
  return {
    ...policy,
    onRetry: (event) => {
      const { error } = event;
      if (error instanceof EspError && error.retryAfterMs !== null && error.retryAfterMs > maxWaitMs) throw error;
      policy.onRetry?.(event);
    },
  };
}

type HeaderLookup = (name: string) => string | undefined;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

/** Header lookup on axios response headers (AxiosHeaders or a plain record), by lower-case name. */
function headerReader(headers: unknown): HeaderLookup {
  if (!isObject(headers)) return () => undefined;
  const byName = new Map(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  return (name) => {
    const value = byName.get(name);
    if (typeof value === "string") return value;
    if (typeof value === "number") return String(value);
    if (Array.isArray(value) && typeof value[0] === "string") return value[0];
    return undefined;
  };
}

/**
 * observe() input from Klaviyo's RateLimit-Limit, -Remaining and -Reset headers, which describe the
 * operation's steady window (developers.klaviyo.com/en/docs/rate_limits_and_error_handling; Reset is
 * seconds until that fixed window resets). The value format beyond "a number" is not documented,
 * so an IETF-draft list ("750, 75;w=1, 750;w=60") is read too: its first item, with its window.
 */
export function readKlaviyoRateHeaders(header: HeaderLookup): RateLimitHeaders {
  const limit = /^\s*(\d+)\s*(?:;\s*w\s*=\s*(\d+))?/i.exec(header("ratelimit-limit") ?? "");
  const remaining = /^\s*(\d+)\s*(?:[,;]|$)/.exec(header("ratelimit-remaining") ?? "");
  const reset = /^\s*(\d+)\s*(?:[,;]|$)/.exec(header("ratelimit-reset") ?? "");
  const max = limit?.[1] === undefined ? undefined : Number(limit[1]);
  const windowS = limit?.[2] === undefined ? undefined : Number(limit[2]);
  const left = remaining?.[1] === undefined ? undefined : Number(remaining[1]);
  // Whole seconds, maybe rounded down: a second more, so what others spent is never forgotten early.
  const resetS = reset?.[1] === undefined ? undefined : Number(reset[1]) + 1;
  return {
    ...(max === undefined ? {} : { max }),
    ...(windowS === undefined || windowS === 0 ? {} : { intervalMs: windowS * 1000 }),
    ...(left === undefined ? {} : { remaining: left }),
    ...(resetS === undefined ? {} : { resetMs: resetS * 1000 }),
  };
}

type AxiosErrorLike = Error & { code?: unknown; response?: { status: number; headers?: unknown; data?: unknown } };

const isAxiosError = (error: unknown): error is AxiosErrorLike => error instanceof Error && (error as { isAxiosError?: unknown }).isAxiosError === true;

// axios's codes: ECONNABORTED is its own timeout (ETIMEDOUT with transitional.clarifyTimeoutError).
const TIMEOUT_CODES = new Set(["ECONNABORTED", "ETIMEDOUT", "ESOCKETTIMEDOUT"]);
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ERR_NETWORK", "ERR_BAD_RESPONSE"]);

/**
 * Every way a call can fail, as one EspError; other errors (our bugs) pass through. An axios error
 * is never kept as a cause: its config carries the Authorization header, so nothing from it
 * leaves but the status, headers we read, Klaviyo's error body and a redacted message.
 */
function toEspError(error: unknown, what: string, token: string, nowMs: number): unknown {
  const redact = (text: string): string => (token === "" ? text : text.split(token).join("[token]"));
  if (error instanceof EspError) {
    return token !== "" && error.message.includes(token) ? new EspError(error.kind, redact(error.message), { status: error.status, retryAfterMs: error.retryAfterMs }) : error;
  }
  if (!isAxiosError(error)) return error;
  const response = error.response;
  if (response !== undefined) return httpError(response.status, response.data, headerReader(response.headers), what, nowMs, redact);
  const code = typeof error.code === "string" ? error.code : "";
  const kind: EspErrorKind | null = TIMEOUT_CODES.has(code) ? "timeout" : NETWORK_CODES.has(code) ? "network" : null;
  // An axios failure that is neither (a bad URL or option) is our bug: it passes as a plain Error, without the config.
  if (kind === null) return new Error(redact(`Klaviyo ${what}: ${code === "" ? "" : `${code} `}${error.message}`));
  return new EspError(kind, redact(`Klaviyo ${what}: ${kind} error: ${code === "" ? "" : `${code} `}${error.message}`));
}

/** An HTTP failure as an EspError: status kind, Klaviyo's first JSON:API error, and how long to wait on a 429. */
function httpError(status: number, body: unknown, header: HeaderLookup, what: string, nowMs: number, redact: (text: string) => string): EspError {
  const errors = isObject(body) && Array.isArray(body.errors) ? body.errors.filter(isObject) : [];
  const first = errors[0] ?? {};
  const field = (key: string): string | undefined => (typeof first[key] === "string" && first[key] !== "" ? first[key] : undefined);
  const code = field("code");
  const detail = field("detail") ?? field("title") ?? (typeof body === "string" && body.trim() !== "" ? body.slice(0, 300) : undefined);
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
  const retryAfterMs = retryAfterMsOf(header("retry-after"), nowMs);
  const message = `Klaviyo ${what}: HTTP ${status}${code === undefined ? "" : ` ${code}`}${detail === undefined ? "" : `: ${detail}`}${more}`;
  return new EspError(kindOfStatus(status), redact(message), { status, retryAfterMs });
}
