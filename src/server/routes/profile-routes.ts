import express from "express";
import type { Store } from "../../domain/index.js";
import { IdSchema } from "./id-schema.js";

/** One contact's scored profile, every value with its reason: what the panel's contact view shows. */
export function profileRoutes(store: Store): express.Router {
  const router = express.Router();
  router.get("/installations/:installationId/contacts/:contactId.json", async (req, res) => {
    const profile = await store.getProfile(IdSchema.parse(req.params.installationId), IdSchema.parse(req.params.contactId));
    if (!profile) {
      res.status(404).json({ error: "not_found" });
      return;
    }
    // A person's data: never kept by a shared cache.
    res.set("Cache-Control", "private, no-store").json(profile);
  });
  return router;
}
