import { z } from "zod";
import type { EspWebhookEvent } from "../../domain/index.js";

/*
 * HubSpot POSTs a JSON array of at most 100 events (developers.hubspot.com/docs/api/webhooks).
 * Fields used, as documented there and in the merge changelog
 * (developers.hubspot.com/changelog/new-subscription-types-for-webhooks): portalId, subscriptionType,
 * objectId, propertyName; merges add primaryObjectId, mergedObjectIds[] and newObjectId. The newer
 * generic form sends "object.<action>" with objectTypeId "0-1" for contacts.
 */

// Ids arrive as JSON numbers; strings are taken too, so a proxy that stringifies does no harm.
const IdSchema = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]).transform(String);

const HubSpotEventSchema = z.object({
  portalId: IdSchema,
  subscriptionType: z.string().min(1),
  objectId: IdSchema.optional(),
  objectTypeId: z.string().optional(),
  propertyName: z.string().optional(),
  primaryObjectId: IdSchema.optional(),
  mergedObjectIds: z.array(IdSchema).optional(),
  newObjectId: IdSchema.optional(),
});
type HubSpotEvent = z.infer<typeof HubSpotEventSchema>;

/** HubSpot's object type id for contacts in the generic "object.*" events. */
const CONTACT_TYPE_ID = "0-1";

/**
 * Property changes that make a stored contact wrong in a way the next run must see: the email
 * (identity) and the subscription status (consent). hs_email_optout is "unsubscribed from all";
 * hs_email_optout_<subscription type id> is one subscription type's status.
 */
export function isRefreshProperty(name: string): boolean {
  return name === "email" || name === "hs_email_optout" || /^hs_email_optout_\d+$/.test(name);
}

type Action = { readonly kind: "erase" | "refresh"; readonly reason: string; readonly contactId: string } | { readonly kind: "merge"; readonly primaryId: string; readonly mergedIds: readonly string[] };

/**
 * A verified HubSpot webhook body as domain events, one per portal and kind (merges one per merge),
 * ids de-duplicated. Anything not about erasing, refreshing or merging contacts is skipped and
 * counted, and so is an event that does not parse: HubSpot retries any non-2xx answer for a day,
 * so a body we cannot use is acknowledged, not refused.
 */
export function parseHubSpotWebhook(rawBody: string): { events: EspWebhookEvent[]; skipped: number } {
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return { events: [], skipped: 1 };
  }
  if (!Array.isArray(body)) return { events: [], skipped: 1 };

  const groups = new Map<string, { kind: "erase" | "refresh"; accountId: string; contactIds: Set<string>; reasons: Set<string> }>();
  const events: EspWebhookEvent[] = [];
  // Groups keep the place of their first event, so erase / refresh / merge order follows the body.
  const order: (string | EspWebhookEvent)[] = [];
  let skipped = 0;
  for (const item of body) {
    const parsed = HubSpotEventSchema.safeParse(item);
    const action = parsed.success ? actionOf(parsed.data) : null;
    if (!parsed.success || action === null) {
      skipped++;
      continue;
    }
    const accountId = parsed.data.portalId;
    if (action.kind === "merge") {
      order.push({ kind: "merge", accountId, primaryId: action.primaryId, mergedIds: action.mergedIds });
      continue;
    }
    const key = `${accountId}\u0000${action.kind}`;
    let group = groups.get(key);
    if (group === undefined) {
      group = { kind: action.kind, accountId, contactIds: new Set(), reasons: new Set() };
      groups.set(key, group);
      order.push(key);
    }
    group.contactIds.add(action.contactId);
    group.reasons.add(action.reason);
  }
  for (const entry of order) {
    if (typeof entry !== "string") {
      events.push(entry);
      continue;
    }
    const group = groups.get(entry);
    if (group === undefined) continue;
    events.push({ kind: group.kind, accountId: group.accountId, contactIds: [...group.contactIds], reason: [...group.reasons].join(", ") });
  }
  return { events, skipped };
}

/** What one HubSpot event asks of Tailor, or null when it asks nothing. */
function actionOf(event: HubSpotEvent): Action | null {
  const action = contactActionOf(event);
  if (action === null) return null;
  const { objectId } = event;
  switch (action) {
    case "privacyDeletion":
    case "deletion":
      return objectId === undefined ? null : { kind: "erase", reason: event.subscriptionType, contactId: objectId };
    case "restore":
      // A deleted contact came back (HubSpot keeps deleted records for a while): pull it again.
      return objectId === undefined ? null : { kind: "refresh", reason: event.subscriptionType, contactId: objectId };
    case "propertyChange":
      return objectId === undefined || event.propertyName === undefined || !isRefreshProperty(event.propertyName)
        ? null
        : { kind: "refresh", reason: `${event.subscriptionType} ${event.propertyName}`, contactId: objectId };
    case "merge":
      return mergeOf(event);
    default:
      return null;
  }
}

/** The action part of a contact event's type ("contact.merge", or "object.merge" on contacts), else null. */
function contactActionOf({ subscriptionType, objectTypeId }: HubSpotEvent): string | null {
  const [object, action, ...rest] = subscriptionType.split(".");
  if (action === undefined || rest.length > 0) return null;
  if (object === "contact") return action;
  if (object === "object" && objectTypeId === CONTACT_TYPE_ID) return action;
  return null;
}

/**
 * The record that survives and the ones folded into it. HubSpot: "newObjectId ... is separate from
 * primaryObjectId because in some cases a new object is created from the result of a merge", so
 * the survivor is newObjectId when given, and the old primary then counts among the merged.
 */
function mergeOf(event: HubSpotEvent): Action | null {
  const primaryId = event.newObjectId ?? event.primaryObjectId;
  if (primaryId === undefined || event.mergedObjectIds === undefined) return null;
  const candidates = event.primaryObjectId === undefined ? event.mergedObjectIds : [...event.mergedObjectIds, event.primaryObjectId];
  const mergedIds = [...new Set(candidates)].filter((id) => id !== primaryId);
  return mergedIds.length === 0 ? null : { kind: "merge", primaryId, mergedIds };
}
