import { isDeepStrictEqual } from "node:util";
import { z } from "zod";
import type { Esp, Settings } from "../domain/index.js";
import { describeSettings, GUARD_OPS, REC_SCOPES, REC_SOURCES, SegmentFactSchema, SettingsSchema } from "../domain/index.js";

/** The settings groups in the order a marketer thinks of them, each with its one-line intro. */
export const SETTINGS_GROUPS = [
  { key: "frequency", title: "Email frequency caps", intro: "How many marketing emails one contact may get, by engagement tier." },
  { key: "suppressions", title: "Suppressions and quiet hours", intro: "When promotional email pauses for a contact, beyond unsubscribes, bounces and complaints (which always pause it)." },
  { key: "experiments", title: "Holdouts and staged rollout", intro: "Who stays on the baseline so lift can be measured, and how much of the audience each feature reaches." },
  { key: "lifecycle", title: "Lifecycle stages", intro: "Days since the last order that divide new, active, lapsing and churned customers (tailor_lifecycle)." },
  { key: "segments", title: "Named segments", intro: "The segments written to tailor_segment, checked in order: a contact gets the first whose guards all hold." },
  { key: "recommendations", title: "Recommendations: slots and business rules", intro: "What fills each tailor_rec_* slot, and the rules every recommended product must pass." },
  { key: "flows", title: "Flows", intro: "When each lifecycle flow (welcome, abandonment, post-purchase, replenishment, win-back) may start." },
  { key: "sendTime", title: "Send time", intro: "How each contact's best send hour is estimated from their own habits and the store's." },
  { key: "engagement", title: "Engagement", intro: "How clicks, visits, orders and opens add up to the engagement score and level." },
  { key: "predictions", title: "Predictions", intro: "How the purchase models behind churn risk, CLV and the next order date are fitted." },
  { key: "intent", title: "Interest (category affinity)", intro: "How views, carts and purchases add up to each contact's favourite categories." },
  { key: "cleaning", title: "Data cleaning", intro: "How incoming orders and categories are cleaned before anything is scored." },
  { key: "sync", title: "Sync", intro: "How often Tailor syncs and how it writes back to your ESP." },
  { key: "klaviyo", title: "Klaviyo", intro: "Which Klaviyo metrics Tailor reads, and what it sets up in your Klaviyo account." },
] as const satisfies readonly { key: keyof Settings; title: string; intro: string }[];
export type SettingsGroupKey = (typeof SETTINGS_GROUPS)[number]["key"];

/** Groups that only apply to one ESP's installations. */
const GROUP_ESP: Partial<Record<SettingsGroupKey, Esp>> = { klaviyo: "klaviyo" };

/**
 * How a setting is edited: a number, checkbox, select or text input, 'auto'-or-a-number as text,
 * a list of plain names one per line, or anything structured as pretty JSON in a textarea.
 */
export type SettingsFieldKind = "number" | "boolean" | "enum" | "text" | "number-or-literal" | "lines" | "json";

/** What the schema says about one setting; the same for every installation. */
export type SettingsFieldSpec = {
  /** Dotted path into Settings, e.g. "frequency.maxPer7Days". */
  readonly key: string;
  /** The input's id: "field-frequency-maxPer7Days". */
  readonly id: string;
  readonly group: SettingsGroupKey;
  readonly kind: SettingsFieldKind;
  readonly doc: string;
  /** How to type the value, when the kind needs saying (lines, JSON shapes, 'auto'). */
  readonly hint: string | null;
  readonly defaultValue: unknown;
  readonly options: readonly string[] | null;
  /** 'auto' for sendTime.priorStrength: the literals typed as text instead of a number. */
  readonly literals: readonly string[];
  readonly min: number | null;
  readonly max: number | null;
  readonly step: string | null;
};

/** One setting as the form renders it: every field present (null for none), as strict templates need. */
export type SettingsField = Omit<SettingsFieldSpec, "defaultValue" | "options" | "literals"> & {
  readonly defaultText: string;
  /** The default pretty-printed, when it is too long for one line; null otherwise. */
  readonly defaultBlock: string | null;
  /** The current (or just submitted) value as form text. */
  readonly value: string;
  readonly options: readonly { readonly value: string; readonly selected: boolean }[] | null;
  readonly control: "input" | "checkbox" | "select" | "textarea";
  readonly inputType: "number" | "text" | null;
  readonly checked: boolean;
  readonly rows: number | null;
  readonly describedBy: string;
  readonly error: string | null;
};

export type SettingsFormGroup = { readonly key: SettingsGroupKey; readonly id: string; readonly title: string; readonly intro: string; readonly fields: readonly SettingsField[] };

/** One line of the error summary: the message, prefixed by what it is about, linking to the field to fix. */
export type SettingsFormError = { readonly fieldKey: string; readonly label: string; readonly message: string };

export type SettingsFormResult =
  | { readonly ok: true; readonly settings: Settings }
  | {
    readonly ok: false;
    /** Per field key, shown next to the field. */
    readonly errors: ReadonlyMap<string, string>;
    /** Each problem once, in form order, for the summary at the top. */
    readonly summary: readonly SettingsFormError[];
    /** Every field's text as submitted (or as stored, for fields not in the form), to render the form again. */
    readonly values: ReadonlyMap<string, string>;
  };

/** The input id of a setting; the error summary links to it. */
export const fieldIdOf = (key: string): string => `field-${key.replaceAll(".", "-")}`;

// A default longer than this reads better as a block under the field than on the "Default:" line.
const INLINE_DEFAULT_CHARS = 80;
// Enough rows to see a segment or two without the page becoming one textarea.
const MAX_TEXTAREA_ROWS = 24;

const SEGMENT_HINT = `JSON, a list of segments: {"name", "description", "guards": [{"fact", "op", "value"}], "rankBy"}. Facts: ${SegmentFactSchema.options.join(", ")}. Ops: ${GUARD_OPS.join(" ")}. Every segment needs {"fact": "consent", "op": "==", "value": "subscribed"}.`;
const SLOT_HINT = `JSON, a list of slots: {"name", "source", "within", "fallbacks": [{"source", "within"}]}. Sources: ${REC_SOURCES.join(", ")}. Within: ${REC_SCOPES.join(", ")}.`;
const HINTS: Readonly<Record<string, string>> = {
  "segments.segments": SEGMENT_HINT,
  "recommendations.slots": SLOT_HINT,
  "recommendations.seasonal": 'JSON, a list of {"category", "from": "MM-DD", "to": "MM-DD"}.',
  "suppressions.quietHours": 'JSON, a list of {"from": hour, "to": hour} in local time (0-23), from inclusive, to exclusive; [] for none.',
  "cleaning.categoryAliases": 'JSON, an object: {"raw name": "canonical path"}.',
  "experiments.features": 'JSON: {"send_time": {"rollout", "holdout"}, "recommendations": {…}, "segments": {…}}; rollout from 0 to 1, holdout from 0 to 0.5.',
};

const groupRank = (key: string): number => SETTINGS_GROUPS.findIndex((g) => g.key === key.split(".")[0]);

/** Every setting describeSettings() documents, with how it is edited, in form order; built once from the schema. */
export const SETTINGS_FIELDS: readonly SettingsFieldSpec[] = describeSettings().sort((a, b) => groupRank(a.key) - groupRank(b.key)).map((doc) => {
  const group = doc.key.split(".")[0] as SettingsGroupKey;
  const schema = unwrap(schemaAt(doc.key));
  const kind = kindOf(schema);
  const bounds = schema instanceof z.ZodNumber ? boundsOf(schema) : { min: null, max: null };
  return {
    key: doc.key,
    id: fieldIdOf(doc.key),
    group,
    kind,
    doc: doc.doc,
    hint: HINTS[doc.key] ?? hintOf(kind),
    defaultValue: doc.default,
    options: schema instanceof z.ZodEnum ? schema.options.map(String) : null,
    literals: schema instanceof z.ZodUnion ? schema.options.flatMap((o) => (o instanceof z.ZodLiteral ? [...o.values].map(String) : [])) : [],
    ...bounds,
    step: schema instanceof z.ZodNumber ? ((schema.format ?? "").includes("int") ? "1" : "any") : null,
  };
});

function hintOf(kind: SettingsFieldKind): string | null {
  switch (kind) {
    case "lines": return "One per line.";
    case "json": return "JSON.";
    case "number-or-literal": return "auto, or a number.";
    default: return null;
  }
}

/** The schema of one dotted key, found by walking the settings shape. */
function schemaAt(key: string): z.ZodType {
  let schema: z.ZodType = SettingsSchema;
  for (const part of key.split(".")) {
    const inner = unwrap(schema);
    if (!(inner instanceof z.ZodObject)) throw new Error(`settings key ${key} does not lead through objects`);
    const next = (inner.shape as Record<string, z.ZodType | undefined>)[part];
    if (next === undefined) throw new Error(`no setting ${key}`);
    schema = next;
  }
  return schema;
}

function unwrap(schema: z.ZodType): z.ZodType {
  return schema instanceof z.ZodDefault ? unwrap(schema.def.innerType as z.ZodType) : schema;
}

function kindOf(schema: z.ZodType): SettingsFieldKind {
  if (schema instanceof z.ZodNumber) return "number";
  if (schema instanceof z.ZodBoolean) return "boolean";
  if (schema instanceof z.ZodEnum) return "enum";
  if (schema instanceof z.ZodString) return "text";
  if (schema instanceof z.ZodUnion && schema.options.some((o) => o instanceof z.ZodLiteral) && schema.options.some((o) => o instanceof z.ZodNumber)) return "number-or-literal";
  // Lists of plain names (categories, product ids, metric names) are easier one per line than as JSON.
  if (schema instanceof z.ZodArray && unwrap(schema.element as z.ZodType) instanceof z.ZodString) return "lines";
  return "json";
}

/** Inclusive bounds only: an exclusive one (positive(), gt(1)) has no honest HTML min. */
function boundsOf(schema: z.ZodNumber): { min: number | null; max: number | null } {
  let min: number | null = null;
  let max: number | null = null;
  for (const check of schema.def.checks ?? []) {
    if (check instanceof z.core.$ZodCheckGreaterThan && check._zod.def.inclusive) min = Number(check._zod.def.value);
    if (check instanceof z.core.$ZodCheckLessThan && check._zod.def.inclusive) max = Number(check._zod.def.value);
  }
  return { min, max };
}

function valueAt(settings: Settings, key: string): unknown {
  let value: unknown = settings;
  for (const part of key.split(".")) value = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[part] : undefined;
  return value;
}

function setAt(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split(".");
  const last = parts.pop() ?? key;
  let node = target;
  for (const part of parts) {
    const next = node[part];
    if (typeof next !== "object" || next === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[last] = value;
}

/** A value as the form shows it. */
function textOf(spec: SettingsFieldSpec, value: unknown): string {
  switch (spec.kind) {
    case "json": return JSON.stringify(value, null, 2);
    case "lines": return Array.isArray(value) ? value.map(String).join("\n") : "";
    case "boolean": return value === true ? "true" : "false";
    default: return typeof value === "string" || typeof value === "number" ? String(value) : "";
  }
}

function defaultTextOf(spec: SettingsFieldSpec): { defaultText: string; defaultBlock: string | null } {
  const value = spec.defaultValue;
  switch (spec.kind) {
    case "boolean": return { defaultText: value === true ? "on" : "off", defaultBlock: null };
    case "lines": {
      const items = Array.isArray(value) ? value.map(String) : [];
      return { defaultText: items.length === 0 ? "none" : items.join(", "), defaultBlock: null };
    }
    case "json": {
      const compact = JSON.stringify(value);
      return compact.length <= INLINE_DEFAULT_CHARS ? { defaultText: compact, defaultBlock: null } : { defaultText: "the JSON below", defaultBlock: JSON.stringify(value, null, 2) };
    }
    default: {
      const text = textOf(spec, value);
      return { defaultText: text === "" ? "(empty)" : text, defaultBlock: null };
    }
  }
}

const controlOf = (kind: SettingsFieldKind): SettingsField["control"] =>
  kind === "boolean" ? "checkbox" : kind === "enum" ? "select" : kind === "json" || kind === "lines" ? "textarea" : "input";

/**
 * The form's groups for one installation: every setting with its value (the submitted text where
 * given, else the settings'), doc, default and error. ESP-specific groups show only for that ESP.
 */
export function toSettingsForm(settings: Settings, esp: Esp, submitted: { readonly values?: ReadonlyMap<string, string>; readonly errors?: ReadonlyMap<string, string> } = {}): SettingsFormGroup[] {
  return SETTINGS_GROUPS.filter((g) => {
    const only = GROUP_ESP[g.key];
    return only === undefined || only === esp;
  }).map((g) => ({
    key: g.key,
    id: `group-${g.key}`,
    title: g.title,
    intro: g.intro,
    fields: SETTINGS_FIELDS.filter((f) => f.group === g.key).map((spec) => {
      const value = submitted.values?.get(spec.key) ?? textOf(spec, valueAt(settings, spec.key));
      const error = submitted.errors?.get(spec.key) ?? null;
      const control = controlOf(spec.kind);
      const { defaultValue: _default, options, literals: _literals, ...rest } = spec;
      return {
        ...rest,
        ...defaultTextOf(spec),
        value,
        options: options === null ? null : options.map((o) => ({ value: o, selected: o === value })),
        control,
        inputType: control !== "input" ? null : spec.kind === "number" ? "number" : "text",
        checked: spec.kind === "boolean" && value === "true",
        rows: control === "textarea" ? Math.min(MAX_TEXTAREA_ROWS, Math.max(3, value.split("\n").length + 1)) : null,
        describedBy: [`${spec.id}-doc`, `${spec.id}-default`, ...(error === null ? [] : [`${spec.id}-error`])].join(" "),
        error,
      };
    }),
  }));
}

/** The last value a form field posted: a checkbox posts its hidden "false" and then "true" when ticked. */
function postedText(body: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const raw = body[key];
  const last: unknown = Array.isArray(raw) ? raw.at(-1) : raw;
  return typeof last === "string" ? last : undefined;
}

type Converted = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

/** Form text back to the value the schema checks; only what the schema cannot say is an error here. */
function fromText(spec: SettingsFieldSpec, text: string): Converted {
  const trimmed = text.trim();
  switch (spec.kind) {
    case "number": {
      const n = Number(trimmed);
      return trimmed === "" || !Number.isFinite(n) ? { ok: false, message: "enter a number" } : { ok: true, value: n };
    }
    case "number-or-literal": {
      if (spec.literals.includes(trimmed)) return { ok: true, value: trimmed };
      const n = Number(trimmed);
      return trimmed === "" || !Number.isFinite(n) ? { ok: false, message: `enter ${spec.literals.join(" or ")} or a number` } : { ok: true, value: n };
    }
    case "boolean":
      return trimmed === "true" || trimmed === "false" ? { ok: true, value: trimmed === "true" } : { ok: false, message: "must be on or off" };
    case "lines":
      return { ok: true, value: text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "") };
    case "json":
      try {
        return { ok: true, value: JSON.parse(text) as unknown };
      } catch (error) {
        return { ok: false, message: `not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
      }
    case "enum":
    case "text":
      return { ok: true, value: text };
  }
}

/** "[2].guards", ".send_time.holdout" -> "send_time.holdout": where inside a field a problem is. */
function subPath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "");
}

/** zod's messages in words a marketer reads; custom (refine) messages are already written for them. */
function messageOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "too_small": {
      const n = Number(issue.minimum);
      if (issue.origin === "array") return `needs at least ${n} ${n === 1 ? "entry" : "entries"}`;
      if (issue.origin === "string") return n === 1 ? "must not be empty" : `must be at least ${n} characters`;
      return issue.inclusive === true ? `must be at least ${n}` : `must be more than ${n}`;
    }
    case "too_big": {
      const n = Number(issue.maximum);
      if (issue.origin === "array") return `allows at most ${n} ${n === 1 ? "entry" : "entries"}`;
      if (issue.origin === "string") return `must be at most ${n} characters`;
      return issue.inclusive === true ? `must be at most ${n}` : `must be less than ${n}`;
    }
    case "invalid_type":
      if (issue.expected === "int") return "must be a whole number";
      return `must be ${issue.expected === "object" || issue.expected === "array" ? "an" : "a"} ${issue.expected}`;
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    default:
      return issue.message;
  }
}

/** The field an issue belongs to: the one whose key is the longest prefix of the issue's path. */
function fieldOf(path: readonly PropertyKey[]): { spec: SettingsFieldSpec; rest: readonly PropertyKey[] } | null {
  let best: { spec: SettingsFieldSpec; rest: readonly PropertyKey[] } | null = null;
  for (const spec of SETTINGS_FIELDS) {
    const parts = spec.key.split(".");
    if (parts.length > path.length || !parts.every((p, i) => p === path[i])) continue;
    if (best === null || parts.length > best.spec.key.split(".").length) best = { spec, rest: path.slice(parts.length) };
  }
  return best;
}

/** The fields of an issue's group that its message names by their own name ("activeDays", "maxPer7Days"). */
function namedIn(message: string, path: readonly PropertyKey[]): SettingsFieldSpec[] {
  const group = String(path[0] ?? "");
  return SETTINGS_FIELDS.filter((f) => f.group === group && new RegExp(`\\b${f.key.split(".").at(-1) ?? ""}\\b`).test(message));
}

/**
 * Reads the posted settings form back into Settings, checked by the same schema the store uses.
 * A field absent from the post keeps its current value (the Klaviyo group is not shown to other
 * ESPs' installations); nothing is returned to save unless every field parses.
 */
export function parseSettingsForm(body: Readonly<Record<string, unknown>>, current: Settings): SettingsFormResult {
  const draft = structuredClone(current) as Record<string, unknown>;
  const values = new Map<string, string>();
  // Problems of one field, and rules across a group's fields (listed once in the summary).
  const own = new Map<string, string[]>();
  const shared: { targets: readonly SettingsFieldSpec[]; label: string; message: string }[] = [];
  const note = (key: string, message: string) => {
    own.set(key, [...(own.get(key) ?? []), message]);
  };

  for (const spec of SETTINGS_FIELDS) {
    const text = postedText(body, spec.key);
    if (text === undefined) {
      values.set(spec.key, textOf(spec, valueAt(current, spec.key)));
      continue;
    }
    values.set(spec.key, text);
    const converted = fromText(spec, text);
    if (converted.ok) setAt(draft, spec.key, converted.value);
    else note(spec.key, converted.message);
  }
  // Fields whose text did not even convert keep their current value in the draft; the schema's
  // view of them would only repeat the problem, so their own message stands alone.
  const unconverted = new Set(own.keys());

  const parsed = SettingsSchema.safeParse(draft);
  if (parsed.success && own.size === 0) return { ok: true, settings: parsed.data };

  const issues = parsed.error?.issues ?? [];
  // A field wrong on its own (out of range, not a number) makes every rule comparing against it
  // (lifecycle order, "must not exceed maxPer7Days") fail too; those would only repeat the problem.
  const wrongAlone = new Set([...unconverted, ...issues.flatMap((i) => (i.code === "custom" ? [] : [fieldOf(i.path)?.spec.key ?? ""]))]);
  const comparesWrong = (issue: z.core.$ZodIssue, owner: string | undefined): boolean =>
    issue.code === "custom" && namedIn(issue.message, issue.path).some((f) => f.key !== owner && wrongAlone.has(f.key));

  for (const issue of issues) {
    const message = messageOf(issue);
    const owner = fieldOf(issue.path);
    if (comparesWrong(issue, owner?.spec.key)) continue;
    if (owner !== null) {
      if (unconverted.has(owner.spec.key)) continue;
      const where = subPath(owner.rest);
      note(owner.spec.key, where === "" ? message : `${where}: ${message}`);
      continue;
    }
    // A rule across a group's fields (lifecycle thresholds in order): shown at each field it names.
    const prefix = issue.path.map(String).join(".");
    const named = namedIn(message, issue.path);
    shared.push({ targets: named.length > 0 ? named : SETTINGS_FIELDS.filter((f) => prefix === "" || f.key.startsWith(`${prefix}.`)).slice(0, 1), label: prefix === "" ? "settings" : prefix, message });
  }

  const errors = new Map<string, string>();
  for (const spec of SETTINGS_FIELDS) {
    const messages = [...(own.get(spec.key) ?? []), ...shared.filter((s) => s.targets.includes(spec)).map((s) => s.message)];
    if (messages.length > 0) errors.set(spec.key, messages.join("; "));
  }
  const position = (key: string): number => SETTINGS_FIELDS.findIndex((f) => f.key === key);
  const summary: SettingsFormError[] = [
    ...SETTINGS_FIELDS.flatMap((spec) => {
      const messages = own.get(spec.key);
      return messages === undefined ? [] : [{ fieldKey: spec.key, label: spec.key, message: messages.join("; ") }];
    }),
    ...shared.flatMap((s) => (s.targets[0] === undefined ? [] : [{ fieldKey: s.targets[0].key, label: s.label, message: s.message }])),
  ].sort((a, b) => position(a.fieldKey) - position(b.fieldKey));
  return { ok: false, errors, summary, values };
}

/** Setting keys (as the form names them) whose values differ between two settings. */
export function changedKeys(a: Settings, b: Settings): string[] {
  return SETTINGS_FIELDS.filter((f) => !isDeepStrictEqual(valueAt(a, f.key), valueAt(b, f.key))).map((f) => f.key);
}
