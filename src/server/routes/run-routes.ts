import express from "express";
import { z } from "zod";
import type { QuarantineEntry, QuarantinePage } from "../../domain/index.js";
import { sendPanelPage } from "../create-views.js";
import { panelOf, panelUrl, type PanelRouteDeps } from "../panel-context.js";
import { IdSchema } from "./id-schema.js";
import { toIso, toRunDetail, toRunRow } from "./to-installation-page.js";

// The issue's "history of syncs": 50 rows is a few weeks of hourly syncs, and one screen of scrolling.
const RUNS_SHOWN = 50;
// The stores keep the newest 200 runs per installation (store/keep-newest-runs.ts); asking for more finds any kept run.
const RUNS_SEARCHED = 1000;
const PER_PAGE = 50;
const QUARANTINE_STREAMS = ["contacts", "products", "events", "push"] as const;

const PAGE_MESSAGE = "page must be a whole number from 1";
/** ?stream=&reason=&page=: what the filter form sends; "" is "any". A bad value is a 400 page naming it. */
const QuarantineQuerySchema = z.object({
  stream: z.enum(["", ...QUARANTINE_STREAMS], { error: `stream must be one of ${QUARANTINE_STREAMS.join(", ")}` }).default(""),
  // Reasons are one-line sentences; 200 characters is longer than any of them.
  reason: z.string({ error: "reason must be text" }).max(200, "reason must be at most 200 characters").default(""),
  page: z.coerce.number({ error: PAGE_MESSAGE }).int(PAGE_MESSAGE).min(1, PAGE_MESSAGE).max(1_000_000, PAGE_MESSAGE).default(1),
});
type QuarantineQuery = z.infer<typeof QuarantineQuerySchema>;

/** One quarantined record as the browser shows it: the raw input pretty-printed (the template escapes it). */
export type QuarantineRow = {
  readonly stream: string;
  readonly reason: string;
  readonly runId: string;
  readonly runHref: string;
  readonly at: string;
  readonly raw: string;
};

/** What quarantine.hbs renders. */
export type QuarantineView = {
  readonly streams: readonly { readonly value: string; readonly label: string; readonly selected: boolean }[];
  readonly reason: string;
  readonly error: string | null;
  readonly total: number;
  /** "Showing 1–50 of 1,234", or why nothing is shown. */
  readonly showing: string;
  readonly items: readonly QuarantineRow[];
  readonly previous: string | null;
  readonly next: string | null;
  /** Either link is there. */
  readonly paged: boolean;
  readonly clear: string | null;
};

/** The run history, one run's full report, and the quarantine browser. */
export function runRoutes({ store, views }: PanelRouteDeps): express.Router {
  const router = express.Router();

  router.get("/installations/:installationId/runs", async (_req, res) => {
    const installationId = panelOf(res).installation.id;
    const runs = await store.listRuns(installationId, RUNS_SHOWN);
    sendPanelPage(res, views, "runs", { title: "Runs", active: "runs" }, { runs: runs.map(toRunRow), shown: RUNS_SHOWN, quarantineHref: panelUrl(installationId, "/quarantine") });
  });

  router.get("/installations/:installationId/runs/:runId", async (req, res) => {
    const installationId = panelOf(res).installation.id;
    const runId = IdSchema.safeParse(req.params.runId);
    const run = runId.success ? (await store.listRuns(installationId, RUNS_SEARCHED)).find((r) => r.runId === runId.data) : undefined;
    if (run === undefined) {
      sendPanelPage(res, views, "not-found", { title: "Not found", active: "runs", status: 404 }, { what: "run with this id" });
      return;
    }
    sendPanelPage(res, views, "run", { title: `Run ${run.runId}`, active: "runs" }, { run: toRunDetail(run), runsHref: panelUrl(installationId, "/runs") });
  });

  router.get("/installations/:installationId/quarantine", async (req, res) => {
    const installationId = panelOf(res).installation.id;
    const parsed = QuarantineQuerySchema.safeParse(req.query);
    if (!parsed.success) {
      const error = parsed.error.issues.map((i) => i.message).join("; ");
      const view = toQuarantineView(installationId, { stream: "", reason: "", page: 1 }, { total: 0, items: [] }, error);
      sendPanelPage(res, views, "quarantine", { title: "Quarantine", active: "runs", status: 400 }, view);
      return;
    }
    const query = parsed.data;
    const filter: QuarantinePage = {
      limit: PER_PAGE,
      offset: (query.page - 1) * PER_PAGE,
      ...(query.stream === "" ? {} : { stream: query.stream }),
      ...(query.reason.trim() === "" ? {} : { reason: query.reason.trim() }),
    };
    const found = await store.listQuarantine(installationId, filter);
    sendPanelPage(res, views, "quarantine", { title: "Quarantine", active: "runs" }, toQuarantineView(installationId, query, found, null));
  });

  return router;
}

const count = (n: number): string => n.toLocaleString("en-US");

/** The browser's page: the filter as sent, the records, and Previous / Next links that keep the filter. */
export function toQuarantineView(
  installationId: string,
  query: QuarantineQuery,
  found: { readonly total: number; readonly items: readonly QuarantineEntry[] },
  error: string | null,
): QuarantineView {
  const reason = query.reason.trim();
  const base = panelUrl(installationId, "/quarantine");
  const href = (page: number): string => {
    const params = new URLSearchParams();
    if (query.stream !== "") params.set("stream", query.stream);
    if (reason !== "") params.set("reason", reason);
    if (page > 1) params.set("page", String(page));
    const search = params.toString();
    return search === "" ? base : `${base}?${search}`;
  };
  const first = (query.page - 1) * PER_PAGE + 1;
  const last = first + found.items.length - 1;
  const filtered = query.stream !== "" || reason !== "";
  // Past the end, Previous leads to the last page that has records.
  const previous = query.page > 1 && found.total > 0 ? href(Math.min(query.page - 1, Math.ceil(found.total / PER_PAGE))) : null;
  const next = query.page * PER_PAGE < found.total ? href(query.page + 1) : null;
  const showing = error !== null
    ? "Nothing is shown: the filter above has an error."
    : found.items.length > 0
      ? `Showing ${count(first)}–${count(last)} of ${count(found.total)}`
      : found.total === 0
        ? filtered ? "No quarantined records match this filter." : "No records have been quarantined."
        : `Page ${count(query.page)} is past the end: there are ${count(found.total)} records.`;
  return {
    streams: [{ value: "", label: "all", selected: query.stream === "" }, ...QUARANTINE_STREAMS.map((s) => ({ value: s, label: s, selected: query.stream === s }))],
    reason,
    error,
    total: found.total,
    showing,
    items: found.items.map((q) => ({
      stream: q.stream,
      reason: q.reason,
      runId: q.runId,
      runHref: panelUrl(installationId, `/runs/${encodeURIComponent(q.runId)}`),
      at: toIso(q.at),
      raw: toJson(q.raw),
    })),
    previous,
    next,
    paged: previous !== null || next !== null,
    clear: filtered ? base : null,
  };
}

function toJson(raw: unknown): string {
  // Stored records are JSON; only a missing one would make JSON.stringify return undefined.
  return raw === undefined ? "(no record)" : JSON.stringify(raw, null, 2);
}
