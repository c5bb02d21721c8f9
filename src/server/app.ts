import express from "express";
import type { Logger } from "pino";
import type { EspApp, Store } from "../domain/index.js";
import { createViews } from "./create-views.js";
import { errorHandler } from "./middleware/error-handler.js";
import { securityHeaders } from "./middleware/security-headers.js";
import { feedRoutes } from "./routes/feed-routes.js";
import { installRoutes } from "./routes/install-routes.js";
import { webhookRoutes } from "./routes/webhook-routes.js";
import { installationRoutes } from "./routes/installation-routes.js";
import { liftRoutes } from "./routes/lift-routes.js";
import { profileRoutes } from "./routes/profile-routes.js";
import { segmentRoutes } from "./routes/segment-routes.js";

export type AppDeps = {
  readonly store: Store;
  readonly log: Logger;
  /** The installation the home page shows. */
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
};

/** Builds the app without listening, so tests drive it on an ephemeral port. */
export function createApp(deps: AppDeps): express.Express {
  const views = createViews();
  const app = express();
  // No need to tell scanners which framework answers.
  app.disable("x-powered-by");
  app.use(securityHeaders());
  app.get("/healthz", (_req, res) => {
    res.json({ ok: true });
  });
  app.get("/", (_req, res) => {
    res.redirect(302, `/installations/${encodeURIComponent(deps.installationId)}`);
  });
  if (deps.esps !== undefined) {
    // Webhooks first: they read the raw body, which a JSON parser elsewhere must not consume.
    app.use(webhookRoutes({ store: deps.store, apps: deps.esps.apps, publicUrl: deps.esps.publicUrl, now: () => Date.now(), log: deps.log }));
    app.use(installRoutes({ store: deps.store, apps: deps.esps.apps, stateSecret: deps.esps.stateSecret, now: () => Date.now(), onInstalled: deps.esps.onInstalled }));
  }
  app.use(feedRoutes(deps.store));
  app.use(profileRoutes(deps.store));
  app.use(segmentRoutes(deps.store));
  app.use(liftRoutes(deps.store));
  app.use(installationRoutes(deps.store, views));
  app.use(errorHandler(deps.log));
  return app;
}
