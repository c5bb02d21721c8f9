import type { GuardrailReport, RecommendationReport, RunSummary } from "../domain/index.js";

const n = (value: number): string => value.toLocaleString("en-US");

/** The end-of-run summary, as printed on the terminal. */
export function formatSummary(s: RunSummary): string {
  const i = s.ingest;
  const received = i.received.contacts + i.received.products + i.received.events;
  const seconds = s.durationMs / 1000;
  const perSecond = seconds > 0 ? Math.round(received / seconds) : received;
  const lines = [
    `Tailor sync ${s.runId} ${s.status}${s.dryRun ? " (dry run: nothing written)" : ""} in ${seconds.toFixed(1)} s`,
    `  records in      ${n(received)} (contacts ${n(i.received.contacts)}, products ${n(i.received.products)}, events ${n(i.received.events)}; ${n(perSecond)}/s)`,
    `  quarantined     ${n(s.quarantined)}${formatCounts(i.quarantinedByReason)}`,
    `  merged          ${n(i.identitiesMerged)} identities, ${n(i.ordersDeduped.sameOrderId + i.ordersDeduped.sameContents)} duplicate orders (same id ${n(i.ordersDeduped.sameOrderId)}, same contents ${n(i.ordersDeduped.sameContents)}), ${n(Object.keys(i.categoriesMerged).length)} category names`,
    `  contacts scored ${n(s.contactsScored)}`,
    `  changed         ${n(s.contactsChanged)} contacts, ${n(s.propertiesChanged)} property values`,
    `  written         ${n(s.written)} contacts in ${n(s.writeCalls)} calls${s.writeFailures > 0 ? `, ${n(s.writeFailures)} refused` : ""}`,
  ];
  if (s.model !== undefined) lines.push(`  predictions     ${s.model.confidence} confidence: ${s.model.why}`);
  if (s.machineOpenShare !== undefined && s.machineOpenShare !== null) lines.push(`  machine opens   ${(s.machineOpenShare * 100).toFixed(1)} % of opens (Apple MPP pre-fetch), not counted as engagement`);
  if (s.recommendations !== undefined) lines.push(...formatRecommendations(s.recommendations));
  if (s.guardrails !== undefined) lines.push(...formatGuardrails(s.guardrails));
  for (const w of s.warnings) lines.push(`  warning         ${w}`);
  if (s.error !== undefined) lines.push(`  error           ${s.error}`);
  return lines.join("\n");
}

function formatCounts(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return "";
  return "\n" + entries.map(([reason, count]) => `                    ${n(count).padStart(7)}  ${reason}`).join("\n");
}

const pct = (share: number | null): string => (share === null ? "n/a" : `${(share * 100).toFixed(1)} %`);

/** Slot health: how much of the catalog is shown, how varied, how often a fallback filled in, and leaks (which must be 0). */
function formatRecommendations(r: RecommendationReport): string[] {
  const leaks = Object.values(r.leaks).reduce((a, b) => a + b, 0);
  const sources = Object.entries(r.bySource).sort((a, b) => b[1] - a[1]).map(([source, count]) => `${source} ${n(count)}`).join(", ");
  return [
    `  slots           ${n(r.slotsFilled)} filled, ${n(r.slotsEmpty)} empty; coverage ${pct(r.coverage)} of ${n(r.productsEligible)} eligible products, diversity ${pct(r.diversity)}, fallback ${pct(r.fallbackShare)}, exploration ${pct(r.explorationShare)}`,
    `  slot sources    ${sources === "" ? "none" : sources}`,
    `  slot leaks      ${leaks === 0 ? "0 (every slot re-checked against the rules)" : `${n(leaks)}: ${Object.entries(r.leaks).filter(([, c]) => c > 0).map(([k, c]) => `${k} ${n(c)}`).join(", ")}`}`,
  ];
}

/** Who is suppressed and why, who is flagged for which flow, where send hours came from, and the experiment arms. */
function formatGuardrails(g: GuardrailReport): string[] {
  const by = Object.entries(g.suppressedBy).sort((a, b) => b[1] - a[1]).map(([kind, count]) => `${kind} ${n(count)}`).join(", ");
  const flows = Object.entries(g.flows).map(([flow, count]) => `${flow} ${n(count)}`).join(", ");
  const arms = Object.entries(g.arms).map(([feature, a]) => `${feature} ${n(a.treated)}/${n(a.holdout)}/${n(a.off)}`).join(", ");
  return [
    `  suppressed      ${n(g.suppressed)} of ${n(g.contacts)} contacts${by === "" ? "" : ` (${by})`}; ${n(g.fatigued)} fatigued`,
    `  flows           ${flows}${g.abandonmentHeldBack > 0 ? `; ${n(g.abandonmentHeldBack)} abandonment flows held back by the gap` : ""}`,
    `  send hour       ${n(g.sendTime.ownHour)} contacts on their own hour, the rest on the store's (${g.sendTime.populationHour}); ${g.sendTime.why}`,
    `  experiments     global holdout ${n(g.holdout)}; treated/holdout/off: ${arms}`,
    `  guard log       ${n(g.logEntries)} changes recorded`,
  ];
}
