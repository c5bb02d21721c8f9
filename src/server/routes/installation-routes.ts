import express from "express";
import type { Store } from "../../domain/index.js";
import type { Views } from "../create-views.js";
import { IdSchema } from "./id-schema.js";
import { toInstallationPage } from "./to-installation-page.js";

// The latest run in full plus a short history; older runs add nothing a person acts on.
const RUNS_SHOWN = 20;
// Enough to see the pattern in what was quarantined without a page of megabytes.
const QUARANTINE_SHOWN = 50;

/** The installation's home page: what the last sync did, its history and what it quarantined. */
export function installationRoutes(store: Store, views: Views): express.Router {
  const router = express.Router();
  router.get("/installations/:installationId", async (req, res) => {
    const installationId = IdSchema.parse(req.params.installationId);
    const installation = await store.getInstallation(installationId);
    if (!installation) {
      res.status(404).type("html").send(views.render("not-found", { what: `installation "${installationId}"` }));
      return;
    }
    const [runs, quarantine] = await Promise.all([
      store.listRuns(installationId, RUNS_SHOWN),
      store.listQuarantine(installationId, { limit: QUARANTINE_SHOWN, offset: 0 }),
    ]);
    res.type("html").send(views.render("installation", toInstallationPage(installation, runs, quarantine)));
  });
  return router;
}
