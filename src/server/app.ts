import express from "express";
import type { Logger } from "pino";
import type { Store } from "../domain/index.js";
import { createViews } from "./create-views.js";
import { errorHandler } from "./middleware/error-handler.js";
import { securityHeaders } from "./middleware/security-headers.js";
import { feedRoutes } from "./routes/feed-routes.js";
import { installationRoutes } from "./routes/installation-routes.js";
import { liftRoutes } from "./routes/lift-routes.js";
import { profileRoutes } from "./routes/profile-routes.js";
import { segmentRoutes } from "./routes/segment-routes.js";

export type AppDeps = {
  readonly store: Store;
  readonly log: Logger;
  /** The installation the home page shows. */
  readonly installationId: string;
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
  app.use(feedRoutes(deps.store));
  app.use(profileRoutes(deps.store));
  app.use(segmentRoutes(deps.store));
  app.use(liftRoutes(deps.store));
  app.use(installationRoutes(deps.store, views));
  app.use(errorHandler(deps.log));
  return app;
}
