import type { Contact, Event, Product } from "../domain/index.js";

// JSON turns Dates into ISO strings; these turn them back. Everything in a log was
// validated against the domain schemas before it was written, so only dates need work.

/** A stored event with `at` as a Date again. */
export function reviveEvent(raw: unknown): Event {
  const event = raw as Event & { at: string | Date };
  event.at = new Date(event.at);
  return event;
}

/** A stored contact with `createdAt` as a Date again. */
export function reviveContact(raw: unknown): Contact {
  const contact = raw as Contact & { createdAt: string | Date };
  contact.createdAt = new Date(contact.createdAt);
  return contact;
}

/** A stored product with its optional `createdAt` as a Date again. */
export function reviveProduct(raw: unknown): Product {
  const product = raw as Product & { createdAt?: string | Date };
  if (product.createdAt !== undefined) product.createdAt = new Date(product.createdAt);
  return product;
}
