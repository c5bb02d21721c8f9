import express from "express";
import { z } from "zod";
import type { Settings, Store } from "../../domain/index.js";
import { defaultSettings } from "../../domain/index.js";
import { formatPreview, previewSettings, type SettingsPreview } from "../../sync/preview-settings.js";
import { sendPanelPage } from "../create-views.js";
import { panelOf, panelUrl, type PanelRouteDeps } from "../panel-context.js";
import { changedKeys, fieldIdOf, parseSettingsForm, toSettingsForm, type SettingsFormGroup } from "../settings-form.js";

const PATH = "/installations/:installationId/settings";
// The versions a person scans before rolling back; older ones stay in the store.
const VERSIONS_SHOWN = 20;
const NOTE_MAX = 200;
const NOTE_ID = "settings-note";

const NoteSchema = z.string().trim().max(NOTE_MAX, `must be at most ${NOTE_MAX} characters`);
const VersionSchema = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
/** The flash travels in the redirect's query: the panel keeps no server-side session state. */
const FlashQuerySchema = z.object({
  saved: VersionSchema.optional(),
  rolledBack: VersionSchema.optional(),
  unchanged: z.literal("1").optional(),
});

type ErrorLine = { readonly href: string; readonly label: string; readonly message: string };

/** Everything settings.hbs reads besides the layout's fields. */
type SettingsPage = {
  readonly groups: readonly SettingsFormGroup[];
  readonly note?: string;
  readonly noteError?: string | null;
  readonly errorSummary?: readonly ErrorLine[] | null;
  readonly dryRun?: (SettingsPreview & { readonly summary: string }) | null;
};

type CheckedForm =
  | { readonly ok: true; readonly settings: Settings; readonly note: string }
  | { readonly ok: false; readonly page: SettingsPage };

/**
 * The settings page: every setting in a form grouped as a marketer thinks of them, saved as a new
 * version (who, when, why) only when the whole form passes the settings schema; a dry run that
 * scores the stored data with the proposed settings; and rollback to any kept version.
 */
export function settingsRoutes(deps: PanelRouteDeps): express.Router {
  const { store, views } = deps;
  const router = express.Router();

  const send = async (res: express.Response, page: SettingsPage, options: { readonly status?: number; readonly flash?: string | null } = {}) => {
    const { installation } = panelOf(res);
    const model = {
      action: panelUrl(installation.id, "/settings"),
      dryRunAction: panelUrl(installation.id, "/settings/dry-run"),
      note: "",
      noteError: null,
      errorSummary: null,
      dryRun: null,
      ...page,
      versions: await versionRows(store, installation.id),
    };
    sendPanelPage(res, views, "settings", { title: "Settings", active: "settings", ...options }, model);
  };

  /** The posted form checked whole: settings and note, or the page to show again with every problem. */
  const check = async (req: express.Request, res: express.Response): Promise<CheckedForm> => {
    const { installation } = panelOf(res);
    const body = formOf(req);
    const current = await store.getSettings(installation.id);
    const parsed = parseSettingsForm(body, current);
    const noteText = lastString(body.note) ?? "";
    const note = NoteSchema.safeParse(noteText);
    if (parsed.ok && note.success) return { ok: true, settings: parsed.settings, note: note.data };
    const noteError = note.success ? null : note.error.issues.map((i) => i.message).join("; ");
    const lines: ErrorLine[] = parsed.ok ? [] : parsed.summary.map((e) => ({ href: fieldIdOf(e.fieldKey), label: e.label, message: e.message }));
    if (noteError !== null) lines.push({ href: NOTE_ID, label: "Why this change?", message: noteError });
    const groups = parsed.ok ? toSettingsForm(parsed.settings, installation.esp) : toSettingsForm(current, installation.esp, { values: parsed.values, errors: parsed.errors });
    return { ok: false, page: { groups, note: noteText, noteError, errorSummary: lines } };
  };

  router.get(PATH, async (req, res) => {
    const { installation } = panelOf(res);
    const settings = await store.getSettings(installation.id);
    await send(res, { groups: toSettingsForm(settings, installation.esp) }, { flash: await flashOf(store, installation.id, req.query) });
  });

  router.post(PATH, async (req, res) => {
    const { installation, user } = panelOf(res);
    const form = await check(req, res);
    if (!form.ok) {
      await send(res, form.page, { status: 400 });
      return;
    }
    const url = panelUrl(installation.id, "/settings");
    // An unchanged form is not a version: the history stays a list of real changes.
    if (changedKeys(await store.getSettings(installation.id), form.settings).length === 0) {
      res.redirect(303, `${url}?unchanged=1`);
      return;
    }
    const saved = await store.saveSettings(installation.id, form.settings, { by: user, at: new Date(deps.now()).toISOString(), note: form.note });
    res.redirect(303, `${url}?saved=${saved.version}`);
  });

  router.post(`${PATH}/dry-run`, async (req, res) => {
    const { installation } = panelOf(res);
    const form = await check(req, res);
    if (!form.ok) {
      await send(res, form.page, { status: 400 });
      return;
    }
    // The clock and seed the next scheduled sync uses, so the preview is what it would write.
    const preview = await previewSettings(store, installation.id, form.settings, new Date(deps.now()), deps.seed);
    await send(res, { groups: toSettingsForm(form.settings, installation.esp), note: form.note, dryRun: { ...preview, summary: formatPreview(preview) } });
  });

  router.post(`${PATH}/versions/:version/rollback`, async (req, res) => {
    const { installation, user } = panelOf(res);
    const wanted = VersionSchema.safeParse(req.params.version);
    const version = wanted.success ? await store.getSettingsVersion(installation.id, wanted.data) : null;
    if (version === null) {
      sendPanelPage(res, views, "not-found", { title: "Not found", active: "settings", status: 404 }, { what: "settings version with that number" });
      return;
    }
    const saved = await store.saveSettings(installation.id, version.settings, { by: user, at: new Date(deps.now()).toISOString(), note: `rollback to version ${version.version}` });
    res.redirect(303, `${panelUrl(installation.id, "/settings")}?rolledBack=${version.version}&saved=${saved.version}`);
  });

  return router;
}

/** The urlencoded body (flat keys, a string or, for repeated keys, a list of them). */
function formOf(req: express.Request): Readonly<Record<string, unknown>> {
  const body: unknown = req.body;
  return typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
}

function lastString(value: unknown): string | undefined {
  const last: unknown = Array.isArray(value) ? value.at(-1) : value;
  return typeof last === "string" ? last : undefined;
}

async function flashOf(store: Store, installationId: string, query: unknown): Promise<string | null> {
  const flash = FlashQuerySchema.safeParse(query);
  if (!flash.success) return null;
  const { saved, rolledBack, unchanged } = flash.data;
  if (unchanged !== undefined) return "Nothing changed: the form matched the current settings, so no version was saved.";
  if (saved === undefined) return null;
  const version = await store.getSettingsVersion(installationId, saved);
  if (version === null) return null;
  if (rolledBack !== undefined) return `Rolled back to version ${rolledBack} (saved as version ${saved}). It applies from the next sync.`;
  const before = saved === 1 ? defaultSettings() : (await store.getSettingsVersion(installationId, saved - 1))?.settings ?? null;
  const keys = before === null ? [] : changedKeys(before, version.settings);
  return `Saved as version ${saved}${keys.length === 0 ? "" : `: ${keys.join(", ")}`}. It applies from the next sync.`;
}

/** The newest versions, each with what it changed against the one before (version 1: against the defaults). */
async function versionRows(store: Store, installationId: string) {
  // One more than shown, so the oldest shown row has its predecessor too.
  const versions = await store.listSettingsVersions(installationId, VERSIONS_SHOWN + 1);
  return versions.slice(0, VERSIONS_SHOWN).map((v, i) => {
    const before = versions[i + 1]?.settings ?? (v.version === 1 ? defaultSettings() : null);
    return {
      version: v.version,
      at: v.at,
      atText: readableTime(v.at),
      by: v.by,
      note: v.note,
      changed: before === null ? [] : changedKeys(before, v.settings),
      // A version whose predecessor is no longer kept cannot say what it changed.
      changedNone: before === null ? "—" : "nothing",
      current: i === 0,
      rollbackAction: panelUrl(installationId, `/settings/versions/${v.version}/rollback`),
    };
  });
}

/** "2026-11-01T12:00:00.000Z" -> "2026-11-01 12:00 UTC". */
function readableTime(iso: string): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(iso) ? `${iso.slice(0, 16).replace("T", " ")} UTC` : iso;
}
