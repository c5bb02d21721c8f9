import { SettingsSchema } from "../domain/index.js";
import type { Settings, SettingsChange, SettingsVersion } from "../domain/index.js";

/**
 * Versions kept per installation. A version is about 10 KB; 100 is years of weekly changes, and
 * the oldest are the least likely to be rolled back to.
 */
export const SETTINGS_VERSIONS_KEPT = 100;

/** A stored version as saved: settings are parsed on the way out, so fields added since get their defaults. */
export type StoredSettingsVersion = SettingsChange & { readonly version: number; readonly settings: unknown };

/** The new version after `newestFirst` (numbers never reused, even after the oldest are dropped), and the list to keep. */
export function appendSettingsVersion(newestFirst: readonly StoredSettingsVersion[], settings: Settings, change: SettingsChange): { saved: StoredSettingsVersion; kept: StoredSettingsVersion[] } {
  const saved: StoredSettingsVersion = { version: (newestFirst[0]?.version ?? 0) + 1, at: change.at, by: change.by, note: change.note, settings: structuredClone(settings) };
  return { saved, kept: [saved, ...newestFirst].slice(0, SETTINGS_VERSIONS_KEPT) };
}

export function toSettingsVersion(stored: StoredSettingsVersion): SettingsVersion {
  return { version: stored.version, at: stored.at, by: stored.by, note: stored.note, settings: SettingsSchema.parse(structuredClone(stored.settings)) };
}
