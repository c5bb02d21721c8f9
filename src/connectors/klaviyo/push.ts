import type { ProfileImportJobCreateQuery } from "klaviyo-api";
import { PROPERTIES, type Checked, type PropertyChange, type PropertyDefinition, type PropertyType, type PropertyValue, type PushFailure, type PushReport } from "../../domain/index.js";
import { convertProperties } from "../shared/convert-properties.js";
import { EspError, isRetryable } from "../shared/esp-error.js";
import { paginate } from "../shared/paginate.js";
import type { KlaviyoCall } from "./klaviyo-call.js";

/**
 * What one bulk profile import job takes (K-SPEC `bulk_import_profiles`: "up to 10,000 profiles per
 * request. The maximum allowed payload size is 5MB. The maximum allowed payload size per-profile is
 * 100KB"). The spec does not say which megabyte; the decimal reading is the smaller, so a job packed
 * to it fits either reading.
 */
export const IMPORT_JOB_LIMITS = { profiles: 10_000, bytes: 5_000_000, profileBytes: 100_000 } as const;

export type PushDeps = {
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  /** First wait before a job's status is read; it doubles on each read up to maxPollIntervalMs. Default 1 s. */
  readonly pollIntervalMs?: number;
  /** Longest wait between two reads of one job's status. Default 15 s. */
  readonly maxPollIntervalMs?: number;
  /** How long a job may stay queued or processing before its profiles are reported as retryable failures. Default 15 min. */
  readonly maxWaitMs?: number;
  /** The properties Tailor may write; PROPERTIES by default. */
  readonly definitions?: readonly PropertyDefinition[];
};

// Klaviyo publishes no processing time for import jobs; these leave room for a busy account.
const DEFAULTS = { pollIntervalMs: 1_000, maxPollIntervalMs: 15_000, maxWaitMs: 15 * 60_000 } as const;

/** A property value as Klaviyo stores it: JSON numbers and booleans stay typed, the rest are strings. */
export type KlaviyoValue = string | number | boolean;

/** One entry of the job's `attributes.profiles.data` (K-SPEC `ProfileUpsertQueryResourceObject`). */
export type ImportProfile = {
  readonly type: "profile";
  readonly id?: string;
  readonly attributes: { readonly email?: string; readonly properties: Readonly<Record<string, KlaviyoValue>> };
};

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
// A row-level refusal of a bulk request points into the profiles array (third-party field notes and
// tests, e.g. `/data/attributes/profiles/data/0/attributes/email`); any other pointer is about the request.
const ROW_POINTER = /^\/data\/attributes\/profiles\/data\/(\d+)(\/|$)/;
// How Klaviyo words "that profile is gone" is not documented for bulk import (UNVERIFIED): read both code and text.
const GONE = /not[ _-]?found|does ?n[o']t exist|no longer exists|deleted/i;
const ENVELOPE_BYTES = byteLength({ data: { type: "profile-bulk-import-job", attributes: { profiles: { data: [] } } } });

/**
 * A value as the bulk import writes it. Null and "" become "": Klaviyo's guide says the bulk import
 * "does not support setting fields to null to clear them" (developers.klaviyo.com/en/docs/use_klaviyos_bulk_profile_import_api),
 * and klaviyo-api 23.0.0 cannot send `meta.patch_properties.unset` (its serializer throws on it), so an
 * empty string is the one clear that is sure to land; templates read it as empty like a missing value.
 * A date is written at 12:00 UTC: Klaviyo reads a bare date as midnight UTC, which Klaviyo warns may move
 * date-triggered flows a day, and recommends noon (developers.klaviyo.com/en/docs/acceptable_date_and_timestamp_formats_for_profile_and_event_properties).
 */
export function toKlaviyoValue(type: PropertyType, value: PropertyValue, options?: readonly string[]): Checked<KlaviyoValue> {
  // Module-level helpers, not closures: this runs for every value of every profile (~500k a bench run).
  if (value === null || value === "") return accept("");
  switch (type) {
    case "string":
      return accept(String(value));
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? accept(value) : refuse(`expected a finite number, got ${JSON.stringify(value)}`, value);
    case "boolean":
      return typeof value === "boolean" ? accept(value) : refuse(`expected true or false, got ${JSON.stringify(value)}`, value);
    case "date": {
      const m = typeof value === "string" ? ISO_DAY.exec(value) : null;
      if (m === null) return refuse(`expected a YYYY-MM-DD date, got ${JSON.stringify(value)}`, value);
      const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
      const back = new Date(Date.UTC(y, mo - 1, d));
      if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return refuse(`${String(value)} is not a calendar date`, value);
      return accept(`${String(value)}T12:00:00Z`);
    }
    case "datetime": {
      const ms = typeof value === "number" ? value : typeof value === "string" ? Date.parse(value) : Number.NaN;
      return Number.isFinite(ms) ? accept(new Date(ms).toISOString()) : refuse(`expected an ISO 8601 datetime, got ${JSON.stringify(value)}`, value);
    }
    case "enumeration":
      if (typeof value !== "string") return refuse(`expected one of the options, got ${JSON.stringify(value)}`, value);
      return options === undefined || options.includes(value) ? accept(value) : refuse(`"${value}" is not one of ${options.join(", ")}`, value);
  }
}

const accept = (value: KlaviyoValue): Checked<KlaviyoValue> => ({ ok: true, value });
const refuse = (reason: string, raw: unknown): Checked<KlaviyoValue> => ({ ok: false, reason, raw });

type Prepared = { readonly change: PropertyChange; readonly profile: ImportProfile; readonly bytes: number; readonly key: string };
type Refusal = { readonly reason: string; readonly retryable: boolean; readonly gone?: boolean };
type Tally = { written: number; readonly failed: PushFailure[]; anyCreated: boolean };
type Created = { readonly id: string; readonly job: readonly Prepared[]; readonly createdAt: number; readonly status: JobStatus | null };
type JobStatus = { readonly status: string; readonly failedCount: number };

/**
 * Writes the changed properties through bulk profile import jobs (≤ 10,000 profiles and ≤ 5 MB each),
 * waits for each job, and reports every profile Klaviyo refused with its reason (`gone` when the
 * profile no longer exists there). A change that cannot be sent (no id or email, an undeclared
 * property, a bad value, over 100 KB) fails alone before any job is built. A job refused whole with
 * a 4xx fails its profiles; 429/5xx are retried inside `call` and thrown if they persist before any
 * job was created (nothing was written; the next run's diff sends it all again). A job that outlives
 * maxWaitMs leaves its profiles as retryable failures: the next run resends the same values.
 */
export async function pushChanges(call: KlaviyoCall, changes: readonly PropertyChange[], deps: PushDeps): Promise<PushReport> {
  const byName = new Map((deps.definitions ?? PROPERTIES).map((d) => [d.name, d]));
  const tally: Tally = { written: 0, failed: [], anyCreated: false };
  const ready: Prepared[] = [];
  for (const change of changes) {
    const prepared = prepare(change, byName);
    if (!prepared.ok) tally.failed.push({ contactId: change.contactId, reason: prepared.reason, retryable: false });
    else if (Object.keys(prepared.value.profile.attributes.properties).length === 0) tally.written++;
    else ready.push(prepared.value);
  }
  const rounds = roundsOf(ready);
  for (const [index, round] of rounds.entries()) {
    const stopped = await runRound(call, packJobs(round), deps, tally);
    if (stopped !== null) {
      // Klaviyo kept refusing with 429/5xx: what is left waits for the next run.
      fail(tally, rounds.slice(index + 1).flat(), stopped);
      break;
    }
  }
  return { written: tally.written, failed: tally.failed };
}

/** The change as one import profile, or why it cannot be sent (checked here so one bad change cannot sink a job). */
function prepare(change: PropertyChange, byName: ReadonlyMap<string, PropertyDefinition>): Checked<Prepared> {
  // The profile id alone when there is one: an email next to it would overwrite the profile's email
  // if it changed in Klaviyo since the pull, and would upsert a new profile if that one was deleted.
  const email = change.email?.trim() ?? "";
  if (change.espId === "" && email === "") return { ok: false, reason: "no Klaviyo profile id or email for this contact", raw: change };
  const converted = convertProperties(change.set, byName, toKlaviyoValue);
  if (!converted.ok) return { ok: false, reason: converted.reason, raw: change };
  const { properties } = converted;
  const profile: ImportProfile = change.espId === ""
    ? { type: "profile", attributes: { email, properties } }
    : { type: "profile", id: change.espId, attributes: { properties } };
  const bytes = byteLength(profile);
  if (bytes > IMPORT_JOB_LIMITS.profileBytes) return { ok: false, reason: `the profile's import entry is ${bytes} bytes; Klaviyo takes at most ${IMPORT_JOB_LIMITS.profileBytes} per profile`, raw: change };
  const key = change.espId === "" ? `email:${email.toLowerCase()}` : `id:${change.espId}`;
  return { ok: true, value: { change, profile, bytes, key } };
}

/**
 * The first change for each profile in round 1, a second one in round 2, and so on: a round's jobs run
 * side by side in Klaviyo, so two writes to one profile in the same round could land in either order.
 */
function roundsOf(ready: readonly Prepared[]): Prepared[][] {
  const rounds: Prepared[][] = [];
  const seen = new Map<string, number>();
  for (const p of ready) {
    const round = seen.get(p.key) ?? 0;
    seen.set(p.key, round + 1);
    (rounds[round] ??= []).push(p);
  }
  return rounds;
}

/** Jobs in order, each as full as both limits allow, the serialized request measured byte for byte. */
function packJobs(ready: readonly Prepared[]): Prepared[][] {
  const jobs: Prepared[][] = [];
  let job: Prepared[] = [];
  let bytes = ENVELOPE_BYTES;
  for (const p of ready) {
    const comma = job.length === 0 ? 0 : 1;
    if (job.length > 0 && (job.length >= IMPORT_JOB_LIMITS.profiles || bytes + comma + p.bytes > IMPORT_JOB_LIMITS.bytes)) {
      jobs.push(job);
      job = [];
      bytes = ENVELOPE_BYTES;
    }
    bytes += (job.length === 0 ? 0 : 1) + p.bytes;
    job.push(p);
  }
  if (job.length > 0) jobs.push(job);
  return jobs;
}

/**
 * Creates the round's jobs one after another, then waits for them in the order they were created:
 * Klaviyo allows 150 status reads a minute, as many as job creations, so jobs are not polled side by
 * side; by the time the first is done the next ones mostly are too. Returns the reason creation
 * stopped when Klaviyo kept answering 429/5xx after something was already written, else null.
 */
async function runRound(call: KlaviyoCall, jobs: readonly Prepared[][], deps: PushDeps, tally: Tally): Promise<Refusal | null> {
  const created: Created[] = [];
  let stopped: Refusal | null = null;
  for (const job of jobs) {
    if (stopped !== null) {
      fail(tally, job, stopped);
      continue;
    }
    try {
      const result = await createJob(call, job, deps, tally);
      if (result !== null) created.push(result);
    } catch (error) {
      if (!isRetryable(error) || !tally.anyCreated) throw error;
      stopped = { reason: `${(error as EspError).message}; sent again next run`, retryable: true };
      fail(tally, job, stopped);
    }
  }
  for (const [index, job] of created.entries()) await settleJob(call, job, index === 0, deps, tally);
  return stopped;
}

/**
 * One job creation. Klaviyo validates the request as a whole and refuses it with a 400 pointing at
 * the rows at fault; those rows fail and the rest are sent once more (a second refusal fails them all,
 * so a request never loops). A 4xx about the request fails every row with Klaviyo's reason.
 */
async function createJob(call: KlaviyoCall, job: readonly Prepared[], deps: PushDeps, tally: Tally): Promise<Created | null> {
  let rows = job;
  for (let attempt = 1; ; attempt++) {
    let outcome: Sent;
    try {
      outcome = await sendJob(call, rows, deps.now);
    } catch (error) {
      if (error instanceof EspError && error.kind === "client") {
        fail(tally, rows, { reason: error.message, retryable: false });
        return null;
      }
      throw error;
    }
    if ("id" in outcome) {
      tally.anyCreated = true;
      return { ...outcome, job: rows };
    }
    if (attempt === 2) {
      const reasons = [...new Set([...outcome.refused.values()].map((r) => r.reason))].join("; ");
      fail(tally, rows, { reason: `Klaviyo refused the import job again: ${reasons}`, retryable: false });
      return null;
    }
    const rest: Prepared[] = [];
    for (const [index, p] of rows.entries()) {
      const refusal = outcome.refused.get(index);
      if (refusal === undefined) rest.push(p);
      else fail(tally, [p], refusal);
    }
    if (rest.length === 0) return null;
    rows = rest;
  }
}

type Sent = Omit<Created, "job"> | { readonly refused: ReadonlyMap<number, Refusal> };

async function sendJob(call: KlaviyoCall, rows: readonly Prepared[], now: () => number): Promise<Sent> {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- the SDK documents plain objects for its codegen body classes
  const query: ProfileImportJobCreateQuery = { data: { type: "profile-bulk-import-job", attributes: { profiles: { data: rows.map((p) => p.profile) } } } };
  return call("bulk_import_profiles", `create a profile import job (${rows.length} profiles)`, async (apis): Promise<Sent> => {
    try {
      const { body } = await apis.profiles.bulkImportProfiles(query);
      return { id: body.data.id, createdAt: now(), status: statusOf(body.data.attributes) };
    } catch (error) {
      // Row-level refusals are data, read here because an EspError keeps only the first error's text;
      // everything else goes on to the call's translation and retry.
      const refused = rowRefusals(error, rows.length);
      if (refused === null) throw error;
      return { refused };
    }
  });
}

/**
 * Waits for the job and records each profile's outcome. Profiles named in the job's import errors fail
 * with Klaviyo's reason; when Klaviyo counts more failures than it names (or cancels the job), the
 * unnamed rest are retryable failures, so a refused profile is never counted as written.
 */
async function settleJob(call: KlaviyoCall, created: Created, first: boolean, deps: PushDeps, tally: Tally): Promise<void> {
  const { id, job } = created;
  let status: JobStatus | null;
  let errors: ImportError[] = [];
  try {
    status = await awaitJob(call, created, first, deps);
    if (status !== null && (status.failedCount > 0 || status.status === "cancelled")) errors = await importErrors(call, id);
  } catch (error) {
    if (!(error instanceof EspError) || error.kind === "auth" || error.kind === "uninstalled") throw error;
    // The job was created, so some profiles may be written; resending the same values is harmless.
    fail(tally, job, { reason: `could not read the outcome of Klaviyo import job ${id}: ${error.message}`, retryable: true });
    return;
  }
  if (status === null) {
    const seconds = Math.round((deps.maxWaitMs ?? DEFAULTS.maxWaitMs) / 1000);
    fail(tally, job, { reason: `Klaviyo import job ${id} did not finish within ${seconds} s; sent again next run`, retryable: true });
    return;
  }

  const pinned = pinErrors(errors, job);
  const unnamed = errors.filter((e) => !pinned.named.has(e)).map((e) => reasonOf(e.code, e.detail, e.title));
  // Whether failed_count counts profiles or errors is not documented: any doubt makes the rest unknown.
  const unknown = status.status === "cancelled" || unnamed.length > 0 || status.failedCount > pinned.refusals.size;
  for (const p of job) {
    const refusal = pinned.refusals.get(p);
    if (refusal !== undefined) fail(tally, [p], refusal);
    else if (unknown) fail(tally, [p], {
      reason: status.status === "cancelled"
        ? `Klaviyo cancelled import job ${id}; sent again next run`
        : `Klaviyo refused profiles of import job ${id} it did not name (failed ${status.failedCount}, named ${pinned.refusals.size}${unnamed.length === 0 ? "" : `: ${[...new Set(unnamed)].join("; ")}`}); sent again next run`,
      retryable: true,
    });
    else tally.written++;
  }
}

/** Reads the job's status with a growing wait until it is complete or cancelled; null after maxWaitMs. */
async function awaitJob(call: KlaviyoCall, created: Created, first: boolean, deps: PushDeps): Promise<JobStatus | null> {
  const maxWaitMs = deps.maxWaitMs ?? DEFAULTS.maxWaitMs;
  const maxInterval = deps.maxPollIntervalMs ?? DEFAULTS.maxPollIntervalMs;
  const firstWait = deps.pollIntervalMs ?? DEFAULTS.pollIntervalMs;
  let status = created.status;
  let polled = false;
  // A later job was created while the earlier ones ran: read it at once.
  let wait = first ? firstWait : 0;
  for (;;) {
    if (status !== null && isFinished(status.status)) return status;
    const left = created.createdAt + maxWaitMs - deps.now();
    // Read every job at least once, however long the jobs before it took.
    if (polled && left <= 0) return null;
    const pause = Math.min(wait, Math.max(left, 0));
    if (pause > 0) await deps.sleep(pause);
    status = await readJob(call, created.id);
    polled = true;
    wait = Math.min(Math.max(wait * 2, firstWait), maxInterval);
  }
}

// K-SPEC `ProfileImportJobResponseObjectResource.attributes.status`: cancelled | complete | processing | queued.
const isFinished = (status: string): boolean => status === "complete" || status === "cancelled";

async function readJob(call: KlaviyoCall, id: string): Promise<JobStatus> {
  const { body } = await call("get_bulk_import_profiles_job", `read profile import job ${id}`, (apis) => apis.profiles.getBulkImportProfilesJob(id));
  return statusOf(body.data.attributes);
}

// The SDK types the status as a numeric enum, but the wire value (and what it hands back) is the string.
const statusOf = (attributes: { readonly status: unknown; readonly failedCount?: number | null }): JobStatus =>
  ({ status: String(attributes.status), failedCount: attributes.failedCount ?? 0 });

/** One entry of GET /api/profile-bulk-import-jobs/{id}/import-errors (K-SPEC `ImportErrorResponseObjectResource`). */
type ImportError = { readonly code: string; readonly title: string; readonly detail: string; readonly payload: unknown };

async function importErrors(call: KlaviyoCall, id: string): Promise<ImportError[]> {
  const errors: ImportError[] = [];
  const pages = paginate(async (cursor) => {
    const { body } = await call("get_errors_for_bulk_import_profiles_job", `read import errors of job ${id}`, (apis) =>
      // 100 is the most a page holds (K-SPEC `page[size]` max).
      apis.profiles.getErrorsForBulkImportProfilesJob(id, { pageSize: 100, ...(cursor === null ? {} : { pageCursor: cursor }) }));
    const items = body.data.map((e): ImportError => ({
      code: e.attributes.code,
      title: e.attributes.title,
      detail: e.attributes.detail,
      payload: e.attributes.originalPayload ?? null,
    }));
    return { items, next: cursorOf(body.links?.next) };
  }, null);
  for await (const page of pages) errors.push(...page.items);
  return errors;
}

/**
 * The cursor in a `links.next` URL. Read here rather than handing the SDK the URL: its own extraction
 * only looks at https:// links, so it would pass a local mock's whole URL as the cursor.
 */
function cursorOf(next: string | undefined): string | null {
  if (next === undefined || next === "") return null;
  try {
    return new URL(next).searchParams.get("page[cursor]");
  } catch {
    return null;
  }
}

/** Which job profiles the import errors name, by the profile id or email of each error's original payload. */
function pinErrors(errors: readonly ImportError[], job: readonly Prepared[]): { refusals: Map<Prepared, Refusal>; named: Set<ImportError> } {
  const byKey = new Map(job.map((p) => [p.key, p]));
  const refusals = new Map<Prepared, Refusal>();
  const named = new Set<ImportError>();
  for (const error of errors) {
    const target = identify(error.payload).map((key) => byKey.get(key)).find((p) => p !== undefined);
    if (target === undefined) continue;
    named.add(error);
    const reason = reasonOf(error.code, error.detail, error.title);
    const before = refusals.get(target);
    const gone = GONE.test(`${error.code} ${error.title} ${error.detail}`) || before?.gone === true;
    refusals.set(target, { reason: before === undefined ? reason : `${before.reason}; ${reason}`, retryable: false, ...(gone ? { gone } : {}) });
  }
  return { refusals, named };
}

/**
 * The keys an original payload can be matched by. Its shape is `object` in the spec; both the flat
 * attributes and the JSON:API resource form are read.
 */
function identify(payload: unknown): string[] {
  if (!isObject(payload)) return [];
  const attributes = isObject(payload.attributes) ? payload.attributes : payload;
  const keys: string[] = [];
  if (typeof payload.id === "string" && payload.id !== "") keys.push(`id:${payload.id}`);
  if (typeof attributes.email === "string" && attributes.email !== "") keys.push(`email:${attributes.email.trim().toLowerCase()}`);
  return keys;
}

const reasonOf = (code: string | undefined, detail: string | undefined, title: string | undefined): string =>
  [code, detail ?? title].filter((s) => s !== undefined && s !== "").join(": ") || "refused by Klaviyo";

/**
 * The rows a 4xx refuses, by their index in the request, when every error points into the profiles
 * array; null when the answer is not such a refusal (the call translates it as usual).
 */
function rowRefusals(error: unknown, rows: number): Map<number, Refusal> | null {
  if (!(error instanceof Error) || !("response" in error) || !isObject(error.response)) return null;
  const { status, data } = error.response;
  if (typeof status !== "number" || status < 400 || status >= 500 || status === 401 || status === 403 || status === 429) return null;
  if (!isObject(data) || !Array.isArray(data.errors) || data.errors.length === 0) return null;
  const refused = new Map<number, Refusal>();
  for (const entry of data.errors as unknown[]) {
    if (!isObject(entry)) return null;
    const pointer = isObject(entry.source) && typeof entry.source.pointer === "string" ? entry.source.pointer : "";
    const row = ROW_POINTER.exec(pointer);
    const index = Number(row?.[1] ?? Number.NaN);
    if (!Number.isInteger(index) || index >= rows) return null;
    const text = (key: string): string | undefined => (typeof entry[key] === "string" ? entry[key] : undefined);
    const field = pointer.replace(ROW_POINTER, "");
    const reason = `${reasonOf(text("code"), text("detail"), text("title"))} (at ${field === "" ? "the profile" : field})`;
    const gone = /\/id$/.test(pointer) && GONE.test(`${text("code") ?? ""} ${text("detail") ?? ""}`);
    const before = refused.get(index);
    refused.set(index, { reason: before === undefined ? reason : `${before.reason}; ${reason}`, retryable: false, ...(gone || before?.gone === true ? { gone: true } : {}) });
  }
  return refused;
}

function fail(tally: Tally, rows: readonly Prepared[], refusal: Refusal): void {
  for (const p of rows) tally.failed.push({ contactId: p.change.contactId, ...refusal });
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

function byteLength(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), "utf8");
}
