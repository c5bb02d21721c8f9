import { randomInt } from "node:crypto";
import express from "express";
import { segmentSlug } from "../../domain/index.js";
import type { Contact, Decided, Guard, Profile, PropertyValue, RankBy, RunSummary, Segment } from "../../domain/index.js";
import { findContactsById } from "../../sync/find-contacts.js";
import { sampleProfiles } from "../../sync/sample-command.js";
import { sendPanelPage } from "../create-views.js";
import { panelOf, panelUrl, type PanelRouteDeps } from "../panel-context.js";
import { contactUrl, toDisplayValue, toUtcText } from "./contact-routes.js";
import { IdSchema } from "./id-schema.js";
import { SeedQuerySchema } from "./segment-routes.js";

// The spot-check the issue asks for: 20 members, enough to see a pattern, few enough to read each.
const SAMPLE_SIZE = 20;
// About a month of daily syncs: long enough to see a trend, short enough to read on one chart.
const HISTORY_RUNS = 30;
// Every run the store keeps (RUNS_KEPT); dry and failed runs among them are skipped, so read them all.
const RUNS_READ = 200;
// The rng seeds from a 32-bit integer; 1 is the default seed, so a fresh one starts above it.
const SEED_MAX = 2 ** 31 - 1;

// Okabe-Ito: distinguishable with the common colour-vision deficiencies; one per segment (at most 7) and a spare.
const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999"] as const;

const RANK_LABEL: Record<RankBy, string> = { churn_risk: "churn risk", clv: "predicted 12-month CLV", engagement: "engagement score" };
const RANK_PROPERTY: Record<RankBy, string> = { churn_risk: "tailor_churn_risk", clv: "tailor_clv_12m", engagement: "tailor_engagement_score" };

/** One named segment in the segments table. */
export type SegmentRow = {
  readonly name: string;
  readonly href: string;
  readonly description: string;
  readonly guards: string;
  readonly rankBy: string;
  /** Members at the latest counted run, "—" before any. */
  readonly size: string;
};

/** What segments.hbs renders. */
export type SegmentsPage = {
  readonly segments: readonly SegmentRow[];
  /** Run labels (oldest first) and, per segment, its size at each. */
  readonly history: {
    readonly columns: readonly string[];
    readonly rows: readonly { readonly startedAt: string; readonly sizes: readonly number[] }[];
  };
  /** A complete Chart.js line chart of `history`; null before any counted run. */
  readonly chartConfig: object | null;
};

/** A value and its reason, for one cell of the sample table. */
export type Explained = { readonly value: string; readonly why: string };

/** One sampled member. */
export type MemberRow = {
  readonly contactId: string;
  readonly href: string;
  readonly email: string | null;
  /** tailor_segment_why, one rule per item. */
  readonly reasons: readonly string[];
  readonly lifecycle: Explained;
  readonly clv: Explained;
  readonly churnRisk: Explained;
};

/** What segment.hbs renders. */
export type SegmentPage = {
  readonly segment: Omit<SegmentRow, "href" | "size">;
  readonly seed: number;
  readonly nextSeed: number;
  readonly members: number;
  readonly sample: readonly MemberRow[];
  readonly rankedBy: string | null;
  readonly links: { readonly list: string; readonly self: string; readonly csv: string; readonly json: string };
};

/** The named segments with their sizes over time, and each segment's reseedable spot-check sample. */
export function segmentPages({ store, views }: PanelRouteDeps): express.Router {
  const router = express.Router();

  router.get("/installations/:installationId/segments", async (_req, res) => {
    const installationId = panelOf(res).installation.id;
    const [settings, runs] = await Promise.all([store.getSettings(installationId), store.listRuns(installationId, RUNS_READ)]);
    sendPanelPage(res, views, "segments", { title: "Segments", active: "segments" }, toSegmentsPage(installationId, settings.segments.segments, runs));
  });

  router.get("/installations/:installationId/segments/:segment", async (req, res) => {
    const installationId = panelOf(res).installation.id;
    const wanted = IdSchema.parse(req.params.segment);
    const { seed } = SeedQuerySchema.parse(req.query);
    const settings = await store.getSettings(installationId);
    const segment = settings.segments.segments.find((s) => s.name === wanted || segmentSlug(s.name) === segmentSlug(wanted));
    if (segment === undefined) {
      sendPanelPage(res, views, "not-found", { title: "Not found", active: "segments", status: 404 }, { what: "segment with this name" });
      return;
    }
    const drawn = await sampleProfiles(store, installationId, segment.name, SAMPLE_SIZE, seed);
    const contacts = await findContactsById(store, installationId, drawn.sample.map((p) => p.contactId));
    const page = toSegmentPage(installationId, segment, { seed, nextSeed: freshSeed(seed), members: drawn.members, sample: drawn.sample, contacts });
    sendPanelPage(res, views, "segment", { title: segment.name, active: "segments" }, page);
  });

  return router;
}

/** A new seed for "Reseed", never the one on screen. */
function freshSeed(current: number): number {
  for (;;) {
    const seed = randomInt(1, SEED_MAX);
    if (seed !== current) return seed;
  }
}

/** The segments table and the sizes chart: runs come newest first; only succeeded, non-dry runs that counted segments are charted. */
export function toSegmentsPage(installationId: string, segments: readonly Segment[], runs: readonly RunSummary[]): SegmentsPage {
  const counted = runs
    .filter((r): r is RunSummary & { segments: Readonly<Record<string, number>> } => r.status === "succeeded" && !r.dryRun && r.segments !== undefined)
    .slice(0, HISTORY_RUNS)
    .reverse();
  const latest = counted.at(-1);
  const named = segments.map((s) => s.name);
  // Segments renamed or removed since a charted run still show there, after the current ones.
  const former = [...new Set(counted.flatMap((r) => Object.keys(r.segments)))].filter((name) => !named.includes(name)).sort();
  const columns = [...named, ...former];
  const rows = counted.map((r) => ({ startedAt: toUtcText(Date.parse(r.startedAt)), sizes: columns.map((name) => r.segments[name] ?? 0) }));
  return {
    segments: segments.map((s) => ({
      ...describeSegment(s),
      href: segmentUrl(installationId, s.name),
      size: latest === undefined ? "—" : COUNT.format(latest.segments[s.name] ?? 0),
    })),
    history: { columns: columns.map((name) => (former.includes(name) ? `${name} (no longer in settings)` : name)), rows },
    chartConfig: rows.length === 0 ? null : {
      type: "line",
      data: {
        labels: rows.map((r) => r.startedAt),
        datasets: columns.map((name, i) => {
          const colour = PALETTE[i % PALETTE.length];
          return { label: former.includes(name) ? `${name} (no longer in settings)` : name, data: rows.map((r) => r.sizes[i] ?? 0), borderColor: colour, backgroundColor: colour, tension: 0, fill: false };
        }),
      },
      options: {
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom" } },
        scales: {
          x: { title: { display: true, text: "Run started (UTC)" } },
          y: { beginAtZero: true, title: { display: true, text: "Contacts" }, ticks: { precision: 0 } },
        },
      },
    },
  };
}

/** What the segment page needs besides the segment: the draw and the members' contacts. */
export type SampleSources = {
  readonly seed: number;
  readonly nextSeed: number;
  readonly members: number;
  readonly sample: readonly Profile[];
  readonly contacts: ReadonlyMap<string, Contact>;
};

/** One segment's page: its rules and the drawn members with the reasons they are in it, ranked as the segment ranks. */
export function toSegmentPage(installationId: string, segment: Segment, sources: SampleSources): SegmentPage {
  const url = segmentUrl(installationId, segment.name);
  const ranked = segment.rankBy === null ? sources.sample : rankMembers(sources.sample, RANK_PROPERTY[segment.rankBy]);
  return {
    segment: describeSegment(segment),
    seed: sources.seed,
    nextSeed: sources.nextSeed,
    members: sources.members,
    rankedBy: segment.rankBy === null ? null : RANK_LABEL[segment.rankBy],
    sample: ranked.map((p) => ({
      contactId: p.contactId,
      href: contactUrl(installationId, p.contactId),
      email: sources.contacts.get(p.contactId)?.email ?? null,
      reasons: reasonsOf(p),
      lifecycle: explain(p.properties.tailor_lifecycle, toDisplayValue),
      clv: explain(p.properties.tailor_clv_12m, (v) => {
        const tier = p.properties.tailor_clv_tier?.value;
        const amount = typeof v === "number" ? MONEY.format(v) : toDisplayValue(v);
        return typeof tier === "string" && tier !== "" ? `${amount} (${tier})` : amount;
      }),
      churnRisk: explain(p.properties.tailor_churn_risk, (v) => (typeof v === "number" ? `${(v * 100).toFixed(0)} %` : toDisplayValue(v))),
    })),
    links: {
      list: panelUrl(installationId, "/segments"),
      self: url,
      csv: `${url}/sample.csv?seed=${sources.seed}`,
      json: `${url}/sample.json?seed=${sources.seed}`,
    },
  };
}

/** Name, description, guards as one line ("orders >= 2 · consent == subscribed") and the ranking. */
function describeSegment(segment: Segment): Omit<SegmentRow, "href" | "size"> {
  return {
    name: segment.name,
    description: segment.description,
    guards: segment.guards.map(describeGuard).join(" · "),
    rankBy: segment.rankBy === null ? "—" : RANK_LABEL[segment.rankBy],
  };
}

const describeGuard = (guard: Guard): string => `${guard.fact} ${guard.op} ${String(guard.value)}`;

/** Highest first, members without the value last; the sort is stable, so ties keep the draw order. */
function rankMembers(sample: readonly Profile[], property: string): Profile[] {
  const rankOf = (p: Profile): number => {
    const v = p.properties[property]?.value;
    return typeof v === "number" ? v : -Infinity;
  };
  // -Infinity minus -Infinity is NaN: two members without the value tie.
  return [...sample].sort((a, b) => rankOf(b) - rankOf(a) || 0);
}

/** The rules the member passed, one per item: the engine joins them with "; ". */
function reasonsOf(profile: Profile): string[] {
  const why = profile.properties.tailor_segment_why;
  const text = typeof why?.value === "string" && why.value !== "" ? why.value : profile.properties.tailor_segment?.why ?? "";
  return text.split("; ").filter((r) => r !== "");
}

function explain(d: Decided<PropertyValue> | undefined, show: (value: PropertyValue) => string): Explained {
  return d === undefined ? { value: "—", why: "" } : { value: show(d.value), why: d.why };
}

/** Segment pages are addressed by slug ("high-value-at-risk"): readable, and safe in a URL as it is. */
const segmentUrl = (installationId: string, name: string): string => panelUrl(installationId, `/segments/${segmentSlug(name)}`);

const COUNT = new Intl.NumberFormat("en-US");
// Predicted spend in the store currency, whole units: the spot-check compares members, not cents.
const MONEY = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
