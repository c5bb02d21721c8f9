import { setTimeout as delay } from "node:timers/promises";
import { z } from "zod";
import type { EspApp } from "../../domain/index.js";
import { EspError } from "../shared/esp-error.js";
import { defaultRetryPolicy } from "../shared/retry.js";
import { createKlaviyoCall, klaviyoLimiters } from "./client.js";
import type { KlaviyoCall } from "./klaviyo-call.js";
import { authorizeUrl, exchangeCode, type KlaviyoOAuthApp } from "./oauth.js";

export type KlaviyoAppOptions = {
  readonly oauth: KlaviyoOAuthApp;
  readonly fetch: typeof fetch;
  readonly now: () => number;
  /** Klaviyo's API root for the account lookup; tests and local mocks change it. */
  readonly basePath?: string;
  /** Waits of the account lookup's limiter and retry; real timers unless a test fakes them. */
  readonly sleep?: (ms: number) => Promise<void>;
};

// An admin is waiting on the install page: a few quick tries, not the sync's patient five.
const INSTALL_ATTEMPTS = 3;

/**
 * The Klaviyo app as the server sees it: an OAuth install with PKCE. Tailor registers no Klaviyo
 * webhooks: system webhooks are for CDP accounts (UI) or apps holding webhooks:write, and nothing
 * Tailor needs arrives only that way (deleted profiles are found by reading, esp-apis.md 2.7-2.8).
 * So no webhook request is ever trusted and none yields events.
 */
export function createKlaviyoApp(options: KlaviyoAppOptions): EspApp {
  const { oauth } = options;
  return {
    esp: "klaviyo",
    authorizeUrl: (state) => authorizeUrl(oauth, state),
    async exchangeCode(code, state) {
      const tokens = await exchangeCode(oauth, code, state, options);
      const account = await accountOf(lookupCall(options, tokens.accessToken));
      return { accountId: account.id, accountName: account.name, credentials: { ...tokens, accountId: account.id } };
    },
    verifyWebhook: () => ({ ok: false, reason: "Tailor registers no Klaviyo webhooks, so it trusts none" }),
    parseWebhook: () => ({ events: [], skipped: 0 }),
  };
}

/**
 * The account a token belongs to and the name to show for it (GET /api/accounts, scope
 * accounts:read). The spec's account resource (K-SPEC AccountResponseObjectResource) carries
 * contact_information.organization_name and default_sender_name, both required but possibly empty.
 */
export async function accountOf(call: KlaviyoCall): Promise<{ readonly id: string; readonly name: string }> {
  const { body } = await call("get_accounts", "account lookup", (apis) =>
    apis.accounts.getAccounts({ fieldsAccount: ["contact_information.organization_name", "contact_information.default_sender_name"] }),
  );
  const parsed = AccountsSchema.safeParse(body);
  // The token answers for exactly one account; anything else is not a shape we can name.
  const first = parsed.success && parsed.data.data.length === 1 ? parsed.data.data[0] : undefined;
  if (first === undefined) throw new EspError("server", "Klaviyo's account lookup named no single account for these credentials");
  const info = first.attributes?.contactInformation;
  const name = [info?.organizationName, info?.defaultSenderName].map((n) => n?.trim() ?? "").find((n) => n !== "");
  return { id: first.id, name: name ?? `Klaviyo account ${first.id}` };
}

/** A one-off KlaviyoCall for the token just issued: its own limiters, our retry, the SDK's off. */
function lookupCall(options: KlaviyoAppOptions, accessToken: string): KlaviyoCall {
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  return createKlaviyoCall({
    auth: () => Promise.resolve({ scheme: "oauth", token: accessToken }),
    ...(options.basePath === undefined ? {} : { basePath: options.basePath }),
    limiters: klaviyoLimiters(options.now, sleep),
    retry: defaultRetryPolicy({ maxAttempts: INSTALL_ATTEMPTS, sleep }),
    now: options.now,
  });
}

// The SDK's deserialised GetAccountResponseCollection (camelCase); it does not check what it builds, so we do.
const AccountsSchema = z.object({
  data: z.array(
    z.object({
      id: z.string().min(1),
      attributes: z
        .object({
          contactInformation: z.object({ organizationName: z.string().nullish(), defaultSenderName: z.string().nullish() }).nullish(),
        })
        .optional(),
    }),
  ),
});
