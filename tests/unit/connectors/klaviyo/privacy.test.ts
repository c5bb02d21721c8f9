import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { requestDeletion } from "../../../../src/connectors/klaviyo/privacy.js";
import { EspError } from "../../../../src/connectors/shared/esp-error.js";
import { checkKlaviyoRequests, checkKlaviyoResponse, recordRequests } from "../../../contract/klaviyo-spec.js";
import { FAKE_KEY, fixture, KLAVIYO, testCall } from "./test-call.js";

const JOBS = "/api/data-privacy-deletion-jobs";
const PROFILE = "01TAILORFAKEPROFILE0000001";
const klaviyo = () => nock(KLAVIYO);
const body = (name: string) => fixture(name) as nock.Body;

describe("requestDeletion", () => {
  beforeEach(() => { nock.disableNetConnect(); });
  afterEach(() => { nock.cleanAll(); nock.enableNetConnect(); });

  it("names the profile by its id alone when Tailor has it, even with an email at hand", async () => {
    const scope = klaviyo()
      .post(JOBS, { data: { type: "data-privacy-deletion-job", attributes: { profile: { data: { type: "profile", id: PROFILE, attributes: {} } } } } })
      .reply(202);
    const requests = recordRequests(scope);
    await requestDeletion(testCall().call, { espId: PROFILE, email: "ada@example.com" });
    expect(scope.isDone()).toBe(true);
    expect(checkKlaviyoRequests(requests)).toEqual([]);
  });

  it("falls back to the email when there is no profile id", async () => {
    const scope = klaviyo()
      .post(JOBS, { data: { type: "data-privacy-deletion-job", attributes: { profile: { data: { type: "profile", attributes: { email: "ada@example.com" } } } } } })
      .reply(202);
    const requests = recordRequests(scope);
    await requestDeletion(testCall().call, { espId: "", email: "ada@example.com" });
    expect(scope.isDone()).toBe(true);
    expect(checkKlaviyoRequests(requests)).toEqual([]);
  });

  it("refuses a contact with neither id nor email, before any call", async () => {
    const { call, limiters } = testCall();
    await expect(requestDeletion(call, { espId: "" })).rejects.toThrow(RangeError);
    await expect(requestDeletion(call, { espId: "", email: "" })).rejects.toThrow(RangeError);
    expect(limiters.of.size).toBe(0);
  });

  it("counts a profile Klaviyo no longer has (404) as deleted", async () => {
    const scope = klaviyo().post(JOBS).reply(404, body("privacy-error-404.json"));
    await expect(requestDeletion(testCall().call, { espId: PROFILE })).resolves.toBeUndefined();
    expect(scope.isDone()).toBe(true);
  });

  it("names data-privacy:write when Klaviyo refuses (403), and never the key or the email", async () => {
    klaviyo().post(JOBS).reply(403, body("scope-error-403.json"));
    const run = requestDeletion(testCall().call, { espId: "", email: "ada@example.com" });
    await expect(run).rejects.toBeInstanceOf(EspError);
    await expect(run).rejects.toMatchObject({ kind: "auth", status: 403, message: expect.stringContaining("data-privacy:write scope") as unknown });
    await expect(run).rejects.not.toMatchObject({ message: expect.stringMatching(new RegExp(`${FAKE_KEY}|ada@example\\.com`)) as unknown });
  });

  it("passes other refusals on as they are", async () => {
    klaviyo().post(JOBS).reply(400, body("client-error-400-invalid.json"));
    await expect(requestDeletion(testCall().call, { espId: PROFILE })).rejects.toMatchObject({ kind: "client", status: 400 });
  });
});

describe("privacy fixtures", () => {
  it.each([
    ["privacy-error-404.json", 404],
    ["scope-error-403.json", 403],
  ] as const)("%s matches the spec's request_profile_deletion %i response", (name, status) => {
    expect(checkKlaviyoResponse("request_profile_deletion", status, fixture(name))).toEqual([]);
  });
});
