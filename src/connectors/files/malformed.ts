import type { Malformed } from "../../domain/index.js";

export type { Malformed };

/** Longest text kept from a bad line, so one corrupt megabyte does not bloat the quarantine. */
const MAX_TEXT = 2_000;

export const malformed = (reason: string, line: number, text: string): Malformed =>
  ({ _malformed: reason, line, text: text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text });
