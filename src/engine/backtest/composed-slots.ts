import type { Contact } from "../../domain/index.js";
import { featuresOf } from "../feature-book.js";
import { buildRecModel } from "../recommend/build-rec-model.js";
import type { RecModel } from "../recommend/candidate.js";
import { fillSlots } from "../recommend/fill-slots.js";
import { GENERATORS } from "../recommend/generators.js";
import { recContactOf } from "../recommend/rec-contact.js";
import { compileRules, type CompiledRules } from "../recommend/rules.js";
import { createKeyedRng } from "../rng.js";
import type { RecommendBacktestData, SlotsMethod } from "./recommend-backtest.js";

/**
 * The "tailor_slots" method: the composed slots exactly as a sync at the cutoff writes them
 * (the same model, rules, slot strategy, diversity and exploration), empty slots left out.
 */
export function composedSlots(seed: number): SlotsMethod {
  let built: { data: RecommendBacktestData; model: RecModel; rules: CompiledRules; categories: Set<string> } | null = null;
  return (customerId, { data }) => {
    if (built?.data !== data) {
      const settings = data.settings.recommendations;
      built = {
        data,
        model: buildRecModel(data.book, data.products, settings, data.now),
        rules: compileRules(settings, data.now),
        categories: new Set(data.products.map((p) => p.category).filter((c) => c !== "")),
      };
    }
    const { model, rules, categories } = built;
    // An orders file knows customers only by id: everything else takes the contact defaults.
    const contact: Contact = { id: customerId, espIds: {}, createdAt: new Date(0), consent: "subscribed", preferences: {} };
    const features = featuresOf(data.book, customerId, data.now);
    const rec = recContactOf(contact, features, { settings: data.settings.recommendations, now: data.now, categories });
    return fillSlots(rec, model, GENERATORS, rules, createKeyedRng(seed, customerId)).flatMap((slot) =>
      slot.pick === null ? [] : [{ productId: slot.pick.product.id, source: slot.pick.source, reason: slot.pick.why }]);
  };
}
