import type { ErrorRequestHandler } from "express";
import type { Logger } from "pino";
import { z } from "zod";

/** The one place a failed request becomes a response: bad input is a 400, anything else a logged 500 with no details. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    // Too late for a clean response: express's own handler closes the connection.
    if (res.headersSent) {
      next(error);
      return;
    }
    if (error instanceof z.ZodError) {
      res.status(400).json({ error: "invalid_request", issues: error.issues });
      return;
    }
    // The router raises 4xx errors itself, e.g. for a path with broken %-encoding: the client's fault, not ours.
    const status = statusOf(error);
    if (status !== undefined && status >= 400 && status < 500) {
      res.status(status).json({ error: "bad_request" });
      return;
    }
    log.error({ err: error, method: req.method, path: req.path }, "request failed");
    res.status(500).json({ error: "internal_error" });
  };
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null || !("status" in error)) return undefined;
  return typeof error.status === "number" ? error.status : undefined;
}
