import express from "express";
import { z } from "zod";
import { MAX_REC_SLOTS, PROPERTIES } from "../../domain/index.js";
import type { Contact, Decided, Feed, GuardLogEntry, Profile, PropertyValue } from "../../domain/index.js";
import { findContacts, findContactsById } from "../../sync/find-contacts.js";
import { sendPanelPage } from "../create-views.js";
import { panelOf, panelUrl, type PanelRouteDeps } from "../panel-context.js";
import { IdSchema } from "./id-schema.js";

// A search result list a person scans by eye; a broader query should be narrowed, not paged.
const RESULTS_SHOWN = 20;

/** ?q=: an email (or part of one) or a contact id; 320 is the longest address RFC 3696 allows, with room for an id. */
const SearchQuerySchema = z.object({ q: z.string().max(320).default("") });

/** One search result row. */
export type ContactRow = {
  readonly id: string;
  readonly email: string | null;
  readonly consent: string;
  readonly lifecycle: string | null;
  readonly segment: string | null;
  readonly href: string;
};

/** What contacts.hbs renders. */
export type ContactsPage = {
  readonly q: string;
  readonly searched: boolean;
  readonly results: readonly ContactRow[];
  /** The list was cut at `limit`: there may be more matches. */
  readonly full: boolean;
  readonly limit: number;
};

/** One recommendation slot as a product card; `product` is null for an empty slot. */
export type SlotCard = {
  readonly slot: number;
  readonly product: {
    readonly id: string;
    readonly title: string;
    readonly url: string | null;
    readonly imageUrl: string | null;
    /** "1,234.50"; null when the catalog has no price. */
    readonly price: string | null;
    readonly category: string | null;
  } | null;
  readonly why: string;
};

/** One row of "Every Tailor value". */
export type ValueRow = { readonly name: string; readonly label: string; readonly value: string; readonly why: string; readonly confidence: string };

/** One row of the suppressions log. */
export type GuardRow = { readonly at: string; readonly key: string; readonly state: "on" | "off"; readonly reason: string; readonly until: string };

/** What contact.hbs renders. */
export type ContactPage = {
  readonly heading: string;
  readonly contact: {
    readonly id: string;
    readonly email: string | null;
    readonly espIds: readonly { readonly esp: string; readonly id: string }[];
    readonly consent: string;
    readonly createdAt: string;
    readonly timezone: string;
  };
  readonly scored: boolean;
  readonly slots: readonly SlotCard[];
  readonly values: readonly ValueRow[];
  readonly guardLog: readonly GuardRow[];
  readonly links: { readonly search: string; readonly profileJson: string; readonly guardLogJson: string };
};

/** The contacts search and one contact's preview: every tailor_* value with its reason, the slots as cards, the suppressions log. */
export function contactRoutes({ store, views }: PanelRouteDeps): express.Router {
  const router = express.Router();

  router.get("/installations/:installationId/contacts", async (req, res) => {
    const installationId = panelOf(res).installation.id;
    const { q } = SearchQuerySchema.parse(req.query);
    const found = await findContacts(store, installationId, q, RESULTS_SHOWN);
    const profiles = await Promise.all(found.map((c) => store.getProfile(installationId, c.id)));
    const results = found.map((c, i) => toContactRow(installationId, c, profiles[i] ?? null));
    const page: ContactsPage = { q: q.trim(), searched: q.trim() !== "", results, full: results.length === RESULTS_SHOWN, limit: RESULTS_SHOWN };
    sendPanelPage(res, views, "contacts", { title: "Contacts", active: "contacts" }, page);
  });

  router.get("/installations/:installationId/contacts/:contactId", async (req, res) => {
    const installationId = panelOf(res).installation.id;
    const contactId = IdSchema.parse(req.params.contactId);
    const [contacts, profile, feed, guardLog, settings] = await Promise.all([
      findContactsById(store, installationId, [contactId]),
      store.getProfile(installationId, contactId),
      store.getFeed(installationId),
      store.readGuardLog(installationId),
      store.getSettings(installationId),
    ]);
    const contact = contacts.get(contactId) ?? null;
    if (contact === null && profile === null) {
      sendPanelPage(res, views, "not-found", { title: "Not found", active: "contacts", status: 404 }, { what: "contact with this id" });
      return;
    }
    const page = toContactPage(installationId, contactId, { contact, profile, feed, log: guardLog.get(contactId) ?? [], slotsConfigured: settings.recommendations.slots.length });
    sendPanelPage(res, views, "contact", { title: page.heading, active: "contacts" }, page);
  });

  return router;
}

/** A search result: the contact and, once scored, its lifecycle stage and segment. */
export function toContactRow(installationId: string, contact: Contact, profile: Profile | null): ContactRow {
  return {
    id: contact.id,
    email: contact.email ?? null,
    consent: contact.consent,
    lifecycle: textOrNull(profile?.properties.tailor_lifecycle?.value),
    segment: textOrNull(profile?.properties.tailor_segment?.value),
    href: contactUrl(installationId, contact.id),
  };
}

/** What the contact page needs besides the ids, read from the store. */
export type ContactSources = {
  readonly contact: Contact | null;
  readonly profile: Profile | null;
  readonly feed: Feed | null;
  /** The contact's guard log, oldest first, as the store keeps it. */
  readonly log: readonly GuardLogEntry[];
  /** Slots the settings name: empty ones up to here are shown, unused ones after it only when filled. */
  readonly slotsConfigured: number;
};

/** Maps one contact's stored record, profile, feed and guard log to the page's view model. */
export function toContactPage(installationId: string, contactId: string, sources: ContactSources): ContactPage {
  const { contact, profile } = sources;
  return {
    heading: contact?.email ?? contactId,
    contact: {
      id: contactId,
      email: contact?.email ?? null,
      espIds: Object.entries(contact?.espIds ?? {}).map(([esp, id]) => ({ esp, id })),
      consent: contact?.consent ?? "—",
      createdAt: contact === null ? "—" : toUtcText(contact.createdAt.getTime()),
      timezone: contact?.timezone ?? "—",
    },
    scored: profile !== null,
    slots: profile === null ? [] : toSlotCards(profile, sources.feed, sources.slotsConfigured),
    values: profile === null ? [] : toValueRows(profile),
    guardLog: [...sources.log].reverse().map((e) => ({
      at: toUtcText(e.at), key: e.key, state: e.on ? "on" : "off", reason: e.reason, until: e.until === null ? "—" : toUtcText(e.until),
    })),
    links: {
      search: panelUrl(installationId, "/contacts"),
      profileJson: `${contactUrl(installationId, contactId)}.json`,
      guardLogJson: `${contactUrl(installationId, contactId)}/guard-log.json`,
    },
  };
}

/**
 * Each slot's product, from the stored feed (what templates render) or, when the feed lacks it,
 * the display fields written on the profile. There is no per-slot why property: the slot id's
 * reason is the slot's.
 */
function toSlotCards(profile: Profile, feed: Feed | null, slotsConfigured: number): SlotCard[] {
  const cards: SlotCard[] = [];
  for (let slot = 1; slot <= MAX_REC_SLOTS; slot++) {
    const key = `tailor_rec_${slot}`;
    const id = profile.properties[key];
    if (id === undefined) continue;
    const productId = typeof id.value === "string" ? id.value : "";
    if (productId === "") {
      if (slot <= slotsConfigured) cards.push({ slot, product: null, why: id.why });
      continue;
    }
    const fromFeed = feed?.products[productId];
    const field = (suffix: string): PropertyValue => profile.properties[`${key}_${suffix}`]?.value ?? null;
    const price = fromFeed === undefined ? field("price") : fromFeed.price;
    cards.push({
      slot,
      product: {
        id: productId,
        title: fromFeed?.title ?? (textOrNull(field("title")) ?? productId),
        url: safeUrl(fromFeed?.url ?? field("url")),
        imageUrl: safeUrl(fromFeed?.imageUrl ?? field("image")),
        price: typeof price === "number" ? MONEY.format(price) : null,
        category: textOrNull(fromFeed?.category),
      },
      why: id.why,
    });
  }
  return cards;
}

const DECLARED_ORDER = new Map(PROPERTIES.map((p, i) => [p.name, i]));
const LABELS = new Map(PROPERTIES.map((p) => [p.name, p.label]));

/** Every tailor_* value the profile holds, in the declared order; undeclared names (from an older release) after, by name. */
function toValueRows(profile: Profile): ValueRow[] {
  const rank = (name: string): number => DECLARED_ORDER.get(name) ?? Number.MAX_SAFE_INTEGER;
  return Object.entries(profile.properties)
    .filter(([name]) => name.startsWith("tailor_"))
    .sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, d]) => ({ name, label: LABELS.get(name) ?? "", value: toDisplayValue(d.value), why: d.why, confidence: confidenceOf(d) }));
}

const confidenceOf = (d: Decided<PropertyValue>): string => d.confidence ?? "—";

// Prices as the catalog holds them, in the store currency: two decimals, en-US separators on any host.
const MONEY = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** A value as a marketer reads it: yes / no, and a dash for "not set" (null or empty). */
export function toDisplayValue(value: PropertyValue): string {
  if (value === null || value === "") return "—";
  if (typeof value === "boolean") return value ? "yes" : "no";
  return String(value);
}

/** Epoch ms as "2025-03-01 10:00 UTC"; a dash for an invalid time. */
export function toUtcText(ms: number): string {
  if (!Number.isFinite(ms)) return "—";
  return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** The contact's page; ids are encoded, since they come from the ESP. */
export const contactUrl = (installationId: string, contactId: string): string => panelUrl(installationId, `/contacts/${encodeURIComponent(contactId)}`);

const textOrNull = (value: PropertyValue | undefined): string | null => (typeof value === "string" && value !== "" ? value : null);

/**
 * Catalog URLs come from the ESP: only http(s) may become a link or an image, so a
 * `javascript:` URL in a product feed can never run in the panel.
 */
function safeUrl(value: PropertyValue | undefined): string | null {
  if (typeof value !== "string" || value === "") return null;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}
