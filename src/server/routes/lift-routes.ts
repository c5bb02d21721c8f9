import express from "express";
import { z } from "zod";
import type { LiftComparison, LiftMetric, LiftMetricName, LiftReport, LiftVerdict } from "../../engine/experiments/lift.js";
import { COMPARISON_TITLE, METRIC_LABEL as ENGINE_METRIC_LABEL } from "../../engine/experiments/format-lift.js";
import { buildLiftReport } from "../../sync/lift-command.js";
import { sendPanelPage } from "../create-views.js";
import { panelOf, panelUrl, type PanelRouteDeps } from "../panel-context.js";

/** ?days=28: the window ends now; a year is the longest a holdout is worth keeping (Braze reshuffles at most monthly, runs ~3 months). */
const DAYS_MESSAGE = "days must be a whole number from 1 to 365";
const LiftQuerySchema = z.object({
  days: z.coerce.number({ error: DAYS_MESSAGE }).int(DAYS_MESSAGE).min(1, DAYS_MESSAGE).max(365, DAYS_MESSAGE).default(28),
});
/** The windows the page offers: a week, the default four weeks, a quarter, a year. */
const DAY_CHOICES = [7, 28, 90, 365] as const;
/**
 * The chart's metric. The report marks none as primary; conversion is the one every shop has,
 * rates compare across shops, and revenue per recipient is too skewed by a few big orders to read at a glance.
 */
const CHART_METRIC: LiftMetricName = "conversion_rate";

// The CLI's words, capitalised for table cells.
const METRIC_LABEL = Object.fromEntries(Object.entries(ENGINE_METRIC_LABEL).map(([k, v]) => [k, v.charAt(0).toUpperCase() + v.slice(1)])) as Readonly<Record<LiftMetricName, string>>;
const VERDICT: Readonly<Record<LiftVerdict, { readonly label: string; readonly tone: "good" | "bad" | "muted" | "" }>> = {
  treated_better: { label: "Treated better", tone: "good" },
  holdout_better: { label: "Holdout better", tone: "bad" },
  no_difference: { label: "No difference", tone: "" },
  not_enough_data: { label: "Not enough data", tone: "muted" },
};

/** One comparison × metric row of the lift table, formatted. */
export type LiftRow = {
  readonly metric: string;
  /** Rates and revenue per recipient; the arms' sizes head each comparison. */
  readonly treated: string;
  readonly holdout: string;
  readonly difference: string;
  readonly interval: string;
  readonly relativeLift: string;
  readonly needed: string;
  readonly verdict: string;
  readonly tone: string;
  readonly why: string;
};

/** What lift.hbs renders. */
export type LiftPage = {
  readonly days: number;
  readonly dayChoices: readonly { readonly value: number; readonly selected: boolean }[];
  readonly error: string | null;
  readonly jsonHref: string;
  readonly report: {
    readonly from: string;
    readonly to: string;
    /** "95 %": the report's 1 - alpha, as the table caption and interval column say it. */
    readonly confidence: string;
    readonly machineOpens: string;
    readonly chartTitle: string;
    readonly chart: object;
    readonly groups: readonly { readonly title: string; readonly treatedContacts: number; readonly holdoutContacts: number; readonly rows: readonly LiftRow[] }[];
    readonly notes: readonly string[];
  } | null;
};

/** The lift report as the panel's page (a chart and a table with intervals) and as JSON, over the last `days` days. */
export function liftRoutes({ store, views, now }: PanelRouteDeps): express.Router {
  const router = express.Router();

  router.get("/installations/:installationId/lift.json", async (req, res) => {
    const installationId = panelOf(res).installation.id;
    const { days } = LiftQuerySchema.parse(req.query);
    const report = await buildLiftReport(store, installationId, { days, to: new Date(now()) });
    // Business figures of one shop: never kept by a shared cache.
    res.set("Cache-Control", "private, no-store").json(report);
  });

  router.get("/installations/:installationId/lift", async (req, res) => {
    const installationId = panelOf(res).installation.id;
    const jsonHref = panelUrl(installationId, "/lift.json");
    const query = LiftQuerySchema.safeParse(req.query);
    if (!query.success) {
      const page: LiftPage = { days: 28, dayChoices: dayChoices(28), error: query.error.issues.map((i) => i.message).join("; "), jsonHref, report: null };
      sendPanelPage(res, views, "lift", { title: "Lift", active: "lift", status: 400 }, page);
      return;
    }
    const { days } = query.data;
    const report = await buildLiftReport(store, installationId, { days, to: new Date(now()) });
    sendPanelPage(res, views, "lift", { title: "Lift", active: "lift" }, toLiftPage(report, days, `${jsonHref}?days=${days}`));
  });

  return router;
}

const dayChoices = (days: number) =>
  [...new Set<number>([...DAY_CHOICES, days])].sort((a, b) => a - b).map((value) => ({ value, selected: value === days }));

const pct = (share: number): string => `${Number((share * 100).toFixed(1))} %`;
const signed = (v: number, text: string): string => (v > 0 ? `+${text}` : v < 0 ? `−${text.replace(/^-/, "")}` : text);

/** The report as the page shows it: the chart's config built here, so the browser only draws it. */
export function toLiftPage(report: LiftReport, days: number, jsonHref: string): LiftPage {
  const confidence = pct(1 - report.alpha);
  const chartTitle = `Relative lift in ${METRIC_LABEL[CHART_METRIC].toLowerCase()}: estimate and ${confidence} interval`;
  return {
    days,
    dayChoices: dayChoices(days),
    error: null,
    jsonHref,
    report: {
      from: report.window.from,
      to: report.window.to,
      confidence,
      machineOpens: report.machineOpenShare === null
        ? "Machine opens (Apple MPP): no opens in the window"
        : `Machine opens (Apple MPP): ${pct(report.machineOpenShare)} of opens, never counted as engagement`,
      chartTitle,
      chart: toLiftChart(report),
      groups: report.comparisons.map((c) => ({
        title: COMPARISON_TITLE[c.name],
        treatedContacts: c.treated.contacts,
        holdoutContacts: c.holdout.contacts,
        rows: c.metrics.map((m) => toLiftRow(m, c)),
      })),
      notes: report.notes,
    },
  };
}

function toLiftRow(m: LiftMetric, c: LiftComparison): LiftRow {
  const money = m.name === "revenue_per_recipient";
  const value = (v: number, contacts: number): string => (contacts === 0 ? "—" : money ? v.toFixed(2) : `${(v * 100).toFixed(2)} %`);
  const delta = (v: number): string => signed(v, money ? v.toFixed(2) : `${(v * 100).toFixed(2)} pts`);
  const empty = c.treated.contacts === 0 || c.holdout.contacts === 0;
  return {
    metric: METRIC_LABEL[m.name],
    treated: value(m.treated, c.treated.contacts),
    holdout: value(m.holdout, c.holdout.contacts),
    difference: empty ? "—" : delta(m.difference),
    interval: m.ci === null ? "—" : `${delta(m.ci[0])} to ${delta(m.ci[1])}`,
    relativeLift: m.relativeLift === null ? "—" : signed(m.relativeLift, `${(m.relativeLift * 100).toFixed(1)} %`),
    needed: m.requiredTreated === null || m.requiredHoldout === null ? "—" : `${m.requiredTreated.toLocaleString("en-US")} / ${m.requiredHoldout.toLocaleString("en-US")}`,
    verdict: VERDICT[m.verdict].label,
    tone: VERDICT[m.verdict].tone,
    why: m.why,
  };
}

/**
 * A Chart.js config: per comparison a floating bar from the interval's low to high end and a
 * point at the estimate, in percent of the holdout's rate. The report's interval is on the
 * difference; divided by the holdout's rate it reads as relative lift (the holdout rate taken as
 * known, as the relative lift itself does). Comparisons without an interval are left blank.
 */
export function toLiftChart(report: LiftReport): object {
  const round = (v: number): number => Math.round(v * 10_000) / 100;
  const points = report.comparisons.map((c) => {
    const m = c.metrics.find((metric) => metric.name === CHART_METRIC);
    if (m === undefined || m.holdout === 0) return { interval: null, estimate: null };
    const base = Math.abs(m.holdout);
    return {
      interval: m.ci === null ? null : [round(m.ci[0] / base), round(m.ci[1] / base)],
      estimate: m.relativeLift === null ? null : round(m.relativeLift),
    };
  });
  return {
    type: "bar",
    data: {
      labels: report.comparisons.map((c) => COMPARISON_TITLE[c.name]),
      datasets: [
        {
          type: "bar",
          label: `${pct(1 - report.alpha)} interval`,
          data: points.map((p) => p.interval),
          backgroundColor: "rgba(9, 105, 218, 0.25)",
          borderColor: "#0969da",
          borderWidth: 1,
          borderSkipped: false,
          barPercentage: 0.5,
        },
        {
          type: "line",
          label: "Estimate",
          data: points.map((p) => p.estimate),
          showLine: false,
          pointRadius: 6,
          pointHoverRadius: 7,
          pointStyle: "rectRot",
          backgroundColor: "#1f2328",
          borderColor: "#1f2328",
        },
      ],
    },
    options: {
      // The page's heading above the chart already names it.
      plugins: { legend: { position: "bottom" } },
      scales: { y: { title: { display: true, text: "Lift over the holdout (%)" } } },
    },
  };
}
