import type { Connector, Installation, Store } from "../domain/index.js";
import { PROPERTIES } from "../domain/index.js";

/** Setup is idempotent: only properties the ESP has not been given yet are created. */
export async function defineMissingProperties(connector: Connector, store: Store, installation: Installation): Promise<void> {
  const known = new Set(installation.propertiesDefined);
  const missing = PROPERTIES.filter((p) => !known.has(p.name));
  if (missing.length === 0) return;
  await connector.defineProperties(missing);
  await store.saveInstallation({ ...installation, propertiesDefined: [...known, ...missing.map((p) => p.name)] });
}
