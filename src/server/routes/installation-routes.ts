import express from "express";
import type { Store } from "../../domain/index.js";
import { sendPanelPage, type Views } from "../create-views.js";
import { panelOf } from "../panel-context.js";
import { toInstallationPage } from "./to-installation-page.js";

// The latest run plus a few before it: enough to see whether syncs are healthy; the Runs page has the rest.
const RUNS_SHOWN = 6;

/** The panel's overview: the latest sync at a glance with its alerts, and links to the run, the quarantine and lift. */
export function installationRoutes(store: Store, views: Views): express.Router {
  const router = express.Router();
  router.get("/installations/:installationId", async (_req, res, next) => {
    const installationId = panelOf(res).installation.id;
    const installation = await store.getInstallation(installationId);
    // The session middleware just read it; gone in between means it was deleted: the 404 page follows.
    if (installation === null) {
      next();
      return;
    }
    const [runs, quarantine] = await Promise.all([
      store.listRuns(installationId, RUNS_SHOWN),
      // Only the count: the quarantine browser pages the records.
      store.listQuarantine(installationId, { limit: 0, offset: 0 }),
    ]);
    sendPanelPage(res, views, "installation", { title: "Overview", active: "overview" }, toInstallationPage(installation, runs, quarantine.total));
  });
  return router;
}
