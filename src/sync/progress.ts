import cliProgress from "cli-progress";
import type { SyncProgress } from "./run-sync.js";

/**
 * Draws a run's progress on a terminal: one bar per phase and stream, redrawn in place.
 * The CLI uses it only on a TTY; in CI logs and pipes the end-of-run summary stands alone.
 */
export function createTerminalProgress(stream: NodeJS.WriteStream = process.stderr): { update: (p: SyncProgress) => void; stop: () => void } {
  const bars = new cliProgress.MultiBar({
    stream,
    format: " {phase} {label} |{bar}| {value}{ofTotal}",
    hideCursor: true,
    clearOnComplete: false,
    barsize: 30,
    // Redraws are throttled so a fast pull does not spend its time painting.
    fps: 10,
  }, cliProgress.Presets.shades_classic);
  const open = new Map<string, cliProgress.SingleBar>();
  return {
    update(p) {
      const key = `${p.phase}:${p.label}`;
      const total = p.total ?? Math.max(p.done, 1);
      const payload = { phase: p.phase.padEnd(5), label: p.label.padEnd(8), ofTotal: p.total === null ? "" : ` / ${p.total}` };
      const bar = open.get(key);
      if (bar === undefined) open.set(key, bars.create(total, p.done, payload));
      else {
        bar.setTotal(total);
        bar.update(p.done, payload);
      }
    },
    stop() {
      bars.stop();
    },
  };
}
