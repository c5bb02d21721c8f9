import { decided } from "../domain/index.js";
import type { Decided, Lifecycle, LifecycleThresholds } from "../domain/index.js";
import type { ContactFeatures } from "./feature-book.js";
import { plural } from "./plural.js";
import { daysSince } from "./utc-day.js";

/** The contact's lifecycle stage from order count and recency, against the admin's thresholds. */
export function lifecycleOf(
  f: Pick<ContactFeatures, "orders" | "lastOrderAt">,
  t: LifecycleThresholds,
  now: Date,
): Decided<Lifecycle> {
  if (f.orders === 0 || f.lastOrderAt === null) return decided("new_lead", "has not ordered yet");
  const days = daysSince(f.lastOrderAt, now);
  if (f.orders === 1 && days <= t.newCustomerDays) return decided("new_customer", `first order ${plural(days, "day")} ago`);
  if (days <= t.activeDays) return decided("active_customer", `last order ${plural(days, "day")} ago`);
  if (days <= t.lapsingDays) return decided("lapsing", `no order for ${days} days (active window is ${t.activeDays})`);
  return decided("churned", `no order for ${days} days (lapsing window is ${t.lapsingDays})`);
}
