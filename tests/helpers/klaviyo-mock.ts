import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { IMPORT_JOB_LIMITS } from "../../src/connectors/klaviyo/push.js";
import { KLAVIYO_RATE_LIMITS } from "../../src/connectors/klaviyo/rate-limits.js";

/** What a route answers; a non-string body is sent as JSON:API JSON. */
export type MockReply = { readonly status: number; readonly body?: unknown; readonly headers?: Readonly<Record<string, string>> };

/** One request as a route sees it. */
export type MockRequest = {
  readonly method: string;
  readonly url: URL;
  /** Path parameters by the names in the route's template (`{job_id}`). */
  readonly params: Readonly<Record<string, string>>;
  readonly body: string;
  readonly bytes: number;
};

/**
 * One endpoint: `path` is the spec's template (`/api/profile-bulk-import-jobs/{job_id}`) and
 * `operation` the spec's operationId, which names the rate-limit bucket and the call counters.
 */
export type MockRoute = {
  readonly method: "GET" | "POST" | "PATCH" | "DELETE";
  readonly path: string;
  readonly operation: string;
  readonly handle: (req: MockRequest) => MockReply | Promise<MockReply>;
};

/** An entry of `attributes.profiles.data` as the mock reads it (K-SPEC `ProfileUpsertQueryResourceObject`). */
export type UpsertProfile = {
  readonly type?: unknown;
  readonly id?: unknown;
  readonly attributes?: { readonly email?: unknown; readonly phone_number?: unknown; readonly external_id?: unknown; readonly properties?: unknown };
  readonly meta?: { readonly patch_properties?: { readonly unset?: unknown } };
};

/** A per-profile failure the job reports in its import errors (K-SPEC `ImportErrorResponseObjectResource.attributes`). */
export type ProfileFailure = { readonly code: string; readonly title: string; readonly detail: string; readonly pointer?: string };

export type KlaviyoMockOptions = {
  /** Clock for the rate windows and job processing, in ms; performance.now() by default. */
  readonly now?: () => number;
  /** Per-operation figures replacing KLAVIYO_RATE_LIMITS (calls per burst window, calls per steady window). */
  readonly limits?: Readonly<Record<string, { readonly burst: number; readonly steady: number }>>;
  /** Window lengths; 1 s and 60 s as Klaviyo's, shorter to scale a bench. */
  readonly burstMs?: number;
  readonly steadyMs?: number;
  /** Send RateLimit-Limit / -Remaining / -Reset on answers that are not 429 (default true). */
  readonly rateHeaders?: boolean;
  /** Wait before every answer, a round trip's worth. */
  readonly latencyMs?: number;
  /** How long a job takes from creation to complete: a figure, or one per job from its profile count. */
  readonly processingMs?: number | ((profiles: number) => number);
  /** The import limits enforced on job creation; IMPORT_JOB_LIMITS by default. */
  readonly importLimits?: { readonly profiles: number; readonly bytes: number; readonly profileBytes: number };
  /** Profile ids the account has; a job naming any other id reports it as not found. All exist when absent. */
  readonly knownIds?: (id: string) => boolean;
  /** A failure to report for a profile (an invalid value, say); null to write it. */
  readonly failProfile?: (profile: UpsertProfile, index: number) => ProfileFailure | null;
  /** More endpoints (GET /api/profiles, /api/events…), or replacements for the built-in ones. */
  readonly routes?: readonly MockRoute[];
};

export type KlaviyoMockStats = {
  /** Answered requests (not 429) per operation. */
  readonly calls: Readonly<Record<string, number>>;
  /** 429s per operation. */
  readonly throttled: Readonly<Record<string, number>>;
  readonly throttledTotal: number;
  /** Other 4xx answers (refused job requests, unknown paths). */
  readonly refused: number;
  readonly jobs: number;
  /** Profile writes applied by completed jobs (a profile written twice counts twice). */
  readonly profilesWritten: number;
  /** Profiles the jobs reported as import errors. */
  readonly profilesFailed: number;
  /** Profiles written more than once. */
  readonly duplicates: number;
};

export type KlaviyoMock = {
  /** e.g. http://127.0.0.1:43121, usable as the SDK's basePath. */
  readonly url: string;
  /** The custom properties each profile holds now, by `id:<id>` or `email:<address>`. */
  properties(key: string): Readonly<Record<string, unknown>> | undefined;
  /** How many times a profile was written. */
  writes(key: string): number;
  /** Every profile key written so far. */
  keys(): readonly string[];
  stats(): KlaviyoMockStats;
  /** Adds an endpoint (matched before the built-in ones). */
  route(route: MockRoute): void;
  close(): Promise<void>;
};

type Job = {
  readonly id: string;
  readonly createdAt: number;
  readonly createdIso: string;
  readonly doneAt: number;
  readonly profiles: readonly UpsertProfile[];
  applied: boolean;
  completedIso: string | null;
  failed: { readonly id: string; readonly failure: ProfileFailure; readonly payload: Record<string, unknown> }[];
};

type Windows = { burst: number[]; steady: number[] };

const JSON_API = "application/vnd.api+json";
const JOB_TYPE = "profile-bulk-import-job";
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * A loopback Klaviyo for tests and benches: the three bulk profile import endpoints with the spec's
 * JSON:API shapes, its import limits (413 over the byte limit; a 400 pointing at the profiles array
 * over the count, and at the row for a profile over 100 KB, without an identifier, or with a
 * malformed email, the way third-party field notes describe Klaviyo's synchronous validation), and
 * Klaviyo's per-operation burst and steady windows (sliding here, which is never looser than fixed
 * windows), answering 429 with Retry-After and the JSON:API throttled error. Jobs complete after
 * `processingMs` and then write their profiles: properties merge, null leaves a value alone (Klaviyo's
 * guide: the bulk import does not clear on null), `meta.patch_properties.unset` removes keys.
 */
export async function startKlaviyoMock(options: KlaviyoMockOptions = {}): Promise<KlaviyoMock> {
  const now = options.now ?? (() => performance.now());
  const burstMs = options.burstMs ?? 1_000;
  const steadyMs = options.steadyMs ?? 60_000;
  const rateHeaders = options.rateHeaders ?? true;
  const limits = options.importLimits ?? IMPORT_JOB_LIMITS;
  const windows = new Map<string, Windows>();
  const calls: Record<string, number> = {};
  const throttled: Record<string, number> = {};
  let throttledTotal = 0;
  let refused = 0;
  const jobs = new Map<string, Job>();
  const state = new Map<string, Record<string, unknown>>();
  const writeCounts = new Map<string, number>();
  let profilesWritten = 0;
  let profilesFailed = 0;
  let base = "";

  const limitOf = (operation: string): { burst: number; steady: number } => {
    const own = options.limits?.[operation];
    if (own !== undefined) return own;
    const published = (KLAVIYO_RATE_LIMITS as Readonly<Record<string, { burst: number; steady: number }>>)[operation];
    return published ?? { burst: 10, steady: 150 };
  };

  /** Counts the call in both windows, or says how long until it would fit (refused calls do not count). */
  function admit(operation: string): { ok: true; remaining: number; resetMs: number } | { ok: false; waitMs: number } {
    const t = now();
    const w = windows.get(operation) ?? { burst: [], steady: [] };
    windows.set(operation, w);
    while ((w.burst[0] ?? Infinity) <= t - burstMs) w.burst.shift();
    while ((w.steady[0] ?? Infinity) <= t - steadyMs) w.steady.shift();
    const { burst, steady } = limitOf(operation);
    const waits: number[] = [];
    if (w.burst.length >= burst) waits.push((w.burst[w.burst.length - burst] ?? t) + burstMs - t);
    if (w.steady.length >= steady) waits.push((w.steady[w.steady.length - steady] ?? t) + steadyMs - t);
    if (waits.length > 0) return { ok: false, waitMs: Math.max(...waits) };
    w.burst.push(t);
    w.steady.push(t);
    return { ok: true, remaining: steady - w.steady.length, resetMs: (w.steady[0] ?? t) + steadyMs - t };
  }

  /** Klaviyo sends whole seconds; a bench with shorter windows gets milliseconds, or it would wait a whole second each time. */
  const seconds = (ms: number): string => (burstMs >= 1_000 ? String(Math.max(1, Math.ceil(ms / 1000))) : (Math.max(ms, 1) / 1000).toFixed(3));

  /** Completes every job whose time has come and applies its profiles, in creation order. */
  function advance(): void {
    const t = now();
    for (const job of jobs.values()) {
      if (job.applied || job.doneAt > t) continue;
      job.applied = true;
      job.completedIso = new Date().toISOString();
      job.profiles.forEach((profile, index) => { apply(job, profile, index); });
    }
  }

  function apply(job: Job, profile: UpsertProfile, index: number): void {
    const id = typeof profile.id === "string" && profile.id !== "" ? profile.id : null;
    const failure = id !== null && options.knownIds !== undefined && !options.knownIds(id)
      ? { code: "not_found", title: "Not found.", detail: `A profile with id '${id}' does not exist.`, pointer: "/id" }
      : options.failProfile?.(profile, index) ?? null;
    if (failure !== null) {
      profilesFailed++;
      job.failed.push({ id: `${job.id}-e${job.failed.length + 1}`, failure, payload: { ...(id === null ? {} : { id }), ...profile.attributes } });
      return;
    }
    const key = keyOf(profile);
    if (key === null) return;
    const properties = state.get(key) ?? {};
    const given = profile.attributes?.properties;
    if (isObject(given)) for (const [name, value] of Object.entries(given)) if (value !== null) properties[name] = value;
    const unset = profile.meta?.patch_properties?.unset;
    for (const name of typeof unset === "string" ? [unset] : Array.isArray(unset) ? unset : []) if (typeof name === "string") Reflect.deleteProperty(properties, name);
    state.set(key, properties);
    writeCounts.set(key, (writeCounts.get(key) ?? 0) + 1);
    profilesWritten++;
  }

  const jobResource = (job: Job) => {
    const done = job.applied;
    return {
      type: JOB_TYPE,
      id: job.id,
      attributes: {
        status: done ? "complete" : now() - job.createdAt < (job.doneAt - job.createdAt) / 2 ? "queued" : "processing",
        created_at: job.createdIso,
        total_count: job.profiles.length,
        completed_count: done ? job.profiles.length - job.failed.length : 0,
        failed_count: done ? job.failed.length : 0,
        completed_at: done ? job.completedIso : null,
        expires_at: null,
        started_at: job.createdIso,
      },
      links: { self: `${base}/api/profile-bulk-import-jobs/${job.id}` },
    };
  };

  const createJob = (req: MockRequest): MockReply => {
    // Measured on what arrived: the byte limit is on the request payload.
    if (req.bytes > limits.bytes) return clientError(413, "invalid", "Request Entity Too Large", `The payload is ${req.bytes} bytes; the limit is ${limits.bytes}.`, "/data");
    let parsed: unknown;
    try {
      parsed = JSON.parse(req.body);
    } catch {
      return clientError(400, "invalid", "Invalid input.", "The request body is not valid JSON.", "/data");
    }
    const data = isObject(parsed) && isObject(parsed.data) ? parsed.data : null;
    if (data?.type !== JOB_TYPE) return clientError(400, "invalid", "Invalid input.", `The resource type must be '${JOB_TYPE}'.`, "/data/type");
    const profiles = isObject(data.attributes) && isObject(data.attributes.profiles) ? data.attributes.profiles.data : undefined;
    if (!Array.isArray(profiles)) return clientError(400, "invalid", "Invalid input.", "'profiles' must hold an array of profiles.", "/data/attributes/profiles/data");
    if (profiles.length > limits.profiles) return clientError(400, "invalid", "Invalid input.", `A job takes at most ${limits.profiles} profiles; got ${profiles.length}.`, "/data/attributes/profiles/data");
    const rows: JsonApiError[] = [];
    profiles.forEach((raw: unknown, index) => {
      const at = `/data/attributes/profiles/data/${index}`;
      const profile = isObject(raw) ? (raw as UpsertProfile) : {};
      const size = Buffer.byteLength(JSON.stringify(raw), "utf8");
      if (size > limits.profileBytes) rows.push(errorEntry("invalid", "Invalid input.", `The profile is ${size} bytes; the limit is ${limits.profileBytes}.`, at));
      else if (profile.type !== "profile") rows.push(errorEntry("invalid", "Invalid input.", "The resource type must be 'profile'.", `${at}/type`));
      else if (keyOf(profile) === null) rows.push(errorEntry("invalid", "Invalid input.", "One of id, email, phone_number or external_id is required.", `${at}/attributes`));
      else if (profile.attributes?.email !== undefined && (typeof profile.attributes.email !== "string" || !EMAIL.test(profile.attributes.email))) {
        rows.push(errorEntry("invalid", "Invalid input.", `${JSON.stringify(profile.attributes.email)} is not a valid email address.`, `${at}/attributes/email`));
      }
    });
    if (rows.length > 0) return { status: 400, body: { errors: rows } };
    const t = now();
    const processing = typeof options.processingMs === "function" ? options.processingMs(profiles.length) : (options.processingMs ?? 0);
    const id = `01MOCKJOB${String(jobs.size + 1).padStart(17, "0")}`;
    const job: Job = { id, createdAt: t, createdIso: new Date().toISOString(), doneAt: t + processing, profiles: profiles as UpsertProfile[], applied: false, completedIso: null, failed: [] };
    jobs.set(id, job);
    const resource = jobResource(job);
    return { status: 202, body: { data: { ...resource, attributes: { ...resource.attributes, status: "queued" } }, links: resource.links } };
  };

  const getJob = (req: MockRequest): MockReply => {
    const job = jobs.get(req.params.job_id ?? "");
    if (job === undefined) return clientError(404, "not_found", "Not found.", `No profile import job ${req.params.job_id ?? ""}.`, "/data");
    const resource = jobResource(job);
    return { status: 200, body: { data: resource, links: resource.links } };
  };

  const importErrors = (req: MockRequest): MockReply => {
    const job = jobs.get(req.params.id ?? "");
    if (job === undefined) return clientError(404, "not_found", "Not found.", `No profile import job ${req.params.id ?? ""}.`, "/data");
    // K-SPEC `page[size]`: default 20, at most 100. The cursor here is an offset; Klaviyo's is opaque.
    const size = Math.min(100, Math.max(1, Number(req.url.searchParams.get("page[size]") ?? 20) || 20));
    const offset = Number(req.url.searchParams.get("page[cursor]") ?? 0) || 0;
    const page = (job.applied ? job.failed : []).slice(offset, offset + size);
    const self = `${base}${req.url.pathname}`;
    const more = offset + size < (job.applied ? job.failed.length : 0);
    return {
      status: 200,
      body: {
        data: page.map((e) => ({
          type: "import-error",
          id: e.id,
          attributes: { code: e.failure.code, title: e.failure.title, detail: e.failure.detail, source: { pointer: e.failure.pointer ?? "/data" }, original_payload: e.payload },
        })),
        links: { self, ...(more ? { next: `${self}?page%5Bsize%5D=${size}&page%5Bcursor%5D=${offset + size}` } : {}) },
      },
    };
  };

  const routes: MockRoute[] = [
    ...(options.routes ?? []),
    { method: "POST", path: "/api/profile-bulk-import-jobs", operation: "bulk_import_profiles", handle: createJob },
    { method: "GET", path: "/api/profile-bulk-import-jobs/{job_id}", operation: "get_bulk_import_profiles_job", handle: getJob },
    { method: "GET", path: "/api/profile-bulk-import-jobs/{id}/import-errors", operation: "get_errors_for_bulk_import_profiles_job", handle: importErrors },
  ];
  const compiled = () => routes.map((r) => ({ route: r, pattern: templatePattern(r.path) }));
  let table = compiled();

  const send = (res: ServerResponse, reply: MockReply, extra: Record<string, string>): void => {
    const body = reply.body === undefined ? "" : typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
    res.writeHead(reply.status, { ...(reply.body === undefined ? {} : { "content-type": JSON_API }), ...extra, ...reply.headers }).end(body);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      void (async () => {
        advance();
        const url = new URL(req.url ?? "/", base);
        const found = match(table, req.method ?? "GET", url.pathname);
        if (found === null) {
          refused++;
          send(res, clientError(404, "not_found", "Not found.", `No route for ${req.method ?? ""} ${url.pathname} in the mock.`, "/data"), {});
          return;
        }
        const operation = found.route.operation;
        // Admission is decided on arrival, as a gateway in front of the API would.
        const gate = admit(operation);
        if (options.latencyMs !== undefined && options.latencyMs > 0) await delay(options.latencyMs);
        if (!gate.ok) {
          throttled[operation] = (throttled[operation] ?? 0) + 1;
          throttledTotal++;
          const wait = seconds(gate.waitMs);
          send(res, clientError(429, "throttled", "Request was throttled.", `Request was throttled. Expected available in ${wait} second${wait === "1" ? "" : "s"}.`, "/data"), { "retry-after": wait });
          return;
        }
        calls[operation] = (calls[operation] ?? 0) + 1;
        const body = Buffer.concat(chunks);
        let reply: MockReply;
        try {
          reply = await found.route.handle({ method: req.method ?? "GET", url, params: found.params, body: body.toString("utf8"), bytes: body.length });
        } catch (error) {
          reply = { status: 500, body: { errors: [errorEntry("error", "Server error.", `klaviyo-mock handler failed: ${String(error)}`, "/data")] } };
        }
        if (reply.status >= 400 && reply.status < 500) refused++;
        const { steady } = limitOf(operation);
        send(res, reply, rateHeaders
          ? { "ratelimit-limit": String(steady), "ratelimit-remaining": String(gate.remaining), "ratelimit-reset": seconds(gate.resetMs) }
          : {});
      })();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    properties: (key) => { advance(); return state.get(key); },
    writes: (key) => { advance(); return writeCounts.get(key) ?? 0; },
    keys: () => { advance(); return [...state.keys()]; },
    stats: () => {
      advance();
      return {
        calls: { ...calls },
        throttled: { ...throttled },
        throttledTotal,
        refused,
        jobs: jobs.size,
        profilesWritten,
        profilesFailed,
        duplicates: [...writeCounts.values()].filter((n) => n > 1).length,
      };
    },
    route: (route) => {
      routes.unshift(route);
      table = compiled();
    },
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => { if (error) reject(error); else resolve(); });
    }),
  };
}

/** The fields the spec's ClientError lists (Klaviyo also sends status, links and meta, which the spec leaves out). */
type JsonApiError = { id: string; code: string; title: string; detail: string; source: { pointer: string } };

let errorIds = 0;

/** One entry of the spec's ClientError `errors[]` (id, code, title, detail, source.pointer). */
function errorEntry(code: string, title: string, detail: string, pointer: string): JsonApiError {
  errorIds++;
  return { id: `00000000-0000-4000-8000-${String(errorIds).padStart(12, "0")}`, code, title, detail, source: { pointer } };
}

const clientError = (status: number, code: string, title: string, detail: string, pointer: string): MockReply =>
  ({ status, body: { errors: [errorEntry(code, title, detail, pointer)] } });

/** Whom a profile entry names: its id, else its email, phone or external id (as the mock keys its state). */
function keyOf(profile: UpsertProfile): string | null {
  if (typeof profile.id === "string" && profile.id !== "") return `id:${profile.id}`;
  const a = profile.attributes;
  if (typeof a?.email === "string" && a.email !== "") return `email:${a.email.trim().toLowerCase()}`;
  if (typeof a?.phone_number === "string" && a.phone_number !== "") return `phone:${a.phone_number}`;
  if (typeof a?.external_id === "string" && a.external_id !== "") return `external:${a.external_id}`;
  return null;
}

function templatePattern(template: string): { regex: RegExp; names: string[] } {
  const names: string[] = [];
  const source = template.split("/").map((part) => {
    const param = /^\{(\w+)\}$/.exec(part);
    if (param?.[1] === undefined) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    names.push(param[1]);
    return "([^/]+)";
  }).join("/");
  return { regex: new RegExp(`^${source}/?$`), names };
}

function match(table: readonly { route: MockRoute; pattern: { regex: RegExp; names: string[] } }[], method: string, path: string): { route: MockRoute; params: Record<string, string> } | null {
  for (const { route, pattern } of table) {
    if (route.method !== method) continue;
    const m = pattern.regex.exec(path);
    if (m === null) continue;
    const params: Record<string, string> = {};
    pattern.names.forEach((name, i) => { params[name] = decodeURIComponent(m[i + 1] ?? ""); });
    return { route, params };
  }
  return null;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;
