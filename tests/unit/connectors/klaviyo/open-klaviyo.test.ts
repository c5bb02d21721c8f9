import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KLAVIYO_REVISION } from "../../../../src/connectors/klaviyo/client.js";
import { klaviyoCallFor } from "../../../../src/connectors/klaviyo/open-klaviyo.js";
import { FAKE_KEY, fixture } from "./test-call.js";

describe("klaviyoCallFor", () => {
  beforeEach(() => { nock.disableNetConnect(); });
  afterEach(() => { nock.cleanAll(); nock.enableNetConnect(); });

  it("calls the given API root with the credentials it is handed, translating failures", async () => {
    const scope = nock("http://127.0.0.1:4011")
      .get("/api/accounts").matchHeader("authorization", `Klaviyo-API-Key ${FAKE_KEY}`).matchHeader("revision", KLAVIYO_REVISION).reply(200, fixture("client-accounts.json") as nock.Body)
      .get("/api/accounts").reply(401, fixture("client-error-401-not-authenticated.json") as nock.Body);
    const call = klaviyoCallFor(() => Promise.resolve({ scheme: "private", token: FAKE_KEY }), "http://127.0.0.1:4011");
    const { body } = await call("get_accounts", "read accounts", (apis) => apis.accounts.getAccounts());
    expect(body.data[0]?.id).toBe("AbC123");
    await expect(call("get_accounts", "read accounts", (apis) => apis.accounts.getAccounts())).rejects.toMatchObject({ name: "EspError", kind: "auth" });
    expect(scope.isDone()).toBe(true);
  });
});
