import express from "express";
import { z } from "zod";
import type { Store } from "../../domain/index.js";
import { sampleCommand } from "../../sync/sample-command.js";
import type { SampleFormat } from "../../sync/sample-command.js";
import { panelOf } from "../panel-context.js";
import { IdSchema } from "./id-schema.js";

// A spot-check is read by a person; 500 rows is more than anyone reads and keeps responses small.
const MAX_SAMPLE = 500;

/** ?seed=1: the same seed gives the same sample, so a link to a sample stays true until the next sync. */
export const SeedQuerySchema = z.object({
  // The rng seeds from a 32-bit integer (pure-rand xoroshiro128plus), so wider seeds would alias.
  seed: z.coerce.number().int().min(-(2 ** 31)).max(2 ** 31 - 1).default(1),
});

/** ?n=20&seed=1: how many members to draw, and the seed. */
const SampleQuerySchema = SeedQuerySchema.extend({
  n: z.coerce.number().int().min(1).max(MAX_SAMPLE).default(20),
});

const CONTENT_TYPE: Record<Exclude<SampleFormat, "text">, string> = { json: "application/json", csv: "text/csv" };

/** A reproducible random sample of a segment's members with every value and reason, as JSON or CSV. */
export function segmentRoutes(store: Store): express.Router {
  const router = express.Router();
  const sample = (format: "json" | "csv"): express.RequestHandler => async (req, res) => {
    // The session middleware checked the URL's installation; from here on only the session's counts.
    const installationId = panelOf(res).installation.id;
    const segment = IdSchema.parse(req.params.segment);
    const { n, seed } = SampleQuerySchema.parse(req.query);
    const body = await sampleCommand(store, installationId, { segment, n, seed, format });
    // People's data: never kept by a shared cache.
    res.set("Cache-Control", "private, no-store").type(CONTENT_TYPE[format]).send(body);
  };
  router.get("/installations/:installationId/segments/:segment/sample.json", sample("json"));
  router.get("/installations/:installationId/segments/:segment/sample.csv", sample("csv"));
  return router;
}
