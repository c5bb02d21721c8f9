import { readFile } from "node:fs/promises";
import type { Contact, PropertyValue, Store } from "../domain/index.js";
import { segmentSlug } from "../domain/segment-settings.js";
import { formatTemplateQa, parseTemplate, productIdFieldOf, templateQa } from "../engine/template-qa.js";
import type { ParsedTemplate, QaRecipient, TemplateQaReport } from "../engine/template-qa.js";
import { segmentMembers } from "./sample-command.js";

/** What `tailor qa template` takes. */
export type QaOptions = {
  /** Path of the template file (HubL, Klaviyo or Handlebars). */
  readonly template: string;
  /** A segment name as written to tailor_segment, or its slug; null checks every stored profile. */
  readonly segment: string | null;
  readonly format: "text" | "json";
};

type Values = Readonly<Record<string, PropertyValue>>;

/**
 * How each merge field of a template's text renders for an audience: a segment's stored profiles
 * (name or slug), or every stored profile when `segment` is null. Keeps only the audience's
 * contacts and the properties the template reads. The panel pastes text; the CLI reads a file.
 */
export async function qaTemplateText(store: Store, installationId: string, text: string, segment: string | null): Promise<TemplateQaReport> {
  if ((await store.getInstallation(installationId)) === null) throw new Error(`unknown installation ${JSON.stringify(installationId)}`);
  const template = parseTemplate(text);
  const wanted = propertiesRead(template);
  const values = segment === null ? await everyone(store, installationId, wanted) : await members(store, installationId, segment, wanted);
  const recipients = await withContacts(store, installationId, values);
  const feed = await store.getFeed(installationId);
  const report = templateQa(template, recipients, new Set(Object.keys(feed?.products ?? {})));
  const showsProducts = template.references.some((r) => productIdFieldOf(r.field) !== null);
  return feed === null && showsProducts
    ? { ...report, errors: [...report.errors, "no feed is stored yet, so every product counts as missing from it: run a sync first"] }
    : report;
}

/**
 * `tailor qa template FILE --segment NAME`: how each merge field of the template renders for the
 * segment's stored profiles, empty greetings and slots whose product the feed lacks first.
 */
export async function qaCommand(store: Store, installationId: string, options: QaOptions): Promise<string> {
  const report = await qaTemplateText(store, installationId, await readFile(options.template, "utf8"), options.segment);
  if (options.format === "json") return JSON.stringify(report, null, 2);
  const audience = options.segment === null ? "every stored profile" : `segment "${options.segment}"`;
  return `${options.template} for ${audience}\n${formatTemplateQa(report)}`;
}

/** The tailor_* values the template shows, plus the slot ids behind its display fields. */
function propertiesRead(template: ParsedTemplate): ReadonlySet<string> {
  const names = new Set<string>();
  for (const r of template.references) {
    if (r.kind !== "tailor" && r.kind !== "catalog") continue;
    names.add(r.field);
    const source = productIdFieldOf(r.field);
    if (source !== null) names.add(source);
  }
  return names;
}

const pick = (properties: Readonly<Record<string, { readonly value: PropertyValue }>>, names: ReadonlySet<string>): Values => {
  const picked: Record<string, PropertyValue> = {};
  for (const name of names) {
    const d = properties[name];
    if (d !== undefined) picked[name] = d.value;
  }
  return picked;
};

async function everyone(store: Store, installationId: string, names: ReadonlySet<string>): Promise<Map<string, Values>> {
  const values = new Map<string, Values>();
  for await (const chunk of store.readProfiles(installationId)) for (const p of chunk) values.set(p.contactId, pick(p.properties, names));
  return values;
}

/** The segment's members, matched as `tailor sample` matches them; an unknown segment is an error naming the known ones. */
async function members(store: Store, installationId: string, segment: string, names: ReadonlySet<string>): Promise<Map<string, Values>> {
  const drawn = await segmentMembers(store, installationId, segment);
  if (drawn.members.length === 0) {
    const configured = (await store.getSettings(installationId)).segments.segments.map((s) => s.name);
    // A configured segment nobody is in yet is a real, empty audience, not a typo.
    if (!configured.some((name) => segmentSlug(name) === segmentSlug(segment))) {
      const known = [...new Set([...configured, ...drawn.segmentSizes.keys()])].map((name) => `${name} (${(drawn.segmentSizes.get(name) ?? 0).toLocaleString("en-US")})`);
      throw new Error(`unknown segment ${JSON.stringify(segment)}: the segments are ${known.join(", ")}`);
    }
  }
  return new Map(drawn.members.map((p) => [p.contactId, pick(p.properties, names)]));
}

/**
 * Joins the audience's contacts, in contact id order so example ids never depend on the store's
 * order. A profile whose contact is gone (merged or deleted) is nobody's email and is left out.
 */
async function withContacts(store: Store, installationId: string, values: ReadonlyMap<string, Values>): Promise<QaRecipient[]> {
  const recipients: QaRecipient[] = [];
  for await (const chunk of store.readContacts(installationId)) {
    for (const contact of chunk) {
      const own = values.get(contact.id);
      if (own !== undefined) recipients.push({ contact: slim(contact), values: own });
    }
  }
  return recipients.sort((a, b) => (a.contact.id < b.contact.id ? -1 : a.contact.id > b.contact.id ? 1 : 0));
}

/** Only what a template can read of a contact, so the audience holds no preferences or ESP ids. */
function slim(contact: Contact): Contact {
  const kept: Contact = { id: contact.id, espIds: {}, createdAt: contact.createdAt, consent: contact.consent, preferences: {} };
  return {
    ...kept,
    ...(contact.firstName === undefined ? {} : { firstName: contact.firstName }),
    ...(contact.email === undefined ? {} : { email: contact.email }),
  };
}
