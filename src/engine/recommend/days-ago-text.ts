import { plural } from "../plural.js";

/** "today", "1 day ago", "6 days ago": ages in reasons a marketer reads. */
export const daysAgoText = (days: number): string => (days <= 0 ? "today" : `${plural(days, "day")} ago`);
