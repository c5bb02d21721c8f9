/** Every kind of dirt the demo plants on purpose, so ingest has something real to clean. */
export const DIRTY_CASES = [
  /** Products whose category is spelled "sneaker", "Shoes / Sneakers", ... instead of "Shoes/Sneakers". */
  "categoryVariants",
  /** Extra product rows whose price is not a number ("N/A", "12,99"). */
  "nonNumericPrices",
  /** Contact rows whose email is mixed-case or space-padded. */
  "messyEmails",
  /** Second contact rows for the same person: another id, the same email in other casing. */
  "duplicateContacts",
  /** Extra contact rows whose email is not an address. */
  "invalidEmails",
  /** placed_order events written twice with the same orderId, seconds apart. */
  "sameOrderIdDuplicates",
  /** placed_order events written twice with a new orderId but the same contact, items and value, within 2 minutes. */
  "sameContentsDuplicates",
  /** events.ndjson lines that are not JSON. */
  "nonJsonLines",
  /** Events whose type does not exist. */
  "unknownEventTypes",
  /** placed_order events with no items. */
  "ordersWithoutItems",
  /** Events for a contact id that is in no contact row. */
  "unknownContactEvents",
] as const;
export type DirtyCase = (typeof DIRTY_CASES)[number];

/** How many of each dirty case were planted; counted while writing. */
export type DirtyTally = Record<DirtyCase, number>;

export const emptyTally = (): DirtyTally =>
  Object.fromEntries(DIRTY_CASES.map((c) => [c, 0])) as DirtyTally;
