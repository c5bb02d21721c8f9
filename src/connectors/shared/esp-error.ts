/** What went wrong talking to an ESP, in the terms retry and the run report need. */
export type EspErrorKind =
  | "auth" // 401/403: the token is wrong or lacks a scope; retrying will not help
  | "uninstalled" // the refresh token was revoked: the app is no longer installed
  | "rate_limited" // 429
  | "server" // 5xx
  | "client" // other 4xx: our request is wrong
  | "network" // connection refused/reset, DNS
  | "timeout";

/**
 * An ESP call that failed, with the status, any Retry-After the ESP sent, and a message that
 * never contains a token. Connectors translate SDK and fetch errors into this at one place.
 */
export class EspError extends Error {
  readonly kind: EspErrorKind;
  readonly status: number | null;
  /** From Retry-After (or the ESP's own header), when given. */
  readonly retryAfterMs: number | null;

  constructor(kind: EspErrorKind, message: string, options: { status?: number | null; retryAfterMs?: number | null; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "EspError";
    this.kind = kind;
    this.status = options.status ?? null;
    this.retryAfterMs = options.retryAfterMs ?? null;
  }
}

/** Rate limits, server errors, timeouts and network failures pass with time; the rest do not. */
export const isRetryable = (error: unknown): boolean =>
  error instanceof EspError && (error.kind === "rate_limited" || error.kind === "server" || error.kind === "network" || error.kind === "timeout");

/** The kind an HTTP status means. */
export function kindOfStatus(status: number): EspErrorKind {
  if (status === 429) return "rate_limited";
  if (status === 401 || status === 403) return "auth";
  if (status >= 500) return "server";
  return "client";
}

/** Retry-After as milliseconds: seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMsOf(header: string | null | undefined, nowMs: number): number | null {
  if (header === null || header === undefined || header.trim() === "") return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}
