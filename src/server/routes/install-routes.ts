import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import express from "express";
import { z } from "zod";
import type { EspApp, Installation, Store } from "../../domain/index.js";

type InstallEsp = "hubspot" | "klaviyo";

export type InstallRoutesDeps = {
  readonly store: Store;
  /** The ESPs this deployment can install into; any other `:esp` is a 404. */
  readonly apps: Partial<Record<InstallEsp, Pick<EspApp, "authorizeUrl" | "exchangeCode" | "esp">>>;
  /** HMAC key for the OAuth state; from the environment, never a default. */
  readonly stateSecret: string;
  readonly now: () => number;
  /** Runs after the credentials are saved (property setup); it may call the ESP. */
  readonly onInstalled?: (installationId: string) => Promise<void>;
  /** Signs the installing admin in to the panel of the installation they just authorized. */
  readonly startSession?: (res: express.Response, installationId: string, user: string) => void;
};

// HubSpot's install screen takes seconds; ten minutes allows a slow admin without keeping states alive for long.
const STATE_MAX_AGE_MS = 10 * 60_000;
// Clocks of several app servers may disagree a little; a state from further in the future is forged.
const CLOCK_SKEW_MS = 60_000;
// 128 bits: a nonce nobody guesses.
const NONCE_BYTES = 16;
// Below this an HMAC key is guessable; config should require more, this is the last line.
const MIN_SECRET_CHARS = 16;
const STATE_COOKIE = "tailor_oauth_state";
const InstallEspSchema = z.enum(["hubspot", "klaviyo"]);
const ESP_NAMES: Record<InstallEsp, string> = { hubspot: "HubSpot", klaviyo: "Klaviyo" };
// The account id becomes part of the installation id, so it must be as tame as one.
const AccountIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
// Express's query parser gives arrays for repeated keys; only single values are accepted.
const CallbackQuerySchema = z.object({
  code: z.string().min(1).max(4096).optional(),
  state: z.string().min(1).max(512).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(500).optional(),
});

/**
 * OAuth install: `/install/:esp` sends the admin to the ESP with a signed, cookie-bound state;
 * `/oauth/:esp/callback` checks that state, trades the code for credentials, saves the
 * installation and sends the admin to its page.
 */
export function installRoutes(deps: InstallRoutesDeps): express.Router {
  if (deps.stateSecret.length < MIN_SECRET_CHARS) throw new Error(`the OAuth state secret must be at least ${MIN_SECRET_CHARS} characters`);
  const router = express.Router();

  const appFor = (esp: string) => {
    const parsed = InstallEspSchema.safeParse(esp);
    return parsed.success ? deps.apps[parsed.data] : undefined;
  };
  const cookieOptions = (req: express.Request, esp: InstallEsp) =>
    // Scoped to the callback path; Lax so it survives the top-level redirect back from the ESP.
    ({ httpOnly: true, sameSite: "lax", secure: req.secure, path: `/oauth/${esp}` }) as const;

  router.get("/install/:esp", (req, res) => {
    const app = appFor(req.params.esp);
    if (app === undefined) {
      sendPage(res, 404, "Not found", `Tailor cannot be installed into "${req.params.esp}" here.`);
      return;
    }
    const state = signState(deps.stateSecret, app.esp, randomBytes(NONCE_BYTES).toString("base64url"), deps.now());
    res.cookie(STATE_COOKIE, state, { ...cookieOptions(req, app.esp), maxAge: STATE_MAX_AGE_MS });
    res.redirect(302, app.authorizeUrl(state));
  });

  router.get("/oauth/:esp/callback", async (req, res) => {
    const app = appFor(req.params.esp);
    if (app === undefined) {
      sendPage(res, 404, "Not found", `Tailor cannot be installed into "${req.params.esp}" here.`);
      return;
    }
    const espName = ESP_NAMES[app.esp];
    const again = `Start again from /install/${app.esp}.`;
    // A state is good for one callback, whatever happens next.
    res.clearCookie(STATE_COOKIE, cookieOptions(req, app.esp));
    const query = CallbackQuerySchema.safeParse(req.query);
    if (!query.success) {
      sendPage(res, 400, "Install failed", `The callback from ${espName} is malformed. ${again}`);
      return;
    }
    const { code, state, error, error_description: errorDescription } = query.data;
    if (error !== undefined) {
      sendPage(res, 400, "Install cancelled", `${espName} did not authorize Tailor (${error}${errorDescription === undefined ? "" : `: ${errorDescription}`}). ${again}`);
      return;
    }
    if (code === undefined || state === undefined) {
      sendPage(res, 400, "Install failed", `The callback from ${espName} has no code or no state. ${again}`);
      return;
    }
    const problem = checkState(deps.stateSecret, app.esp, state, cookieOf(req, STATE_COOKIE), deps.now());
    if (problem !== null) {
      sendPage(res, 400, "Install failed", `${problem} ${again}`);
      return;
    }

    let exchanged: Awaited<ReturnType<EspApp["exchangeCode"]>>;
    try {
      exchanged = await app.exchangeCode(code, state);
    } catch (failure) {
      sendPage(res, 502, "Install failed", `${espName} did not complete the install: ${sentence(espMessage(failure))} ${again}`);
      return;
    }
    const accountId = AccountIdSchema.safeParse(exchanged.accountId);
    if (!accountId.success) {
      sendPage(res, 502, "Install failed", `${espName} named an account id Tailor cannot use. ${again}`);
      return;
    }

    const installationId = `${app.esp}-${accountId.data}`;
    const existing = await deps.store.getInstallation(installationId);
    const installation: Installation = {
      ...(existing ?? { id: installationId, esp: app.esp, createdAt: new Date(deps.now()).toISOString(), propertiesDefined: [] }),
      name: exchanged.accountName,
      accountId: accountId.data,
      status: "active",
    };
    // Credentials first: an installation marked active always has them.
    await deps.store.saveCredentials(installationId, exchanged.credentials);
    await deps.store.saveInstallation(installation);
    if (deps.onInstalled !== undefined) {
      try {
        await deps.onInstalled(installationId);
      } catch (failure) {
        if (!isEspError(failure)) throw failure;
        sendPage(res, 502, "Setup failed", `Tailor is installed in ${exchanged.accountName}, but setting it up in ${espName} failed: ${sentence(failure.message)} Run the install again to retry.`);
        return;
      }
    }
    // The ESP just proved this browser's user may authorize the account: that is the panel sign-in
    // too (Klaviyo's app settings link starts here again for an installed app).
    deps.startSession?.(res, installationId, `${espName} admin (OAuth)`);
    res.redirect(302, `/installations/${encodeURIComponent(installationId)}`);
  });

  return router;
}

/** `<nonce>.<issued ms>.<mac>`: the MAC binds the ESP too, so one ESP's state cannot finish another's install. */
function signState(secret: string, esp: InstallEsp, nonce: string, issuedAt: number): string {
  return `${nonce}.${issuedAt}.${macOf(secret, esp, nonce, String(issuedAt))}`;
}

function macOf(secret: string, esp: InstallEsp, nonce: string, issuedAt: string): string {
  return createHmac("sha256", secret).update(`${esp}.${nonce}.${issuedAt}`).digest("base64url");
}

/** Why the callback's state cannot be trusted, or null when it can. */
function checkState(secret: string, esp: InstallEsp, state: string, cookie: string | null, now: number): string | null {
  const [nonce, issued, mac, extra] = state.split(".");
  if (nonce === undefined || issued === undefined || mac === undefined || extra !== undefined || !/^\d{1,15}$/.test(issued)) {
    return "The state in the callback is not one Tailor issued.";
  }
  if (!sameText(mac, macOf(secret, esp, nonce, issued))) return "The state in the callback is not one Tailor issued.";
  const issuedAt = Number(issued);
  if (issuedAt > now + CLOCK_SKEW_MS) return "The state in the callback is not one Tailor issued.";
  if (now - issuedAt > STATE_MAX_AGE_MS) return "The install took longer than 10 minutes, so its state expired.";
  // The cookie ties the state to the browser that started the install (login CSRF).
  if (cookie === null) return "This browser has no install in progress (the state cookie is missing; are cookies blocked?).";
  if (!sameText(cookie, state)) return "The state in the callback belongs to a different install than this browser started.";
  return null;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieOf(req: express.Request, name: string): string | null {
  for (const pair of (req.headers.cookie ?? "").split(";")) {
    const at = pair.indexOf("=");
    if (at < 0 || pair.slice(0, at).trim() !== name) continue;
    try {
      return decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      return null;
    }
  }
  return null;
}

/** Connectors raise EspError, whose messages carry no secrets by contract; the server may not import it, so it goes by name. */
function isEspError(error: unknown): error is Error {
  return error instanceof Error && error.name === "EspError";
}

function espMessage(error: unknown): string {
  return isEspError(error) ? error.message : "the request to the ESP failed";
}

const sentence = (text: string): string => (/[.!?]$/.test(text) ? text : `${text}.`);

function sendPage(res: express.Response, status: number, title: string, message: string): void {
  res
    .status(status)
    .type("html")
    .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · Tailor</title></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>`);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
