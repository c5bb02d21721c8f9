import { setTimeout as sleep } from "node:timers/promises";
import type { Connector, KlaviyoSettings, Store } from "../../domain/index.js";
import { defaultRetryPolicy } from "../shared/retry.js";
import { createTokenProvider } from "../shared/token-provider.js";
import { createKlaviyoCall, klaviyoLimiters, type KlaviyoAuth } from "./client.js";
import { createKlaviyoConnector } from "./connector.js";
import type { KlaviyoCall } from "./klaviyo-call.js";
import { klaviyoAuthOf, refreshCredentials, revokeToken, type KlaviyoOAuthApp } from "./oauth.js";

/**
 * A Klaviyo call for one credential source, with its own per-operation limiters (never shared with
 * another installation: each Klaviyo account, or each OAuth installation, has its own quota) and
 * our one retry policy.
 */
export function klaviyoCallFor(auth: () => Promise<KlaviyoAuth>, basePath: string): KlaviyoCall {
  const now = () => Date.now();
  return createKlaviyoCall({ auth, basePath, limiters: klaviyoLimiters(now, (ms) => sleep(ms)), retry: defaultRetryPolicy(), now });
}

export type OpenKlaviyoOptions = {
  readonly store: Store;
  readonly installationId: string;
  /** The OAuth app that refreshes the installation's tokens; null for a private API key. */
  readonly oauth: KlaviyoOAuthApp | null;
  /** Klaviyo's API root; tests and local mocks change it. */
  readonly basePath: string;
  readonly settings: KlaviyoSettings;
  /** Where Klaviyo fetches the shared feed; null leaves web feeds alone. */
  readonly webFeedUrl: string | null;
  readonly log?: (message: string) => void;
};

/** One installation's Klaviyo call: its stored credentials (a private key, or OAuth tokens refreshed by expiry). */
export function openKlaviyoCall(options: Pick<OpenKlaviyoOptions, "store" | "installationId" | "oauth" | "basePath">): KlaviyoCall {
  const now = () => Date.now();
  const { oauth } = options;
  const tokens = createTokenProvider({
    store: options.store,
    installationId: options.installationId,
    espName: "Klaviyo",
    refresh: oauth === null ? null : (credentials) => refreshCredentials(oauth, credentials, { fetch, now }),
    now,
  });
  return klaviyoCallFor(async () => klaviyoAuthOf(await tokens.credentials()), options.basePath);
}

/** The installation's Connector, ready for runSync. */
export function openKlaviyo(options: OpenKlaviyoOptions): Connector {
  return createKlaviyoConnector({
    call: openKlaviyoCall(options),
    settings: options.settings,
    webFeedUrl: options.webFeedUrl,
    now: () => Date.now(),
    sleep: (ms) => sleep(ms),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
}

/**
 * Uninstall from Tailor's side: revoke the refresh token at Klaviyo (which ends its access tokens
 * too), then forget the credentials and stop syncing. Stored data stays until erased.
 */
export async function disconnectKlaviyo(options: { readonly store: Store; readonly installationId: string; readonly oauth: KlaviyoOAuthApp }): Promise<void> {
  const { store, installationId } = options;
  const credentials = await store.getCredentials(installationId);
  if (credentials?.kind === "oauth") await revokeToken(options.oauth, credentials, { fetch, now: () => Date.now() });
  await store.saveCredentials(installationId, null);
  const installation = await store.getInstallation(installationId);
  if (installation !== null) await store.saveInstallation({ ...installation, status: "uninstalled" });
}
