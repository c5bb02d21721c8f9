import express from "express";
import type { Store } from "../../domain/index.js";
import { panelOf } from "../panel-context.js";
import { IdSchema } from "./id-schema.js";

/** One contact's scored profile, every value with its reason: the contact page's data as JSON. */
export function profileRoutes(store: Store): express.Router {
  const router = express.Router();
  router.get("/installations/:installationId/contacts/:contactId.json", async (req, res) => {
    // The session middleware checked the URL's installation; from here on only the session's counts.
    const installationId = panelOf(res).installation.id;
    const profile = await store.getProfile(installationId, IdSchema.parse(req.params.contactId));
    if (!profile) {
      res.status(404).json({ error: "not_found" });
      return;
    }
    // A person's data: never kept by a shared cache.
    res.set("Cache-Control", "private, no-store").json(profile);
  });
  // Why a contact is suppressed or in a flow, newest first: the suppressions log the panel shows.
  router.get("/installations/:installationId/contacts/:contactId/guard-log.json", async (req, res) => {
    const installationId = panelOf(res).installation.id;
    const contactId = IdSchema.parse(req.params.contactId);
    const log = (await store.readGuardLog(installationId)).get(contactId) ?? [];
    const entries = [...log].reverse().map((e) => ({
      at: new Date(e.at).toISOString(), key: e.key, on: e.on, reason: e.reason, until: e.until === null ? null : new Date(e.until).toISOString(),
    }));
    res.set("Cache-Control", "private, no-store").json({ contactId, entries });
  });
  return router;
}
