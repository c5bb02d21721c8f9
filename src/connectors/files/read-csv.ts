import { Readable, pipeline } from "node:stream";
import { parse, type Options } from "csv-parse";
import type { FileState } from "./file-cursor.js";
import { readBytes } from "./read-bytes.js";
import { malformed, type Malformed } from "./malformed.js";

/** One CSV record keyed by the header, or the rows before it that could not be parsed. */
export type CsvItem = {
  readonly row: Readonly<Record<string, string>> | null;
  /** The row as it stands in the file, for quarantine. */
  readonly text: string;
  readonly malformed: readonly Malformed[];
  /** Where to resume after this item. */
  readonly end: FileState;
};

/** The header row and where the data starts; null for an empty file. */
export async function readCsvHeader(path: string): Promise<{ columns: string[]; end: FileState } | null> {
  for await (const parsed of parseFrom(path, { offset: 0, line: 0 })) {
    if (parsed.fields === null) return null;
    return { columns: parsed.fields.map((c) => c.trim()), end: parsed.end };
  }
  return null;
}

/** Data rows after `from` (never before the header), each with the resume point after it; bad rows come back as data. */
export async function* readCsv(path: string, columns: readonly string[], from: FileState): AsyncGenerator<CsvItem> {
  for await (const parsed of parseFrom(path, from)) {
    const bad = [...parsed.skipped];
    let row: Record<string, string> | null = null;
    if (parsed.fields !== null) {
      if (parsed.fields.length === columns.length) {
        row = Object.fromEntries(columns.map((c, i) => [c, parsed.fields?.[i] ?? ""]));
      } else {
        bad.push(malformed(`expected ${columns.length} columns, got ${parsed.fields.length}`, parsed.line, parsed.raw));
      }
    }
    yield { row, text: parsed.raw, malformed: bad, end: parsed.end };
  }
}

type Parsed = {
  /** null for the last item when only skipped rows were left after the final record. */
  readonly fields: string[] | null;
  readonly raw: string;
  readonly line: number;
  readonly skipped: readonly Malformed[];
  readonly end: FileState;
};

async function* parseFrom(path: string, from: FileState): AsyncGenerator<Parsed> {
  let skipped: Malformed[] = [];
  const options: Options<Parsed, { record: string[]; raw: string }> = {
    bom: from.offset === 0,
    raw: true,
    // Fixed, not detected: a resumed read may start on a line whose ending would mislead detection.
    record_delimiter: ["\r\n", "\n"],
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (error, raw) => {
      skipped.push(malformed(error?.message ?? "unreadable CSV row", from.line + parser.info.lines, raw ?? ""));
      return undefined;
    },
    // on_record runs in parse order, so rows skipped before this record travel with it.
    on_record: (record: { record: string[]; raw: string }, context) => {
      const item: Parsed = {
        fields: record.record,
        raw: record.raw.replace(/[\r\n]+$/, ""),
        line: from.line + context.lines,
        skipped,
        end: { offset: from.offset + context.bytes, line: from.line + context.lines },
      };
      skipped = [];
      return item;
    },
  };
  // csv-parse types on_record for its default string[] rows only; with `raw` it gets { record, raw }.
  const parser = parse(options as unknown as Options);
  pipeline(Readable.from(readBytes(path, from.offset)), parser, () => {
    // Errors reach the loop below through the destroyed parser; an early break is not an error.
  });
  for await (const item of parser as AsyncIterable<Parsed>) yield item;
  if (skipped.length > 0) {
    yield { fields: null, raw: "", line: 0, skipped, end: { offset: from.offset + parser.info.bytes, line: from.line + parser.info.lines } };
  }
}
