/** A zone's offset from UTC at an instant, in milliseconds (local = utc + offset). */
export type UtcOffset = (zone: string, atMs: number) => number;

const HOUR_MS = 3_600_000;

/**
 * Offsets from Intl, so summer time is honoured, memoised per zone and UTC hour (zones only
 * change offset on an hour boundary): millions of events cost a few thousand Intl calls.
 */
export function createUtcOffset(): UtcOffset {
  const zones = new Map<string, { readonly format: Intl.DateTimeFormat; readonly byHour: Map<number, number> }>();
  return (zone, atMs) => {
    let entry = zones.get(zone);
    if (entry === undefined) {
      const format = new Intl.DateTimeFormat("en-US", {
        timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric",
      });
      entry = { format, byHour: new Map() };
      zones.set(zone, entry);
    }
    const hour = Math.floor(atMs / HOUR_MS);
    const cached = entry.byHour.get(hour);
    if (cached !== undefined) return cached;
    const offset = offsetAt(entry.format, hour * HOUR_MS);
    entry.byHour.set(hour, offset);
    return offset;
  };
}

function offsetAt(format: Intl.DateTimeFormat, utcMs: number): number {
  const part: Record<string, number> = {};
  for (const p of format.formatToParts(utcMs)) if (p.type !== "literal") part[p.type] = Number(p.value);
  const local = Date.UTC(part.year ?? 1970, (part.month ?? 1) - 1, part.day ?? 1, part.hour ?? 0, part.minute ?? 0);
  return local - utcMs;
}
