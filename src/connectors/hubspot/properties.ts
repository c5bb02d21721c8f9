import { PROPERTY_GROUP, type PropertyDefinition, type PropertyType } from "../../domain/index.js";
import { EspError } from "../shared/esp-error.js";
import type { HubSpotCall } from "./hubspot-call.js";
import type { PropertyCreate, PropertyGroupCreate } from "@hubspot/api-client/lib/codegen/crm/properties/index.js";

/** Tailor's properties live on contacts. `*WithHttpInfo` calls let the limiter see HubSpot's rate headers. */
const OBJECT_TYPE = "contacts";

/** The `tailor` group every Tailor property is created in; -1 shows it after HubSpot's own groups. */
export const TAILOR_GROUP = { name: PROPERTY_GROUP.name, label: PROPERTY_GROUP.label, displayOrder: -1 } as const;

/** One option of an enumeration or bool property (H-SPEC properties.json `OptionInput`). */
export type HubSpotOption = { readonly label: string; readonly value: string; readonly hidden: boolean; readonly displayOrder: number };

/** The body of POST /crm/v3/properties/contacts (H-SPEC properties.json `PropertyCreate`), the fields Tailor sets. */
export type HubSpotPropertyCreate = {
  readonly name: string;
  readonly label: string;
  readonly type: "string" | "number" | "bool" | "date" | "datetime" | "enumeration";
  readonly fieldType: "text" | "number" | "booleancheckbox" | "date" | "select";
  readonly groupName: string;
  readonly description: string;
  readonly displayOrder: number;
  /** Tailor writes these; they are not for forms. */
  readonly formField: false;
  readonly options?: readonly HubSpotOption[];
};

// type -> HubSpot type + fieldType (esp-apis.md 1.5; properties guide's "type and fieldType" table).
const HUBSPOT_TYPES: Readonly<Record<PropertyType, Pick<HubSpotPropertyCreate, "type" | "fieldType">>> = {
  string: { type: "string", fieldType: "text" },
  number: { type: "number", fieldType: "number" },
  boolean: { type: "bool", fieldType: "booleancheckbox" },
  date: { type: "date", fieldType: "date" },
  datetime: { type: "datetime", fieldType: "date" },
  enumeration: { type: "enumeration", fieldType: "select" },
};

const option = (label: string, value: string, i: number): HubSpotOption => ({ label, value, hidden: false, displayOrder: i + 1 });
/** "new_lead" -> "New lead": what a marketer sees in the dropdown; the value stays the API word. */
const labelOf = (value: string): string => {
  const words = value.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** A declared Tailor property as HubSpot's create body; `displayOrder` keeps the README's order in the UI. */
export function toHubSpotProperty(def: PropertyDefinition, displayOrder = -1): HubSpotPropertyCreate {
  const { type, fieldType } = HUBSPOT_TYPES[def.type];
  const options =
    def.type === "boolean" ? [option("Yes", "true", 0), option("No", "false", 1)]
    : def.type === "enumeration" ? (def.options ?? []).map((v, i) => option(labelOf(v), v, i))
    : undefined;
  return {
    name: def.name,
    label: def.label,
    type,
    fieldType,
    groupName: TAILOR_GROUP.name,
    description: def.description,
    displayOrder,
    formField: false,
    ...(options === undefined ? {} : { options }),
  };
}

/** What setup did: properties it created, and those the portal already had (left exactly as they were). */
export type DefineReport = { readonly created: readonly string[]; readonly existing: readonly string[] };

/**
 * Idempotent setup: creates the `tailor` group and every definition the portal lacks; never
 * updates an existing property (a marketer may have relabelled it). Costs 2 calls plus one per
 * new property; a 409 (created meanwhile, or an archived one) counts as existing.
 */
export async function defineProperties(call: HubSpotCall, definitions: readonly PropertyDefinition[], log: (message: string) => void = () => undefined): Promise<DefineReport> {
  await ignoreConflict(call("standard", "create the tailor property group", (sdk) =>
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- the SDK documents plain objects for its codegen body classes
    sdk.crm.properties.groupsApi.createWithHttpInfo(OBJECT_TYPE, TAILOR_GROUP satisfies PropertyGroupCreate)));
  const portal = await call("standard", "read contact properties", (sdk) => sdk.crm.properties.coreApi.getAllWithHttpInfo(OBJECT_TYPE));
  const known = new Map(portal.data.results.map((p) => [p.name, p]));
  const created: string[] = [];
  const existing: string[] = [];
  for (const [i, def] of definitions.entries()) {
    const found = known.get(def.name);
    if (found !== undefined) {
      existing.push(def.name);
      warnOnDrift(def, found, log);
      continue;
    }
    const body = toHubSpotProperty(def, i + 1);
    // The codegen class declares `type`/`fieldType` as TS enums; the API takes the same strings.
    const made = await ignoreConflict(call("standard", `create property ${def.name}`, (sdk) => sdk.crm.properties.coreApi.createWithHttpInfo(OBJECT_TYPE, body as unknown as PropertyCreate)));
    (made ? created : existing).push(def.name);
  }
  if (created.length > 0) log(`hubspot: created ${created.length} tailor properties (${created.join(", ")})`);
  return { created, existing };
}

/** Resolves true when the create went through, false on 409 (it already exists); anything else throws. */
async function ignoreConflict(request: Promise<unknown>): Promise<boolean> {
  try {
    await request;
    return true;
  } catch (error) {
    if (error instanceof EspError && error.status === 409) return false;
    throw error;
  }
}

/** An existing property whose type or options differ is left alone, but said out loud: pushes to it may be refused. */
function warnOnDrift(def: PropertyDefinition, found: { type: string; options: readonly { value: string }[] }, log: (message: string) => void): void {
  const wanted = toHubSpotProperty(def);
  if (found.type !== wanted.type) {
    log(`hubspot: property ${def.name} is ${found.type} in the portal, Tailor writes ${wanted.type}; left unchanged`);
    return;
  }
  const have = new Set(found.options.map((o) => o.value));
  const missing = (wanted.options ?? []).map((o) => o.value).filter((v) => !have.has(v));
  if (missing.length > 0) log(`hubspot: property ${def.name} lacks options ${missing.join(", ")}; values using them will be refused`);
}
