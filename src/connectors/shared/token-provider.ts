import type { Credentials, OAuthCredentials, Store } from "../../domain/index.js";
import { EspError, isRetryable } from "./esp-error.js";

/** Hands out working credentials for one installation; what every ESP call authenticates with. */
export type TokenProvider = {
  /** The current access token (or private key). */
  accessToken(): Promise<string>;
  /** The current credentials, for ESPs whose header depends on their kind (Klaviyo: private key or bearer). */
  credentials(): Promise<Credentials>;
};

export type TokenProviderDeps = {
  readonly store: Store;
  readonly installationId: string;
  /** "HubSpot", "Klaviyo": names the ESP in messages. */
  readonly espName: string;
  /**
   * New credentials from the refresh token (the ESP's refreshCredentials with its OAuth app), failing
   * with EspError kind "uninstalled" when the token is refused; null in private mode, where an
   * expiring OAuth token cannot be refreshed.
   */
  readonly refresh: ((credentials: OAuthCredentials) => Promise<OAuthCredentials>) | null;
  readonly now: () => number;
};

// Refresh this long before expiry, so a token never dies mid-batch and a failed refresh still has time to be retried.
const REFRESH_MARGIN_MS = 5 * 60_000;
// After a refresh fails with a passing error (5xx, network, 429), keep using the still-valid token this long before trying again.
const REFRESH_BACKOFF_MS = 30_000;
// Never hand out a token this close to its end: the request could land after it.
const MIN_TOKEN_LIFE_MS = 30_000;

/**
 * Refreshes by expiry time, never on a 401 (HubSpot: a 401 "is not a valid indicator that a new
 * access token must be retrieved", developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines;
 * Klaviyo's SDK does the same, refreshing when less than 30 s remain). Concurrent callers share one
 * refresh. It does not retry: its errors are EspErrors and the caller's one retry policy retries the
 * passing kinds. A dead refresh token marks the installation uninstalled and forgets its credentials,
 * unless another worker has rotated the refresh token meanwhile (Klaviyo may rotate them).
 */
export function createTokenProvider(deps: TokenProviderDeps): TokenProvider {
  const { store, installationId, espName } = deps;
  let known: Credentials | null = null;
  let backoffUntil = 0;
  let inFlight: Promise<Credentials> | null = null;

  const usable = (c: Credentials): boolean => {
    if (c.kind === "private") return true;
    const now = deps.now();
    if (c.expiresAt - REFRESH_MARGIN_MS > now) return true;
    return now < backoffUntil && c.expiresAt - MIN_TOKEN_LIFE_MS > now;
  };

  async function load(): Promise<Credentials> {
    // Read again before refreshing: another worker may have refreshed already.
    const stored = await store.getCredentials(installationId);
    if (stored === null) throw await missingCredentials();
    known = stored;
    if (stored.kind === "private" || usable(stored)) return stored;
    return refresh(stored);
  }

  async function refresh(stored: OAuthCredentials): Promise<Credentials> {
    if (deps.refresh === null) {
      throw new EspError("auth", `${espName} access token of installation ${installationId} expired and no OAuth app is configured to refresh it`);
    }
    try {
      const next = await deps.refresh(stored);
      await store.saveCredentials(installationId, next);
      known = next;
      backoffUntil = 0;
      return next;
    } catch (error) {
      if (error instanceof EspError && error.kind === "uninstalled") {
        // With rotating refresh tokens, a worker that refreshed with a token another worker had just
        // used is refused too: the credentials that worker saved are good, the app is still installed.
        const latest = await store.getCredentials(installationId);
        if (latest !== null && (latest.kind === "private" || latest.refreshToken !== stored.refreshToken)) {
          known = latest;
          return latest.kind === "private" || usable(latest) ? latest : refresh(latest);
        }
        await forget();
      } else if (isRetryable(error) && stored.expiresAt - MIN_TOKEN_LIFE_MS > deps.now()) {
        // The margin exists for this: the ESP is having a moment, the current token still works.
        backoffUntil = deps.now() + REFRESH_BACKOFF_MS;
        return stored;
      }
      throw error;
    }
  }

  async function forget(): Promise<void> {
    known = null;
    const installation = await store.getInstallation(installationId);
    if (installation !== null && installation.status !== "uninstalled") await store.saveInstallation({ ...installation, status: "uninstalled" });
    await store.saveCredentials(installationId, null);
  }

  async function missingCredentials(): Promise<EspError> {
    const installation = await store.getInstallation(installationId);
    if (installation?.status === "uninstalled") return new EspError("uninstalled", `${espName} installation ${installationId} was uninstalled; install the app again`);
    return new EspError("auth", `no ${espName} credentials stored for installation ${installationId}; install the app or save a private key`);
  }

  function credentials(): Promise<Credentials> {
    if (known !== null && usable(known)) return Promise.resolve(known);
    inFlight ??= load().finally(() => {
      inFlight = null;
    });
    return inFlight;
  }

  return {
    credentials,
    async accessToken() {
      return (await credentials()).accessToken;
    },
  };
}
