import { AccountsApi, CatalogsApi, DataPrivacyApi, EventsApi, MetricsApi, ProfilesApi, WebFeedsApi, type Session } from "klaviyo-api";
import type { KlaviyoOperation } from "./rate-limits.js";

/** The SDK API classes Tailor uses, all on one session and one API root. */
export type KlaviyoApis = {
  readonly accounts: AccountsApi;
  readonly catalogs: CatalogsApi;
  readonly dataPrivacy: DataPrivacyApi;
  readonly events: EventsApi;
  readonly metrics: MetricsApi;
  readonly profiles: ProfilesApi;
  readonly webFeeds: WebFeedsApi;
};

/**
 * Runs one SDK call under the installation's limiter for `operation` (Klaviyo meters each
 * operation apart, K-SPEC `x-klaviyo-ratelimit`) and our retry policy, translating failures into
 * EspError. Every Klaviyo request goes through one of these; nothing calls the SDK bare.
 */
export type KlaviyoCall = <T>(operation: KlaviyoOperation, what: string, fn: (apis: KlaviyoApis) => Promise<T>) => Promise<T>;

/**
 * The API classes on `session`. The SDK has no global base URL: each class takes its own
 * (`basePath`), so local mocks and tests set it on every one here.
 */
export function createKlaviyoApis(session: Session, basePath?: string): KlaviyoApis {
  const apis = {
    accounts: new AccountsApi(session),
    catalogs: new CatalogsApi(session),
    dataPrivacy: new DataPrivacyApi(session),
    events: new EventsApi(session),
    metrics: new MetricsApi(session),
    profiles: new ProfilesApi(session),
    webFeeds: new WebFeedsApi(session),
  };
  if (basePath !== undefined) for (const api of Object.values(apis)) api.basePath = basePath.replace(/\/+$/, "");
  return apis;
}
