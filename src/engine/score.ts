import { decided, EXPERIMENT_FEATURES, FLOWS, MAX_REC_SLOTS, WEEKDAYS } from "../domain/index.js";
import type {
  Confidence, Contact, Decided, ExperimentFeature, Flow, GuardLogEntry, GuardrailReport, Product, Profile, PropertyName, PropertyValue,
  RecommendationReport, RecommendationSettings, SegmentFacts, Settings, SlotExposure, SuppressionKind,
} from "../domain/index.js";
import { topCategoryOf } from "./affinity.js";
import { fitBtyd, meanRepeatValue, type BtydModel, type CustomerHistory } from "./btyd/fit-btyd.js";
import { calibratedChurn, fitChurnCalibration } from "./btyd/calibrate-churn.js";
import { predictContact } from "./btyd/predict-contact.js";
import { rftOf } from "./btyd/rft.js";
import { engagementOf, machineOpenShare } from "./engagement.js";
import { catalogPriceTertiles, categoryTransitions, nextCategoryOf, priceBandOf } from "./intent.js";
import { percentileOf } from "./percentile-of.js";
import { assignSegment } from "./segments.js";
import { clvTierOf, clvTiers, valueOf } from "./value.js";
import { featuresOf } from "./feature-book.js";
import type { ContactFeatures, FeatureBook } from "./feature-book.js";
import { lifecycleOf } from "./lifecycle.js";
import { buildRecModel } from "./recommend/build-rec-model.js";
import type { SlotPick } from "./recommend/candidate.js";
import { fillSlots } from "./recommend/fill-slots.js";
import { GENERATORS } from "./recommend/generators.js";
import { recContactOf } from "./recommend/rec-contact.js";
import { createRecommendationMonitor } from "./recommend/monitor.js";
import { compileRules } from "./recommend/rules.js";
import { createKeyedRng, type Rng } from "./rng.js";
import { createUtcOffset } from "./create-utc-offset.js";
import { buildSendTimeModel, resolveZone, sendTimeCounts, sendTimeOf, signalMixOf } from "./send-time.js";
import { frequencyOf, type FrequencyTier } from "./guardrails/frequency.js";
import { BLOCKS_FLOWS, suppressionProperties, suppressionsOf } from "./guardrails/suppressions.js";
import { flowsOf, storeMedianGapDays } from "./guardrails/flows.js";
import { guardLogChanges, suppressionStates } from "./guardrails/guard-log.js";
import { assignContact, experimentProperties, saltOf, type Arm } from "./experiments/assign.js";
import { DAY_MS, isoDayOf } from "./utc-day.js";
import { round2 } from "./round2.js";
import { plural } from "./plural.js";

/** What score() reads: the cleaned contacts and catalog, the book the events were folded into, and what each contact was last shown. */
export type ScoreInput = {
  readonly contacts: readonly Contact[];
  readonly products: readonly Product[];
  readonly book: FeatureBook;
  /** Slot lists written to each contact, oldest first: rotation demotes what their recent sends showed. */
  readonly slotHistory?: ReadonlyMap<string, readonly SlotExposure[]>;
  /** Each contact's guard log, oldest first: one abandonment flow per gap, and only changes get logged. */
  readonly guardLog?: ReadonlyMap<string, readonly GuardLogEntry[]>;
  /** Salts the holdout hash when Settings leave experiments.salt empty. */
  readonly installationId?: string;
};

type Properties = Record<PropertyName, Decided<PropertyValue>>;
type SlotFields = readonly [Decided<string>, Decided<string>, Decided<string>, Decided<string>, Decided<number | null>];

const SLOT_KEYS = Array.from({ length: MAX_REC_SLOTS }, (_, i) => {
  const id = `tailor_rec_${i + 1}`;
  return [id, `${id}_title`, `${id}_url`, `${id}_image`, `${id}_price`] as const;
});

/** What a run learned about the installation as a whole, for the run report. */
export type ScoreNotes = {
  /** How the prediction model was fitted, and how sure it is. */
  readonly predictions: { readonly source: BtydModel["source"]; readonly confidence: Confidence; readonly why: string; readonly repeatCustomers: number };
  /** Share of email opens judged machine opens (Apple MPP); null when no opens were seen. */
  readonly machineOpenShare: number | null;
  /** Coverage, diversity, fallbacks and leak counts of the slots written this run. */
  readonly recommendations: RecommendationReport;
  /** Which personal model ran (EASE or item-kNN) and why. */
  readonly personalModel: { readonly kind: "ease" | "item_knn"; readonly items: number; readonly why: string };
  /** Suppressions, flows, send hours and experiment arms over the run. */
  readonly guardrails: GuardrailReport;
};

/** A guard change for one contact, to append to the store's log after the run. */
export type GuardChange = { readonly contactId: string; readonly entry: GuardLogEntry };

/** One Profile per contact, every PROPERTIES value present (null when not applicable), each with its reason. */
export function score(input: ScoreInput, settings: Settings, now: Date, rng: Rng): Profile[] {
  return scoreRun(input, settings, now, rng).profiles;
}

/** score(), plus what the run learned about the installation. */
export function scoreRun(input: ScoreInput, settings: Settings, now: Date, rng: Rng): { profiles: Profile[]; notes: ScoreNotes; guardChanges: GuardChange[] } {
  // Installation-level work happens once here, never per contact.
  const recModel = buildRecModel(input.book, input.products, settings.recommendations, now);
  const rules = compileRules(settings.recommendations, now);
  // The monitor re-checks every written slot with its own rule code: a second line of defence.
  const monitor = createRecommendationMonitor(input.products, settings.recommendations, now);
  const categories = new Set(input.products.map((p) => p.category).filter((c) => c !== ""));
  // One draw from the run's rng seeds every contact's stream; keyed by contact and week, so
  // exploration picks hold for a week instead of rewriting contacts on every run.
  const seed = Math.floor(rng() * 2 ** 32);
  const week = Math.floor(Math.floor(now.getTime() / DAY_MS) / 7);
  const transitions = categoryTransitions(input.book);
  const tertiles = catalogPriceTertiles(input.products);

  // Predictions need the whole installation: fit first, then tier CLVs against each other.
  // They are made as of the end of today (UTC) from whole order days, so two runs on one day
  // agree to the cent and a re-run with no new data writes nothing.
  const asOf = new Date((Math.floor(now.getTime() / DAY_MS) + 1) * DAY_MS);
  const features = input.contacts.map((contact) => featuresOf(input.book, contact.id, now));
  const orderDays = features.map((f) => f.orderTimes.map((t) => Math.floor(t / DAY_MS) * DAY_MS));
  const histories = features.map((f, i) => historyOf(orderDays[i] ?? [], f.orderValues, asOf));
  const model = fitBtyd(histories.filter((h): h is CustomerHistory => h !== null), settings.predictions);
  // BG/NBD keeps every one-time buyer alive; a calibration learned on an inner backtest of the
  // store's own history (before today, never after) corrects churn risk for them.
  const horizon = settings.predictions.churnHorizonDays;
  const calibration = fitChurnCalibration(orderDays.map((days) => ({ orderTimes: days })), asOf, horizon, settings.predictions);
  const predictions = histories.map((h) => {
    const p = predictContact(model, h, asOf, settings.predictions);
    if (h === null || calibration === null) return p;
    const risk = round2(calibratedChurn(calibration, model.bgNbd, h.rft, horizon));
    return { ...p, churnRisk: decided(risk, `${p.churnRisk.why}; calibrated on how ${calibration.customers} of this store's customers behaved in the ${calibration.innerHorizonDays} days before today`, p.churnRisk.confidence) };
  });
  // Send hours: one pass for the store's population histogram and prior strength; each
  // contact's counts are recomputed in the loop below rather than kept (168 numbers x contacts).
  const utcOffset = createUtcOffset();
  const zones = input.contacts.map((contact) => resolveZone(contact.timezone, settings.sendTime));
  const sendTimeModel = buildSendTimeModel(
    (function* counts() {
      for (let i = 0; i < features.length; i++) yield sendTimeCounts(features[i]?.activity ?? [], zones[i]?.zone ?? settings.sendTime.timezone, settings.sendTime, now, utcOffset);
    })(),
    settings,
  );
  const salt = saltOf(settings.experiments, input.installationId ?? "");
  const baseline = baselineRecommendations(settings.recommendations);
  const baselineModel = { ...recModel, settings: baseline };
  const productById = new Map(input.products.map((p) => [p.id, p]));
  const storeGapDays = storeMedianGapDays(features.map((f) => f.orderTimes));
  const guardChanges: GuardChange[] = [];
  const tally = createGuardTally(input.contacts.length);

  const clvs = predictions.map((p) => p.clv12m.value).filter((v): v is number => v !== null);
  const thresholds = clvTiers(clvs);
  const sortedClvs = [...clvs].sort((a, b) => a - b);

  const profiles = input.contacts.map((contact, i): Profile => {
    const f = features[i] ?? featuresOf(input.book, contact.id, now);
    const prediction = predictions[i] ?? predictContact(model, null, asOf, settings.predictions);
    const lifecycle = lifecycleOf(f, settings.lifecycle, now);
    const value = valueOf(f);
    const engagement = engagementOf(f, now, settings.engagement);
    const clv = prediction.clv12m.value;
    const clvTier = clv === null ? decided(null, prediction.clv12m.why, "low") : clvTierOf(clv, thresholds);
    const facts: SegmentFacts = {
      orders: f.orders,
      // Calendar days (UTC), not 24-hour spans: the count, and the reason quoting it, change once a day.
      daysSinceLastOrder: f.lastOrderAt === null ? null : Math.max(0, Math.floor(now.getTime() / DAY_MS) - Math.floor(f.lastOrderAt / DAY_MS)),
      revenue: f.revenue,
      aov: value.aov.value,
      discountShare: value.discountShare.value,
      clvPercentile: clv === null ? null : percentileOf(sortedClvs, clv),
      churnRisk: prediction.churnRisk.value,
      pAlive: prediction.pAlive.value,
      engagementScore: engagement.score.value,
      views30d: siteActionsSince(f, now, 30),
      consent: contact.consent,
      lifecycle: lifecycle.value,
    };
    const assignment = assignContact(contact.id, salt, settings.experiments);
    const arm = assignment.arms;
    const noSegment = heldOutWhy("segments", arm.segments, assignment.globalHoldout, "no named segment");
    const segment = arm.segments === "treated"
      ? assignSegment(facts, settings.segments.segments)
      : { segment: decided<string | null>(null, noSegment), why: decided("", noSegment) };
    const zone = zones[i] ?? resolveZone(contact.timezone, settings.sendTime);
    const counts = sendTimeCounts(f.activity, zone.zone, settings.sendTime, now, utcOffset);
    const population = arm.send_time === "treated" ? undefined : { why: heldOutWhy("send time", arm.send_time, assignment.globalHoldout, "the store's best hour") };
    const sendTime = sendTimeOf(counts, zone, sendTimeModel, settings, now, utcOffset, population, signalMixOf(f.activity, settings.sendTime, now));
    const guards = guardsOf(contact, f, {
      settings, now, products: productById, storeGapDays, log: input.guardLog?.get(contact.id) ?? [],
      utcOffsetMs: utcOffset(zone.zone, now.getTime()), tier: { engagement: engagement.level.value, clvTier: clvTier.value },
    });
    for (const entry of guards.changes) guardChanges.push({ contactId: contact.id, entry });
    tally.count(guards, sendTime.confidence.value !== "low" && population === undefined, assignment.globalHoldout, arm);
    const properties: Properties = {
      tailor_lifecycle: lifecycle,
      ...orderProperties(f),
      tailor_revenue: value.revenue,
      tailor_aov: value.aov,
      tailor_top_category: topCategoryOf(f),
      tailor_p_alive: prediction.pAlive,
      tailor_churn_risk: prediction.churnRisk,
      tailor_expected_orders_30d: prediction.expectedOrders30,
      tailor_expected_orders_90d: prediction.expectedOrders90,
      tailor_expected_orders_365d: prediction.expectedOrders365,
      tailor_expected_spend: prediction.expectedSpend,
      tailor_clv_12m: prediction.clv12m,
      tailor_clv_tier: clvTier,
      tailor_next_order_date: prediction.nextOrderDate,
      tailor_prediction_confidence: f.orders === 0
        ? decided("low", "no orders yet: predictions start with the first order", "low")
        : decided(model.confidence, model.why, model.confidence),
      tailor_discount_sensitivity: value.discountSensitivity,
      tailor_discount_share: value.discountShare,
      tailor_margin: value.marginContributed,
      tailor_next_category: nextCategoryOf(f, transitions),
      tailor_price_band: priceBandOf(f, tertiles),
      tailor_engagement_score: engagement.score,
      tailor_engagement_level: engagement.level,
      tailor_segment: decided(segment.segment.value ?? "", segment.segment.why),
      tailor_segment_why: segment.why,
      tailor_best_send_hour: sendTime.hour,
      tailor_best_send_hour_utc: sendTime.hourUtc,
      tailor_best_send_day: sendTime.day,
      tailor_send_time_confidence: sendTime.confidence,
      ...guards.properties,
      ...experimentProperties(assignment, settings.experiments),
    };
    const recContact = recContactOf(contact, f, { settings: settings.recommendations, now, categories, slotHistory: input.slotHistory?.get(contact.id) ?? [] });
    const personalised = arm.recommendations === "treated";
    const filled = fillSlots(recContact, personalised ? recModel : baselineModel, GENERATORS, rules, createKeyedRng(seed, `${contact.id}\u0000${week}`));
    monitor.observe({
      contactId: contact.id,
      slots: filled.map((e) => (e.pick === null ? null : { productId: e.pick.product.id, source: e.pick.source, step: e.pick.step })),
      purchasedAt: f.purchasedAt,
      aov: recContact.aov,
      meanItemPrice: recContact.meanItemPrice,
    });
    SLOT_KEYS.forEach(([idKey, titleKey, urlKey, imageKey, priceKey], slot) => {
      const entry = filled[slot];
      const slotName = settings.recommendations.slots[slot]?.name;
      const fields = entry === undefined || slotName === undefined
        ? UNUSED_SLOT
        : slotFields(entry.pick, `${slotName}: ${personalised ? "" : `${heldOutWhy("recommendations", arm.recommendations, assignment.globalHoldout, "bestsellers")}; `}${withoutPrefix(entry.pick === null ? entry.why : entry.pick.why, slotName)}`);
      [properties[idKey], properties[titleKey], properties[urlKey], properties[imageKey], properties[priceKey]] = fields;
    });
    return { contactId: contact.id, properties };
  });
  const opens = machineOpenShare(input.book);
  return {
    profiles,
    notes: {
      predictions: { source: model.source, confidence: model.confidence, why: model.why, repeatCustomers: model.repeatCustomers },
      machineOpenShare: Number.isFinite(opens) ? opens : null,
      recommendations: monitor.report(),
      personalModel: { kind: recModel.personal.kind, items: recModel.personal.items, why: recModel.personal.why },
      guardrails: tally.report(sendTimeModel, guardChanges.length),
    },
    guardChanges,
  };
}

type GuardInput = {
  readonly settings: Settings;
  readonly now: Date;
  readonly products: ReadonlyMap<string, Product>;
  readonly storeGapDays: number | null;
  /** The contact's guard log, oldest first. */
  readonly log: readonly GuardLogEntry[];
  /** The contact's zone offset at `now`, for quiet hours. */
  readonly utcOffsetMs: number;
  readonly tier: FrequencyTier;
};

/**
 * Caps, suppressions and flows for one contact, their properties, and the guard-log changes
 * since the contact's last logged state. Suppressions apply to every contact, holdouts included.
 */
function guardsOf(contact: Contact, f: ContactFeatures, g: GuardInput) {
  const frequency = frequencyOf(f, g.tier, g.settings, g.now);
  const suppressions = [...suppressionsOf(contact, f, g.utcOffsetMs, g.settings, g.now), ...frequency.suppressions];
  const blocking = suppressions.filter((x) => BLOCKS_FLOWS.has(x.kind));
  const flows = flowsOf(contact, f, { products: g.products, storeGapDays: g.storeGapDays, blocking, log: g.log }, g.settings, g.now);
  // Quiet hours flip twice a day for everyone: logged, they would bury the changes worth reading.
  const states = [...suppressionStates(suppressions).filter((x) => x.key !== "quiet_hours"), ...flows.states];
  const suppressed = suppressionProperties(suppressions);
  return {
    properties: { tailor_sends_left_7d: frequency.sendsLeft, tailor_fatigued: frequency.fatigued, ...suppressed, ...flows.properties },
    changes: guardLogChanges(g.log, states, g.now),
    suppressed: suppressed.tailor_suppress_promos.value,
    kinds: suppressions.map((x) => x.kind),
    fatigued: frequency.fatigued.value,
    states: flows.states,
  };
}

/**
 * What a contact outside a feature's treated arm gets: the baseline a marketer would send
 * without Tailor, so treated vs holdout measures the feature and nothing else.
 */
function heldOutWhy(feature: string, arm: Arm, globalHoldout: boolean, baselineName: string): string {
  if (globalHoldout) return `global holdout: ${baselineName}, the baseline`;
  return arm === "holdout" ? `${feature} holdout: ${baselineName}, the baseline` : `${feature} not piloted for this contact: ${baselineName}`;
}

/** Every slot filled from best sellers (then trending), with no exploration: the "bestseller block" baseline recommendations are measured against. */
function baselineRecommendations(s: RecommendationSettings): RecommendationSettings {
  return {
    ...s,
    explorationShare: 0,
    slots: s.slots.map((slot) => ({ name: slot.name, source: "bestsellers" as const, within: "any" as const, fallbacks: [{ source: "trending" as const, within: "any" as const }] })),
  };
}

/** Counts for the run report's guardrail lines, kept as plain numbers while contacts stream by. */
function createGuardTally(contacts: number) {
  let suppressed = 0;
  let fatigued = 0;
  let ownHour = 0;
  let holdout = 0;
  let heldBack = 0;
  const suppressedBy: Partial<Record<SuppressionKind, number>> = {};
  const flowCounts = Object.fromEntries(FLOWS.map((flow) => [flow, 0])) as Record<Flow, number>;
  const arms = Object.fromEntries(EXPERIMENT_FEATURES.map((f) => [f, { treated: 0, holdout: 0, off: 0 }])) as Record<ExperimentFeature, Record<Arm, number>>;
  return {
    count(guards: ReturnType<typeof guardsOf>, own: boolean, inHoldout: boolean, arm: Readonly<Record<ExperimentFeature, Arm>>): void {
      if (guards.suppressed) suppressed++;
      for (const kind of guards.kinds) suppressedBy[kind] = (suppressedBy[kind] ?? 0) + 1;
      if (guards.fatigued) fatigued++;
      for (const state of guards.states) {
        if (!state.on) continue;
        if (state.key === "abandonment_gap") heldBack++;
        else if (state.key in flowCounts) flowCounts[state.key as Flow]++;
      }
      if (own) ownHour++;
      if (inHoldout) holdout++;
      else for (const feature of EXPERIMENT_FEATURES) arms[feature][arm[feature]]++;
    },
    report(model: ReturnType<typeof buildSendTimeModel>, logEntries: number): GuardrailReport {
      const day = WEEKDAYS[Math.floor(model.populationBin / 24)] ?? "monday";
      const populationHour = `${day.charAt(0).toUpperCase()}${day.slice(1)} ${String(model.populationBin % 24).padStart(2, "0")}:00 local`;
      return {
        contacts, suppressed, suppressedBy, fatigued, flows: flowCounts, abandonmentHeldBack: heldBack,
        sendTime: { ownHour, populationHour, priorStrength: model.priorStrength, why: model.strengthWhy },
        holdout, arms, logEntries,
      };
    },
  };
}

/** A contact's purchase history as the BTYD models read it: (frequency, recency, T) in days and the mean repeat order value. */
function historyOf(orderDays: readonly number[], orderValues: readonly number[], asOf: Date): CustomerHistory | null {
  const rft = rftOf(orderDays, asOf);
  if (rft === null) return null;
  return { rft, meanValue: meanRepeatValue(orderValues) };
}

/** Site actions (views, carts, checkouts) in the last `days` days. */
function siteActionsSince(f: ContactFeatures, now: Date, days: number): number {
  const from = Math.floor(now.getTime() / DAY_MS) - days;
  let n = 0;
  for (const d of f.engagement) if (d.day > from) n += d.siteActions;
  return n;
}

const NO_ORDERS = decided(null, "no orders yet");
const UNUSED_SLOT = slotFields(null, "slot not used: the settings name fewer slots");

/** Order count and first/last order days; revenue and AOV come from valueOf. */
function orderProperties(f: ContactFeatures): Properties {
  if (f.orders === 0 || f.firstOrderAt === null || f.lastOrderAt === null) {
    return { tailor_orders: decided(0, "no orders yet"), tailor_first_order_date: NO_ORDERS, tailor_last_order_date: NO_ORDERS };
  }
  return {
    tailor_orders: decided(f.orders, `${plural(f.orders, "order")} placed`),
    tailor_first_order_date: decided(isoDayOf(f.firstOrderAt), "day of the first order (UTC)"),
    tailor_last_order_date: decided(isoDayOf(f.lastOrderAt), "day of the latest order (UTC)"),
  };
}

/** A slot's id, title, url, image and price, each carrying the slot's reason. */
function slotFields(pick: SlotPick | null, why: string): SlotFields {
  const p: Product | null = pick?.product ?? null;
  return [
    decided(p?.id ?? "", why),
    decided(p?.title ?? "", why),
    decided(p?.url ?? "", why),
    decided(p?.imageUrl ?? "", why),
    decided(p === null || p.price === null ? null : round2(p.price), why),
  ];
}

/** A source's reason that opens with the slot's own name ("picked for you: …" in "Picked for you") would read it twice. */
function withoutPrefix(why: string, slotName: string): string {
  const prefix = `${slotName.toLowerCase()}: `;
  return why.toLowerCase().startsWith(prefix) ? why.slice(prefix.length) : why;
}
