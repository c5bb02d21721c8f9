import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { PROPERTY_NAMES } from "../../../src/domain/index.js";
import { parseTemplate } from "../../../src/engine/template-qa.js";

// The HubSpot developer project (platform 2025.2) and the HubL template kit, checked against
// app-manifest.json and src/domain so neither can drift. Schemas cover the fields we use, after
// https://developers.hubspot.com/docs/apps/developer-platform/build-apps/app-configuration,
// .../add-features/configure-webhooks, .../ui-extensibility/app-cards/reference and
// .../ui-extensibility/create-a-settings-component.

const PROJECT = join("extensions", "hubspot");
const APP = join(PROJECT, "src", "app");
const TEMPLATES = join(PROJECT, "templates");

const read = (path: string): string => readFileSync(path, "utf8");
const parseJson = <S extends z.ZodType>(schema: S, path: string): z.infer<S> => schema.parse(JSON.parse(read(path)));
const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
const sorted = (values: readonly string[]): string[] => [...values].sort();

const Scopes = z.array(z.string().min(1));
const Manifest = z.object({
  settingsPage: z.object({ path: z.string().includes("{installationId}"), signIn: z.object({ hubspot: z.string().startsWith("/") }) }),
  esps: z.object({
    hubspot: z.object({
      requiredScopes: Scopes,
      optionalScopes: Scopes,
      redirectPath: z.string().startsWith("/"),
      webhookPath: z.string().startsWith("/"),
      webhooks: z.array(z.strictObject({ subscriptionType: z.string(), propertyName: z.string().optional() })),
    }),
  }),
});
const Uid = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "up to 64 letters, digits, _ - .");
const Project = z.object({ name: z.string().min(1), srcDir: z.string().min(1), platformVersion: z.literal("2025.2") });
const App = z.object({
  uid: Uid,
  type: z.literal("app"),
  config: z.object({
    name: z.string().min(1).max(200),
    description: z.string().min(1).max(8192),
    distribution: z.literal("marketplace"),
    auth: z.object({ type: z.literal("oauth"), redirectUrls: z.array(z.url()).min(1), requiredScopes: Scopes, optionalScopes: Scopes, conditionallyRequiredScopes: Scopes }),
    permittedUrls: z.object({ fetch: z.array(z.url()), iframe: z.array(z.url()), img: z.array(z.url()) }),
  }),
});
const Subscription = z.strictObject({ subscriptionType: z.string(), propertyName: z.string().optional(), active: z.boolean() });
const Webhooks = z.object({
  uid: Uid,
  type: z.literal("webhooks"),
  config: z.object({
    settings: z.object({ targetUrl: z.url(), maxConcurrentRequests: z.number().int().positive() }),
    subscriptions: z.strictObject({ crmObjects: z.array(z.unknown()).optional(), legacyCrmObjects: z.array(Subscription).optional(), hubEvents: z.array(Subscription).optional() }),
  }),
});
const Card = z.object({
  uid: Uid,
  type: z.literal("card"),
  config: z.object({ name: z.string().min(1), location: z.enum(["crm.record.tab", "crm.record.sidebar", "crm.preview", "helpdesk.sidebar"]), entrypoint: z.string(), objectTypes: z.array(z.string()).min(1) }),
});
const Settings = z.object({ uid: Uid, type: z.literal("settings"), config: z.object({ entrypoint: z.string() }) });
const Component = z.object({ uid: Uid, type: z.string() });

const manifest = parseJson(Manifest, "app-manifest.json").esps.hubspot;
const settingsSignIn = parseJson(Manifest, "app-manifest.json").settingsPage.signIn.hubspot;
const project = parseJson(Project, join(PROJECT, "hsproject.json"));
const app = parseJson(App, join(APP, "app-hsmeta.json")).config;
const webhooks = parseJson(Webhooks, join(APP, "webhooks", "webhooks-hsmeta.json")).config;
const card = parseJson(Card, join(APP, "cards", "profile-card-hsmeta.json")).config;
const settings = parseJson(Settings, join(APP, "settings", "settings-hsmeta.json")).config;
const metaFiles = filesUnder(APP).filter((f) => f.endsWith("-hsmeta.json"));

/** An entrypoint as HubSpot reads it: a path under the project's srcDir. */
const entrypointFile = (entrypoint: string): string => join(PROJECT, project.srcDir, entrypoint);
const cardSource = read(entrypointFile(card.entrypoint));
const settingsSource = read(entrypointFile(settings.entrypoint));

/** The `const TAILOR_URL = "…"` a UI extension builds its URLs from. */
function tailorUrlIn(source: string): string {
  const m = /const TAILOR_URL = "([^"]+)";/.exec(source);
  if (m?.[1] === undefined) throw new Error("no TAILOR_URL constant");
  return m[1];
}

const TAILOR_ORIGIN = new URL(tailorUrlIn(cardSource)).origin;
// The folder each feature lives in, and the component type HubSpot expects there.
const TYPE_OF_FOLDER: Readonly<Record<string, string>> = { app: "app", cards: "card", settings: "settings", webhooks: "webhooks" };

describe("the HubSpot developer project", () => {
  it("is a 2025.2 project whose srcDir holds the app", () => {
    expect(existsSync(join(PROJECT, project.srcDir, "app", "app-hsmeta.json"))).toBe(true);
  });

  it("gives every component the type of its folder and a uid unique in the project", () => {
    const components = metaFiles.map((file) => ({ folder: basename(dirname(file)), ...parseJson(Component, file) }));
    expect(components.map((c) => c.folder).sort()).toEqual(["app", "cards", "settings", "webhooks"]);
    for (const c of components) expect(c.type, c.folder).toBe(TYPE_OF_FOLDER[c.folder]);
    expect(new Set(components.map((c) => c.uid)).size).toBe(components.length);
  });

  it("points each UI extension at an existing file in its own folder", () => {
    for (const [entrypoint, folder] of [[card.entrypoint, "cards"], [settings.entrypoint, "settings"]] as const) {
      expect(existsSync(entrypointFile(entrypoint)), entrypoint).toBe(true);
      expect(relative(APP, dirname(entrypointFile(entrypoint)))).toBe(folder);
    }
  });

  it("requests exactly the scopes app-manifest.json declares", () => {
    expect(sorted(app.auth.requiredScopes)).toEqual(sorted(manifest.requiredScopes));
    expect(sorted(app.auth.optionalScopes)).toEqual(sorted(manifest.optionalScopes));
    expect(app.auth.conditionallyRequiredScopes).toEqual([]);
    const all = [...app.auth.requiredScopes, ...app.auth.optionalScopes];
    expect(new Set(all).size).toBe(all.length);
  });

  it("redirects to the manifest's callback path, on the Tailor host and on localhost for development", () => {
    const urls = app.auth.redirectUrls.map((u) => new URL(u));
    for (const url of urls) expect(url.pathname).toBe(manifest.redirectPath);
    expect(urls.map((u) => u.origin).sort()).toEqual(sorted([TAILOR_ORIGIN, "http://localhost:3000"]));
    expect(TAILOR_ORIGIN.startsWith("https://")).toBe(true);
  });

  it("subscribes to exactly the webhooks app-manifest.json declares, all active, at the manifest's path", () => {
    const { legacyCrmObjects = [], hubEvents = [], crmObjects = [] } = webhooks.subscriptions;
    const key = (s: { subscriptionType: string; propertyName?: string | undefined }): string => `${s.subscriptionType}:${s.propertyName ?? ""}`;
    expect(sorted([...legacyCrmObjects, ...hubEvents].map(key))).toEqual(sorted(manifest.webhooks.map(key)));
    expect(crmObjects).toEqual([]);
    expect([...legacyCrmObjects, ...hubEvents].every((s) => s.active)).toBe(true);
    const target = new URL(webhooks.settings.targetUrl);
    expect(target.origin).toBe(TAILOR_ORIGIN);
    expect(target.pathname).toBe(manifest.webhookPath);
  });

  it("files privacy deletions as hub events and the rest as classic contact subscriptions", () => {
    // HubSpot's webhook config takes contact.privacyDeletion only in hubEvents.
    expect(webhooks.subscriptions.hubEvents?.map((s) => s.subscriptionType)).toEqual(["contact.privacyDeletion"]);
    for (const s of webhooks.subscriptions.legacyCrmObjects ?? []) expect(s.subscriptionType).toMatch(/^contact\.(deletion|merge|propertyChange)$/);
  });

  it("lets the card fetch only the Tailor host, at the installation's contact profile", () => {
    const call = /hubspot\s*\.fetch\(\s*`([^`]+)`/.exec(cardSource.replace(/\s+/g, " "))?.[1];
    expect(call).toMatch(/^\$\{TAILOR_URL\}\/installations\/hubspot-\$\{[^}]+\}\/contacts\/\$\{[^}]+\}\.json$/);
    expect(app.permittedUrls.fetch.map((u) => new URL(u).origin)).toEqual([TAILOR_ORIGIN]);
    expect(app.permittedUrls.iframe.map((u) => new URL(u).origin)).toEqual([TAILOR_ORIGIN]);
  });

  it("shows the contact record card with each fact and recommendation Tailor explains", () => {
    expect(card.location).toBe("crm.record.tab");
    expect(card.objectTypes).toEqual(["contacts"]);
    expect(cardSource).toContain(`hubspot.extend<"${card.location}">`);
    const shown = new Set(cardSource.match(/\btailor_[a-z0-9_]+/g) ?? []);
    expect([...shown].filter((name) => !PROPERTY_NAMES.has(name))).toEqual([]);
    const wanted = ["tailor_segment", "tailor_churn_risk", "tailor_clv_tier", "tailor_next_order_date", ...[1, 2, 3, 4, 5, 6].map((n) => `tailor_rec_${n}_title`)];
    expect(wanted.filter((name) => !shown.has(name))).toEqual([]);
  });

  it("asks the same host for a signed sign-in link from the settings page, at the route the server serves", () => {
    expect(settingsSource).toContain('hubspot.extend<"settings">');
    expect(tailorUrlIn(settingsSource)).toBe(tailorUrlIn(cardSource));
    // hubspot.fetch signs the request; the manifest names the route and the server must serve it.
    expect(settingsSource).toContain(`hubspot.fetch(\`\${TAILOR_URL}${settingsSignIn}\``);
    expect(readFileSync(new URL("../../../src/server/routes/panel-entry-routes.ts", import.meta.url), "utf8")).toContain(`router.post("${settingsSignIn}"`);
    expect(settingsSource).toContain("openIframeModal");
  });
});

const KIT_FAMILIES = ["lifecycle-value", "predictions", "engagement-send-time", "suppressions-flows", "segments", "recommendations"];
const kit = readdirSync(TEMPLATES)
  .filter((f) => f.endsWith(".hubl.html"))
  .map((f) => ({ file: f, text: read(join(TEMPLATES, f)) }));
const parsed = kit.map((t) => ({ ...t, template: parseTemplate(t.text) }));
const withoutComments = (text: string): string => text.replace(/\{#[\s\S]*?#\}/g, "");

/** Merge fields that show a slot's product but sit outside an `if` on that slot's product id. */
function unguardedSlotFields(text: string): string[] {
  const open: string[] = [];
  const bad: string[] = [];
  for (const m of withoutComments(text).matchAll(/\{%-?\s*(if|elif|else|endif)\b([\s\S]*?)-?%\}|\{\{([\s\S]*?)\}\}/g)) {
    const [, tag, condition = "", output] = m;
    if (tag === "if") open.push(condition);
    // The other branches of an `if contact.tailor_rec_1` run when slot 1 is empty.
    else if (tag === "elif" || tag === "else") open.splice(-1, 1, tag === "elif" ? condition : "");
    else if (tag === "endif") open.pop();
    else {
      for (const field of (output ?? "").matchAll(/contact\.tailor_rec_(\d+)_[a-z]+/g)) {
        const guard = new RegExp(`contact\\.tailor_rec_${field[1] ?? ""}(?![\\w])`);
        if (!open.some((c) => guard.test(c) && !/\bor\b|\bnot\b/.test(c))) bad.push(field[0]);
      }
    }
  }
  return bad;
}

describe("the HubL template kit", () => {
  it("has one snippet file per property family", () => {
    expect(kit.map((t) => t.file).sort()).toEqual(KIT_FAMILIES.map((f) => `${f}.hubl.html`).sort());
  });

  it.each(kit)("$file names only declared tailor_* properties and balances its blocks", ({ text }) => {
    const names = text.match(/\btailor_[a-z0-9_]+/g) ?? [];
    expect(names.filter((name) => !PROPERTY_NAMES.has(name))).toEqual([]);
    expect(parseTemplate(text).errors).toEqual([]);
  });

  it("reads every declared property somewhere in the kit", () => {
    const read = new Set(parsed.flatMap((p) => p.template.references.map((r) => r.field)));
    expect([...PROPERTY_NAMES].filter((name) => !read.has(name))).toEqual([]);
  });

  it("never prints a blank: every merge field has a fallback or sits inside an if on it", () => {
    const blank = parsed.flatMap((p) => p.template.references.filter((r) => !r.guarded && (r.fallback ?? "").trim() === "").map((r) => `${p.file}:${r.line} ${r.token}`));
    expect(blank).toEqual([]);
  });

  it("never says \"Hi ,\": every greeting has a fallback name", () => {
    const greetings = parsed.flatMap((p) => p.template.greetings.map((g) => ({ ...g, ref: p.template.references.find((r) => r.line === g.line && g.text.includes(r.token)) })));
    expect(greetings.length).toBeGreaterThan(0);
    for (const g of greetings) expect(g.ref?.fallback?.trim(), g.text).toBeTruthy();
  });

  it("shows a product card only inside an if on that slot's product id", () => {
    const slots = parsed.filter((p) => /contact\.tailor_rec_\d+_/.test(p.text));
    expect(slots.length).toBeGreaterThan(0);
    for (const p of slots) expect(unguardedSlotFields(p.text), p.file).toEqual([]);
  });

  it("passes true to every default filter, so an empty value falls back too", () => {
    // HubL (Jinjava) keeps an empty string unless default's second argument is true.
    const defaults = kit.flatMap((t) => [...withoutComments(t.text).matchAll(/\|\s*default\s*(?:\(([^()]*)\)|:)/g)].map((m) => ({ file: t.file, args: m[1] ?? "(Django form)" })));
    expect(defaults.length).toBeGreaterThan(0);
    expect(defaults.filter((d) => !/,\s*true\s*$/.test(d.args))).toEqual([]);
  });
});
