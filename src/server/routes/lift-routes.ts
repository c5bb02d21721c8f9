import express from "express";
import { z } from "zod";
import type { Store } from "../../domain/index.js";
import { buildLiftReport } from "../../sync/lift-command.js";
import { IdSchema } from "./id-schema.js";

/** ?days=28: the window ends now; a year is the longest a holdout is worth keeping (Braze reshuffles at most monthly, runs ~3 months). */
const DAYS_MESSAGE = "days must be a whole number from 1 to 365";
const LiftQuerySchema = z.object({
  days: z.coerce.number({ error: DAYS_MESSAGE }).int(DAYS_MESSAGE).min(1, DAYS_MESSAGE).max(365, DAYS_MESSAGE).default(28),
});

/** The lift report as JSON for the panel: treated vs holdout for the global holdout and each feature pilot over the last `days` days. */
export function liftRoutes(store: Store, now: () => Date = () => new Date()): express.Router {
  const router = express.Router();
  router.get("/installations/:installationId/lift.json", async (req, res) => {
    const installationId = IdSchema.parse(req.params.installationId);
    const { days } = LiftQuerySchema.parse(req.query);
    if ((await store.getInstallation(installationId)) === null) {
      res.status(404).json({ error: "not_found" });
      return;
    }
    const report = await buildLiftReport(store, installationId, { days, to: now() });
    // Business figures of one shop: never kept by a shared cache.
    res.set("Cache-Control", "private, no-store").json(report);
  });
  return router;
}
