import express from "express";
import type { Store } from "../../domain/index.js";
import { IdSchema } from "./id-schema.js";

// Templates and the panel poll the feed; 5 minutes is fresher than any sync schedule allows (min 5).
const FEED_CACHE_CONTROL = "public, max-age=300";

/**
 * The dynamic-content feed, keyed by product id: what the files connector's templates and the
 * settings panel read to render recommendation slots. express adds an ETag, so pollers get 304s.
 */
export function feedRoutes(store: Store): express.Router {
  const router = express.Router();
  router.get("/feeds/:installationId.json", async (req, res) => {
    const feed = await store.getFeed(IdSchema.parse(req.params.installationId));
    if (!feed) {
      res.status(404).json({ error: "not_found" });
      return;
    }
    res.set("Cache-Control", FEED_CACHE_CONTROL).json(feed);
  });
  return router;
}
