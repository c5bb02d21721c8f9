import { PROPERTY_NAMES } from "../domain/index.js";
import type { Contact, PropertyValue } from "../domain/index.js";

/** One merge field a template reads: what it names, where, and what renders in its place when it is empty. */
export type TemplateReference = {
  /** tailor_* name, a Contact key (firstName, email) or, for kind "unknown", the name as written. */
  readonly field: string;
  /** The tag as written, e.g. `{{ person.first_name|default:'there' }}`. */
  readonly token: string;
  readonly line: number;
  /** The default filter's value; for a guarded reference, the text its `if` renders instead ("" for nothing). */
  readonly fallback: string | null;
  /** Inside an `if` (or it is the `if`) on the same field, so an empty value never prints blank. */
  readonly guarded: boolean;
  readonly kind: "tailor" | "contact" | "catalog" | "unknown";
};

/** What a template reads, its salutations, and what is wrong with it before any contact is looked at. */
export type ParsedTemplate = {
  readonly references: readonly TemplateReference[];
  readonly greetings: readonly { readonly line: number; readonly text: string; readonly field: string }[];
  readonly errors: readonly string[];
};

/** One contact of the audience: the contact's own fields and their stored tailor_* values. */
export type QaRecipient = { readonly contact: Contact; readonly values: Readonly<Record<string, PropertyValue>> };

/** How often one referenced field is empty in the audience, and what prints then. */
export type FieldCoverage = {
  readonly field: string;
  readonly references: number;
  readonly empty: number;
  readonly emptyShare: number;
  readonly rendersWhenEmpty: string;
  readonly problem: string | null;
};

/** The QA of one template against one audience. */
export type TemplateQaReport = {
  readonly audience: number;
  readonly fields: readonly FieldCoverage[];
  readonly emptyGreetings: readonly { readonly line: number; readonly text: string; readonly contacts: number; readonly share: number; readonly example: string }[];
  readonly missingFromFeed: readonly { readonly field: string; readonly contacts: number; readonly productIds: readonly string[] }[];
  readonly errors: readonly string[];
};

type Kind = TemplateReference["kind"];
type Resolved = { readonly kind: Kind; readonly field: string };

/** How each ESP's templates name the contact fields Tailor knows: HubL, Klaviyo, Handlebars. */
const CONTACT_FIELDS: Readonly<Record<string, "firstName" | "email">> = { firstname: "firstName", first_name: "firstName", firstName: "firstName", email: "email" };
// HubL reads `contact.x`, Klaviyo `person.x`; Handlebars previews accept either.
const NAMESPACES = new Set(["contact", "person"]);
const PRODUCT_ID_FIELDS = new Set(["tailor_abandoned_product", "tailor_replenish_product"]);
const REC_FIELD = /^(tailor_rec_\d+)(?:_(?:title|url|image|price))?$/;
const EXAMPLE_IDS = 10;

/** Sees a field name the way a template engine would: null when it is not about the contact at all. */
function resolve(path: string): Resolved | null {
  const parts = path.split(".");
  const [head, name] = parts;
  if (head === undefined) return null;
  if (parts.length === 1) return classify(head, false);
  return NAMESPACES.has(head) && name !== undefined ? classify(name, true) : null;
}

function classify(name: string, namespaced: boolean): Resolved | null {
  if (name.startsWith("tailor_")) return { kind: "tailor", field: name };
  const own = Object.hasOwn(CONTACT_FIELDS, name) ? CONTACT_FIELDS[name] : undefined;
  if (own !== undefined) return { kind: "contact", field: own };
  // A bare `{{ coupon }}` or `{{ unsubscribe_link }}` is the ESP's own variable, not a profile field.
  return namespaced ? { kind: "unknown", field: name } : null;
}

const PATH = String.raw`[A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*`;
const PATH_ONLY = new RegExp(`^${PATH}$`);
const PATHS = new RegExp(`(?<![\\w.])${PATH}`, "g");
const STRINGS = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g;
// Klaviyo's `person|lookup:'name'` (also `lookup("name")`) is person.name spelled for odd names.
const LOOKUP = /\bperson\s*\|\s*lookup\s*(?::\s*|\(\s*)(["'])(.*?)\1\s*\)?/g;
const PERSONALIZATION_TOKEN = /^personalization_token\(\s*(["'])(.*?)\1\s*(?:,\s*(["'])(.*?)\3\s*)?\)$/;

/** Rewrites lookups as plain paths; a name that is no identifier is kept as written, under person. */
function normaliseLookups(expression: string, odd: Map<string, string>): string {
  return expression.replace(LOOKUP, (_all, _q: string, name: string) => {
    if (/^[A-Za-z_]\w*$/.test(name)) return `person.${name}`;
    const key = `person.__lookup${odd.size}`;
    odd.set(key, name);
    return key;
  });
}

/** The fields an expression reads, string literals ignored. */
function fieldsIn(expression: string): Resolved[] {
  const odd = new Map<string, string>();
  const plain = normaliseLookups(expression, odd).replace(STRINGS, '""');
  const found: Resolved[] = [];
  for (const m of plain.matchAll(PATHS)) {
    const name = odd.get(m[0]);
    const r = name === undefined ? resolve(m[0]) : { kind: "unknown" as const, field: name };
    if (r !== null && !found.some((f) => f.field === r.field)) found.push(r);
  }
  return found;
}

/** Splits on `|` outside quotes and brackets: head, then filters. */
function splitFilters(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression.charAt(i);
    if (quote !== null) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "|" && depth === 0 && expression.charAt(i + 1) !== "|") {
      parts.push(expression.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(expression.slice(start));
  return parts.map((p) => p.trim());
}

/** The value of a `default` filter in HubL `default("x")`, Django `default:'x'` or Liquid `default: 'x'` form. */
function defaultOf(filters: readonly string[]): string | null {
  for (const filter of filters) {
    const m = /^default(?:_if_none)?\s*(?::\s*|\(\s*)(.*?)\s*\)?$/s.exec(filter);
    const arg = m?.[1];
    if (arg === undefined) continue;
    const first = /^(["'])(.*?)\1/s.exec(arg) ?? /^([^,]*)/.exec(arg);
    return first?.[2] ?? first?.[1]?.trim() ?? "";
  }
  return null;
}

/** What a `{{ … }}` prints: one field with its fallback, or the fields a helper call reads. */
function outputsOf(expression: string): { readonly resolved: Resolved; readonly fallback: string | null }[] {
  const odd = new Map<string, string>();
  const [head = "", ...filters] = splitFilters(normaliseLookups(expression, odd));
  const token = PERSONALIZATION_TOKEN.exec(head);
  const path = token?.[2] ?? (PATH_ONLY.test(head) ? head : null);
  if (path === null) return fieldsIn(expression).map((resolved) => ({ resolved, fallback: null }));
  const name = odd.get(path);
  const resolved = name === undefined ? resolve(path) : { kind: "unknown" as const, field: name };
  if (resolved === null) return [];
  return [{ resolved, fallback: token?.[4] ?? defaultOf(filters) }];
}

/** Which fields a condition proves non-empty in its own branch, and in the branch after `else`. */
type Proof = { readonly then: ReadonlySet<string>; readonly otherwise: ReadonlySet<string>; readonly emptyTakes: ReadonlyMap<string, "then" | "otherwise"> };

const COMPARISON = /^(.+?)\s*(==|!=|>=|<=|>|<|\beq\b|\bne\b|\bgt\b|\bge\b|\blt\b|\ble\b)\s*(.+)$/;
const EMPTY_LITERAL = /^(?:""|''|none|None|null|false|False)$/;

/** Reads an if/elif/unless condition, clause by clause; an `or` proves nothing. */
function proofOf(condition: string, negate: boolean): Proof {
  const odd = new Map<string, string>();
  const plain = normaliseLookups(condition, odd);
  const hasOr = /\bor\b|\|\|/.test(plain.replace(STRINGS, '""'));
  const clauses = plain.split(/\band\b|&&/).map((c) => c.trim());
  const positive = new Set<string>();
  const negative = new Set<string>();
  for (const clause of clauses) {
    const not = /^(?:not\s+|!)(.*)$/s.exec(clause);
    const body = (not?.[1] ?? clause).trim();
    const cmp = COMPARISON.exec(body);
    const subject = (cmp?.[1] ?? body).trim();
    const r = PATH_ONLY.test(subject) ? (odd.has(subject) ? null : resolve(subject)) : null;
    if (r === null) continue;
    // Empty is falsy, fails == 'x' and ordering, and passes != 'x'.
    const truthyWhenFilled = cmp === null ? true : cmp[2] === "!=" || cmp[2] === "ne" ? false : !EMPTY_LITERAL.test((cmp[3] ?? "").trim());
    (truthyWhenFilled === (not === null) ? positive : negative).add(r.field);
  }
  const emptyTakes = new Map<string, "then" | "otherwise">();
  for (const f of positive) emptyTakes.set(f, negate ? "then" : "otherwise");
  for (const f of negative) emptyTakes.set(f, negate ? "otherwise" : "then");
  const single = clauses.length === 1 && !hasOr;
  const proven = hasOr ? new Set<string>() : positive;
  const elseProven = single ? negative : new Set<string>();
  return negate ? { then: elseProven, otherwise: proven, emptyTakes } : { then: proven, otherwise: elseProven, emptyTakes };
}

type Branch = { readonly start: number; end: number; readonly nonEmpty: ReadonlySet<string>; readonly isElse: boolean };
type Block = { readonly name: string; readonly line: number; readonly branches: Branch[]; readonly proofs: Proof[] };
type Draft = { -readonly [K in keyof TemplateReference]: TemplateReference[K] } & { pending?: { block: Block; branch: number; takes: "alternative" | "body" } };

const TAG = /\{\{!--[\s\S]*?--\}\}|\{\{![\s\S]*?\}\}|\{#[\s\S]*?#\}|\{\{\{[\s\S]*?\}\}\}|\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g;
// Tags whose body runs to a matching end tag; `else` inside a for loop belongs to the loop, not an enclosing if.
const BLOCK_TAGS = new Set(["if", "unless", "for", "each", "with", "catalog", "macro", "block", "call", "filter", "capture", "case", "spaceless", "autoescape"]);
const ELIF = new Set(["elif", "elsif", "elseif"]);
// Bodies printed as written (Jinja raw, Django verbatim and comment): nothing inside is a tag.
const VERBATIM_TAGS = new Set(["raw", "verbatim", "comment"]);

/** Readable text of a branch: tags and comments out, whitespace collapsed, long text cut. */
function snippet(raw: string): string {
  const text = raw.replace(/\{#[\s\S]*?#\}|\{\{!--[\s\S]*?--\}\}/g, "").replace(/<[^>]*>/g, " ").replace(/&nbsp;/g, " ").replace(/\s+/g, " ").trim();
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

/** The text an empty field gets instead of the branch it guards: the else branch for the first branch, the first branch for the rest. */
function alternativeText(text: string, block: Block, branch: number): string {
  const b = block.branches;
  const last = b[b.length - 1];
  const first = b[0];
  const other = branch === 0 || b[branch]?.isElse !== true ? (last !== undefined && last.isElse && last !== b[branch] ? last : undefined) : first;
  return other === undefined ? "" : snippet(text.slice(other.start, other.end));
}

/**
 * Finds every merge field a template reads, in HubL, Klaviyo (Django-style) or Handlebars syntax,
 * with its fallback and whether an `if` on the same field guards it; finds "Hi {{ name }},"
 * salutations; names unknown tailor_* properties and unbalanced blocks.
 */
export function parseTemplate(text: string): ParsedTemplate {
  const drafts: Draft[] = [];
  const errors: string[] = [];
  const stack: Block[] = [];
  let line = 1;
  let scanned = 0;
  let rawUntil: string | null = null;
  const lineAt = (index: number): number => {
    for (let i = text.indexOf("\n", scanned); i !== -1 && i < index; i = text.indexOf("\n", i + 1)) line++;
    scanned = Math.max(scanned, index);
    return line;
  };
  const provenHere = (): Set<string> => {
    const set = new Set<string>();
    for (const block of stack) for (const f of block.branches[block.branches.length - 1]?.nonEmpty ?? []) set.add(f);
    return set;
  };
  // Outermost first: inner blocks inherit what outer ones proved, but the outer if is the one that fails when the field is empty.
  const guardOf = (field: string): { block: Block; branch: number } | null => {
    for (const block of stack) {
      const branch = block.branches.length - 1;
      if (block.branches[branch]?.nonEmpty.has(field) === true) return { block, branch };
    }
    return null;
  };
  const addOutput = (token: string, at: number, resolved: Resolved, fallback: string | null): void => {
    const guard = guardOf(resolved.field);
    const draft: Draft = { field: resolved.field, token, line: at, fallback: guard === null ? fallback : "", guarded: guard !== null, kind: resolved.kind };
    if (guard !== null) draft.pending = { ...guard, takes: "alternative" };
    drafts.push(draft);
  };
  const open = (name: string, at: number, start: number, condition: string | null, negate: boolean, token: string): void => {
    const proof = condition === null ? null : proofOf(condition, negate);
    const inherited = provenHere();
    const block: Block = { name, line: at, branches: [{ start, end: start, nonEmpty: new Set([...inherited, ...(proof?.then ?? [])]), isElse: false }], proofs: proof === null ? [] : [proof] };
    if (condition !== null && proof !== null) addConditionRefs(token, at, condition, proof, block, 0);
    stack.push(block);
  };
  const addConditionRefs = (token: string, at: number, condition: string, proof: Proof, block: Block, branch: number): void => {
    for (const resolved of fieldsIn(condition)) {
      // A condition prints nothing itself: when the field is empty, one of the branches renders instead.
      const takes = proof.emptyTakes.get(resolved.field) === "then" ? "body" : "alternative";
      drafts.push({ field: resolved.field, token, line: at, fallback: "", guarded: true, kind: resolved.kind, pending: { block, branch, takes } });
    }
  };
  const branch = (at: number, start: number, end: number, condition: string | null, token: string): void => {
    const block = stack[stack.length - 1];
    if (block === undefined || (block.name !== "if" && block.name !== "unless")) {
      // `else` of a for loop (Jinja) or each (Handlebars) guards nothing.
      if (block !== undefined) return;
      errors.push(`line ${at}: ${token} has no open if`);
      return;
    }
    const previous = block.branches[block.branches.length - 1];
    if (previous !== undefined) previous.end = end;
    const parent = new Set<string>();
    for (const b of stack.slice(0, -1)) for (const f of b.branches[b.branches.length - 1]?.nonEmpty ?? []) parent.add(f);
    if (condition === null) {
      const first = block.proofs[0];
      const only = block.branches.length === 1 ? (first?.otherwise ?? []) : [];
      block.branches.push({ start, end: start, nonEmpty: new Set([...parent, ...only]), isElse: true });
      return;
    }
    const proof = proofOf(condition, false);
    block.proofs.push(proof);
    block.branches.push({ start, end: start, nonEmpty: new Set([...parent, ...proof.then]), isElse: false });
    addConditionRefs(token, at, condition, proof, block, block.branches.length - 1);
  };
  const close = (name: string, at: number, end: number, token: string): void => {
    const block = stack[stack.length - 1];
    if (block?.name !== name) {
      errors.push(`line ${at}: ${token} has no open ${name}${block === undefined ? "" : ` (the ${block.name} opened on line ${block.line} is still open)`}`);
      return;
    }
    stack.pop();
    const last = block.branches[block.branches.length - 1];
    if (last !== undefined) last.end = end;
    for (const d of drafts) {
      if (d.pending?.block !== block) continue;
      const { branch: index, takes } = d.pending;
      const b = block.branches[index];
      d.fallback = takes === "body" ? (b === undefined ? "" : snippet(text.slice(b.start, b.end))) : alternativeText(text, block, index);
      delete d.pending;
    }
  };

  let previousEnd = 0;
  for (const m of text.matchAll(TAG)) {
    const token = m[0];
    const index = m.index;
    const end = index + token.length;
    const gap = text.slice(previousEnd, index);
    if (rawUntil === null && /\{\{|\{%/.test(gap)) errors.push(`line ${lineAt(previousEnd + gap.search(/\{\{|\{%/))}: a tag opened here is never closed`);
    previousEnd = end;
    const at = lineAt(index);
    if (token.startsWith("{#") || token.startsWith("{{!")) continue;
    const statement = token.startsWith("{%");
    const inner = token.slice(statement ? 2 : token.startsWith("{{{") ? 3 : 2, statement ? -2 : token.startsWith("{{{") ? -3 : -2).replace(/^[-~+\s]+|[-~+\s]+$/g, "");
    if (rawUntil !== null) {
      if (statement && inner === rawUntil) rawUntil = null;
      continue;
    }
    if (statement) {
      const [, name = "", rest = ""] = /^(\w+)\s*([\s\S]*)$/.exec(inner) ?? [];
      if (VERBATIM_TAGS.has(name)) rawUntil = `end${name}`;
      else if (name === "if" || name === "unless") open(name, at, end, rest, name === "unless", token);
      else if (ELIF.has(name)) branch(at, end, index, rest, token);
      else if (name === "else" && /^if\b/.test(rest)) branch(at, end, index, rest.slice(2), token);
      else if (name === "else") branch(at, end, index, null, token);
      else if (name === "catalog") {
        // `{% catalog person.tailor_rec_1 unpublished="cancel" %}`: the first word is the product id.
        const target = normaliseLookups(rest, new Map()).trim().split(/\s+/)[0] ?? "";
        const resolved = PATH_ONLY.test(target) ? resolve(target) : null;
        if (resolved !== null) addOutput(token, at, resolved.kind === "tailor" ? { kind: "catalog", field: resolved.field } : resolved, null);
        open(name, at, end, null, false, token);
      } else if (name.startsWith("end") && BLOCK_TAGS.has(name.slice(3))) close(name.slice(3), at, index, token);
      else if (BLOCK_TAGS.has(name)) open(name, at, end, null, false, token);
      continue;
    }
    if (inner.startsWith("#")) {
      const [, name = "", rest = ""] = /^#(\w+)\s*([\s\S]*)$/.exec(inner) ?? [];
      open(name, at, end, name === "if" || name === "unless" ? rest : null, name === "unless", token);
    } else if (inner.startsWith("/")) close(inner.slice(1).trim(), at, index, token);
    else if (/^else\s+if\b/.test(inner)) branch(at, end, index, inner.replace(/^else\s+if\b/, ""), token);
    else if (inner === "else" || inner === "^") branch(at, end, index, null, token);
    else if (!inner.startsWith(">")) for (const o of outputsOf(inner)) addOutput(token, at, o.resolved, o.fallback);
  }
  const tail = text.slice(previousEnd);
  if (rawUntil === null && /\{\{|\{%/.test(tail)) errors.push(`line ${lineAt(previousEnd + tail.search(/\{\{|\{%/))}: a tag opened here is never closed`);
  for (const block of stack) errors.push(`line ${block.line}: this ${block.name} is never closed`);
  for (const d of drafts) if (d.pending !== undefined) d.fallback = alternativeText(text, d.pending.block, d.pending.branch);

  const references: TemplateReference[] = drafts.map(({ pending: _pending, ...r }) => r);
  errors.unshift(...unknownProperties(references));
  return { references, greetings: greetingsOf(text, references), errors };
}

/** "tailor_foo is not a property Tailor writes (lines 3, 9)", once per name. */
function unknownProperties(references: readonly TemplateReference[]): string[] {
  const lines = new Map<string, number[]>();
  for (const r of references) {
    if ((r.kind === "tailor" || r.kind === "catalog") && !PROPERTY_NAMES.has(r.field)) {
      const seen = lines.get(r.field) ?? [];
      if (!seen.includes(r.line)) seen.push(r.line);
      lines.set(r.field, seen);
    }
  }
  return [...lines].map(([field, at]) => `${field} is not a property Tailor writes (line${at.length === 1 ? "" : "s"} ${at.join(", ")})`);
}

const SALUTATIONS = [
  "Hi", "Hello", "Hey", "Dear", "Howdy", "Greetings", "Welcome", "Welcome back", "Good morning", "Good afternoon", "Good evening",
  "Hallo", "Moin", "Servus", "Guten Tag", "Liebe", "Lieber", "Bonjour", "Salut", "Cher", "Chère", "Hola", "Buenos días", "Querido", "Querida",
  "Ciao", "Buongiorno", "Olá", "Oi", "Bom dia", "Hej", "Hei", "Hoi", "Beste",
];
const SPACE = String.raw`(?:[ \t\u00A0]|&nbsp;)*`;
const HTML = String.raw`(?:<\/?[a-zA-Z][^<>{}]*>${SPACE})*`;
// A salutation, the tag (HTML such as <strong> around it allowed), then , or ! on the same line.
const GREETING = new RegExp(`(?<![\\p{L}\\p{N}])(?:${[...SALUTATIONS].sort((a, b) => b.length - a.length).join("|")})${SPACE}${HTML}(\\{\\{\\{?[^{}\\n]*\\}?\\}\\})${SPACE}${HTML}[,!]`, "giu");

function greetingsOf(text: string, references: readonly TemplateReference[]): ParsedTemplate["greetings"] {
  const greetings: { line: number; text: string; field: string }[] = [];
  text.split("\n").forEach((content, i) => {
    for (const m of content.matchAll(GREETING)) {
      const ref = references.find((r) => r.line === i + 1 && r.token === m[1]);
      if (ref !== undefined) greetings.push({ line: i + 1, text: m[0], field: ref.field });
    }
  });
  return greetings;
}

const isEmpty = (value: PropertyValue | undefined): boolean => value === undefined || value === null || (typeof value === "string" && value.trim() === "");
const printsBlank = (r: TemplateReference): boolean => !r.guarded && (r.fallback === null || r.fallback.trim() === "");
const valueOf = (recipient: QaRecipient, kind: Kind, field: string): PropertyValue | undefined =>
  kind === "contact" ? (field === "email" ? recipient.contact.email : recipient.contact.firstName) : recipient.values[field];
/** The property holding the product id behind a field, or null when it shows no product. */
export const productIdFieldOf = (field: string): string | null => REC_FIELD.exec(field)?.[1] ?? (PRODUCT_ID_FIELDS.has(field) ? field : null);
const contacts = (count: number): string => `${count.toLocaleString("en-US")} contact${count === 1 ? "" : "s"}`;
const NOT_CHECKED = "not known to Tailor (not checked)";
const percent = (share: number): string => (share > 0 && share < 0.01 ? "<1 %" : share < 1 && share > 0.99 ? ">99 %" : `${Math.round(share * 100)} %`);

function rendering(r: TemplateReference): string {
  if (r.guarded) return r.fallback === null || r.fallback === "" ? "nothing (the if block is skipped)" : `"${r.fallback}" (the if's other branch)`;
  return r.fallback === null || r.fallback === "" ? "(blank)" : `"${r.fallback}"`;
}

/**
 * Checks a parsed template against its audience: how often each field is empty and what prints
 * then, which salutations come out as "Hi ,", and which slots point at products the feed lacks.
 * One pass over the audience; memory grows with the template, not the audience.
 */
export function templateQa(template: ParsedTemplate, audience: Iterable<QaRecipient>, feedProductIds: ReadonlySet<string>): TemplateQaReport {
  const byField = new Map<string, TemplateReference[]>();
  for (const r of template.references) byField.set(r.field, [...(byField.get(r.field) ?? []), r]);
  const checked = [...byField].filter(([, refs]) => refs[0]?.kind !== "unknown");
  const empty = new Map<string, number>(checked.map(([field]) => [field, 0]));
  const blankGreetings = template.greetings.flatMap((g) => {
    const ref = template.references.find((r) => r.line === g.line && r.field === g.field && g.text.includes(r.token));
    return ref !== undefined && ref.kind !== "unknown" && printsBlank(ref) ? [{ ...g, ref, contacts: 0 }] : [];
  });
  const productFields = checked.flatMap(([field]) => {
    const source = PROPERTY_NAMES.has(field) ? productIdFieldOf(field) : null;
    return source === null ? [] : [{ field, source, contacts: 0, ids: new Set<string>() }];
  });

  let size = 0;
  for (const recipient of audience) {
    size++;
    for (const [field, refs] of checked) {
      const kind = refs[0]?.kind ?? "tailor";
      if (isEmpty(valueOf(recipient, kind, field))) empty.set(field, (empty.get(field) ?? 0) + 1);
    }
    for (const g of blankGreetings) if (isEmpty(valueOf(recipient, g.ref.kind, g.field))) g.contacts++;
    for (const p of productFields) {
      const id = recipient.values[p.source];
      if (isEmpty(id) || feedProductIds.has(String(id))) continue;
      p.contacts++;
      if (p.ids.size < EXAMPLE_IDS) p.ids.add(String(id));
    }
  }

  const share = (count: number): number => (size === 0 ? 0 : count / size);
  // A blank greeting is reported as one, not again as its field's problem.
  const greetingRefs = new Set(blankGreetings.filter((g) => g.contacts > 0).map((g) => g.ref));
  const fields = [...byField].map(([field, refs]): FieldCoverage => {
    const kind = refs[0]?.kind ?? "tailor";
    const count = empty.get(field) ?? 0;
    const renderings = [...new Set(refs.map(rendering))];
    const rendersWhenEmpty = renderings.length === 1 ? (renderings[0] ?? "(blank)") : refs.map((r) => `line ${r.line}: ${rendering(r)}`).join("; ");
    const blankLines = [...new Set(refs.filter((r) => printsBlank(r) && !greetingRefs.has(r)).map((r) => r.line))];
    let problem: string | null = null;
    if (kind === "unknown") problem = NOT_CHECKED;
    else if ((kind === "tailor" || kind === "catalog") && !PROPERTY_NAMES.has(field)) problem = `${field} is not a property Tailor writes`;
    else if (count > 0 && blankLines.length > 0) problem = `prints blank (line${blankLines.length === 1 ? "" : "s"} ${blankLines.join(", ")}) for ${count.toLocaleString("en-US")} of ${contacts(size)} (${percent(share(count))})`;
    return { field, references: refs.length, empty: count, emptyShare: share(count), rendersWhenEmpty, problem };
  });

  return {
    audience: size,
    fields,
    emptyGreetings: blankGreetings.filter((g) => g.contacts > 0).map((g) => ({
      line: g.line,
      text: g.text,
      contacts: g.contacts,
      share: share(g.contacts),
      // Exactly what an empty field prints: the tag replaced by its (blank) fallback, HTML stripped.
      example: g.text.replace(g.ref.token, g.ref.fallback ?? "").replace(/<[^>]*>/g, "").replace(/&nbsp;/g, " "),
    })),
    missingFromFeed: productFields.filter((p) => p.contacts > 0).map((p) => ({ field: p.field, contacts: p.contacts, productIds: [...p.ids] })),
    errors: template.errors,
  };
}

/** The report as a marketer reads it: problems first, then every field's coverage. */
export function formatTemplateQa(report: TemplateQaReport): string {
  const n = (value: number): string => value.toLocaleString("en-US");
  // Unknown tailor_* names are already among the errors; unchecked fields are no problem to fix.
  const fieldProblems = report.fields.filter((f) => f.problem !== null && f.problem !== NOT_CHECKED && !report.errors.some((e) => f.problem !== null && e.startsWith(f.problem)));
  const problems = [
    ...report.errors.map((e) => `  error: ${e}`),
    ...report.emptyGreetings.map((g) => `  empty greeting, line ${g.line}: "${g.example}" for ${contacts(g.contacts)} (${percent(g.share)}); the template has ${g.text}`),
    ...report.missingFromFeed.map((m) => `  missing from the feed: ${m.field} names a product the feed lacks for ${contacts(m.contacts)} (e.g. ${m.productIds.join(", ")})`),
    ...fieldProblems.map((f) => `  ${f.field}: ${f.problem ?? ""}`),
  ];
  const lines = [`Template QA for ${contacts(report.audience)}`, ""];
  lines.push(problems.length === 0 ? "No problems found." : `Problems (${problems.length})`, ...problems, "", "Fields");
  if (report.fields.length === 0) lines.push("  (the template reads no contact fields)");
  const width = Math.max(0, ...report.fields.map((f) => f.field.length));
  for (const f of report.fields) {
    const coverage = f.problem === NOT_CHECKED ? NOT_CHECKED : `empty for ${n(f.empty)} (${percent(f.emptyShare)}), then prints ${f.rendersWhenEmpty}`;
    lines.push(`  ${f.field.padEnd(width)}  ${String(f.references).padStart(2)} ref${f.references === 1 ? " " : "s"}  ${coverage}`);
  }
  return lines.join("\n");
}
