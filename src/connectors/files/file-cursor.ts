/** How far one file has been consumed: a byte offset (of the decompressed text for .gz) and the lines before it. */
export type FileState = {
  readonly offset: number;
  readonly line: number;
  /** Compressed size when last read; only .gz files, whose offset cannot be checked against the file. */
  readonly size?: number;
};

/** The files connector's cursor: per file name how far it was read, plus contacts already emitted from invoices. */
export type FileCursor = {
  readonly files: Readonly<Record<string, FileState>>;
  readonly seenCustomers: readonly string[];
};

export const EMPTY_CURSOR: FileCursor = { files: {}, seenCustomers: [] };

/** Reads a stored cursor; a cursor this connector cannot read starts the pull over, and says why. */
export function parseFileCursor(text: string | null): { cursor: FileCursor; warning?: string } {
  if (text === null) return { cursor: EMPTY_CURSOR };
  try {
    const raw: unknown = JSON.parse(text);
    if (isRecord(raw) && isRecord(raw.files)) {
      const files: Record<string, FileState> = {};
      for (const [name, state] of Object.entries(raw.files)) {
        if (!isFileState(state)) return unreadable();
        files[name] = state;
      }
      const seen = Array.isArray(raw.seenCustomers) ? raw.seenCustomers.filter((s) => typeof s === "string") : [];
      return { cursor: { files, seenCustomers: seen } };
    }
  } catch {
    // Fall through: a corrupt cursor is reported like any other unreadable one.
  }
  return unreadable();
}

/** The cursor as the opaque string stored between pages and runs. */
export function stringifyFileCursor(cursor: FileCursor): string {
  return JSON.stringify(cursor);
}

function unreadable(): { cursor: FileCursor; warning: string } {
  return { cursor: EMPTY_CURSOR, warning: "files: stored cursor is not one this connector wrote; reading every file from the start" };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isFileState(value: unknown): value is FileState {
  if (!isRecord(value)) return false;
  const { offset, line, size } = value;
  return isCount(offset) && isCount(line) && (size === undefined || isCount(size));
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}
