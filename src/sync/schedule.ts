import cron from "node-cron";

export type ScheduledSync = { stop: () => Promise<void> };

/**
 * Runs `sync` every `intervalMinutes` (from Settings.sync). node-cron's noOverlap skips a
 * tick while the previous run is still going, so two syncs never run for one installation.
 */
export function scheduleSync(intervalMinutes: number, sync: () => Promise<unknown>, onError: (error: unknown) => void): ScheduledSync {
  const task = cron.schedule(cronFor(intervalMinutes), async () => {
    try {
      await sync();
    } catch (error) {
      onError(error);
    }
  }, { noOverlap: true, name: "tailor-sync" });
  return { stop: async () => { await task.stop(); } };
}

/**
 * A cron expression for "every N minutes". Cron counts within the hour, so below 60 a run
 * starts at minutes divisible by N (45 -> :00 and :45); an hour or more runs on the hour.
 */
export function cronFor(intervalMinutes: number): string {
  if (intervalMinutes < 60) return `*/${intervalMinutes} * * * *`;
  const hours = Math.max(1, Math.round(intervalMinutes / 60));
  return hours >= 24 ? "0 0 * * *" : `0 */${hours} * * *`;
}
