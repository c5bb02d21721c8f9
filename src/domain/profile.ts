import type { Decided } from "./decided.js";
import type { PropertyName, PropertyValue } from "./properties.js";

/** What the engine returns per contact: every output property with its value and why. */
export type Profile = {
  readonly contactId: string;
  readonly properties: Readonly<Record<PropertyName, Decided<PropertyValue>>>;
};

/** The plain values of a profile: what is diffed against the ESP and written. */
export const valuesOf = (profile: Profile): Record<PropertyName, PropertyValue> =>
  Object.fromEntries(Object.entries(profile.properties).map(([k, d]) => [k, d.value]));
