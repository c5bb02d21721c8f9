import type { z } from "zod";

/** Bad input is a value with a reason, not an exception. */
export type Checked<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string; readonly raw: unknown };

/** A line or row a connector could not read at all; it carries why, and check() quarantines it with that reason. */
export type Malformed = { readonly _malformed: string; readonly line: number; readonly text: string };

export const isMalformed = (raw: unknown): raw is Malformed =>
  typeof raw === "object" && raw !== null && typeof (raw as { _malformed?: unknown })._malformed === "string";

export function check<S extends z.ZodType>(schema: S, raw: unknown): Checked<z.infer<S>> {
  if (isMalformed(raw)) return { ok: false, reason: `unreadable: ${raw._malformed}`, raw };
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  const reason = result.error.issues.map((i) => `${i.path.join(".") || "record"}: ${i.message}`).join("; ");
  return { ok: false, reason, raw };
}
