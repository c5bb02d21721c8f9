import { randomBytes } from "node:crypto";
import express from "express";
import type { Logger } from "pino";
import type { EspApp, Store } from "../domain/index.js";
import { createViews } from "./create-views.js";
import { errorHandler } from "./middleware/error-handler.js";
import { createPanelAuth } from "./middleware/panel-session.js";
import { securityHeaders } from "./middleware/security-headers.js";
import type { PanelRouteDeps } from "./panel-context.js";
import { demoImageRoutes } from "./routes/demo-image-routes.js";
import { feedRoutes } from "./routes/feed-routes.js";
import { installRoutes } from "./routes/install-routes.js";
import { installationRoutes } from "./routes/installation-routes.js";
import { liftRoutes } from "./routes/lift-routes.js";
import { panelEntryRoutes } from "./routes/panel-entry-routes.js";
import { profileRoutes } from "./routes/profile-routes.js";
import { segmentRoutes } from "./routes/segment-routes.js";
import { contactRoutes } from "./routes/contact-routes.js";
import { runRoutes } from "./routes/run-routes.js";
import { segmentPages } from "./routes/segment-pages.js";
import { settingsRoutes } from "./routes/settings-routes.js";
import { templateQaRoutes } from "./routes/template-qa-routes.js";
import { webhookRoutes } from "./routes/webhook-routes.js";
import { createSessionSigner } from "./session.js";
import { staticRoutes } from "./static-routes.js";

export type AppDeps = {
  readonly store: Store;
  readonly log: Logger;
  /** The installation `/` leads to. */
  readonly installationId: string;
  /** ESP apps this deployment installs into (OAuth and webhooks); none for the demo. */
  readonly esps?: {
    readonly apps: Partial<Record<"hubspot" | "klaviyo", EspApp>>;
    /** Signs the OAuth state (SESSION_SECRET). */
    readonly stateSecret: string;
    /** The public origin the ESP calls back and signs webhooks for (PUBLIC_URL). */
    readonly publicUrl: string;
    /** Property setup right after an install. */
    readonly onInstalled: (installationId: string) => Promise<void>;
  };
  readonly panel?: {
    /** Signs sessions, sign-in links and CSRF tokens (SESSION_SECRET); a random one per process when absent (the demo: sessions end with the process). */
    readonly sessionSecret?: string;
    /** https deployments: cookies that work inside the ESP's frame. Default: PUBLIC_URL is https. */
    readonly secure?: boolean;
    /** The localhost demo: opening `/` signs in to `installationId`. */
    readonly localSignIn?: boolean;
  };
  readonly now?: () => number;
  /** The engine seed of this deployment's syncs (the CLI's --seed, 42 by default). */
  readonly seed?: number;
};

/** Builds the app without listening, so tests drive it on an ephemeral port. */
export function createApp(deps: AppDeps): express.Express {
  const views = createViews();
  const now = deps.now ?? (() => Date.now());
  const secret = deps.panel?.sessionSecret ?? deps.esps?.stateSecret ?? randomBytes(32).toString("base64url");
  const signer = createSessionSigner(secret);
  const publicUrl = deps.esps?.publicUrl ?? "http://localhost";
  const auth = createPanelAuth({ store: deps.store, views, signer, secret, secure: deps.panel?.secure ?? publicUrl.startsWith("https:"), now });
  const panel: PanelRouteDeps = { store: deps.store, views, now, seed: deps.seed ?? 42 };

  const app = express();
  // No need to tell scanners which framework answers.
  app.disable("x-powered-by");
  app.use(securityHeaders());
  app.get("/healthz", (_req, res) => {
    res.json({ ok: true });
  });
  app.use(staticRoutes());
  // Public like /static: placeholder tiles the demo shop's products point at, so it works offline.
  app.use(demoImageRoutes());
  if (deps.esps !== undefined) {
    // Webhooks first: they read the raw body, which a JSON parser elsewhere must not consume.
    app.use(webhookRoutes({ store: deps.store, apps: deps.esps.apps, publicUrl: deps.esps.publicUrl, now, log: deps.log }));
    app.use(installRoutes({
      store: deps.store, apps: deps.esps.apps, stateSecret: deps.esps.stateSecret, now, onInstalled: deps.esps.onInstalled,
      startSession: (res, installationId, user) => { auth.startSession(res, installationId, user); },
    }));
  }
  // Public on purpose: ESPs and templates fetch them without a session; they hold catalog data only.
  app.use(feedRoutes(deps.store));
  app.use(panelEntryRoutes({
    store: deps.store, views, auth, signer, now, publicUrl, home: deps.installationId,
    ...(deps.esps?.apps.hubspot === undefined ? {} : { hubspot: deps.esps.apps.hubspot }),
    ...(deps.panel?.localSignIn === true ? { localSignIn: deps.installationId } : {}),
  }));
  // Everything under /installations/<id> is the panel: a session for that installation, then CSRF.
  app.use("/installations/:installationId", ...auth.guard);
  // JSON routes before the pages: /contacts/c.42.json must not be taken for a contact page.
  app.use(profileRoutes(deps.store));
  app.use(segmentRoutes(deps.store));
  app.use(installationRoutes(deps.store, views));
  app.use(settingsRoutes(panel));
  app.use(contactRoutes(panel));
  app.use(segmentPages(panel));
  app.use(runRoutes(panel));
  app.use(liftRoutes(panel));
  app.use(templateQaRoutes(panel));
  app.use((_req, res) => {
    res.status(404).type("html").send(views.render("not-found", { what: "page at this address" }));
  });
  app.use(errorHandler(deps.log));
  return app;
}
