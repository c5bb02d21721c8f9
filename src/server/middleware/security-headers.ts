import type { RequestHandler } from "express";
import helmet from "helmet";

/**
 * helmet's defaults, with a CSP for these pages: inline styles live in the layout and product
 * images come from the store's CDN. `frame-ancestors` stays open to the ESPs that embed the
 * settings page once the panel lands; until then only our own origin may frame it.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        "default-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "https:", "data:"],
        "frame-ancestors": ["'self'"],
      },
    },
    referrerPolicy: { policy: "no-referrer" },
  });
}
