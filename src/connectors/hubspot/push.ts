import { PROPERTIES, type Checked, type PropertyChange, type PropertyDefinition, type PropertyType, type PropertyValue, type PushFailure, type PushReport } from "../../domain/index.js";
import { convertProperties } from "../shared/convert-properties.js";
import { EspError, isRetryable } from "../shared/esp-error.js";
import type { HubSpotCall } from "./hubspot-call.js";

/** HubSpot: at most 100 inputs per batch call (usage guidelines; H-SPEC contacts.json batch endpoints). */
export const BATCH_LIMIT = 100;

const DAY_MS = 86_400_000;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** One input of POST /crm/v3/objects/contacts/batch/update (H-SPEC contacts.json `SimplePublicObjectBatchInput`). */
export type BatchInput = { readonly id: string; readonly properties: Readonly<Record<string, string>> };

type Pending = { readonly change: PropertyChange; readonly input: BatchInput };
type Refusal = { readonly reason: string; readonly retryable: boolean };
/** Refused inputs by contact id; `whole` when HubSpot refused the batch as such (a 4xx) rather than record by record. */
type BatchOutcome = { readonly failed: ReadonlyMap<string, Refusal>; readonly whole: boolean };

/**
 * A value as HubSpot's batch update takes it (every value is a string): numbers in plain decimal,
 * booleans "true"/"false", dates as midnight-UTC epoch ms, datetimes as epoch ms, null or "" as ""
 * (which clears the property). A value HubSpot would refuse is reported here, before it can fail
 * a whole batch. Date rules: https://developers.hubspot.com/docs/faq/how-should-timestamps-be-formatted-for-hubspots-apis
 */
export function toHubSpotValue(type: PropertyType, value: PropertyValue, options?: readonly string[]): Checked<string> {
  const ok = (v: string): Checked<string> => ({ ok: true, value: v });
  const bad = (reason: string): Checked<string> => ({ ok: false, reason, raw: value });
  if (value === null || value === "") return ok("");
  switch (type) {
    case "string":
      return ok(String(value));
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? ok(plainNumber(value)) : bad(`expected a finite number, got ${JSON.stringify(value)}`);
    case "boolean":
      return typeof value === "boolean" ? ok(value ? "true" : "false") : bad(`expected true or false, got ${JSON.stringify(value)}`);
    case "date":
      return dateValue(value, bad);
    case "datetime": {
      const ms = typeof value === "number" ? value : typeof value === "string" ? Date.parse(value) : Number.NaN;
      return Number.isFinite(ms) ? ok(String(Math.trunc(ms))) : bad(`expected an ISO 8601 datetime, got ${JSON.stringify(value)}`);
    }
    case "enumeration":
      if (typeof value !== "string") return bad(`expected one of the options, got ${JSON.stringify(value)}`);
      return options === undefined || options.includes(value) ? ok(value) : bad(`"${value}" is not one of ${options.join(", ")}`);
  }
}

/** HubSpot numbers are digits with at most one decimal point: never exponent notation. */
function plainNumber(n: number): string {
  const text = String(n);
  if (!/e/i.test(text)) return text;
  return Math.abs(n) < 1 ? n.toFixed(20).replace(/\.?0+$/, "") : BigInt(Math.round(n)).toString();
}

/** A date property must be set to midnight UTC of its day, or HubSpot refuses it. */
function dateValue(value: string | number | boolean, bad: (reason: string) => Checked<string>): Checked<string> {
  if (typeof value === "number") return Number.isInteger(value) && value % DAY_MS === 0 ? { ok: true, value: String(value) } : bad(`${value} is not midnight UTC`);
  const m = typeof value === "string" ? ISO_DAY.exec(value) : null;
  if (m === null) return bad(`expected a YYYY-MM-DD date, got ${JSON.stringify(value)}`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return bad(`${value} is not a calendar date`);
  return { ok: true, value: String(ms) };
}

/**
 * Writes the changed properties, ≤ 100 contacts per call. Records HubSpot refuses in a 207 are
 * sent once more (a refusal can be momentary), then reported with HubSpot's reason; a batch refused
 * whole with a 4xx fails each of its records with that reason. 429/5xx are retried inside `call`
 * and, if they persist, thrown: nothing was written, and the next run's diff sends it all again.
 */
export async function pushChanges(call: HubSpotCall, changes: readonly PropertyChange[], definitions: readonly PropertyDefinition[] = PROPERTIES): Promise<PushReport> {
  const byName = new Map(definitions.map((d) => [d.name, d]));
  const failed: PushFailure[] = [];
  const pending: Pending[] = [];
  let written = 0;
  for (const change of changes) {
    const input = toInput(change, byName);
    if (!input.ok) failed.push({ contactId: change.contactId, reason: input.reason, retryable: false });
    else if (Object.keys(input.value.properties).length === 0) written++;
    else pending.push({ change, input: input.value });
  }
  for (const batch of batchesOf(pending)) {
    const first = await sendOrFail(call, batch, "batch update contacts", false);
    // A batch refused whole would be refused again; records refused one by one get a second chance.
    const again = first.whole ? [] : batch.filter((p) => first.failed.has(p.input.id));
    const second = again.length === 0 ? first : await sendOrFail(call, again, "batch update contacts (retrying refused records)", true);
    for (const p of batch) {
      const refusal = second.failed.get(p.input.id);
      if (refusal === undefined) written++;
      else failed.push({ contactId: p.change.contactId, ...refusal });
    }
  }
  return { written, failed };
}

/** The change as a batch input, or why it cannot be sent (checked here so one bad value cannot fail 99 good records). */
function toInput(change: PropertyChange, byName: ReadonlyMap<string, PropertyDefinition>): Checked<BatchInput> {
  if (change.espId === "") return { ok: false, reason: "no HubSpot contact id for this contact", raw: change };
  const converted = convertProperties(change.set, byName, toHubSpotValue);
  if (!converted.ok) return { ok: false, reason: converted.reason, raw: change };
  return { ok: true, value: { id: change.espId, properties: converted.properties } };
}

/** Batches of ≤ 100 with no contact id twice in one (a repeated id would put the whole batch at risk). */
function batchesOf(pending: readonly Pending[]): Pending[][] {
  const batches: { items: Pending[]; ids: Set<string> }[] = [];
  for (const p of pending) {
    let home = batches.find((b) => b.items.length < BATCH_LIMIT && !b.ids.has(p.input.id));
    if (home === undefined) {
      home = { items: [], ids: new Set() };
      batches.push(home);
    }
    home.items.push(p);
    home.ids.add(p.input.id);
  }
  return batches.map((b) => b.items);
}

/**
 * One batch call. A 4xx refusing the whole batch becomes a failure per record. On the second
 * pass the others were already written, so a persisting 429/5xx fails only the retried records
 * (retryable: the next run sends them again); auth failures are always thrown, they stop the run.
 */
async function sendOrFail(call: HubSpotCall, batch: readonly Pending[], what: string, secondPass: boolean): Promise<BatchOutcome> {
  try {
    return await send(call, batch, what);
  } catch (error) {
    const refuse = (refusal: Refusal): BatchOutcome => ({ failed: new Map(batch.map((p) => [p.input.id, refusal])), whole: true });
    if (error instanceof EspError && error.kind === "client") return refuse({ reason: error.message, retryable: false });
    if (secondPass && isRetryable(error)) return refuse({ reason: (error as EspError).message, retryable: true });
    throw error;
  }
}

async function send(call: HubSpotCall, batch: readonly Pending[], what: string): Promise<BatchOutcome> {
  const inputs = batch.map((p) => ({ id: p.input.id, properties: { ...p.input.properties } }));
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- the SDK documents plain objects for its codegen body classes
  const response = await call("standard", what, (sdk) => sdk.crm.contacts.batchApi.updateWithHttpInfo({ inputs }));
  const body = response.data;
  const errors = "errors" in body && Array.isArray(body.errors) ? body.errors : [];
  if (errors.length === 0) return { failed: new Map(), whole: false };
  return { failed: failuresOf(errors, batch, body.results.map((r) => r.id)), whole: false };
}

type BatchError = { readonly category?: string; readonly message?: string; readonly context?: Readonly<Record<string, readonly string[] | undefined>> };

/**
 * Which inputs a 207's errors[] refuse: each StandardError names its records in `context.ids`
 * (H-SPEC `BatchResponseSimplePublicObjectWithErrors`). An error naming none is pinned on the
 * inputs missing from `results`, so nothing refused is counted as written.
 */
function failuresOf(errors: readonly BatchError[], batch: readonly Pending[], resultIds: readonly string[]): Map<string, Refusal> {
  const inBatch = new Set(batch.map((p) => p.input.id));
  const failed = new Map<string, Refusal>();
  const unnamed: string[] = [];
  for (const error of errors) {
    const reason = [error.category, error.message].filter((s) => s !== undefined && s !== "").join(": ") || "refused by HubSpot";
    const ids = (error.context?.ids ?? []).filter((id) => inBatch.has(id));
    if (ids.length === 0) unnamed.push(reason);
    for (const id of ids) if (!failed.has(id)) failed.set(id, { reason, retryable: false });
  }
  if (unnamed.length > 0) {
    const returned = new Set(resultIds);
    for (const id of inBatch) if (!returned.has(id) && !failed.has(id)) failed.set(id, { reason: unnamed.join("; "), retryable: false });
  }
  return failed;
}
