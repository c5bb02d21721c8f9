import type { Product, RecScope, Slot } from "../../domain/index.js";
import type { Rng } from "../rng.js";
import type { Candidate, CategoryScope, Generators, RecContact, RecModel, SlotPick } from "./candidate.js";
import { isUnder } from "./category-key.js";
import { scopedCandidates } from "./ranked-list.js";
import { breaksRule } from "./rules.js";
import type { CompiledRules } from "./rules.js";

// Acceptable candidates a step looks at before re-ranking. Sources already rank best-first, so
// margin and rotation only reorder the head: 20 lets them lift a product a few places without a
// weak one with a big margin jumping the whole list, and bounds the work per step.
const WINDOW = 20;
// Candidates a step examines at most. A contact's own rules (price band, recent purchases) can
// reject most of a long list such as bestsellers on a 50,000-product catalog; past this many the
// step gives way to its fallback instead of walking the whole catalog (measured: unbounded scans
// made a 50k catalog fill 172 contacts/s). Every rule still holds: a step that finds nothing in
// its head falls back, it never lowers the bar.
const MAX_SCANNED = 500;
const EXPLORATION = "exploration:";

/** One settings slot for one contact: the pick, or null with the reason the slot is empty. */
export type FilledSlot = { readonly pick: SlotPick | null; readonly why: string };

/** A candidate that passes every rule and fits the slots filled so far. */
type Accepted = {
  readonly product: Product;
  readonly candidate: Candidate;
  /** Position in the source's own order, the tie-break. */
  readonly order: number;
  readonly shown: boolean;
  readonly value: number;
};

/** What to do with a product shown in the contact's recent sends. */
type ShownPolicy = "demote" | "reserve" | "skip";

/** One contact's run through the slots: what is taken so far, and the scopes resolved once. */
type Fill = {
  readonly contact: RecContact;
  readonly model: RecModel;
  readonly generators: Generators;
  readonly rules: CompiledRules;
  readonly rotating: boolean;
  readonly used: Set<string>;
  /** Picks per product.category, where "" (no category) counts as one category named "". */
  readonly perCategory: Map<string, number>;
  /** undefined when the contact has no such categories: the step is skipped. */
  readonly scopes: Readonly<Record<RecScope, { readonly scope: CategoryScope; readonly keys: readonly string[] | null } | undefined>>;
};

/**
 * Fills the settings' slots for one contact, in order. Each slot may first go to exploration
 * (probability explorationShare), then tries its source and each fallback until a candidate
 * passes every rule, is not in an earlier slot and keeps its category within maxPerCategory.
 * A step with nothing acceptable falls to the next: never a rule-breaking product.
 */
export function fillSlots(contact: RecContact, model: RecModel, generators: Generators, rules: CompiledRules, rng: Rng): FilledSlot[] {
  const { settings } = model;
  const scopeOf = (categories: readonly string[]) =>
    categories.length === 0 ? undefined : { scope: new Set(categories), keys: categories.map(rules.keyOf) };
  const fill: Fill = {
    contact,
    model,
    generators,
    rules,
    rotating: settings.rotationSends > 0 && contact.shown.size > 0,
    used: new Set(),
    perCategory: new Map(),
    scopes: {
      any: { scope: null, keys: null },
      top_category: scopeOf(contact.topCategory === null ? [] : [contact.topCategory]),
      affinity_categories: scopeOf(contact.affinityCategories),
    },
  };
  const filled: FilledSlot[] = [];
  for (const slot of settings.slots) {
    // Drawn for every slot, exploring or not, so one slot's outcome never shifts the next one's draw.
    const draw = rng();
    const explored = draw < settings.explorationShare ? explore(draw / settings.explorationShare, fill) : null;
    const slotFill = explored === null ? fillSlot(slot, fill) : { pick: explored, why: explored.why };
    if (slotFill.pick !== null) {
      const { id, category } = slotFill.pick.product;
      fill.used.add(id);
      fill.perCategory.set(category, (fill.perCategory.get(category) ?? 0) + 1);
    }
    filled.push(slotFill);
  }
  return filled;
}

function fillSlot(slot: Slot, fill: Fill): FilledSlot {
  const { contact, model, generators } = fill;
  const steps = [{ source: slot.source, within: slot.within }, ...slot.fallbacks];
  const tried: string[] = [];
  const fallbackNote = (): string => (tried.length === 0 ? "" : ` (fallback after ${tried.join(", ")})`);
  // With rotationPenalty 0 a recently shown product waits here, taken only if no step has anything else.
  let reserve: { accepted: Accepted; step: number; note: string } | null = null;
  const policy = model.settings.rotationPenalty === 0 ? "reserve" : "demote";
  for (const [step, { source, within }] of steps.entries()) {
    const scoped = fill.scopes[within];
    if (scoped !== undefined) {
      const found = scan(generators[source](contact, model, scoped.scope), scoped.keys, policy, fill);
      if (reserve === null && found.reserve !== null) reserve = { accepted: found.reserve, step, note: fallbackNote() };
      const best = bestOf(found.window);
      if (best !== null) return picked({ product: best.product, source, step, why: best.candidate.why + fallbackNote() });
    }
    tried.push(stepLabel(source, within, contact));
  }
  if (reserve !== null) {
    const { accepted, step, note } = reserve;
    const source = steps[step]?.source ?? slot.source;
    return picked({ product: accepted.product, source, step, why: `${accepted.candidate.why}${note}; shown recently, nothing else passes` });
  }
  return { pick: null, why: `no product passes the rules in ${tried.join(", ")}` };
}

const picked = (pick: SlotPick): FilledSlot => ({ pick, why: pick.why });

/**
 * Under-exposed products in the contact's affinity categories, else in any category, under
 * the same rules, never one the contact was shown recently. `u` (uniform in [0, 1)) picks
 * among the first WINDOW acceptable ones, so the slot's single draw both decides to explore
 * and chooses what. The step is 0: exploration is the slot's own choice, not a fallback.
 */
function explore(u: number, fill: Fill): SlotPick | null {
  const { model } = fill;
  const affinity = fill.scopes.affinity_categories;
  let window: readonly Accepted[] = [];
  if (affinity !== undefined) {
    window = scan(scopedCandidates(model.underExposed, affinity.scope), affinity.keys, "skip", fill, false).window;
  }
  if (window.length === 0) window = scan(model.underExposed.all, null, "skip", fill, false).window;
  const chosen = window[Math.min(window.length - 1, Math.floor(u * window.length))];
  if (chosen === undefined) return null;
  const { why } = chosen.candidate;
  return { product: chosen.product, source: "exploration", step: 0, why: why.startsWith(EXPLORATION) ? why : `${EXPLORATION} ${why}` };
}

/**
 * The first WINDOW acceptable candidates in the source's order, and the first shown one held in
 * reserve. When `ranking`, the scan also stops once no later candidate could win: sources yield
 * best-first, and the re-rank can lift a score by at most 1 + marginBoost.
 */
function scan(candidates: Iterable<Candidate>, scopeKeys: readonly string[] | null, policy: ShownPolicy, fill: Fill, ranking = true): { window: Accepted[]; reserve: Accepted | null } {
  const { contact, model, rules } = fill;
  const { marginBoost, rotationPenalty, maxPerCategory } = model.settings;
  const window: Accepted[] = [];
  let reserve: Accepted | null = null;
  let order = -1;
  let bestValue = -1;
  for (const candidate of candidates) {
    order++;
    if (order === MAX_SCANNED) break;
    // Negative or missing scores rank as 0: the source's own order then decides among them.
    const score = Number.isFinite(candidate.score) ? Math.max(0, candidate.score) : 0;
    if (ranking && score * (1 + marginBoost) < bestValue) break;
    const product = model.catalog.get(candidate.productId);
    if (product === undefined || fill.used.has(product.id)) continue;
    if (scopeKeys !== null) {
      const key = rules.keyOf(product.category);
      if (!scopeKeys.some((scopeKey) => isUnder(key, scopeKey))) continue;
    }
    if ((fill.perCategory.get(product.category) ?? 0) >= maxPerCategory) continue;
    // A source may propose a product twice; the window keeps its first, best-ranked, occurrence.
    if (window.some((a) => a.product.id === product.id)) continue;
    if (breaksRule(product, contact, rules)) continue;
    const shown = fill.rotating && contact.shown.has(product.id);
    if (shown && policy !== "demote") {
      if (policy === "reserve") reserve ??= { product, candidate, order, shown, value: 0 };
      continue;
    }
    const value = score * (1 + marginBoost * marginShareOf(product)) * (shown ? rotationPenalty : 1);
    window.push({ product, candidate, order, shown, value });
    bestValue = Math.max(bestValue, value);
    if (window.length === WINDOW) break;
  }
  return { window, reserve };
}

/** Highest value; on a tie an unshown product beats a shown one, then the source's order decides. */
function bestOf(window: readonly Accepted[]): Accepted | null {
  let best: Accepted | null = null;
  for (const a of window) {
    if (best === null || a.value > best.value || (a.value === best.value && best.shown && !a.shown)) best = a;
  }
  return best;
}

/** (price - cost) / price in [0, 1]; 0 without a cost or a price: a loss-maker gets no boost, not a negative score. */
function marginShareOf(product: Product): number {
  const { price, cost } = product;
  if (cost === undefined || price === null || price <= 0) return 0;
  return Math.min(1, Math.max(0, (price - cost) / price));
}

function stepLabel(source: string, within: RecScope, contact: RecContact): string {
  if (within === "any") return source;
  if (within === "top_category") return contact.topCategory === null ? `${source} in top category (none known)` : `${source} in ${contact.topCategory}`;
  return contact.affinityCategories.length === 0 ? `${source} in affinity categories (none known)` : `${source} in affinity categories`;
}
