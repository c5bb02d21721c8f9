import type { z } from "zod";

/** Bad input is a value with a reason, not an exception. */
export type Checked<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string; readonly raw: unknown };

export function check<S extends z.ZodType>(schema: S, raw: unknown): Checked<z.infer<S>> {
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  const reason = result.error.issues.map((i) => `${i.path.join(".") || "record"}: ${i.message}`).join("; ");
  return { ok: false, reason, raw };
}
