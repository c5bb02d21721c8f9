import type { RequestHandler } from "express";
import helmet from "helmet";

/**
 * Who may frame the panel: ourselves, and the ESP pages that embed it (HubSpot's app settings
 * page and its iframe modals live on app.hubspot.com and regional app-<region>.hubspot.com hosts;
 * Klaviyo links to the panel from its integrations page, framed or not).
 */
export const FRAME_ANCESTORS = ["'self'", "https://*.hubspot.com", "https://www.klaviyo.com"] as const;

/**
 * helmet with a strict CSP: every script and stylesheet is a file from our own origin (Chart.js
 * included), so no 'unsafe-inline' anywhere; product images may come from any https CDN.
 * X-Frame-Options is off because it cannot name several framing origins; frame-ancestors does.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "https:", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": [...FRAME_ANCESTORS],
      },
    },
    frameguard: false,
    referrerPolicy: { policy: "no-referrer" },
  });
}
