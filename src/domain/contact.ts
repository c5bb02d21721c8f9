import { z } from "zod";
import { TimestampSchema } from "./timestamp.js";

export const EspSchema = z.enum(["hubspot", "klaviyo", "files"]);
export type Esp = z.infer<typeof EspSchema>;

/** Most restrictive first: when identities merge, the earlier state wins. */
export const CONSENT_STATES = ["complained", "bounced", "unsubscribed", "subscribed"] as const;
export const ConsentSchema = z.enum(CONSENT_STATES);
export type Consent = z.infer<typeof ConsentSchema>;

/** A person in the store. `id` is the connector's key for them; ingest merges duplicates by email. */
export const ContactSchema = z.object({
  id: z.string().trim().min(1),
  espIds: z.partialRecord(EspSchema, z.string().min(1)).default({}),
  /** Absent for phone-only profiles and stores that export customer numbers only. */
  email: z.string().trim().min(3).max(254).optional(),
  createdAt: TimestampSchema,
  /** IANA zone as the ESP gave it; absent or unknown zones use Settings sendTime.timezone (the engine says so). */
  timezone: z.string().trim().min(1).optional(),
  consent: ConsentSchema.default("subscribed"),
  firstName: z.string().optional(),
  country: z.string().optional(),
  /** Preference centre and quiz answers, as the contact stated them. */
  preferences: z.record(z.string(), z.union([z.string(), z.array(z.string())])).default({}),
});
export type Contact = z.infer<typeof ContactSchema>;
