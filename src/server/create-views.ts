import { readdirSync, readFileSync } from "node:fs";
import type express from "express";
import Handlebars from "handlebars";
import { PANEL_NAV, panelOf, panelUrl, type PanelPage } from "./panel-context.js";

/** Renders a page to HTML; every value is escaped, since records come from outside. */
export type Views = { readonly render: (name: string, model: object) => string };

// en-US pins the separator to a comma whatever locale the host runs in; 2 decimals suit money.
const thousands = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });

const VIEWS = new URL("./views/", import.meta.url);
const PARTIALS = new URL("./views/partials/", import.meta.url);

/** Every value the layout reads, so a page rendered without them still passes strict mode. */
const LAYOUT_DEFAULTS = { title: "Tailor", panel: null, nav: [], flash: null } as const;

/**
 * Reads and compiles every `views/*.hbs` once, in a handlebars environment of their own (no global
 * helpers); `views/partials/*.hbs` are partials by file name, `layout` among them.
 */
export function createViews(): Views {
  const hbs = Handlebars.create();
  hbs.registerHelper("number", (value: unknown) => (typeof value === "number" ? thousands.format(value) : String(value)));
  // 0.123 -> "12.3 %"; null reads as a dash, since "not measured" is not 0.
  hbs.registerHelper("percent", (value: unknown) => (typeof value === "number" ? `${(value * 100).toFixed(1)} %` : "—"));
  hbs.registerHelper("eq", (a: unknown, b: unknown) => a === b);
  // For <script type="application/json">: the browser never runs it, and escaping < keeps a
  // value like "</script>" from closing the element.
  hbs.registerHelper("json", (value: unknown) => new hbs.SafeString(JSON.stringify(value ?? null).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026")));
  for (const file of readdirSync(PARTIALS).filter((f) => f.endsWith(".hbs"))) {
    hbs.registerPartial(file.slice(0, -4), readFileSync(new URL(file, PARTIALS), "utf8"));
  }
  // strict: a misspelt field in a template throws in tests instead of rendering blank.
  const pages = new Map<string, Handlebars.TemplateDelegate>();
  for (const file of readdirSync(VIEWS).filter((f) => f.endsWith(".hbs"))) {
    pages.set(file.slice(0, -4), hbs.compile(readFileSync(new URL(file, VIEWS), "utf8"), { strict: true }));
  }
  return {
    render: (name, model) => {
      const page = pages.get(name);
      if (page === undefined) throw new Error(`no view named ${name}`);
      return page({ ...LAYOUT_DEFAULTS, ...model });
    },
  };
}

/**
 * Sends one panel page: the view's model plus the layout's title, nav (with `active` marked) and
 * the panel context (installation, user, csrfToken). People's data: never kept by a shared cache.
 */
export function sendPanelPage(res: express.Response, views: Views, view: string, options: { readonly title: string; readonly active: PanelPage; readonly status?: number; readonly flash?: string | null }, model: object): void {
  const panel = panelOf(res);
  const nav = PANEL_NAV.map((n) => ({ label: n.label, href: panelUrl(panel.installation.id, n.path), active: n.key === options.active }));
  res
    .status(options.status ?? 200)
    .set("Cache-Control", "private, no-store")
    .type("html")
    .send(views.render(view, { ...model, title: `${options.title} · ${panel.installation.name}`, panel, nav, flash: options.flash ?? null }));
}
