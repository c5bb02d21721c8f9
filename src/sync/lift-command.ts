import type { Store } from "../domain/index.js";
import { assignContact, saltOf } from "../engine/experiments/assign.js";
import { formatLiftText } from "../engine/experiments/format-lift.js";
import { addAssignments, addLiftEvents, createLiftBook, createLiftTally, liftReportOf } from "../engine/experiments/lift.js";
import type { LiftReport } from "../engine/experiments/lift.js";

const DAY_MS = 86_400_000;

/** The window `tailor report lift` and the lift endpoint read: `days` days ending at `to` (exclusive). */
export type LiftWindowOptions = { readonly days: number; readonly to: Date };

/**
 * Treated vs holdout over the window, from the stored events and contacts. Events and contacts
 * stream in the store's chunks: only per-contact outcomes in the window are held, never the event
 * log. Groups come from today's settings and salt, the same hash the sync writes tailor_variant from.
 */
export async function buildLiftReport(store: Store, installationId: string, options: LiftWindowOptions): Promise<LiftReport> {
  if ((await store.getInstallation(installationId)) === null) throw new Error(`unknown installation ${JSON.stringify(installationId)}`);
  if (!(options.days > 0)) throw new RangeError(`days must be positive, got ${options.days}`);
  const settings = await store.getSettings(installationId);
  const salt = saltOf(settings.experiments, installationId);
  const book = createLiftBook({ from: new Date(options.to.getTime() - options.days * DAY_MS), to: options.to });
  for await (const chunk of store.readEvents(installationId)) addLiftEvents(book, chunk);
  const tally = createLiftTally(book);
  for await (const chunk of store.readContacts(installationId)) {
    addAssignments(tally, chunk.map((contact) => ({ contactId: contact.id, assignment: assignContact(contact.id, salt, settings.experiments) })));
  }
  return liftReportOf(tally);
}

/** `tailor report lift`: the lift report as readable tables, or as the JSON the panel reads. */
export async function liftCommand(store: Store, installationId: string, options: LiftWindowOptions & { readonly format: "text" | "json" }): Promise<string> {
  const report = await buildLiftReport(store, installationId, options);
  return options.format === "json" ? JSON.stringify(report, null, 2) : formatLiftText(report);
}
