import type { Contact, Profile, PropertyChange, PropertyValue, WrittenValues } from "../domain/index.js";
import { valuesOf } from "../domain/index.js";

/** Two property values are the same write when they would leave the ESP in the same state. */
const same = (a: PropertyValue | undefined, b: PropertyValue): boolean =>
  a === b || (typeof a === "number" && typeof b === "number" && Math.abs(a - b) < 1e-9);

/**
 * Only what changed since the last successful write, per contact. A contact never
 * written before gets every non-empty value (writing "" or null to a fresh contact is a no-op).
 */
export function diff(before: WrittenValues, profiles: readonly Profile[], contacts: ReadonlyMap<string, Contact>, esp: keyof Contact["espIds"]): PropertyChange[] {
  const changes: PropertyChange[] = [];
  for (const profile of profiles) {
    const last = before.get(profile.contactId);
    const set: Record<string, PropertyValue> = {};
    let changed = false;
    for (const [name, value] of Object.entries(valuesOf(profile))) {
      const previous = last?.[name];
      if (previous === undefined ? value === null || value === "" : same(previous, value)) continue;
      set[name] = value;
      changed = true;
    }
    if (!changed) continue;
    const contact = contacts.get(profile.contactId);
    const change: PropertyChange = {
      contactId: profile.contactId,
      espId: contact?.espIds[esp] ?? "",
      ...(contact?.email === undefined ? {} : { email: contact.email }),
      set,
    };
    changes.push(change);
  }
  return changes;
}
