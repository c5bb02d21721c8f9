import type { Generator } from "./candidate.js";
import { daysAgoText } from "./days-ago-text.js";
import { notBoughtSince } from "./not-bought-since.js";

/** "abandoned_cart": products the contact added to their cart in the last recentViewDays and has not bought since, latest first. */
export const abandonedCartSource: Generator = (contact, model, scope) =>
  notBoughtSince(contact.cartedAt, contact, model, scope, (days) => `left in your cart ${daysAgoText(days)}`);
