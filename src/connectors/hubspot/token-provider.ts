import type { Credentials, OAuthCredentials, Store } from "../../domain/index.js";
import { EspError, isRetryable } from "../shared/esp-error.js";
import { refreshCredentials, type HubSpotOAuthApp } from "./oauth.js";

/** Hands out a working access token for one installation; what every HubSpot call authenticates with. */
export type TokenProvider = { accessToken(): Promise<string> };

export type TokenProviderDeps = {
  readonly store: Store;
  readonly installationId: string;
  /** null in private-app mode: an expiring OAuth token then cannot be refreshed. */
  readonly app: HubSpotOAuthApp | null;
  readonly fetch: typeof fetch;
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
 * access token must be retrieved", developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines).
 * Concurrent callers share one refresh. It does not retry: its errors are EspErrors and the
 * caller's one retry policy retries the passing kinds. A dead refresh token marks the installation
 * uninstalled and forgets its credentials.
 */
export function createTokenProvider(deps: TokenProviderDeps): TokenProvider {
  const { store, installationId } = deps;
  let known: Credentials | null = null;
  let backoffUntil = 0;
  let inFlight: Promise<string> | null = null;

  const usable = (c: Credentials): boolean => {
    if (c.kind === "private") return true;
    const now = deps.now();
    if (c.expiresAt - REFRESH_MARGIN_MS > now) return true;
    return now < backoffUntil && c.expiresAt - MIN_TOKEN_LIFE_MS > now;
  };

  async function load(): Promise<string> {
    // Read again before refreshing: another worker may have refreshed already.
    const stored = await store.getCredentials(installationId);
    if (stored === null) throw await missingCredentials();
    known = stored;
    if (stored.kind === "private" || usable(stored)) return stored.accessToken;
    return refresh(stored);
  }

  async function refresh(stored: OAuthCredentials): Promise<string> {
    if (deps.app === null) {
      throw new EspError("auth", `HubSpot access token of installation ${installationId} expired and no OAuth app is configured to refresh it`);
    }
    try {
      const next = await refreshCredentials(deps.app, stored, deps);
      await store.saveCredentials(installationId, next);
      known = next;
      backoffUntil = 0;
      return next.accessToken;
    } catch (error) {
      if (error instanceof EspError && error.kind === "uninstalled") await forget();
      else if (isRetryable(error) && stored.expiresAt - MIN_TOKEN_LIFE_MS > deps.now()) {
        // The margin exists for this: HubSpot is having a moment, the current token still works.
        backoffUntil = deps.now() + REFRESH_BACKOFF_MS;
        return stored.accessToken;
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
    if (installation?.status === "uninstalled") return new EspError("uninstalled", `HubSpot installation ${installationId} was uninstalled; install the app again`);
    return new EspError("auth", `no HubSpot credentials stored for installation ${installationId}; install the app or save a private-app token`);
  }

  return {
    accessToken() {
      if (known !== null && usable(known)) return Promise.resolve(known.accessToken);
      inFlight ??= load().finally(() => {
        inFlight = null;
      });
      return inFlight;
    },
  };
}
