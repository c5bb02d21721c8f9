/**
 * Klaviyo meters every operation apart, per account (per installed app for OAuth apps), with a
 * 1-second burst and a 1-minute steady window (developers.klaviyo.com/en/docs/rate_limits_and_error_handling).
 * The figures and scopes are copied from Klaviyo's OpenAPI spec (`x-klaviyo-ratelimit`,
 * `x-klaviyo-scopes`, revision 2026-07-15); tests/contract checks this table against it, so a
 * new spec that changes a limit fails the suite instead of drawing 429s.
 */
export type KlaviyoLimit = {
  readonly method: "GET" | "POST" | "PATCH";
  readonly path: string;
  /** Calls per second. */
  readonly burst: number;
  /** Calls per minute. */
  readonly steady: number;
  readonly scopes: readonly string[];
};

export const KLAVIYO_RATE_LIMITS = {
  get_accounts: { method: "GET", path: "/api/accounts", burst: 1, steady: 15, scopes: ["accounts:read"] },
  get_profiles: { method: "GET", path: "/api/profiles", burst: 75, steady: 750, scopes: ["profiles:read"] },
  get_profile: { method: "GET", path: "/api/profiles/{id}", burst: 75, steady: 750, scopes: ["profiles:read"] },
  bulk_import_profiles: { method: "POST", path: "/api/profile-bulk-import-jobs", burst: 10, steady: 150, scopes: ["lists:write", "profiles:write"] },
  get_bulk_import_profiles_job: { method: "GET", path: "/api/profile-bulk-import-jobs/{job_id}", burst: 10, steady: 150, scopes: ["lists:read", "profiles:read"] },
  get_errors_for_bulk_import_profiles_job: { method: "GET", path: "/api/profile-bulk-import-jobs/{id}/import-errors", burst: 10, steady: 150, scopes: ["profiles:read"] },
  get_metrics: { method: "GET", path: "/api/metrics", burst: 10, steady: 150, scopes: ["metrics:read"] },
  get_events: { method: "GET", path: "/api/events", burst: 350, steady: 3500, scopes: ["events:read"] },
  get_catalog_items: { method: "GET", path: "/api/catalog-items", burst: 350, steady: 3500, scopes: ["catalogs:read"] },
  get_catalog_categories: { method: "GET", path: "/api/catalog-categories", burst: 350, steady: 3500, scopes: ["catalogs:read"] },
  bulk_create_catalog_items: { method: "POST", path: "/api/catalog-item-bulk-create-jobs", burst: 75, steady: 750, scopes: ["catalogs:write"] },
  get_bulk_create_catalog_items_job: { method: "GET", path: "/api/catalog-item-bulk-create-jobs/{job_id}", burst: 75, steady: 750, scopes: ["catalogs:read"] },
  bulk_update_catalog_items: { method: "POST", path: "/api/catalog-item-bulk-update-jobs", burst: 75, steady: 750, scopes: ["catalogs:write"] },
  get_bulk_update_catalog_items_job: { method: "GET", path: "/api/catalog-item-bulk-update-jobs/{job_id}", burst: 75, steady: 750, scopes: ["catalogs:read"] },
  get_web_feeds: { method: "GET", path: "/api/web-feeds", burst: 1, steady: 15, scopes: ["web-feeds:read"] },
  create_web_feed: { method: "POST", path: "/api/web-feeds", burst: 1, steady: 15, scopes: ["web-feeds:write"] },
  update_web_feed: { method: "PATCH", path: "/api/web-feeds/{id}", burst: 1, steady: 15, scopes: ["web-feeds:write"] },
  request_profile_deletion: { method: "POST", path: "/api/data-privacy-deletion-jobs", burst: 3, steady: 60, scopes: ["data-privacy:write"] },
} as const satisfies Record<string, KlaviyoLimit>;

/** A Klaviyo operation Tailor calls, by the spec's operationId. */
export type KlaviyoOperation = keyof typeof KLAVIYO_RATE_LIMITS;
