import type { RunSummary } from "../domain/index.js";

/** Run history kept per installation; older runs are dropped when a new one is saved. */
export const RUNS_KEPT = 200;

/**
 * All runs after saving `run`: it replaces any run with its runId, each installation's runs
 * stay newest first by start time (ties: the one saved last first), and only the newest
 * RUNS_KEPT per installation remain.
 */
export function keepNewestRuns(runs: readonly RunSummary[], run: RunSummary): RunSummary[] {
  const others = runs.filter((r) => r.runId !== run.runId);
  const mine = [run, ...others.filter((r) => r.installationId === run.installationId)]
    .sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt))
    .slice(0, RUNS_KEPT);
  return [...others.filter((r) => r.installationId !== run.installationId), ...mine];
}
