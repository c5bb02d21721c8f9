import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  anyOf,
  consentOf,
  equalsTo,
  eventMsOf,
  externalIdOf,
  greaterThan,
  inventoryOf,
  isFilterSafe,
  isMachineOpen,
  isoSeconds,
  MACHINE_OPEN_KEYS,
  metricRolesOf,
  pageCursorOf,
  productsOfEvent,
  readCollection,
  relatedIds,
  toContact,
  toEvent,
  toProduct,
  toTimeZone,
  updatedMsOf,
  type Resource,
} from "../../../../src/connectors/klaviyo/map.js";
import { check, ContactSchema, EventSchema, KlaviyoSettingsSchema, ProductSchema, isMalformed, type KlaviyoMetricRole } from "../../../../src/domain/index.js";

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../../fixtures/klaviyo/${name}`, import.meta.url), "utf8")) as unknown;

/** The resources of a collection fixture, read as the pulls read them. */
function resources(name: string): { data: readonly Resource[]; included: readonly Resource[] } {
  const page = readCollection(fixture(name));
  if (page === null) throw new Error(`${name} is not a collection`);
  return page;
}
const only = (name: string, index = 0): Resource => {
  const resource = resources(name).data[index];
  if (resource === undefined) throw new Error(`${name} has no resource ${index}`);
  return resource;
};
const resource = (id: unknown, attributes: Record<string, unknown>, relationships: Record<string, unknown> = {}): Resource => ({ id, type: "x", attributes, relationships });
const withProfile = (id: string) => ({ profile: { data: { type: "profile", id } } });

const settings = KlaviyoSettingsSchema.parse({});

describe("klaviyo map: JSON:API documents", () => {
  it("reads a collection's resources, includes and the next page's cursor", () => {
    const page = readCollection(fixture("pull-catalog-items-page-1.json"));
    expect(page?.data.map((r) => r.id)).toEqual(["$custom:::$default:::1111", "$custom:::$default:::1112"]);
    expect(page?.included).toHaveLength(3);
    expect(page?.next).toBe("Y2F0YWxvZzo6aXRlbXM6OjI");
  });

  it("reads the last page's missing or null next link as the end", () => {
    expect(readCollection({ data: [], links: { self: "https://a.klaviyo.com/api/events/" } })?.next).toBeNull();
    expect(readCollection({ data: [], links: { self: "x", next: null } })?.next).toBeNull();
    expect(readCollection({ data: [] })).toEqual({ data: [], included: [], next: null });
  });

  it.each([
    ["a body without data", { errors: [] }],
    ["a list", []],
    ["text", "<html>"],
    ["a next link without page[cursor]", { data: [], links: { next: "https://a.klaviyo.com/api/events/?sort=datetime" } }],
    ["a next link that is no URL", { data: [], links: { next: "page-2" } }],
  ])("refuses %s rather than guess", (_what, body) => {
    expect(readCollection(body)).toBeNull();
  });

  it("keeps entries that are not objects as empty resources, so their records are quarantined", () => {
    const page = readCollection({ data: [null, "x"] });
    expect(page?.data).toEqual([
      { id: undefined, type: undefined, attributes: {}, relationships: {} },
      { id: undefined, type: undefined, attributes: {}, relationships: {} },
    ]);
    expect(ContactSchema.safeParse(toContact(page?.data[0] ?? resource(1, {}))).success).toBe(false);
  });

  it("takes the page cursor out of a next link, decoded", () => {
    expect(pageCursorOf("https://a.klaviyo.com/api/profiles/?page%5Bcursor%5D=bmV4dDo6%2Bx%3D&sort=updated")).toBe("bmV4dDo6+x=");
    expect(pageCursorOf("https://a.klaviyo.com/api/profiles/?page%5Bcursor%5D=")).toBeNull();
  });
});

describe("klaviyo map: filters", () => {
  it("writes strings in double quotes and datetimes bare, in whole seconds", () => {
    expect(anyOf("id", ["01A", "01B"])).toBe('any(id,["01A","01B"])');
    expect(equalsTo("metric_id", "PlcOrd")).toBe('equals(metric_id,"PlcOrd")');
    expect(greaterThan("updated", Date.parse("2026-10-31T07:29:00.999Z"))).toBe("greater-than(updated,2026-10-31T07:29:00Z)");
    expect(isoSeconds(Date.parse("2026-01-01T00:00:00Z"))).toBe("2026-01-01T00:00:00Z");
  });

  it.each([
    ["$custom:::$default:::CAT-1", true],
    ['say "hi"', false],
    ["back\\slash", false],
    ["", false],
  ])("knows whether %j can sit in a filter", (value, safe) => {
    expect(isFilterSafe(value)).toBe(safe);
  });
});

describe("klaviyo map: profiles", () => {
  it("maps a profile with its Klaviyo id, IANA zone and consent", () => {
    const contact = toContact(only("pull-profiles-page-1.json"));
    expect(contact).toEqual({
      id: "01JBX2Q8F9ZC4V7T3N5M6K1A2B",
      espIds: { klaviyo: "01JBX2Q8F9ZC4V7T3N5M6K1A2B" },
      email: "ada@example.com",
      firstName: "Ada",
      country: "United Kingdom",
      timezone: "Europe/London",
      createdAt: "2025-03-02T10:00:00+00:00",
      consent: "subscribed",
    });
    expect(ContactSchema.safeParse(contact).success).toBe(true);
  });

  it("reads a spam complaint as complained and canonicalises a linked zone name", () => {
    expect(toContact(only("pull-profiles-page-1.json", 1))).toMatchObject({ consent: "complained", timezone: "America/New_York" });
  });

  it("maps a phone-only, never-subscribed profile without email or location", () => {
    const contact = toContact(only("pull-profiles-page-2.json"));
    expect(contact).toEqual({
      id: "01JBX2Q8F9ZC4V7T3N5M6K1A2D",
      espIds: { klaviyo: "01JBX2Q8F9ZC4V7T3N5M6K1A2D" },
      createdAt: "2026-01-04T00:00:00+00:00",
      consent: "subscribed",
    });
    expect(ContactSchema.safeParse(contact).success).toBe(true);
  });

  it("falls back to updated when created is missing, and leaves a profile without id for ingest to refuse", () => {
    expect(toContact(resource("01X", { updated: "2026-10-01T00:00:00+00:00" })).createdAt).toBe("2026-10-01T00:00:00+00:00");
    const bad = check(ContactSchema, toContact(resource(undefined, { email: "x@example.com", created: "2026-01-01T00:00:00Z" })));
    expect(bad.ok).toBe(false);
    expect(bad.ok ? "" : bad.reason).toMatch(/^id: /);
  });

  const marketing = (m: Record<string, unknown>) => ({ email: { marketing: { can_receive_email_marketing: true, consent: "SUBSCRIBED", ...m } } });
  it.each([
    [undefined, "subscribed"],
    [marketing({}), "subscribed"],
    [marketing({ consent: "NEVER_SUBSCRIBED" }), "subscribed"],
    [marketing({ consent: "UNSUBSCRIBED", can_receive_email_marketing: false }), "unsubscribed"],
    [marketing({ can_receive_email_marketing: false }), "unsubscribed"],
    [marketing({ suppression: [{ reason: "UNSUBSCRIBE", timestamp: "t" }] }), "unsubscribed"],
    [marketing({ suppression: [{ reason: "USER_SUPPRESSED", timestamp: "t" }] }), "unsubscribed"],
    [marketing({ suppression: [{ reason: "SOMETHING_NEW", timestamp: "t" }] }), "unsubscribed"],
    [marketing({ suppression: [{ reason: "HARD_BOUNCE", timestamp: "t" }] }), "bounced"],
    [marketing({ suppression: [{ reason: "INVALID_EMAIL", timestamp: "t" }] }), "bounced"],
    [marketing({ suppression: [{ reason: "HARD_BOUNCE", timestamp: "t" }, { reason: "SPAM_COMPLAINT", timestamp: "t" }] }), "complained"],
    [marketing({ list_suppressions: [{ list_id: "L1", reason: "USER_SUPPRESSED", timestamp: "t" }] }), "subscribed"],
  ])("reads subscriptions %j as %s", (subscriptions, consent) => {
    expect(consentOf(subscriptions)).toBe(consent);
  });

  it.each([
    ["Europe/Paris", "Europe/Paris"],
    ["us/eastern", "America/New_York"],
    ["Mars/Olympus_Mons", "Mars/Olympus_Mons"],
  ])("reads the zone %s as %s", (zone, canonical) => {
    expect(toTimeZone(zone)).toBe(canonical);
  });

  it("reads when a profile last changed", () => {
    expect(updatedMsOf(only("pull-profiles-page-2.json"))).toBe(Date.parse("2026-10-31T07:30:00Z"));
    expect(updatedMsOf(resource("1", { updated: "yesterday" }))).toBeNull();
  });
});

describe("klaviyo map: metrics", () => {
  const metrics = [
    ...resources("pull-metrics-page-1.json").data,
    ...resources("pull-metrics-page-2.json").data,
    resource("PlcOr2", { name: " placed order " }),
    resource(undefined, { name: "Opened Email" }),
  ];

  it("maps metrics by name, ignoring case and space, in the settings' role order", () => {
    const { roles } = metricRolesOf(metrics, settings);
    expect([...roles]).toEqual([
      ["VwdPrd", "viewed_product"],
      ["PlcOr2", "placed_order"],
      ["PlcOrd", "placed_order"],
      ["OpnEml", "email_opened"],
      ["ClkEml", "email_clicked"],
    ]);
  });

  it("names the metrics neither mapped nor ignored, and the roles no metric fills", () => {
    const { unmapped, missing } = metricRolesOf(metrics, settings);
    expect(unmapped).toEqual(["Received SMS", "Subscribed to Back in Stock"]);
    expect(missing).toEqual(["added_to_cart", "started_checkout", "refunded", "email_sent", "email_bounced", "unsubscribed", "complained"]);
  });

  it("follows the settings: a renamed metric is read, an ignored one is not reported", () => {
    const custom = KlaviyoSettingsSchema.parse({ metrics: { placed_order: ["Received SMS"] }, ignoredMetrics: ["Placed Order", "Subscribed to Back in Stock", "Ordered Product"] });
    const { roles, unmapped } = metricRolesOf(metrics, custom);
    expect(roles.get("RcvSms")).toBe("placed_order");
    expect(roles.has("PlcOrd")).toBe(false);
    expect(unmapped).toEqual([]);
  });
});

describe("klaviyo map: events", () => {
  const parsed = (raw: unknown) => {
    const result = EventSchema.safeParse(raw);
    if (!result.success) throw new Error(JSON.stringify(result.error.issues));
    return result.data;
  };

  it("maps a Placed Order with its lines, discount and currency; custom lines are not items", () => {
    const event = toEvent(only("pull-events-placed-order-1.json"), "placed_order");
    expect(event).toEqual({
      id: "klaviyo-event:4Tq9PlcOrd01",
      type: "placed_order",
      contactId: "01JBX2Q8F9ZC4V7T3N5M6K1A2B",
      at: "2026-10-20T14:03:11+00:00",
      orderId: "1234",
      value: 29.98,
      discount: 5,
      currency: "USD",
      items: [
        { productId: "1111", quantity: 1, price: 9.99, title: "Winnie the Pooh" },
        { productId: "1112", quantity: 2, price: 19.99, title: "A Tale of Two Cities" },
      ],
    });
    expect(parsed(event).type).toBe("placed_order");
  });

  it("reads numbers sent as text, a numeric product id, the older 'Discount Value' (negative) and $event_id as the order id", () => {
    const event = parsed(toEvent(only("pull-events-placed-order-1.json", 1), "placed_order"));
    expect(event).toMatchObject({ orderId: "1235", value: 19.99, discount: 2.5, items: [{ productId: "1112", quantity: 1, price: 19.99 }] });
  });

  it("prefers OrderId to $event_id, which some integrations make a per-event key", () => {
    const event = resource("E1", { datetime: "2026-10-01T00:00:00Z", event_properties: { OrderId: "A-1", $event_id: "A-1_1727740800", $value: 5, Items: [] } }, withProfile("P1"));
    expect(toEvent(event, "placed_order")).toMatchObject({ orderId: "A-1" });
    expect(toEvent(event, "refunded")).toMatchObject({ orderId: "A-1" });
  });

  it("turns an event without a profile into a malformed record with the reason", () => {
    const raw = toEvent(only("pull-events-placed-order-2.json"), "placed_order");
    expect(isMalformed(raw)).toBe(true);
    const checked = check(EventSchema, raw);
    expect(checked.ok ? "" : checked.reason).toBe("unreadable: klaviyo placed_order event 4Tq9PlcOrd03 has no profile");
  });

  it("maps a refund or cancellation to refunded with the order id and reason", () => {
    expect(parsed(toEvent(only("pull-events-refunded-order.json"), "refunded"))).toEqual({
      id: "klaviyo-event:4Tq9RfdOrd01",
      type: "refunded",
      contactId: "01JBX2Q8F9ZC4V7T3N5M6K1A2B",
      at: new Date("2026-10-25T11:00:00Z"),
      orderId: "1234",
      value: 29.98,
      reason: "No longer needed",
    });
  });

  it("maps product views, add-to-carts and started checkouts", () => {
    expect(toEvent(only("pull-events-viewed-product.json"), "viewed_product")).toEqual({
      id: "klaviyo-event:4Tq9VwdPrd01", type: "viewed_product", contactId: "01JBX2Q8F9ZC4V7T3N5M6K1A2B", at: "2026-10-19T18:22:40+00:00", productId: "1111",
    });
    expect(parsed(toEvent(only("pull-events-added-to-cart.json"), "added_to_cart"))).toMatchObject({ type: "added_to_cart", productId: "1112", quantity: 2 });
    expect(parsed(toEvent(only("pull-events-started-checkout.json"), "started_checkout"))).toMatchObject({
      type: "started_checkout",
      checkoutId: "1000123_1387299423",
      value: 29.98,
      items: [{ productId: "1111", quantity: 1, price: 9.99 }, { productId: "1112", quantity: 1, price: 19.99 }],
    });
  });

  it("marks Apple Privacy opens as machine opens and groups a flow's sends under the flow", () => {
    const [mpp, human, flow] = resources("pull-events-opened-email.json").data.map((e) => parsed(toEvent(e, "email_opened")));
    expect(mpp).toMatchObject({ type: "email_opened", machineOpen: true, campaignId: "01JB0MSG0000AUTUMN0000001", messageId: "01JB0MSG0000AUTUMN0000001" });
    expect(human).toMatchObject({ machineOpen: false });
    expect(flow).toMatchObject({ machineOpen: true, campaignId: "XyZ123", messageId: "01JB0FLWMSG00000000000001" });
  });

  it.each(MACHINE_OPEN_KEYS.map((key) => [key]))("reads %s = true as a machine open", (key) => {
    expect(isMachineOpen({ [key]: true })).toBe(true);
    expect(isMachineOpen({ [key]: "True" })).toBe(true);
    expect(isMachineOpen({ [key]: false })).toBe(false);
  });

  it("keeps a click's URL and sets aside a bot click with the reason", () => {
    const [person, bot] = resources("pull-events-clicked-email.json").data.map((e) => toEvent(e, "email_clicked"));
    expect(parsed(person)).toMatchObject({ type: "email_clicked", url: "https://www.example.com/autumn" });
    const checked = check(EventSchema, bot);
    expect(checked.ok ? "" : checked.reason).toBe("unreadable: klaviyo click 4Tq9ClkEml02 is a bot click (Bot Click = true)");
  });

  it("tells hard bounces from soft ones", () => {
    const [hard, soft] = resources("pull-events-bounced-email.json").data.map((e) => parsed(toEvent(e, "email_bounced")));
    expect(hard).toMatchObject({ type: "email_bounced", hard: true, contactId: "01JBX2Q8F9ZC4V7T3N5M6K1A2E" });
    expect(soft).toMatchObject({ hard: false });
  });

  it.each([
    ["pull-events-received-email.json", "email_sent"],
    ["pull-events-unsubscribed.json", "unsubscribed"],
    ["pull-events-marked-spam.json", "complained"],
  ] as const)("maps %s as %s with the message as campaign", (name, role) => {
    expect(parsed(toEvent(only(name), role))).toMatchObject({ type: role, campaignId: "01JB0MSG0000AUTUMN0000001", messageId: "01JB0MSG0000AUTUMN0000001" });
  });

  it("falls back to the campaign name, then to no campaign", () => {
    const event = (p: Record<string, unknown>) => resource("E1", { datetime: "2026-10-01T00:00:00+00:00", event_properties: p }, withProfile("P1"));
    expect(toEvent(event({ "Campaign Name": "Autumn" }), "email_sent")).toMatchObject({ campaignId: "Autumn" });
    expect(toEvent(event({}), "email_sent")).toMatchObject({ campaignId: "" });
  });

  it("reads the time from timestamp seconds when datetime is missing", () => {
    const event = resource("E2", { timestamp: 1_761_955_200, event_properties: { ProductID: "9" } }, withProfile("P1"));
    expect(toEvent(event, "viewed_product")).toMatchObject({ at: 1_761_955_200_000 });
    expect(eventMsOf(event)).toBe(1_761_955_200_000);
    expect(eventMsOf(resource("E3", {}))).toBeNull();
  });

  const bad: [string, KlaviyoMetricRole, Record<string, unknown>, RegExp][] = [
    ["a view without a product id", "viewed_product", { datetime: "2026-10-01T00:00:00Z", event_properties: { ProductName: "x" } }, /^productId: /],
    ["an order whose value is not a number", "placed_order", { datetime: "2026-10-01T00:00:00Z", event_properties: { $event_id: "9", $value: "lots", Items: [{ ProductID: "1", Quantity: 1, ItemPrice: 1 }] } }, /^value: /],
    ["an order without lines", "placed_order", { datetime: "2026-10-01T00:00:00Z", event_properties: { $event_id: "9", $value: 3 } }, /^items: /],
    ["a refund without an order id", "refunded", { datetime: "2026-10-01T00:00:00Z", event_properties: { $value: 3 } }, /^orderId: /],
    ["an event without a time", "email_sent", { event_properties: {} }, /^at: /],
    ["an event without properties", "added_to_cart", { datetime: "2026-10-01T00:00:00Z" }, /^productId: /],
  ];
  it.each(bad)("still yields %s, for ingest to refuse with a reason", (_what, role, attributes, reason) => {
    const raw = toEvent(resource("E9", attributes, withProfile("P1")), role);
    const checked = check(EventSchema, raw);
    expect(checked.ok).toBe(false);
    expect(checked.ok ? "" : checked.reason).toMatch(reason);
  });
});

describe("klaviyo map: catalog items", () => {
  const page1 = resources("pull-catalog-items-page-1.json");
  const variantsOf = (item: Resource) => relatedIds(item, "variants").flatMap((id) => page1.included.filter((v) => v.id === id));

  it("maps an item by its external id, with stock summed over tracked variants", () => {
    const item = only("pull-catalog-items-page-1.json");
    const product = toProduct(item, variantsOf(item), "Fiction");
    expect(product).toEqual({
      id: "1111",
      title: "Winnie the Pooh",
      url: "https://www.example.com/products/1111",
      imageUrl: "https://cdn.example.com/1111-full.png",
      price: 9.99,
      inventory: 7,
      active: true,
      category: "Fiction",
      brand: "Kids Books",
      createdAt: "2025-11-08T00:00:00+00:00",
    });
    expect(ProductSchema.safeParse(product).success).toBe(true);
  });

  it("takes the category from custom metadata when no catalog category names one, and no stock when it does not limit sales", () => {
    const item = only("pull-catalog-items-page-1.json", 1);
    expect(toProduct(item, variantsOf(item), undefined)).toMatchObject({ category: "Books/Classics", brand: "Harcourt Classics", inventory: null });
  });

  it("reads the id from the resource id, an unpublished item as inactive, and a missing price as null", () => {
    const product = toProduct(only("pull-catalog-items-page-2.json"), [], undefined);
    expect(product).toMatchObject({ id: "1113", title: "Gift card", active: false, price: null, inventory: null, imageUrl: "https://cdn.example.com/1113-thumb.png" });
    expect(ProductSchema.safeParse(product).success).toBe(true);
  });

  it("leaves an item without title for ingest to refuse", () => {
    const checked = check(ProductSchema, toProduct(resource("$custom:::$default:::7", { price: 3 }), [], undefined));
    expect(checked.ok ? "" : checked.reason).toMatch(/^title: /);
  });

  const variant = (attributes: Record<string, unknown>) => resource("v", attributes);
  it.each([
    ["no variants", [], null],
    ["tracked variants", [variant({ inventory_policy: 1, inventory_quantity: 3 }), variant({ inventory_policy: 1, inventory_quantity: 2.5 })], 5],
    ["a variant sold regardless of stock", [variant({ inventory_policy: 1, inventory_quantity: 3 }), variant({ inventory_policy: 0, inventory_quantity: 0 })], null],
    ["a variant without policy", [variant({ inventory_quantity: 3 })], null],
    ["a tracked variant without quantity", [variant({ inventory_policy: 1 })], null],
    ["an unpublished variant, left out", [variant({ inventory_policy: 1, inventory_quantity: 3 }), variant({ published: false, inventory_policy: 0 })], 3],
    ["negative stock, counted as none", [variant({ inventory_policy: 1, inventory_quantity: -4 })], 0],
  ] as const)("counts stock for %s", (_what, variants, units) => {
    expect(inventoryOf(variants)).toBe(units);
  });

  it.each([
    ["$custom:::$default:::SKU-1", "SKU-1"],
    ["plain", "plain"],
    [42, undefined],
  ])("reads the external id of %j", (id, external) => {
    expect(externalIdOf(id)).toBe(external);
  });
});

describe("klaviyo map: products described by events", () => {
  const event = (properties: Record<string, unknown>) => resource("e1", { datetime: "2026-10-19T18:22:40+00:00", event_properties: properties }, withProfile("p1"));

  it("needs an id and a title, and fills the rest only where the event has it", () => {
    expect(productsOfEvent(event({ ProductID: 7, ProductName: "  Mug ", Categories: ["", "Kitchen", "Home"] }), "viewed_product"))
      .toEqual([{ id: "7", title: "Mug", url: "", imageUrl: "", price: null, category: "Kitchen", brand: "" }]);
    expect(productsOfEvent(event({ ProductID: "7" }), "viewed_product")).toEqual([]);
    expect(productsOfEvent(event({ ProductName: "Mug" }), "viewed_product")).toEqual([]);
  });

  it("keeps only absolute http(s) links and usable prices", () => {
    const [product] = productsOfEvent(event({ ProductID: "7", ProductName: "Mug", URL: "/products/mug", ImageURL: "javascript:alert(1)", Price: -3, Categories: "Kitchen" }), "viewed_product");
    expect(product).toMatchObject({ url: "", imageUrl: "", price: null, category: "Kitchen" });
    const [priced] = productsOfEvent(event({ ProductID: "7", ProductName: "Mug", URL: "https://shop.example.com/mug", Price: "4.50" }), "viewed_product");
    expect(priced).toMatchObject({ url: "https://shop.example.com/mug", price: 4.5 });
  });

  it("reads an added item sent under the Viewed Product names, and refunds' lines", () => {
    expect(productsOfEvent(event({ ProductID: "7", ProductName: "Mug" }), "added_to_cart").map((p) => p.id)).toEqual(["7"]);
    expect(productsOfEvent(event({ Items: [{ ProductID: "8", ProductName: "Cup" }, "junk", { ProductName: "Gift wrap" }] }), "refunded").map((p) => p.id)).toEqual(["8"]);
  });

  it("finds none on email events", () => {
    expect(productsOfEvent(event({ ProductID: "7", ProductName: "Mug", Items: [{ ProductID: "8", ProductName: "Cup" }] }), "email_clicked")).toEqual([]);
  });
});
