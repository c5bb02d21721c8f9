import type { RequestHandler } from "express";

// Inline styles live in the layout; product images come from the store's CDN.
const CONTENT_SECURITY_POLICY = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' https: data:";

/** The few headers helmet would set that these pages need; helmet is not a dependency yet. */
export function securityHeaders(): RequestHandler {
  return (_req, res, next) => {
    res.set({
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
      "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    });
    next();
  };
}
