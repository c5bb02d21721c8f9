import type { Checked, PropertyDefinition, PropertyName, PropertyType, PropertyValue } from "../../domain/index.js";

/**
 * A change's values in the ESP's own form, or every reason it cannot be sent: a name Tailor never
 * declared, or a value the ESP would refuse. Checked before sending, so one bad value fails its own
 * record and never the batch it would have shared.
 */
export function convertProperties<V>(
  set: Readonly<Record<PropertyName, PropertyValue>>,
  byName: ReadonlyMap<string, PropertyDefinition>,
  convert: (type: PropertyType, value: PropertyValue, options?: readonly string[]) => Checked<V>,
): { readonly ok: true; readonly properties: Record<string, V> } | { readonly ok: false; readonly reason: string } {
  const properties: Record<string, V> = {};
  const problems: string[] = [];
  for (const [name, value] of Object.entries(set)) {
    const def = byName.get(name);
    if (def === undefined) {
      problems.push(`${name}: not a declared Tailor property`);
      continue;
    }
    const converted = convert(def.type, value, def.options);
    if (converted.ok) properties[name] = converted.value;
    else problems.push(`${name}: ${converted.reason}`);
  }
  return problems.length > 0 ? { ok: false, reason: problems.join("; ") } : { ok: true, properties };
}
