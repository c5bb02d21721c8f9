import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import express from "express";

// Chart.js's exports map has no UMD entry; its folder is found through the main entry instead.
const CHART_JS = join(dirname(createRequire(import.meta.url).resolve("chart.js")), "chart.umd.min.js");

/**
 * The panel's static assets: our stylesheet and scripts from ./static, and Chart.js (MIT) from
 * node_modules, never a CDN, so the CSP stays 'self' and the panel works offline.
 */
export function staticRoutes(): express.Router {
  const router = express.Router();
  // An hour: assets change only with a deploy, and a stale stylesheet for an hour harms nobody.
  router.get("/static/vendor/chart.umd.min.js", (_req, res) => {
    res.sendFile(CHART_JS, { maxAge: 3_600_000 });
  });
  router.use("/static", express.static(fileURLToPath(new URL("./static/", import.meta.url)), { maxAge: 3_600_000, index: false, fallthrough: false }));
  return router;
}
