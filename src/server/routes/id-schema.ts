import { z } from "zod";

/** An installation, contact or product id taken from a URL; the bound keeps junk out of store lookups. */
export const IdSchema = z.string().trim().min(1).max(256);
