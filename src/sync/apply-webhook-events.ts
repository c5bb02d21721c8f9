import type { Erasure, EspWebhookEvent, Installation, Store } from "../domain/index.js";
import { createCleaner } from "../ingest/create-cleaner.js";

/** What one webhook delivery changed, counted per kind; unknownAccounts counts events for no installation of ours. */
export type WebhookOutcome = { erased: number; refreshed: number; merged: number; uninstalled: number; unknownAccounts: number };

/**
 * Applies verified webhook events to the store: erasures, refresh marks, merges and uninstalls.
 * Events are routed by the ESP account they name; an account may have more than one
 * installation (a reinstall under a new id), and each of them is told. `erased` counts stored
 * contacts removed; `refreshed` the ids marked; `merged` the merges applied.
 */
export async function applyWebhookEvents(store: Store, events: readonly EspWebhookEvent[]): Promise<WebhookOutcome> {
  const outcome: WebhookOutcome = { erased: 0, refreshed: 0, merged: 0, uninstalled: 0, unknownAccounts: 0 };
  if (events.length === 0) return outcome;
  const byAccount = new Map<string, Installation[]>();
  for (const installation of await store.listInstallations()) {
    if (installation.accountId === undefined) continue;
    byAccount.set(installation.accountId, [...(byAccount.get(installation.accountId) ?? []), installation]);
  }

  // What each installation erased, for its clean state to forget once the delivery is applied.
  const erasures = new Map<string, Erasure[]>();
  try {
    await applyInOrder(store, events, byAccount, erasures, outcome);
  } finally {
    // Even when a later event failed: what was erased must not stay in ingest's memory.
    for (const [installationId, erased] of erasures) await forgetInCleanState(store, installationId, erased);
  }
  return outcome;
}

async function applyInOrder(
  store: Store,
  events: readonly EspWebhookEvent[],
  byAccount: ReadonlyMap<string, Installation[]>,
  erasures: Map<string, Erasure[]>,
  outcome: WebhookOutcome,
): Promise<void> {
  // In delivery order: an erasure after a refresh of the same contact must win, and does.
  for (const event of events) {
    const installations = byAccount.get(event.accountId) ?? [];
    if (installations.length === 0) {
      outcome.unknownAccounts++;
      continue;
    }
    for (const [i, installation] of installations.entries()) {
      switch (event.kind) {
        case "erase": {
          // Erased even after an uninstall: a privacy deletion is owed whatever the install's state.
          const erasure = await store.eraseContacts(installation.id, event.contactIds);
          outcome.erased += erasure.erased;
          erasures.set(installation.id, [...(erasures.get(installation.id) ?? []), erasure]);
          break;
        }
        case "refresh":
          if (installation.status === "uninstalled") break;
          await store.requestRefresh(installation.id, event.contactIds);
          outcome.refreshed += event.contactIds.length;
          break;
        case "merge":
          await store.mergeContacts(installation.id, event.primaryId, event.mergedIds);
          // The primary now holds the merged contacts' properties: read it again next run.
          if (installation.status !== "uninstalled") await store.requestRefresh(installation.id, [event.primaryId]);
          outcome.merged++;
          break;
        case "uninstall":
          // Forget the tokens first: if the second write fails, the redelivery finds the install still active and repeats both.
          await store.saveCredentials(installation.id, null);
          installations[i] = { ...installation, status: "uninstalled" };
          await store.saveInstallation(installations[i]);
          outcome.uninstalled++;
          break;
      }
    }
  }
}

/**
 * Erases contacts (by our id or an ESP id) from the store and from ingest's memory at once: what
 * a run does for contacts the ESP says it no longer has, and the CLI for a privacy request.
 */
export async function eraseFromStore(store: Store, installationId: string, contactIds: readonly string[]): Promise<Erasure> {
  const erasure = await store.eraseContacts(installationId, contactIds);
  await forgetInCleanState(store, installationId, [erasure]);
  return erasure;
}

/**
 * ingest's clean state remembers people by email and id (to merge them) and their recent
 * orders (to spot duplicates): the erased must go from there too. Once per installation per
 * delivery, as reading and writing the state costs in proportion to all contacts.
 */
async function forgetInCleanState(store: Store, installationId: string, erasures: readonly Erasure[]): Promise<void> {
  const forgotten = {
    contactIds: erasures.flatMap((e) => e.contactIds),
    emails: erasures.flatMap((e) => e.emails),
    orderIds: erasures.flatMap((e) => e.orderIds),
  };
  if (forgotten.contactIds.length === 0 && forgotten.emails.length === 0 && forgotten.orderIds.length === 0) return;
  const settings = await store.getSettings(installationId);
  const cleaner = createCleaner(settings.cleaning, await store.getCleanState(installationId));
  // Nothing to forget (an unknown id, a first run not yet committed): leave the stored state as it is.
  if (cleaner.forget(forgotten) > 0) await store.saveCleanState(installationId, cleaner.state());
}
