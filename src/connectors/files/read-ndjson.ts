import type { FileState } from "./file-cursor.js";
import { malformed } from "./malformed.js";
import { readBytes } from "./read-bytes.js";

/** One NDJSON line as a record (the parsed value, or a malformed marker) and the resume point after it. */
export type NdjsonItem = {
  readonly record: unknown;
  readonly end: FileState;
  readonly warning?: string;
};

const NEWLINE = 0x0a;

/** Lines after `from`; a bad line becomes a malformed record, never an exception. */
export async function* readNdjson(path: string, name: string, from: FileState): AsyncGenerator<NdjsonItem> {
  let pending: Buffer = Buffer.alloc(0);
  let offset = from.offset;
  let line = from.line;
  for await (const chunk of readBytes(path, from.offset)) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let start = 0;
    for (let nl = pending.indexOf(NEWLINE); nl !== -1; nl = pending.indexOf(NEWLINE, start)) {
      const text = pending.toString("utf8", start, nl).replace(/\r$/, "");
      offset += nl + 1 - start;
      line += 1;
      start = nl + 1;
      if (text.trim() !== "") yield { record: parseLine(text, line), end: { offset, line } };
    }
    pending = pending.subarray(start);
  }
  const last = pending.toString("utf8");
  if (last.trim() === "") return;
  // A last line with no newline may still be being written: take it only once it is whole JSON.
  const record = parseLine(last, line + 1);
  if (isMalformed(record)) {
    yield { record: null, end: { offset, line }, warning: `${name}: line ${line + 1} has no newline and is not valid JSON yet; left for the next run` };
    return;
  }
  yield { record, end: { offset: offset + pending.length, line: line + 1 } };
}

function parseLine(text: string, line: number): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    return malformed(`invalid JSON: ${error instanceof Error ? error.message : String(error)}`, line, text);
  }
}

function isMalformed(value: unknown): boolean {
  return typeof value === "object" && value !== null && "_malformed" in value;
}
