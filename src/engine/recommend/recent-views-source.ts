import type { Generator } from "./candidate.js";
import { daysAgoText } from "./days-ago-text.js";
import { notBoughtSince } from "./not-bought-since.js";

/** "recent_views": products the contact viewed in the last recentViewDays and has not bought since, latest first. */
export const recentViewsSource: Generator = (contact, model, scope) =>
  notBoughtSince(contact.viewedAt, contact, model, scope, (days) => `you viewed it ${daysAgoText(days)}`);
