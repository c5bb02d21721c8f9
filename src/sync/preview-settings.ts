import type { Profile, PropertyName, PropertyValue, Settings, Store } from "../domain/index.js";
import { valuesOf } from "../domain/index.js";
import { diff } from "./diff.js";
import { scoreStored } from "./run-sync.js";

/** What saving proposed settings would do to the stored contacts' outputs, before any sync writes. */
export type SettingsPreview = {
  /** Contacts scored with the proposed settings. */
  readonly contacts: number;
  /** Contacts with at least one output that differs from the stored settings' scoring. */
  readonly changedContacts: number;
  /** Changed contacts per output, most first; rec slots count once as "tailor_rec_*", a `_why` with its property. */
  readonly byProperty: readonly { readonly property: string; readonly contacts: number }[];
  /** Contacts the next sync would write under the proposed settings (against what was last written). */
  readonly nextSyncWrites: number;
};

/** The output a property's change is reported under: one line for every slot property, a reason with its value. */
export function propertyGroupOf(name: PropertyName): string {
  if (name.startsWith("tailor_rec_")) return "tailor_rec_*";
  return name.endsWith("_why") ? name.slice(0, -"_why".length) : name;
}

/** The same float tolerance as the diff: two values that write the same ESP state are not a change. */
const same = (a: PropertyValue | undefined, b: PropertyValue | undefined): boolean =>
  a === b || (typeof a === "number" && typeof b === "number" && Math.abs(a - b) < 1e-9);

/**
 * The settings page's dry run: scores the stored data under the stored and the proposed settings,
 * with the same clock and seed as the next sync, and counts what differs. Nothing is saved.
 */
export async function previewSettings(store: Store, installationId: string, proposed: Settings, now: Date, seed: number): Promise<SettingsPreview> {
  const installation = await store.getInstallation(installationId);
  if (installation === null) throw new Error(`No installation "${installationId}".`);
  const quiet = () => undefined;
  const before = await scoreStored(store, installationId, await store.getSettings(installationId), now, seed, quiet);
  const after = await scoreStored(store, installationId, proposed, now, seed, quiet);

  const was = new Map(before.profiles.map((p) => [p.contactId, valuesOf(p)]));
  const counts = new Map<string, number>();
  let changedContacts = 0;
  for (const profile of after.profiles) {
    const groups = changedGroups(was.get(profile.contactId) ?? {}, profile);
    if (groups.size > 0) changedContacts++;
    for (const g of groups) counts.set(g, (counts.get(g) ?? 0) + 1);
  }
  const byProperty = [...counts].map(([property, contacts]) => ({ property, contacts }))
    .sort((a, b) => b.contacts - a.contacts || a.property.localeCompare(b.property));
  const nextSyncWrites = diff(await store.lastWritten(installationId), after.profiles, after.contacts, installation.esp).length;
  return { contacts: after.profiles.length, changedContacts, byProperty, nextSyncWrites };
}

function changedGroups(before: Readonly<Record<PropertyName, PropertyValue>>, profile: Profile): Set<string> {
  const after = valuesOf(profile);
  const groups = new Set<string>();
  for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (!same(before[name], after[name])) groups.add(propertyGroupOf(name));
  }
  return groups;
}

// en-US pins the separator to a comma whatever locale the host runs in.
const count = new Intl.NumberFormat("en-US");

/** "This would change 4,210 contacts: 3,900 tailor_rec_*, 310 tailor_segment". */
export function formatPreview(p: SettingsPreview): string {
  const head = `This would change ${count.format(p.changedContacts)} ${p.changedContacts === 1 ? "contact" : "contacts"}`;
  if (p.byProperty.length === 0) return `${head}.`;
  return `${head}: ${p.byProperty.map((b) => `${count.format(b.contacts)} ${b.property}`).join(", ")}`;
}
