import express from "express";
import { rateLimit } from "express-rate-limit";
import { z } from "zod";
import type { EspApp, Store } from "../../domain/index.js";
import type { Views } from "../create-views.js";
import type { PanelAuth } from "../middleware/panel-session.js";
import { panelUrl } from "../panel-context.js";
import type { SessionSigner } from "../session.js";

export type PanelEntryDeps = {
  readonly store: Store;
  readonly views: Views;
  readonly auth: PanelAuth;
  readonly signer: SessionSigner;
  readonly now: () => number;
  /** The public origin, for links handed to the ESP (PUBLIC_URL). */
  readonly publicUrl: string;
  /** The HubSpot app, whose signature (v3, as on webhooks) proves a settings-page request came from HubSpot. */
  readonly hubspot?: Pick<EspApp, "verifyWebhook">;
  /** The localhost demo: `/` signs the visitor in to this installation. Never set on a deployment that faces the internet. */
  readonly localSignIn?: string;
  /** Where `/` goes otherwise. */
  readonly home: string;
};

const LinkQuerySchema = z.object({ link: z.string().min(1).max(4096) });
// hubspot.fetch adds these to every request it signs (UNVERIFIED beyond HubSpot's UI extension docs: portalId and userEmail).
const HubSpotQuerySchema = z.object({ portalId: z.string().regex(/^\d{1,20}$/), userEmail: z.string().max(254).optional(), userId: z.string().max(40).optional() });

/**
 * How an admin gets a panel session: a signed link (printed by `tailor panel-link`, or handed to
 * HubSpot's settings page by /hubspot/panel-link), the OAuth install itself (install routes), or on
 * the localhost demo simply opening `/`. Sign-in endpoints are rate limited per client address.
 */
export function panelEntryRoutes(deps: PanelEntryDeps): express.Router {
  const router = express.Router();
  // 20 a minute: a person signs in a few times a day; a script guessing links gets nowhere.
  const limiter = rateLimit({ windowMs: 60_000, limit: 20, standardHeaders: "draft-8", legacyHeaders: false, message: { error: "too_many_requests" } });

  router.get("/", (_req, res) => {
    if (deps.localSignIn !== undefined) {
      deps.auth.startSession(res, deps.localSignIn, "local admin");
      res.redirect(303, panelUrl(deps.localSignIn));
      return;
    }
    res.redirect(302, panelUrl(deps.home));
  });

  router.get("/panel/enter", limiter, async (req, res) => {
    const query = LinkQuerySchema.safeParse(req.query);
    const checked = query.success ? deps.signer.readLink(query.data.link, deps.now()) : { ok: false as const, reason: "This address has no sign-in link." };
    if (!checked.ok) {
      res.status(401).type("html").send(deps.views.render("sign-in", { title: "Sign-in failed · Tailor", heading: "Sign-in failed", message: `${checked.reason} Open Tailor from your ESP again.` }));
      return;
    }
    if ((await deps.store.getInstallation(checked.installationId)) === null) {
      res.status(404).type("html").send(deps.views.render("sign-in", { title: "Not found · Tailor", heading: "Not found", message: "The installation this link names no longer exists." }));
      return;
    }
    deps.auth.startSession(res, checked.installationId, checked.user);
    // 303: the link is used once by this GET; a reload of the panel does not replay it.
    res.redirect(303, panelUrl(checked.installationId));
  });

  router.post("/panel/sign-out", (_req, res) => {
    deps.auth.endSession(res);
    res.status(200).type("html").send(deps.views.render("sign-in", { title: "Signed out · Tailor", heading: "Signed out", message: "Open Tailor from your ESP to sign in again." }));
  });

  const { hubspot } = deps;
  if (hubspot !== undefined) {
    const origin = deps.publicUrl.replace(/\/+$/, "");
    // HubSpot's settings page asks for a sign-in link with hubspot.fetch, which signs the request
    // like a webhook (v3: method, full URL, body, timestamp) with the app's client secret.
    router.post("/hubspot/panel-link", limiter, express.raw({ type: () => true, limit: "64kb" }), async (req, res) => {
      const body: unknown = req.body;
      const rawBody = Buffer.isBuffer(body) ? body.toString("utf8") : "";
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(", ") : value;
      const verdict = hubspot.verifyWebhook({ method: req.method, url: origin + req.originalUrl, headers, rawBody, receivedAt: deps.now() });
      if (!verdict.ok) {
        res.status(401).json({ error: "unauthorized" });
        return;
      }
      const query = HubSpotQuerySchema.safeParse(req.query);
      if (!query.success) {
        res.status(400).json({ error: "invalid_request", message: "portalId is missing" });
        return;
      }
      const installationId = `hubspot-${query.data.portalId}`;
      const installation = await deps.store.getInstallation(installationId);
      if (installation === null || installation.status === "uninstalled") {
        res.status(404).json({ error: "not_installed", message: "Tailor is not installed in this HubSpot account." });
        return;
      }
      const user = `HubSpot user ${query.data.userId ?? "?"}${query.data.userEmail === undefined ? "" : ` (${query.data.userEmail})`}`;
      const link = deps.signer.signLink(installationId, user, deps.now());
      res.set("Cache-Control", "no-store").json({ url: `${origin}/panel/enter?link=${encodeURIComponent(link)}` });
    });
  }
  return router;
}
