import express from "express";
import type { Logger } from "pino";
import type { EspApp, Store } from "../../domain/index.js";
import { applyWebhookEvents } from "../../sync/apply-webhook-events.js";

type WebhookEsp = "hubspot" | "klaviyo";

export type WebhookRoutesDeps = {
  readonly store: Store;
  readonly apps: Partial<Record<WebhookEsp, Pick<EspApp, "verifyWebhook" | "parseWebhook">>>;
  /** The public origin the ESP calls (PUBLIC_URL): signatures cover the full URL, and behind a proxy req.host is not it. */
  readonly publicUrl: string;
  readonly now: () => number;
  readonly log: Logger;
};

/**
 * POST /webhooks/:esp — one endpoint per ESP. The body is read raw, on this route only, because
 * the signature covers its exact bytes. A bad or stale signature is a 401; a good delivery is
 * applied to the store and answered 200 (HubSpot waits 5 seconds and retries any non-2xx).
 */
export function webhookRoutes({ store, apps, publicUrl, now, log }: WebhookRoutesDeps): express.Router {
  const router = express.Router();
  const origin = publicUrl.replace(/\/+$/, "");

  router.post(
    "/webhooks/:esp",
    (req, res, next) => {
      // Before the body is read: an unknown ESP costs nothing.
      if (appOf(apps, req.params.esp) === undefined) {
        res.status(404).json({ error: "not_found" });
        return;
      }
      next();
    },
    // Any content type: the signature decides what is trusted, not a header. 1 MB is far above
    // a HubSpot batch of 100 events.
    express.raw({ type: () => true, limit: "1mb" }),
    async (req, res) => {
      const esp = req.params.esp;
      const app = appOf(apps, esp);
      if (app === undefined) return;
      const body: unknown = req.body;
      const rawBody = Buffer.isBuffer(body) ? body.toString("utf8") : "";
      const verdict = app.verifyWebhook({ method: req.method, url: origin + req.originalUrl, headers: headersOf(req), rawBody, receivedAt: now() });
      if (!verdict.ok) {
        // The reason only: never the signature, the body or the secret.
        log.warn({ esp, reason: verdict.reason }, "webhook refused");
        res.status(401).json({ error: "unauthorized" });
        return;
      }
      const { events, skipped } = app.parseWebhook(rawBody);
      const outcome = await applyWebhookEvents(store, events);
      log.info({ esp, events: events.length, skipped, ...outcome }, "webhook applied");
      res.status(200).json({ ok: true });
    },
  );
  return router;
}

function appOf(apps: WebhookRoutesDeps["apps"], esp: string | undefined): Pick<EspApp, "verifyWebhook" | "parseWebhook"> | undefined {
  return esp === "hubspot" || esp === "klaviyo" ? apps[esp] : undefined;
}

/** Node's headers as single strings: a repeated header is joined, as HTTP says it may be. */
function headersOf(req: express.Request): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  return headers;
}
