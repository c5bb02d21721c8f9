import { z } from "zod";

/*
 * The parts of HubSpot's request schemas Tailor sends, written from the OpenAPI files in
 * github:HubSpot/HubSpot-public-api-spec-collection (read with the search tool; the collection's
 * licence does not allow copying the files here). Field lists, `required` and enums follow the spec;
 * `.strict()` is ours, so a misspelt or invented field fails the contract instead of being ignored.
 */

/** H-SPEC `PublicApiSpecs/CRM/Properties/Rollouts/145899/v3/properties.json#/components/schemas/PropertyGroupCreate` (required: name, label). */
export const PropertyGroupCreateSchema = z.object({
  name: z.string().min(1),
  label: z.string().min(1),
  displayOrder: z.number().int().optional(),
}).strict();

/** H-SPEC `PublicApiSpecs/CRM/Properties/Rollouts/145899/v3/properties.json#/components/schemas/OptionInput` (required: hidden, label, value). */
export const OptionInputSchema = z.object({
  label: z.string(),
  value: z.string(),
  hidden: z.boolean(),
  description: z.string().optional(),
  displayOrder: z.number().int().optional(),
}).strict();

/**
 * H-SPEC `PublicApiSpecs/CRM/Properties/Rollouts/145899/v3/properties.json#/components/schemas/PropertyCreate`
 * (required: name, label, type, fieldType, groupName; `type` and `fieldType` enums as in the spec).
 */
export const PropertyCreateSchema = z.object({
  name: z.string().min(1),
  label: z.string().min(1),
  type: z.enum(["string", "number", "date", "datetime", "enumeration", "bool"]),
  fieldType: z.enum(["textarea", "text", "date", "file", "number", "select", "radio", "checkbox", "booleancheckbox", "calculation_equation"]),
  groupName: z.string().min(1),
  description: z.string().optional(),
  options: z.array(OptionInputSchema).optional(),
  displayOrder: z.number().int().optional(),
  hasUniqueValue: z.boolean().optional(),
  hidden: z.boolean().optional(),
  formField: z.boolean().optional(),
  referencedObjectType: z.string().optional(),
  calculationFormula: z.string().optional(),
  externalOptions: z.boolean().optional(),
}).strict();

/**
 * Which fieldType each type may take: the "type and fieldType values" table of the properties guide
 * (https://developers.hubspot.com/docs/guides/api/crm/properties), which the spec's enums do not pair up.
 */
export const FIELD_TYPES_OF: Readonly<Record<z.infer<typeof PropertyCreateSchema>["type"], readonly string[]>> = {
  bool: ["booleancheckbox", "calculation_equation"],
  enumeration: ["booleancheckbox", "checkbox", "radio", "select", "calculation_equation"],
  date: ["date"],
  datetime: ["date"],
  string: ["file", "text", "textarea", "calculation_equation", "html", "phonenumber"],
  number: ["number", "calculation_equation"],
};

/** H-SPEC `PublicApiSpecs/CRM/Contacts/Rollouts/424/v3/contacts.json#/components/schemas/SimplePublicObjectBatchInput` (required: id, properties; values are strings). */
export const SimplePublicObjectBatchInputSchema = z.object({
  id: z.string().min(1),
  properties: z.record(z.string(), z.string()),
  idProperty: z.string().optional(),
  objectWriteTraceId: z.string().optional(),
}).strict();

/**
 * H-SPEC `PublicApiSpecs/CRM/Contacts/Rollouts/424/v3/contacts.json#/components/schemas/BatchInputSimplePublicObjectBatchInput`
 * (required: inputs); at most 100 inputs per call (usage guidelines, batch limits).
 */
export const BatchInputSimplePublicObjectBatchInputSchema = z.object({
  inputs: z.array(SimplePublicObjectBatchInputSchema).min(1).max(100),
}).strict();
