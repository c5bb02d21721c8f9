import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { Client } from "@hubspot/api-client";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { HubSpotCall } from "../../../src/connectors/hubspot/hubspot-call.js";
import { BEHAVIORAL_EVENTS_WARNING, pullEvents } from "../../../src/connectors/hubspot/pull-events.js";
import { pullContacts } from "../../../src/connectors/hubspot/pull-contacts.js";
import { pullProducts } from "../../../src/connectors/hubspot/pull-products.js";
import { EspError, kindOfStatus } from "../../../src/connectors/shared/esp-error.js";
import type { Page } from "../../../src/domain/index.js";

const HUBSPOT = "https://api.hubapi.com";
const NOW = Date.parse("2026-11-01T08:00:00Z");
const MINUTE = 60_000;
const now = () => NOW;
const hubspot = () => nock(HUBSPOT);
const fixture = (name: string): nock.Body => JSON.parse(readFileSync(new URL(`../../fixtures/hubspot/${name}`, import.meta.url), "utf8")) as nock.Body;

type Budgets = { standard: number; search: number };

/**
 * A stand-in for the installation's HubSpotCall: the real SDK, no limiter, no retry, and the same
 * translation the contract promises (a failed status becomes an EspError carrying it).
 */
function standIn(): { call: HubSpotCall; budgets: Budgets } {
  const budgets: Budgets = { standard: 0, search: 0 };
  const sdk = new Client({ accessToken: "test", basePath: HUBSPOT, numberOfApiCallRetries: 0 });
  const call: HubSpotCall = async (budget, what, fn) => {
    budgets[budget] += 1;
    try {
      const result = await fn(sdk);
      const response = result as { ok?: unknown; status?: unknown };
      if (response.ok === false && typeof response.status === "number") throw new EspError(kindOfStatus(response.status), `HubSpot ${what}: HTTP ${response.status}`, { status: response.status });
      return result;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (error instanceof EspError || typeof code !== "number") throw error;
      throw new EspError(kindOfStatus(code), `HubSpot ${what}: HTTP ${code}`, { status: code });
    }
  };
  return { call, budgets };
}

async function collect(pages: AsyncIterable<Page>): Promise<Page[]> {
  const out: Page[] = [];
  for await (const page of pages) out.push(page);
  return out;
}
const recordsOf = (pages: readonly Page[]) => pages.flatMap((p) => p.records) as Record<string, unknown>[];
const warningsOf = (pages: readonly Page[]) => pages.flatMap((p) => p.warnings ?? []);
const cursorOf = (page: Page | undefined): Record<string, unknown> => JSON.parse(page?.next ?? "null") as Record<string, unknown>;

type SearchBody = {
  filterGroups: { filters: { propertyName: string; operator: string; value: string }[] }[];
  sorts: { propertyName: string; direction: string }[];
  limit: number;
  after?: string;
  properties: string[];
};

type FakeContact = { id: string; modified: number };

/**
 * HubSpot's contacts search over an in-memory portal: GTE/EQ/GT filters, one sort rule (ties in
 * an order of its own, here by descending id, so nothing may rely on it), at most 200 per page,
 * and a 400 for paging past the 10,000th result, as HubSpot does.
 */
function fakeSearch(portal: readonly FakeContact[], log: { bodies: SearchBody[]; rejected: number }) {
  return (_uri: string, requestBody: nock.Body): nock.ReplyFnResult => {
    const body = requestBody as unknown as SearchBody;
    log.bodies.push(body);
    const offset = Number(body.after ?? "0");
    if (offset + body.limit > 10_000) {
      log.rejected += 1;
      return [400, { status: "error", message: "There was a problem with the request.", category: "VALIDATION_ERROR" }];
    }
    const valueOf = (c: FakeContact, property: string) => (property === "hs_object_id" ? Number(c.id) : c.modified);
    const matches = portal.filter((c) =>
      (body.filterGroups[0]?.filters ?? []).every((f) => {
        const v = valueOf(c, f.propertyName);
        const want = Number(f.value);
        return f.operator === "GTE" ? v >= want : f.operator === "GT" ? v > want : f.operator === "EQ" ? v === want : false;
      }),
    );
    const sortBy = body.sorts[0]?.propertyName ?? "hs_object_id";
    matches.sort((a, b) => valueOf(a, sortBy) - valueOf(b, sortBy) || Number(b.id) - Number(a.id));
    const results = matches.slice(offset, offset + Math.min(body.limit, 200)).map((c) => ({
      id: c.id,
      properties: { email: `c${c.id}@example.com`, lastmodifieddate: new Date(c.modified).toISOString(), createdate: "2026-01-01T00:00:00.000Z", hs_object_id: c.id },
      createdAt: "2026-01-01T00:00:00.000Z",
      updatedAt: new Date(c.modified).toISOString(),
      archived: false,
    }));
    const next = offset + results.length;
    return [200, { total: matches.length, results, ...(next < matches.length ? { paging: { next: { after: String(next) } } } : {}) }];
  };
}

const emptySearch = { total: 0, results: [] };

/** The documented batch-read-by-email answer, cut down to the addresses asked for (the rest come back as errors). */
function contactsByEmail(...emails: string[]): nock.Body {
  const all = fixture("pull-contacts-by-email.json") as { results: { properties: { email: string } }[] };
  const results = all.results.filter((r) => emails.includes(r.properties.email));
  const missing = emails.filter((e) => !results.some((r) => r.properties.email === e));
  const errors = missing.length === 0 ? [] : [{ status: "error", category: "OBJECT_NOT_FOUND", message: "Could not get some CONTACT objects, they may be deleted or not exist.", context: { ids: missing } }];
  return { status: "COMPLETE", results, numErrors: errors.length, errors, startedAt: "2026-11-01T08:00:01.000Z", completedAt: "2026-11-01T08:00:01.050Z" };
}

describe("hubspot pulls against a fake portal", () => {
  beforeEach(() => {
    nock.disableNetConnect();
  });
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  describe("contacts", () => {
    it("backfills by list pages, then searches from before the backfill began", async () => {
      const api = hubspot()
        .get("/crm/v3/objects/contacts")
        .query((q) => q.limit === "100" && q.after === undefined && q.archived === "false" && String(q.properties).includes("hs_email_optout"))
        .reply(200, fixture("pull-contacts-page-1.json"))
        .get("/crm/v3/objects/contacts")
        .query((q) => q.after === "103")
        .reply(200, fixture("pull-contacts-page-2.json"))
        .post("/crm/v3/objects/contacts/search", (b: SearchBody) =>
          isDeepStrictEqual(
            [b.filterGroups, b.sorts, b.limit],
            [[{ filters: [{ propertyName: "lastmodifieddate", operator: "GTE", value: String(NOW - 2 * MINUTE) }] }], [{ propertyName: "lastmodifieddate", direction: "ASCENDING" }], 200],
          ) &&
          b.properties.includes("email") && b.after === undefined,
        )
        .reply(200, emptySearch);
      const { call, budgets } = standIn();

      const pages = await collect(pullContacts(call, null, [], now));

      expect(recordsOf(pages).map((c) => [c.id, c.consent, c.timezone])).toEqual([
        ["101", "subscribed", "Europe/London"],
        ["102", "unsubscribed", "America/New_York"],
        ["103", "bounced", undefined],
      ]);
      expect(cursorOf(pages[0])).toEqual({ phase: "backfill", after: "103", startedAt: NOW });
      expect(cursorOf(pages.at(-1))).toMatchObject({ phase: "incremental", since: NOW - 2 * MINUTE, maxModified: null });
      expect(budgets).toEqual({ standard: 2, search: 1 });
      expect(api.isDone()).toBe(true);
    });

    it("resumes a backfill from the after token stored mid-way", async () => {
      const startedAt = NOW - 60 * MINUTE;
      const api = hubspot()
        .get("/crm/v3/objects/contacts")
        .query((q) => q.after === "103")
        .reply(200, fixture("pull-contacts-page-2.json"))
        .post("/crm/v3/objects/contacts/search", (b: SearchBody) => b.filterGroups[0]?.filters[0]?.value === String(startedAt - 2 * MINUTE))
        .reply(200, emptySearch);
      const { call } = standIn();

      const pages = await collect(pullContacts(call, JSON.stringify({ phase: "backfill", after: "103", startedAt }), [], now));

      expect(recordsOf(pages).map((c) => c.id)).toEqual(["103"]);
      expect(api.isDone()).toBe(true);
    });

    it("reads a portal past the 10,000-result cap, ties included, every contact exactly once", async () => {
      // 10,250 contacts: pairs share a modified time, and 450 share one instant (a bulk import).
      const t0 = Date.parse("2026-06-01T00:00:00Z");
      const portal: FakeContact[] = [];
      for (let i = 1; i <= 9_800; i++) portal.push({ id: String(i), modified: t0 + Math.floor(i / 2) * 1000 });
      for (let i = 9_801; i <= 10_250; i++) portal.push({ id: String(i), modified: t0 + 6_000_000 });
      const log = { bodies: [] as SearchBody[], rejected: 0 };
      hubspot().post("/crm/v3/objects/contacts/search").times(200).reply(fakeSearch(portal, log));
      const { call, budgets } = standIn();
      const from = JSON.stringify({ phase: "incremental", since: 0, tieAfter: null, maxModified: null, seen: [] });

      const pages = await collect(pullContacts(call, from, [], now));

      const ids = recordsOf(pages).map((c) => c.id as string);
      expect(ids).toHaveLength(10_250);
      expect(new Set(ids).size).toBe(10_250);
      expect(log.rejected).toBe(0);
      expect(log.bodies.some((b) => b.sorts[0]?.propertyName === "hs_object_id")).toBe(true);
      expect(budgets.search).toBeLessThan(60);
      expect(budgets.standard).toBe(0);
      expect(cursorOf(pages.at(-1))).toMatchObject({ since: t0 + 6_000_000 - 2 * MINUTE, maxModified: t0 + 6_000_000, tieAfter: null });
    });

    it("skips records already read in the overlap window, by id and modified time", async () => {
      const t = NOW - 10 * MINUTE;
      const row = (id: string, modified: number) => ({ id, properties: { lastmodifieddate: new Date(modified).toISOString(), email: `c${id}@example.com` }, createdAt: "2026-01-01T00:00:00.000Z", updatedAt: new Date(modified).toISOString(), archived: false });
      const api = hubspot()
        .post("/crm/v3/objects/contacts/search", (b: SearchBody) => b.filterGroups[0]?.filters[0]?.value === String(t - 2 * MINUTE))
        .reply(200, { total: 4, results: [row("2", t - 30_000), row("1", t), row("3", t + 5_000), row("4", t + 10_000)] });
      const { call } = standIn();
      const from = JSON.stringify({ phase: "incremental", since: t - 2 * MINUTE, tieAfter: null, maxModified: t, seen: [["1", t], ["2", t - 30_000], ["4", t - 60_000]] });

      const pages = await collect(pullContacts(call, from, [], now));

      // 4 changed since it was read (new modified time): it comes again; 1 and 2 do not.
      expect(recordsOf(pages).map((c) => c.id)).toEqual(["3", "4"]);
      expect(cursorOf(pages.at(-1))).toMatchObject({ since: t + 10_000 - 2 * MINUTE, maxModified: t + 10_000 });
      expect(api.isDone()).toBe(true);
    });

    it("re-reads webhook-marked ids first, 100 per batch, on the incoming cursor", async () => {
      const from = JSON.stringify({ phase: "incremental", since: NOW - 5 * MINUTE, tieAfter: null, maxModified: NOW - 3 * MINUTE, seen: [] });
      const api = hubspot()
        .post("/crm/v3/objects/contacts/batch/read", (b: { inputs: { id: string }[]; properties: string[] }) => JSON.stringify(b.inputs) === JSON.stringify([{ id: "7" }, { id: "8" }]) && b.properties.includes("hs_email_optout"))
        .reply(207, fixture("pull-contacts-batch-read.json"))
        .post("/crm/v3/objects/contacts/search")
        .reply(200, emptySearch);
      const { call, budgets } = standIn();

      const pages = await collect(pullContacts(call, from, ["7", "8", "7", "not-an-id"], now));

      expect(pages[0]?.records).toMatchObject([{ id: "7", email: "marie@example.com" }]);
      expect(pages[0]?.next).toBe(from);
      expect(pages[0]?.warnings).toEqual(["contacts: 1 refresh ids are not HubSpot record ids; skipped"]);
      expect(budgets).toEqual({ standard: 1, search: 1 });
      expect(api.isDone()).toBe(true);
    });

    it("starts over, and says so, from a cursor it cannot read", async () => {
      hubspot().get("/crm/v3/objects/contacts").query(true).reply(200, fixture("pull-contacts-page-2.json")).post("/crm/v3/objects/contacts/search").reply(200, emptySearch);
      const pages = await collect(pullContacts(standIn().call, "{not json", [], now));
      expect(pages[0]?.warnings).toEqual(["stored HubSpot cursor could not be read; pulling again from the start"]);
    });
  });

  describe("products", () => {
    it("reports products as not available on a 403 and ends the pull without failing", async () => {
      hubspot().get("/crm/v3/objects/products").query(true).reply(403, fixture("pull-error-missing-scopes.json"));
      const pages = await collect(pullProducts(standIn().call, null, now));
      expect(recordsOf(pages)).toEqual([]);
      expect(warningsOf(pages)).toEqual(["products: not available (scope crm.objects.products.read missing)"]);
      expect(cursorOf(pages.at(-1))).toEqual({ phase: "backfill", after: null, startedAt: NOW });
    });

    it("stops on a 401: a bad token is not a missing feature", async () => {
      hubspot().get("/crm/v3/objects/products").query(true).reply(401, { status: "error", message: "Authentication credentials not found.", category: "INVALID_AUTHENTICATION" });
      await expect(collect(pullProducts(standIn().call, null, now))).rejects.toMatchObject({ name: "EspError", kind: "auth", status: 401 });
    });
  });

  describe("events", () => {
    const orderSearch = (b: SearchBody) => b.filterGroups[0]?.filters[0]?.propertyName === "hs_lastmodifieddate" && b.filterGroups[0].filters[0].value === "0";
    /** Email event types with nothing to say, except those the test answers itself. */
    const emptyEmailTypes = (except: readonly string[]) => {
      for (const type of ["SENT", "OPEN", "CLICK", "BOUNCE", "STATUSCHANGE", "SPAMREPORT"].filter((t) => !except.includes(t))) {
        hubspot().get("/email/public/v1/events").query((q) => q.eventType === type).reply(200, { hasMore: false, offset: "x", events: [] });
      }
    };

    it("reads orders with their contact and line items, then email events and tickets", async () => {
      const api = hubspot()
        .post("/crm/v3/objects/orders/search", orderSearch)
        .reply(200, fixture("pull-orders-search.json"))
        .post("/crm/v4/associations/orders/contacts/batch/read", { inputs: [{ id: "54805205097" }, { id: "54805205098" }] })
        .reply(200, fixture("pull-associations-orders-contacts.json"))
        .post("/crm/v4/associations/orders/line_items/batch/read", { inputs: [{ id: "54805205097" }, { id: "54805205098" }] })
        .reply(200, fixture("pull-associations-orders-line-items.json"))
        .post("/crm/v3/objects/line_items/batch/read", (b: { inputs: { id: string }[] }) => b.inputs.map((i) => i.id).join() === "9001,9002,9003,9004")
        .reply(200, fixture("pull-line-items-batch-read.json"))
        .post("/crm/v3/objects/tickets/search")
        .reply(200, emptySearch);
      emptyEmailTypes([]);
      const { call, budgets } = standIn();

      const pages = await collect(pullEvents(call, null, now));

      const events = recordsOf(pages);
      expect(events).toEqual([
        {
          id: "hubspot-order:54805205097",
          type: "placed_order",
          contactId: "101",
          at: "2026-10-02T18:00:00.000Z",
          orderId: "54805205097",
          value: 83.5,
          discount: 5,
          currency: "EUR",
          items: [
            { productId: "1645342", quantity: 2, price: 25, title: "Sleeping bag" },
            { productId: "1645187", quantity: 1, price: 27, title: "Lantern" },
          ],
        },
        expect.objectContaining({ id: "hubspot-order:54805205098", type: "placed_order", contactId: "102", value: 120 }),
        { id: "hubspot-order:54805205098:refund", type: "refunded", contactId: "102", at: "2026-10-06T10:00:00.000Z", orderId: "54805205098", value: 120, reason: "customer" },
      ]);
      expect(pages[0]?.warnings).toEqual([BEHAVIORAL_EVENTS_WARNING]);
      expect(budgets).toEqual({ standard: 3 + 6, search: 2 });
      expect(api.isDone()).toBe(true);
    });

    it("pages email events by offset, maps a bot-filtered open to a machine open, and turns a 403 on tickets into a warning", async () => {
      const windowStart = NOW - 365 * 24 * 60 * MINUTE;
      const api = hubspot()
        .post("/crm/v3/objects/orders/search")
        .reply(200, emptySearch)
        .get("/email/public/v1/events")
        .query({ eventType: "OPEN", startTimestamp: String(windowStart), endTimestamp: String(NOW), limit: "1000" })
        .reply(200, fixture("pull-email-events-open-1.json"))
        .get("/email/public/v1/events")
        .query({ eventType: "OPEN", startTimestamp: String(windowStart), endTimestamp: String(NOW), limit: "1000", offset: "c2l0ZS1vZmZzZXQtMQ" })
        .reply(200, fixture("pull-email-events-open-2.json"))
        .post("/crm/v3/objects/contacts/batch/read", { inputs: [{ id: "ada@example.com" }], idProperty: "email", properties: ["email"], propertiesWithHistory: [] })
        .reply(200, contactsByEmail("ada@example.com"))
        .post("/crm/v3/objects/contacts/batch/read", { inputs: [{ id: "grace@example.com" }, { id: "gone@example.com" }], idProperty: "email", properties: ["email"], propertiesWithHistory: [] })
        .reply(207, contactsByEmail("grace@example.com", "gone@example.com"))
        .post("/crm/v3/objects/tickets/search")
        .reply(403, fixture("pull-error-missing-scopes.json"));
      emptyEmailTypes(["OPEN"]);

      const pages = await collect(pullEvents(standIn().call, null, now));

      const events = recordsOf(pages);
      expect(events).toEqual([
        expect.objectContaining({ id: "hubspot-email:e6f5a3c1-0001-4b2c-9e0d-000000000001", type: "email_opened", contactId: "101", machineOpen: true, campaignId: "268435456" }),
        expect.objectContaining({ id: "hubspot-email:e6f5a3c1-0002-4b2c-9e0d-000000000002", type: "email_opened", contactId: "102", machineOpen: false }),
        { _malformed: "email event e6f5a3c1-0003-4b2c-9e0d-000000000003 is for a recipient with no HubSpot contact", line: 0, text: "" },
      ]);
      expect(warningsOf(pages)).toEqual([BEHAVIORAL_EVENTS_WARNING, "tickets: not available (scope tickets missing)"]);
      const last = cursorOf(pages.at(-1));
      expect(last.email).toMatchObject({ OPEN: { since: NOW - 2 * MINUTE, end: null, offset: null } });
      expect(last.tickets).toEqual({ phase: "incremental", since: 0, tieAfter: null, maxModified: null, seen: [] });
      expect(api.isDone()).toBe(true);
    });

    it("resumes email events mid-window with the stored offset and the window's fixed end", async () => {
      const windowEnd = NOW - 30 * MINUTE;
      const from = JSON.stringify({
        orders: { phase: "incremental", since: NOW - 5 * MINUTE, tieAfter: null, maxModified: NOW - 3 * MINUTE, seen: [] },
        tickets: { phase: "incremental", since: NOW - 5 * MINUTE, tieAfter: null, maxModified: NOW - 3 * MINUTE, seen: [] },
        email: { SENT: { since: NOW - 90 * MINUTE, end: NOW - 60 * MINUTE, offset: null }, OPEN: { since: NOW - 90 * MINUTE, end: windowEnd, offset: "c2l0ZS1vZmZzZXQtMQ" } },
      });
      const api = hubspot()
        .post("/crm/v3/objects/orders/search")
        .reply(200, emptySearch)
        .get("/email/public/v1/events")
        .query((q) => q.eventType === "SENT" && q.startTimestamp === String(NOW - 90 * MINUTE) && q.endTimestamp === String(NOW - 60 * MINUTE) && q.offset === undefined)
        .reply(200, { hasMore: false, offset: "x", events: [] })
        .get("/email/public/v1/events")
        .query((q) => q.eventType === "OPEN" && q.endTimestamp === String(windowEnd) && q.offset === "c2l0ZS1vZmZzZXQtMQ")
        .reply(200, fixture("pull-email-events-open-2.json"))
        .post("/crm/v3/objects/contacts/batch/read")
        .reply(207, contactsByEmail("grace@example.com", "gone@example.com"))
        .post("/crm/v3/objects/tickets/search")
        .reply(200, emptySearch);
      emptyEmailTypes(["SENT", "OPEN"]);

      const pages = await collect(pullEvents(standIn().call, from, now));

      expect(recordsOf(pages).filter((r) => r.type === "email_opened").map((r) => r.contactId)).toEqual(["102"]);
      expect(cursorOf(pages.at(-1)).email).toMatchObject({ OPEN: { since: windowEnd - 2 * MINUTE, end: null, offset: null } });
      expect(api.isDone()).toBe(true);
    });

    it("goes on to tickets when the portal withholds email events", async () => {
      const api = hubspot()
        .post("/crm/v3/objects/orders/search")
        .reply(200, emptySearch)
        .get("/email/public/v1/events")
        .query((q) => q.eventType === "SENT")
        .reply(403, { ...(fixture("pull-error-missing-scopes.json") as object), errors: [{ message: "One or more of the following scopes are required.", context: { requiredGranularScopes: ["content"] } }] })
        .post("/crm/v3/objects/tickets/search")
        .reply(200, emptySearch);

      const pages = await collect(pullEvents(standIn().call, null, now));

      expect(warningsOf(pages)).toEqual([BEHAVIORAL_EVENTS_WARNING, "email events: not available (scope content missing)"]);
      expect(api.isDone()).toBe(true);
    });
  });
});
