import { describe, expect, it } from "vitest";
import {
  consentOf,
  modifiedMsOf,
  toContact,
  toEmailEvent,
  toOrderEvents,
  toProduct,
  toTicketEvents,
  toTimeZone,
  type HubSpotObject,
} from "../../../../src/connectors/hubspot/map.js";
import { ContactSchema, EventSchema, ProductSchema, isMalformed } from "../../../../src/domain/index.js";

const object = (id: string, properties: Record<string, string | null>, extra: Partial<HubSpotObject> = {}): HubSpotObject => ({ id, properties, ...extra });

describe("hubspot map: contacts", () => {
  it("maps a contact with its HubSpot id, IANA time zone and consent", () => {
    const contact = toContact(
      object("101", {
        email: "ada@example.com",
        firstname: "Ada",
        country: "United Kingdom",
        hs_timezone: "europe_slash_london",
        createdate: "2026-01-05T09:12:00.000Z",
        hs_email_optout: "false",
      }),
    );
    expect(contact).toEqual({
      id: "101",
      espIds: { hubspot: "101" },
      email: "ada@example.com",
      firstName: "Ada",
      country: "United Kingdom",
      timezone: "Europe/London",
      createdAt: "2026-01-05T09:12:00.000Z",
      consent: "subscribed",
    });
    expect(ContactSchema.safeParse(contact).success).toBe(true);
  });

  it("leaves empty and null properties out so the schema's defaults apply", () => {
    const created = new Date("2026-02-01T00:00:00Z");
    const contact = toContact(object("5", { email: " ", firstname: null, hs_timezone: "" }, { createdAt: created }));
    expect(contact).toEqual({ id: "5", espIds: { hubspot: "5" }, createdAt: created, consent: "subscribed" });
  });

  it.each([
    ["america_slash_new_york", "America/New_York"],
    ["us_slash_eastern", "America/New_York"],
    ["america_slash_argentina_slash_buenos_aires", "America/Buenos_Aires"],
    ["Europe/Paris", "Europe/Paris"],
    ["not_slash_a_zone", "not_slash_a_zone"],
  ])("reads the time zone slug %s as %s", (slug, zone) => {
    expect(toTimeZone(slug)).toBe(zone);
  });

  it.each([
    [{}, "subscribed"],
    [{ hs_email_optout: "true" }, "unsubscribed"],
    [{ hs_email_optout: "TRUE" }, "unsubscribed"],
    [{ hs_email_hard_bounce_reason_enum: "UNKNOWN_USER" }, "bounced"],
    [{ hs_email_bad_address: "true" }, "bounced"],
    [{ hs_email_quarantined: "true" }, "bounced"],
    [{ hs_email_optout: "true", hs_email_hard_bounce_reason_enum: "MAILBOX_FULL" }, "bounced"],
    [{ hs_email_optout: "false", hs_email_bad_address: "false" }, "subscribed"],
  ] as const)("gives %j the consent %s", (properties, consent) => {
    expect(consentOf(properties)).toBe(consent);
  });
});

describe("hubspot map: products", () => {
  it("maps price, cost, url and image, with no stock tracked", () => {
    const product = toProduct(
      object("1645342", { name: "Sleeping bag", price: "49.90", hs_cost_of_goods_sold: "21", hs_url: "https://shop.example/bag", hs_images: "https://cdn.example/bag.jpg", createdate: "2025-05-01T00:00:00Z" }),
    );
    expect(product).toEqual({
      id: "1645342",
      title: "Sleeping bag",
      price: 49.9,
      cost: 21,
      url: "https://shop.example/bag",
      imageUrl: "https://cdn.example/bag.jpg",
      inventory: null,
      active: true,
      createdAt: "2025-05-01T00:00:00Z",
    });
    expect(ProductSchema.safeParse(product).success).toBe(true);
  });

  it("gives a product without a price a null price, and passes an unreadable one on for ingest to refuse", () => {
    expect(toProduct(object("1", { name: "Gift card", price: "" })).price).toBeNull();
    const bad = toProduct(object("2", { name: "Odd", price: "12,50" }));
    expect(bad.price).toBe("12,50");
    expect(ProductSchema.safeParse(bad).success).toBe(false);
  });
});

describe("hubspot map: orders", () => {
  const lines = [
    object("9001", { hs_product_id: "p1", quantity: "2", price: "25", amount: "45", name: "Bag" }),
    object("9002", { hs_product_id: "p2", quantity: "1", price: "30", name: "Lantern" }),
    object("9003", { hs_product_id: null, quantity: "1", price: "5", name: "Shipping" }),
  ];

  it("makes one placed_order with the paid unit price per line and custom lines left out of the items", () => {
    const [placed, ...rest] = toOrderEvents(
      object("77", { hs_total_price: "80", hs_order_discount: "5", hs_currency_code: "EUR", hs_external_created_date: "2026-10-02T18:00:00.000Z", hs_createdate: "2026-10-02T18:04:11.823Z" }),
      "101",
      lines,
    );
    expect(rest).toEqual([]);
    expect(placed).toEqual({
      id: "hubspot-order:77",
      type: "placed_order",
      contactId: "101",
      at: "2026-10-02T18:00:00.000Z",
      orderId: "77",
      value: 80,
      discount: 5,
      currency: "EUR",
      items: [
        { productId: "p1", quantity: 2, price: 22.5, title: "Bag" },
        { productId: "p2", quantity: 1, price: 30, title: "Lantern" },
      ],
    });
    expect(EventSchema.safeParse(placed).success).toBe(true);
  });

  it("reads an epoch-milliseconds order date", () => {
    const [placed] = toOrderEvents(object("78", { hs_total_price: "10", hs_external_created_date: "1790000000000" }), "101", lines);
    expect(placed).toMatchObject({ at: 1790000000000 });
  });

  it("adds a refunded event for the refund amount", () => {
    const events = toOrderEvents(object("79", { hs_total_price: "80", hs_refund_amount: "30", hs_lastmodifieddate: "2026-10-09T10:00:00Z" }), "101", lines);
    expect(events[1]).toEqual({ id: "hubspot-order:79:refund", type: "refunded", contactId: "101", at: "2026-10-09T10:00:00Z", orderId: "79", value: 30 });
    expect(EventSchema.safeParse(events[1]).success).toBe(true);
  });

  it("refunds a cancelled order in full, at its cancel date, with the reason", () => {
    const events = toOrderEvents(
      object("80", { hs_total_price: "120", hs_external_canceled_date: "2026-10-06T10:00:00.000Z", hs_cancellation_reason: "customer" }),
      "102",
      lines,
    );
    expect(events[1]).toEqual({ id: "hubspot-order:80:refund", type: "refunded", contactId: "102", at: "2026-10-06T10:00:00.000Z", orderId: "80", value: 120, reason: "customer" });
  });

  it("turns an order with no associated contact into a quarantinable record that names the order", () => {
    const [record] = toOrderEvents(object("81", { hs_total_price: "10" }), undefined, lines);
    expect(isMalformed(record)).toBe(true);
    expect(record).toMatchObject({ _malformed: "order 81 has no associated contact" });
  });
});

describe("hubspot map: email events", () => {
  const base = { id: "ev1", created: 1793437200000, emailCampaignId: 268435456, recipient: "ada@example.com", sentBy: { id: "send1", created: 1793433600000 } };

  it("maps an open HubSpot filtered out of reporting to a machine open", () => {
    const record = toEmailEvent({ ...base, type: "OPEN", filteredEvent: true }, "101");
    expect(record).toEqual({ id: "hubspot-email:ev1", type: "email_opened", contactId: "101", at: 1793437200000, campaignId: "268435456", messageId: "send1", machineOpen: true });
    expect(EventSchema.safeParse(record).success).toBe(true);
  });

  it("maps an unfiltered open to a human open", () => {
    expect(toEmailEvent({ ...base, type: "OPEN", filteredEvent: false }, "101")).toMatchObject({ machineOpen: false });
    expect(toEmailEvent({ ...base, type: "OPEN" }, "101")).toMatchObject({ machineOpen: false });
  });

  it("uses a send's own id as its message id", () => {
    expect(toEmailEvent({ ...base, type: "SENT", sentBy: null }, "101")).toEqual({ id: "hubspot-email:ev1", type: "email_sent", contactId: "101", at: 1793437200000, campaignId: "268435456", messageId: "ev1" });
  });

  it("keeps the clicked url", () => {
    expect(toEmailEvent({ ...base, type: "CLICK", url: "https://shop.example/p1" }, "101")).toMatchObject({ type: "email_clicked", url: "https://shop.example/p1" });
  });

  it.each([
    ["UNKNOWN_USER", true],
    ["MAILBOX_FULL", true],
    [undefined, true],
    ["GREYLISTING", false],
    ["THROTTLED", false],
  ])("treats a bounce of category %s as hard: %s", (category, hard) => {
    expect(toEmailEvent({ ...base, type: "BOUNCE", category }, "101")).toMatchObject({ type: "email_bounced", hard });
  });

  it("maps a spam report to complained", () => {
    expect(toEmailEvent({ ...base, type: "SPAMREPORT" }, "101")).toMatchObject({ type: "complained" });
  });

  it("maps a portal-wide opt-out and a one-subscription opt-out to unsubscribed", () => {
    expect(toEmailEvent({ ...base, type: "STATUSCHANGE", portalSubscriptionStatus: "UNSUBSCRIBED" }, "101")).toEqual({
      id: "hubspot-email:ev1",
      type: "unsubscribed",
      contactId: "101",
      at: 1793437200000,
      campaignId: "268435456",
      messageId: "send1",
    });
    const one = toEmailEvent({ ...base, type: "STATUSCHANGE", portalSubscriptionStatus: "SUBSCRIBED", subscriptions: [{ id: 7, status: "UNSUBSCRIBED" }] }, "101");
    expect(one).toMatchObject({ type: "unsubscribed", listId: "7" });
    expect(EventSchema.safeParse(one).success).toBe(true);
  });

  it.each([
    [{ type: "STATUSCHANGE", portalSubscriptionStatus: "SUBSCRIBED", subscriptions: [{ id: 7, status: "SUBSCRIBED" }] }],
    [{ type: "DELIVERED" }],
    [{ type: "PROCESSED" }],
    [{ type: undefined }],
  ])("skips %j: no signal Tailor reads", (event) => {
    expect(toEmailEvent({ ...base, ...event }, "101")).toBeNull();
  });

  it("turns an event for an unknown recipient into a quarantinable record without the address", () => {
    const record = toEmailEvent({ ...base, type: "OPEN" }, undefined);
    expect(record).toEqual({ _malformed: "email event ev1 is for a recipient with no HubSpot contact", line: 0, text: "" });
  });
});

describe("hubspot map: tickets", () => {
  it("opens and closes a ticket for each associated contact", () => {
    const events = toTicketEvents(object("t1", { subject: "Broken zip", createdate: "2026-10-01T09:00:00Z", closed_date: "2026-10-03T09:00:00Z" }), ["101", "102"]);
    expect(events).toEqual([
      { id: "hubspot-ticket:t1:opened:101", type: "ticket_opened", contactId: "101", at: "2026-10-01T09:00:00Z", ticketId: "t1", subject: "Broken zip" },
      { id: "hubspot-ticket:t1:closed:101", type: "ticket_closed", contactId: "101", at: "2026-10-03T09:00:00Z", ticketId: "t1" },
      { id: "hubspot-ticket:t1:opened:102", type: "ticket_opened", contactId: "102", at: "2026-10-01T09:00:00Z", ticketId: "t1", subject: "Broken zip" },
      { id: "hubspot-ticket:t1:closed:102", type: "ticket_closed", contactId: "102", at: "2026-10-03T09:00:00Z", ticketId: "t1" },
    ]);
    for (const event of events) expect(EventSchema.safeParse(event).success).toBe(true);
  });

  it("leaves an open ticket open", () => {
    expect(toTicketEvents(object("t2", { createdate: "2026-10-01T09:00:00Z" }), ["101"])).toHaveLength(1);
  });

  it("turns a ticket with no contact into a quarantinable record", () => {
    expect(toTicketEvents(object("t3", {}), [])).toEqual([{ _malformed: "ticket t3 has no associated contact", line: 0, text: "" }]);
  });
});

describe("hubspot map: modified time", () => {
  it("reads the named property, else the record's updatedAt", () => {
    expect(modifiedMsOf(object("1", { lastmodifieddate: "2026-10-30T10:00:00.000Z" }), "lastmodifieddate")).toBe(Date.parse("2026-10-30T10:00:00.000Z"));
    expect(modifiedMsOf(object("1", { hs_lastmodifieddate: "1790000000000" }), "hs_lastmodifieddate")).toBe(1790000000000);
    expect(modifiedMsOf(object("1", {}, { updatedAt: new Date(5000) }), "lastmodifieddate")).toBe(5000);
    expect(modifiedMsOf(object("1", { lastmodifieddate: "soon" }), "lastmodifieddate")).toBeNull();
  });
});
