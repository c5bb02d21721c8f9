import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRateLimiter, readHubSpotRateHeaders } from "../../../../src/connectors/shared/rate-limit.js";
import { startCeilingServer, type CeilingServer } from "../../../helpers/ceiling-server.js";

const headersOf = (res: Response): Record<string, string> => Object.fromEntries(res.headers.entries());

describe("ceiling server", () => {
  let server: CeilingServer | undefined;
  beforeEach(() => {
    // Only the loopback server may be reached.
    nock.disableNetConnect();
    nock.enableNetConnect("127.0.0.1");
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    nock.enableNetConnect();
  });

  it("answers through the handler until the window is full, then HubSpot's 429", async () => {
    let time = 0;
    const seen: string[] = [];
    server = await startCeilingServer({
      max: 2,
      intervalMs: 10_000,
      now: () => time,
      handler: (req, body) => { seen.push(`${req.method ?? ""} ${req.url ?? ""} ${body}`); return { status: 200, body: { ok: true } }; },
    });
    const post = (n: number) => fetch(`${server!.url}/crm/v3/objects/contacts/batch/update`, { method: "POST", body: `{"n":${n}}` });

    const first = await post(1);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ ok: true });
    expect(readHubSpotRateHeaders(headersOf(first))).toEqual({ max: 2, remaining: 1, intervalMs: 10_000 });
    expect((await post(2)).status).toBe(200);

    time = 9_999;
    const refused = await post(3);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({
      status: "error",
      message: "You have reached your ten_secondly_rolling limit.",
      errorType: "RATE_LIMIT",
      correlationId: "ceiling-1",
      policyName: "TEN_SECONDLY_ROLLING",
    });
    expect(readHubSpotRateHeaders(headersOf(refused)).remaining).toBe(0);

    time = 10_000;
    expect((await post(4)).status).toBe(200);
    expect(server.stats()).toEqual({ accepted: 3, refused: 1 });
    expect(seen).toEqual([
      'POST /crm/v3/objects/contacts/batch/update {"n":1}',
      'POST /crm/v3/objects/contacts/batch/update {"n":2}',
      'POST /crm/v3/objects/contacts/batch/update {"n":4}',
    ]);
  });

  it("turns a handler failure into a 500 rather than a hung request", async () => {
    server = await startCeilingServer({ max: 5, intervalMs: 1000, handler: () => { throw new Error("boom"); } });
    const res = await fetch(server.url);
    expect(res.status).toBe(500);
    expect(await res.text()).toContain("boom");
  });

  it("leaves out the rate headers when asked to", async () => {
    server = await startCeilingServer({ max: 5, intervalMs: 1000, rateHeaders: false, handler: () => ({ status: 204 }) });
    const res = await fetch(server.url);
    expect(res.status).toBe(204);
    expect(readHubSpotRateHeaders(headersOf(res))).toEqual({});
  });

  it("is never hit above its ceiling by our limiter at the same figures, and is never beaten", async () => {
    const max = 10;
    const intervalMs = 500;
    const requests = 50;
    // Load fetch and its connection code first, so the first window does not pay for it.
    const warm = await startCeilingServer({ max: 1, intervalMs: 1, handler: () => ({ status: 204 }) });
    await (await fetch(warm.url)).arrayBuffer();
    await warm.close();

    server = await startCeilingServer({ max, intervalMs, handler: () => ({ status: 200, body: {} }) });
    const limiter = createRateLimiter({
      max,
      intervalMs,
      now: () => performance.now(),
      sleep: (ms) => new Promise((resolve) => { setTimeout(resolve, ms); }),
    });
    const roundTrips: number[] = [];
    const started = performance.now();
    const statuses = await Promise.all(Array.from({ length: requests }, () => limiter.run(async () => {
      const sent = performance.now();
      const res = await fetch(server!.url, { method: "POST", body: "{}" });
      limiter.observe(readHubSpotRateHeaders(headersOf(res)));
      await res.arrayBuffer();
      roundTrips.push(performance.now() - sent);
      return res.status;
    })));
    const elapsed = performance.now() - started;
    expect(statuses.filter((s) => s === 429)).toEqual([]);
    expect(server.stats()).toEqual({ accepted: requests, refused: 0 });
    // How close to the ceiling it gets is a figure for bench/hubspot-push.ts, not a timed test (it
    // failed on a loaded CI machine); here only the hard bound: it cannot beat the ceiling.
    const cycles = requests / max - 1;
    expect(roundTrips).toHaveLength(requests);
    expect(elapsed).toBeGreaterThanOrEqual(cycles * intervalMs);
  });
});
