import { withScopeHints } from "./catalog-sync.js";
import type { KlaviyoCall } from "./klaviyo-call.js";

/** Templates read a feed as `{{ feeds.<name> }}`, so Tailor keeps to names that work there. */
const FEED_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** How Tailor serves its feed: a GET answering JSON (K-SPEC WebFeedCreateQuery request_method, content_type). */
const REQUEST_METHOD = "get" as const;
const CONTENT_TYPE = "json" as const;

/**
 * Registers Tailor's shared web feed in the account, or points the one of the same name at `url`.
 * Web feed calls are limited to 1/s and 15/min (K-SPEC), so this makes at most two: one filtered
 * read, then a create or an update. A 403 throws an auth EspError naming the missing scope.
 */
export async function ensureWebFeed(call: KlaviyoCall, feed: { readonly name: string; readonly url: string }): Promise<"created" | "updated" | "unchanged"> {
  if (!FEED_NAME.test(feed.name)) throw new RangeError(`A web feed name must be letters, digits and _ (templates read it as feeds.<name>), got "${feed.name}"`);
  const scoped = withScopeHints(call);
  const { body } = await scoped("get_web_feeds", "get web feeds", (apis) =>
    apis.webFeeds.getWebFeeds({ filter: `equals(name,'${feed.name}')`, fieldsWebFeed: ["name", "url", "request_method", "content_type"] }),
  );
  // The filter should return only this feed; matching the name again guards against a looser filter.
  const existing = body.data.find((f) => f.attributes.name === feed.name);
  if (existing === undefined) {
    const create = { data: { type: "web-feed" as const, attributes: { name: feed.name, url: feed.url, requestMethod: REQUEST_METHOD, contentType: CONTENT_TYPE } } };
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- the SDK documents plain objects for its codegen body classes
    await scoped("create_web_feed", "create web feed", (apis) => apis.webFeeds.createWebFeed(create));
    return "created";
  }
  const { url, requestMethod, contentType } = existing.attributes;
  if (url === feed.url && String(requestMethod) === REQUEST_METHOD && String(contentType) === CONTENT_TYPE) return "unchanged";
  const update = { data: { type: "web-feed" as const, id: existing.id, attributes: { url: feed.url, requestMethod: REQUEST_METHOD, contentType: CONTENT_TYPE } } };
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- the SDK documents plain objects for its codegen body classes
  await scoped("update_web_feed", "update web feed", (apis) => apis.webFeeds.updateWebFeed(existing.id, update));
  return "updated";
}
