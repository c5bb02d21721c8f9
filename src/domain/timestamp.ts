import { z } from "zod";

/**
 * An instant from any source: a Date, an ISO string or epoch milliseconds.
 * Not z.coerce.date(): that turns null and "" into 1970 instead of rejecting them.
 */
export const TimestampSchema = z
  .union([z.date(), z.string().trim().min(1), z.number()])
  .pipe(z.coerce.date())
  .refine((d) => !Number.isNaN(d.getTime()), "not a valid date");
