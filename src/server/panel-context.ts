import type express from "express";
import type { Installation, Store } from "../domain/index.js";
import type { Views } from "./create-views.js";

/** The panel's pages, in nav order: each names its URL under /installations/<id>. */
export const PANEL_NAV = [
  { key: "overview", label: "Overview", path: "" },
  { key: "settings", label: "Settings", path: "/settings" },
  { key: "contacts", label: "Contacts", path: "/contacts" },
  { key: "segments", label: "Segments", path: "/segments" },
  { key: "runs", label: "Runs", path: "/runs" },
  { key: "lift", label: "Lift", path: "/lift" },
  { key: "template-qa", label: "Template QA", path: "/template-qa" },
] as const;
export type PanelPage = (typeof PANEL_NAV)[number]["key"];

/**
 * What the session middleware leaves in `res.locals.panel` for every `/installations/:installationId/…`
 * request it lets through: the session's installation (the URL's, checked), who is signed in, and
 * the CSRF token every form must post back as `_csrf`.
 */
export type PanelContext = {
  readonly installation: Pick<Installation, "id" | "name" | "esp">;
  /** Who is signed in, as settings versions record it ("HubSpot user 42 (ana@shop.test)", "local admin"). */
  readonly user: string;
  readonly csrfToken: string;
};

/** The panel context of a request the session middleware let through; throws when a route is mounted outside it. */
export function panelOf(res: express.Response): PanelContext {
  const panel = (res.locals as { panel?: PanelContext }).panel;
  if (panel === undefined) throw new Error("panel route mounted outside the session middleware");
  return panel;
}

/** `/installations/<id><path>`, encoded: every panel link is built here. */
export const panelUrl = (installationId: string, path = ""): string => `/installations/${encodeURIComponent(installationId)}${path}`;

/** What every panel page's router is built from. */
export type PanelRouteDeps = {
  readonly store: Store;
  readonly views: Views;
  /** The clock, read per request (dry runs, lift windows); tests pin it. */
  readonly now: () => number;
  /** The engine seed scheduled syncs use, so a dry run scores exactly as the next sync will. */
  readonly seed: number;
};
