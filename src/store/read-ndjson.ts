import { createReadStream } from "node:fs";

/** Records per chunk: big enough to amortise the await, small enough to keep memory flat. */
export const NDJSON_CHUNK = 10_000;
// 1 MiB reads: the default 64 KiB makes 2M-event logs spend their time in stream callbacks.
const READ_BYTES = 1 << 20;

/**
 * Streams the first `end` bytes of an NDJSON file as chunks of revived records.
 * Lines are trusted (they were validated before they were written), so they are
 * JSON-parsed and revived by hand, not schema-checked.
 */
export async function* readNdjson<T>(
  path: string,
  end: number,
  revive: (raw: unknown) => T,
  chunkSize: number = NDJSON_CHUNK,
): AsyncIterable<T[]> {
  if (end <= 0) return;
  const stream = createReadStream(path, { start: 0, end: end - 1, highWaterMark: READ_BYTES, encoding: "utf8" });
  let rest = "";
  let chunk: T[] = [];
  for await (const text of stream as AsyncIterable<string>) {
    const lines = (rest + text).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) {
      if (line.length === 0) continue;
      chunk.push(revive(JSON.parse(line)));
      if (chunk.length >= chunkSize) {
        yield chunk;
        chunk = [];
      }
    }
  }
  if (rest.length > 0) chunk.push(revive(JSON.parse(rest)));
  if (chunk.length > 0) yield chunk;
}

/** One JSON document per line, each line ending in a newline. */
export function toNdjson(records: readonly unknown[]): string {
  let text = "";
  for (const record of records) text += JSON.stringify(record) + "\n";
  return text;
}
