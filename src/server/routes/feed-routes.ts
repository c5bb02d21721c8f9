import express from "express";
import { SHARED_FEED_MAX_BYTES, type Feed, type Store } from "../../domain/index.js";
import { toSharedFeed } from "../../engine/build-feed.js";
import { IdSchema } from "./id-schema.js";

// Templates and the panel poll the feed; 5 minutes is fresher than any sync schedule allows (min 5).
const FEED_CACHE_CONTROL = "public, max-age=300";

/**
 * The dynamic-content feeds. `/feeds/<id>.json`, keyed by product id, is what the files
 * connector's templates and the settings panel read to render slots. `/feeds/<id>/shared.json`
 * is the small account-level feed a Klaviyo web feed fetches every 15 minutes (fallback products
 * per segment; never per recipient). Both carry only what the store already publishes on its site.
 * express adds an ETag, so pollers get 304s.
 */
export function feedRoutes(store: Store): express.Router {
  const router = express.Router();
  /** Answers with `shape(feed)` of the installation's stored feed, or 404 before its first run. */
  const serveFeed = (shape: (feed: Feed) => unknown) => async (req: express.Request<{ installationId: string }>, res: express.Response) => {
    const feed = await store.getFeed(IdSchema.parse(req.params.installationId));
    if (!feed) {
      res.status(404).json({ error: "not_found" });
      return;
    }
    res.set("Cache-Control", FEED_CACHE_CONTROL).json(shape(feed));
  };
  router.get("/feeds/:installationId.json", serveFeed((feed) => feed));
  router.get("/feeds/:installationId/shared.json", serveFeed((feed) => toSharedFeed(feed, SHARED_FEED_MAX_BYTES)));
  return router;
}
