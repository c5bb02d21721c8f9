import { z } from "zod";
import { TimestampSchema } from "./timestamp.js";

/** A catalog item. `category` arrives raw ("sneaker", "Sneakers/Men"); ingest rewrites it to the canonical path. */
export const ProductSchema = z.object({
  id: z.string().trim().min(1),
  title: z.string().trim().min(1),
  url: z.string().default(""),
  imageUrl: z.string().default(""),
  category: z.string().trim().default(""),
  brand: z.string().default(""),
  /** null when the source has no price: such a product is only recommended by sources that need no price, and reported. */
  price: z.number().nonnegative().nullable().default(null),
  /** Unit cost, when the store knows it; margin is derived from it. */
  cost: z.number().nonnegative().optional(),
  /** null when the store does not track stock. */
  inventory: z.number().int().nullable().default(null),
  active: z.boolean().default(true),
  /** Days after which a buyer typically needs it again (consumables); absent for durable goods. */
  replenishDays: z.number().int().positive().optional(),
  createdAt: TimestampSchema.optional(),
});
export type Product = z.infer<typeof ProductSchema>;
