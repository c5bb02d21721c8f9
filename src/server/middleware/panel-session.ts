import cookieParser from "cookie-parser";
import { doubleCsrf } from "csrf-csrf";
import express from "express";
import type { Store } from "../../domain/index.js";
import type { Views } from "../create-views.js";
import type { PanelContext } from "../panel-context.js";
import { IdSchema } from "../routes/id-schema.js";
import { panelCookieOptions, SESSION_COOKIE, SESSION_MAX_AGE_MS, type Session, type SessionSigner } from "../session.js";

export type PanelAuthDeps = {
  readonly store: Store;
  readonly views: Views;
  readonly signer: SessionSigner;
  /** SESSION_SECRET: also keys the CSRF tokens. */
  readonly secret: string;
  /** True on https deployments: cookies become SameSite=None; Secure; Partitioned for the ESP's frame. */
  readonly secure: boolean;
  readonly now: () => number;
};

export type PanelAuth = {
  /** Sets the session cookie for one installation (after a signed link, an OAuth install or a local sign-in). */
  readonly startSession: (res: express.Response, installationId: string, user: string) => void;
  readonly endSession: (res: express.Response) => void;
  /** Mounted on `/installations/:installationId`: session for this installation, then CSRF on every unsafe method. */
  readonly guard: readonly express.RequestHandler[];
};

// The template QA page posts whole templates; 1 MB is far above any email's HTML.
const FORM_LIMIT = "1mb";

/**
 * Every panel URL names its installation; a request gets through only with a session for exactly
 * that one. No session: 401 and how to sign in. Another installation's session: 403, and nothing
 * about this one (not even whether it exists) is read. Unsafe methods also need the CSRF token
 * (csrf-csrf's double submit, bound to the session's nonce).
 */
export function createPanelAuth(deps: PanelAuthDeps): PanelAuth {
  const cookieOptions = panelCookieOptions(deps.secure);
  const { doubleCsrfProtection, generateCsrfToken } = doubleCsrf({
    getSecret: () => deps.secret,
    getSessionIdentifier: (req) => sessionOf(req)?.nonce ?? "",
    // __Host- pins the cookie to this host and path /, where browsers honour it (https only).
    cookieName: deps.secure ? "__Host-tailor.csrf" : "tailor.csrf",
    cookieOptions,
    getCsrfTokenFromRequest: (req) => {
      const body: unknown = req.body;
      const field = typeof body === "object" && body !== null && "_csrf" in body ? body._csrf : undefined;
      return typeof field === "string" ? field : req.headers["x-csrf-token"];
    },
  });

  const sessionOf = (req: express.Request): Session | null => {
    const cookies = req.cookies as Record<string, string | undefined> | undefined;
    return deps.signer.read(cookies?.[SESSION_COOKIE], deps.now());
  };

  const wantsJson = (req: express.Request): boolean => req.path.endsWith(".json") || req.path.endsWith(".csv") || !(req.accepts(["html", "json"]) === "html");

  const refuse = (req: express.Request, res: express.Response, status: 401 | 403 | 404, title: string, message: string) => {
    res.set("Cache-Control", "private, no-store");
    if (wantsJson(req)) {
      res.status(status).json({ error: status === 401 ? "unauthorized" : status === 403 ? "forbidden" : "not_found", message });
      return;
    }
    res.status(status).type("html").send(deps.views.render("sign-in", { title: `${title} · Tailor`, heading: title, message }));
  };

  const requireSession: express.RequestHandler = async (req, res, next) => {
    try {
      const session = sessionOf(req);
      if (session === null) {
        refuse(req, res, 401, "Sign in to Tailor", "Open Tailor from your ESP (HubSpot: Settings → Integrations → Connected apps → Tailor; Klaviyo: Integrations → Tailor → Settings), or open the link that tailor panel-link --installation <id> prints on the server.");
        return;
      }
      const wanted = IdSchema.safeParse(req.params.installationId);
      if (!wanted.success || wanted.data !== session.installationId) {
        refuse(req, res, 403, "Not your installation", "You are signed in to another installation. Open Tailor from the ESP account you want to manage.");
        return;
      }
      const installation = await deps.store.getInstallation(session.installationId);
      if (installation === null) {
        refuse(req, res, 404, "Not found", "This installation no longer exists.");
        return;
      }
      const panel: PanelContext = {
        installation: { id: installation.id, name: installation.name, esp: installation.esp },
        user: session.user,
        csrfToken: generateCsrfToken(req, res),
      };
      res.locals.panel = panel;
      next();
    } catch (error) {
      next(error);
    }
  };

  const csrf: express.RequestHandler = (req, res, next) => {
    doubleCsrfProtection(req, res, (error?: unknown) => {
      if (error === undefined) {
        next();
        return;
      }
      // The one expected failure: a form posted without its token, with a stale one, or from another site.
      refuse(req, res, 403, "Form expired", "This form was not sent from this Tailor page (its security token is missing or stale). Reload the page and try again.");
    });
  };

  return {
    startSession: (res, installationId, user) => {
      const { value } = deps.signer.sign(installationId, user, deps.now());
      res.cookie(SESSION_COOKIE, value, { ...cookieOptions, maxAge: SESSION_MAX_AGE_MS });
    },
    endSession: (res) => {
      res.clearCookie(SESSION_COOKIE, cookieOptions);
    },
    guard: [cookieParser(), express.urlencoded({ extended: false, limit: FORM_LIMIT, parameterLimit: 5000 }), requireSession, csrf],
  };
}
