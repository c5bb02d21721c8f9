import type { Contact, Store } from "../domain/index.js";

type Match = { readonly contact: Contact; readonly exact: boolean };

// Exact matches first, then by email (any case) and id in code-unit order, so the store's order never changes the list.
const byRank = (a: Match, b: Match): number =>
  Number(b.exact) - Number(a.exact) || compare(a.contact.email?.toLowerCase() ?? "", b.contact.email?.toLowerCase() ?? "") || compare(a.contact.id, b.contact.id);
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The panel's contact search: contacts whose id is the query, or whose email contains it
 * (trimmed, case-insensitive); exact id or email matches first, at most `limit`. It scans the
 * stored contacts chunk by chunk and keeps only the best `limit`, so memory stays small; a
 * database store (issue 10) will answer this with an index instead of a scan.
 */
export async function findContacts(store: Store, installationId: string, query: string, limit: number): Promise<Contact[]> {
  const id = query.trim();
  const needle = id.toLowerCase();
  if (needle === "" || limit <= 0) return [];
  let best: Match[] = [];
  for await (const chunk of store.readContacts(installationId)) {
    for (const contact of chunk) {
      const email = contact.email?.toLowerCase();
      const exact = contact.id === id || email === needle;
      if (exact || email?.includes(needle) === true) best.push({ contact, exact });
    }
    // Trim now and then rather than per match: a broad query ("@") would otherwise sort on every hit.
    if (best.length > limit * 4) best = best.sort(byRank).slice(0, limit);
  }
  return best.sort(byRank).slice(0, limit).map((m) => m.contact);
}

/** The stored contacts with these ids (our ids, not ESP ids), by id; one scan whatever the number of ids. */
export async function findContactsById(store: Store, installationId: string, ids: readonly string[]): Promise<Map<string, Contact>> {
  const wanted = new Set(ids);
  const found = new Map<string, Contact>();
  if (wanted.size === 0) return found;
  for await (const chunk of store.readContacts(installationId)) {
    for (const contact of chunk) if (wanted.has(contact.id)) found.set(contact.id, contact);
    if (found.size === wanted.size) break;
  }
  return found;
}
