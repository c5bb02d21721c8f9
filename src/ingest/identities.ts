import { z } from "zod";
import { CONSENT_STATES, ConsentSchema, EspSchema } from "../domain/index.js";
import type { Consent, Contact } from "../domain/index.js";
import { chunksSchema, createChunkedRows } from "./chunked-rows.js";
import type { Chunks } from "./chunked-rows.js";

const IdentityRowSchema = z.tuple([
  z.string(), // kept id
  z.string(), // normalised email, "" when none
  ConsentSchema,
  z.number(), // earliest createdAt, epoch ms
  z.partialRecord(EspSchema, z.string()),
  z.boolean(), // true once another id was folded in
]);
type IdentityRow = z.infer<typeof IdentityRowSchema>;

/** What identity merge remembers: one row per person, and each folded id with the id it was folded into. */
export const IdentitiesStateSchema = z.object({
  people: chunksSchema(IdentityRowSchema),
  aliases: chunksSchema(z.tuple([z.string(), z.string()])),
});
export type IdentitiesState = {
  readonly people: Chunks<IdentityRow>;
  readonly aliases: Chunks<readonly [string, string]>;
};

/** The contact to emit, and whether it was folded into another id. */
export type Absorbed = { readonly contact: Contact; readonly merged: boolean };

/** People keyed by the first id seen for them, merged by normalised email across pages and runs. */
export type Identities = {
  /** Takes in a validated contact whose email is already normalised. */
  absorb(contact: Contact): Absorbed;
  /** The kept id for a contact id, or undefined when no such contact was ever seen. */
  keptIdOf(contactId: string): string | undefined;
  /**
   * Forgets people (a privacy erasure): every person kept under one of `ids`, holding one of them
   * as an ESP id, or with one of `emails` (normalised), and every alias from or to them.
   * Returns the kept ids of the people forgotten and how many aliases went.
   */
  forget(ids: ReadonlySet<string>, emails: ReadonlySet<string>): { readonly keptIds: readonly string[]; readonly aliases: number };
  state(): IdentitiesState;
};

const restrictiveness = (consent: Consent): number => CONSENT_STATES.indexOf(consent);
const moreRestrictive = (a: Consent, b: Consent): Consent => (restrictiveness(a) <= restrictiveness(b) ? a : b);

/** Builds the identity index from a previous state. */
export function createIdentities(from: IdentitiesState): Identities {
  const people = createChunkedRows<IdentityRow>(from.people);
  const aliases = createChunkedRows<readonly [string, string]>(from.aliases);
  const slotById = new Map<string, number>();
  const slotByEmail = new Map<string, number>();
  const keptByAlias = new Map<string, string>();

  /** Rebuilds the lookups from the rows: on load, and after forget moved rows. */
  function index(): void {
    slotById.clear();
    slotByEmail.clear();
    keptByAlias.clear();
    people.rows.forEach(([id, email], slot) => {
      slotById.set(id, slot);
      if (email !== "") slotByEmail.set(email, slot);
    });
    for (const [alias, kept] of aliases.rows) keptByAlias.set(alias, kept);
  }
  index();

  function slotFor(contact: Contact): { slot: number | undefined; folded: boolean } {
    const own = slotById.get(contact.id);
    if (own !== undefined) return { slot: own, folded: false };
    const kept = keptByAlias.get(contact.id);
    if (kept !== undefined) return { slot: slotById.get(kept), folded: true };
    // An id we know keeps its identity; only an unseen id is folded in by email.
    const byEmail = contact.email === undefined ? undefined : slotByEmail.get(contact.email);
    return { slot: byEmail, folded: byEmail !== undefined };
  }

  return {
    absorb(contact) {
      const { slot, folded } = slotFor(contact);
      const row = slot === undefined ? undefined : people.rows[slot];
      const email = contact.email ?? "";
      if (slot === undefined || row === undefined) {
        const created = people.push([contact.id, email, contact.consent, contact.createdAt.getTime(), contact.espIds, false]);
        slotById.set(contact.id, created);
        if (email !== "" && !slotByEmail.has(email)) slotByEmail.set(email, created);
        return { contact, merged: false };
      }

      const [keptId, knownEmail, knownConsent, knownCreatedMs, knownEspIds, wasMerged] = row;
      if (folded && keptId !== contact.id && !keptByAlias.has(contact.id)) {
        keptByAlias.set(contact.id, keptId);
        aliases.push([contact.id, keptId]);
      }
      const merged = wasMerged || folded;
      // One ESP record re-pulled may lift its own consent (a resubscribe); once two records
      // are one person we cannot tell whose consent changed, so the stricter one holds.
      const consent = merged ? moreRestrictive(knownConsent, contact.consent) : contact.consent;
      const createdMs = Math.min(knownCreatedMs, contact.createdAt.getTime());
      const espIds = { ...knownEspIds, ...contact.espIds };
      const keptEmail = email === "" ? knownEmail : email;
      people.set(slot, [keptId, keptEmail, consent, createdMs, espIds, merged]);
      if (keptEmail !== "" && !slotByEmail.has(keptEmail)) slotByEmail.set(keptEmail, slot);

      const out: Contact = { ...contact, id: keptId, espIds, consent, createdAt: new Date(createdMs) };
      if (keptEmail !== "") out.email = keptEmail;
      return { contact: out, merged: folded };
    },
    keptIdOf(contactId) {
      return slotById.has(contactId) ? contactId : keptByAlias.get(contactId);
    },
    forget(ids, emails) {
      const keptIds: string[] = [];
      people.removeWhere(([id, email, , , espIds]) => {
        const named = ids.has(id) || (email !== "" && emails.has(email)) || Object.values(espIds).some((espId) => ids.has(espId));
        if (named) keptIds.push(id);
        return named;
      });
      const gone = new Set(keptIds);
      const removedAliases = aliases.removeWhere(([alias, kept]) => ids.has(alias) || ids.has(kept) || gone.has(kept));
      if (keptIds.length > 0 || removedAliases > 0) index();
      return { keptIds, aliases: removedAliases };
    },
    state() {
      return { people: people.snapshot(), aliases: aliases.snapshot() };
    },
  };
}
