import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ensureWebFeed } from "../../../../src/connectors/klaviyo/web-feed.js";
import { SHARED_FEED_MAX_BYTES } from "../../../../src/domain/index.js";
import { EspError } from "../../../../src/connectors/shared/esp-error.js";
import { checkKlaviyoRequests, checkKlaviyoResponse, recordRequests } from "../../../contract/klaviyo-spec.js";
import { FAKE_KEY, fixture, KLAVIYO, testCall } from "./test-call.js";

const FEEDS = "/api/web-feeds";
const FEED_ID = "925e385b52fb";
const URL_NOW = "https://tailor.example.com/feeds/acct-fake/shared.json";
const URL_NEXT = "https://tailor.example.com/feeds/acct-fake/shared-v2.json";
const klaviyo = () => nock(KLAVIYO);
const body = (name: string) => fixture(name) as nock.Body;
const findTailor = { filter: "equals(name,'tailor')", "fields[web-feed]": "name,url,request_method,content_type" };

describe("ensureWebFeed", () => {
  beforeEach(() => { nock.disableNetConnect(); });
  afterEach(() => { nock.cleanAll(); nock.enableNetConnect(); });

  it("creates the feed when the account has none of that name: one filtered read, one create", async () => {
    const scope = klaviyo()
      .get(FEEDS).query(findTailor).reply(200, body("web-feed-list-empty.json"))
      .post(FEEDS, { data: { type: "web-feed", attributes: { name: "tailor", url: URL_NOW, request_method: "get", content_type: "json" } } })
      .reply(201, body("web-feed-created.json"));
    const requests = recordRequests(scope);
    expect(await ensureWebFeed(testCall().call, { name: "tailor", url: URL_NOW })).toBe("created");
    expect(scope.isDone()).toBe(true);
    expect(requests).toHaveLength(2);
    expect(checkKlaviyoRequests(requests)).toEqual([]);
  });

  it("leaves a feed that already points at the url alone, with a single read", async () => {
    const scope = klaviyo().get(FEEDS).query(findTailor).reply(200, body("web-feed-list.json"));
    const requests = recordRequests(scope);
    expect(await ensureWebFeed(testCall().call, { name: "tailor", url: URL_NOW })).toBe("unchanged");
    expect(requests).toHaveLength(1);
    expect(checkKlaviyoRequests(requests)).toEqual([]);
  });

  it("points the existing feed at a new url", async () => {
    const scope = klaviyo()
      .get(FEEDS).query(findTailor).reply(200, body("web-feed-list.json"))
      .patch(`${FEEDS}/${FEED_ID}`, { data: { type: "web-feed", id: FEED_ID, attributes: { url: URL_NEXT, request_method: "get", content_type: "json" } } })
      .reply(200, body("web-feed-updated.json"));
    const requests = recordRequests(scope);
    expect(await ensureWebFeed(testCall().call, { name: "tailor", url: URL_NEXT })).toBe("updated");
    expect(scope.isDone()).toBe(true);
    expect(checkKlaviyoRequests(requests)).toEqual([]);
  });

  it("updates a feed of that name someone set to POST or XML, since Tailor serves a JSON GET", async () => {
    const list = structuredClone(fixture("web-feed-list.json")) as { data: { attributes: Record<string, string> }[] };
    Object.assign(list.data[0]!.attributes, { request_method: "post", content_type: "xml" });
    const scope = klaviyo()
      .get(FEEDS).query(findTailor).reply(200, list as nock.Body)
      .patch(`${FEEDS}/${FEED_ID}`, { data: { type: "web-feed", id: FEED_ID, attributes: { url: URL_NOW, request_method: "get", content_type: "json" } } })
      .reply(200, body("web-feed-created.json"));
    expect(await ensureWebFeed(testCall().call, { name: "tailor", url: URL_NOW })).toBe("updated");
    expect(scope.isDone()).toBe(true);
  });

  it("does not take a feed of another name for its own", async () => {
    const list = structuredClone(fixture("web-feed-list.json")) as { data: { attributes: Record<string, string> }[] };
    list.data[0]!.attributes.name = "tailor_old";
    const scope = klaviyo()
      .get(FEEDS).query(findTailor).reply(200, list as nock.Body)
      .post(FEEDS).reply(201, body("web-feed-created.json"));
    expect(await ensureWebFeed(testCall().call, { name: "tailor", url: URL_NOW })).toBe("created");
    expect(scope.isDone()).toBe(true);
  });

  it("refuses a name templates could not read as feeds.<name>, before any call", async () => {
    const { call, limiters } = testCall();
    await expect(ensureWebFeed(call, { name: "tailor feed", url: URL_NOW })).rejects.toThrow(RangeError);
    await expect(ensureWebFeed(call, { name: "it's", url: URL_NOW })).rejects.toThrow(RangeError);
    expect(limiters.of.size).toBe(0);
  });

  it("names web-feeds:write when Klaviyo refuses the create (403)", async () => {
    klaviyo()
      .get(FEEDS).query(true).reply(200, body("web-feed-list-empty.json"))
      .post(FEEDS).reply(403, body("scope-error-403.json"));
    const run = ensureWebFeed(testCall().call, { name: "tailor", url: URL_NOW });
    await expect(run).rejects.toBeInstanceOf(EspError);
    await expect(run).rejects.toMatchObject({ kind: "auth", status: 403, message: expect.stringContaining("web-feeds:write scope") as unknown });
    await expect(run).rejects.not.toMatchObject({ message: expect.stringContaining(FAKE_KEY) as unknown });
  });

  it("names web-feeds:read when Klaviyo refuses the read (403)", async () => {
    klaviyo().get(FEEDS).query(true).reply(403, body("scope-error-403.json"));
    await expect(ensureWebFeed(testCall().call, { name: "tailor", url: URL_NOW }))
      .rejects.toMatchObject({ kind: "auth", message: expect.stringContaining("web-feeds:read scope") as unknown });
  });

  it("keeps the shared feed under Klaviyo's current 3.3 MB", () => {
    expect(SHARED_FEED_MAX_BYTES).toBe(3_300_000);
  });
});

describe("web feed fixtures", () => {
  it.each([
    ["web-feed-list.json", "get_web_feeds", 200],
    ["web-feed-list-empty.json", "get_web_feeds", 200],
    ["web-feed-created.json", "create_web_feed", 201],
    ["web-feed-updated.json", "update_web_feed", 200],
    ["scope-error-403.json", "create_web_feed", 403],
  ] as const)("%s matches the spec's %s %i response", (name, operation, status) => {
    expect(checkKlaviyoResponse(operation, status, fixture(name))).toEqual([]);
  });
});
