import type express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../../src/domain/index.js";
import { defaultSettings } from "../../../src/domain/index.js";
import { createApp } from "../../../src/server/app.js";
import { createSessionSigner, PANEL_LINK_MAX_AGE_MS, SESSION_MAX_AGE_MS } from "../../../src/server/session.js";
import { createMemoryStore } from "../../../src/store/memory-store.js";
import { listen } from "../../helpers/listen.js";
import { openPanel, silentLog, TEST_SESSION_SECRET, type PanelClient } from "../../helpers/panel-client.js";

type Route = { readonly method: "get" | "post"; readonly path: string };

/** Every route the app serves, read off express's own router, so a page added later is covered without editing this test. */
function routesOf(app: express.Express): Route[] {
  type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };
  const found: Route[] = [];
  const walk = (stack: readonly Layer[]) => {
    for (const layer of stack) {
      if (layer.route !== undefined) {
        for (const method of Object.keys(layer.route.methods)) if (method === "get" || method === "post") found.push({ method, path: layer.route.path });
      }
      if (layer.handle?.stack !== undefined) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return found;
}

/** The route with its installation set to `installationId` and every other parameter filled with something plausible. */
const urlOf = (route: Route, installationId: string): string =>
  route.path.replace(":installationId", encodeURIComponent(installationId)).replace(/:(\w+)/g, (_m, name: string) => (name === "version" ? "1" : `x-${name}`));

const installation = (id: string, name: string) => ({ id, esp: "files" as const, name, createdAt: "2025-01-01T00:00:00.000Z", propertiesDefined: [] });

describe("panel sessions: one installation per session", () => {
  let store: Store;
  let panel: PanelClient;
  let panelRoutes: Route[];

  beforeAll(async () => {
    store = createMemoryStore();
    await store.saveInstallation(installation("shop-a", "Shop A"));
    await store.saveInstallation(installation("shop-b", "Shop B"));
    await store.saveSettings("shop-b", { ...defaultSettings(), sync: { ...defaultSettings().sync, intervalMinutes: 30 } }, { by: "owner of b", at: "2025-01-01T00:00:00.000Z", note: "" });
    panel = await openPanel(store, "shop-a");
    panelRoutes = routesOf(createApp({ store, log: silentLog(), installationId: "shop-a", panel: { sessionSecret: TEST_SESSION_SECRET } }))
      .filter((r) => r.path.startsWith("/installations/:installationId"));
  });
  afterAll(async () => {
    await panel.close();
  });

  it("finds the panel's routes to check (pages, JSON and forms)", () => {
    expect(panelRoutes.length).toBeGreaterThanOrEqual(5);
    expect(panelRoutes.some((r) => r.path === "/installations/:installationId")).toBe(true);
  });

  it("answers 403 to a session of installation A on every URL of installation B, and shows none of B's data", async () => {
    for (const route of panelRoutes) {
      const url = urlOf(route, "shop-b");
      const response = route.method === "get" ? await panel.get(url) : await panel.post(url, { "sync.intervalMinutes": "5" });
      const body = await response.text();
      expect([403, 404], `${route.method.toUpperCase()} ${url} answered ${response.status}`).toContain(response.status);
      expect(body, `${url} leaks B's name`).not.toContain("Shop B");
    }
    // Nothing A posted reached B.
    expect((await store.listSettingsVersions("shop-b", 10)).map((v) => v.by)).toEqual(["owner of b"]);
  });

  it("answers 403, not 404, for an installation that does not exist, so ids cannot be probed", async () => {
    expect((await panel.get("/installations/nobody")).status).toBe(403);
  });

  it("answers 401 with the way to sign in when there is no session, on every panel URL", async () => {
    for (const route of panelRoutes) {
      const url = urlOf(route, "shop-a");
      const init: RequestInit = route.method === "get" ? { redirect: "manual" } : { method: "POST", redirect: "manual", body: new URLSearchParams({ a: "1" }) };
      const response = await fetch(panel.base + url, { ...init, headers: { accept: "text/html" } });
      expect(response.status, `${route.method.toUpperCase()} ${url}`).toBe(401);
    }
    const page = await (await fetch(`${panel.base}/installations/shop-a`, { headers: { accept: "text/html" } })).text();
    expect(page).toContain("Sign in to Tailor");
    expect(page).toContain("tailor panel-link");
  });

  it("answers 401 JSON on JSON routes", async () => {
    const response = await fetch(`${panel.base}/installations/shop-a/lift.json`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: "unauthorized" });
  });

  it("refuses every POST without the CSRF token with 403, and changes nothing", async () => {
    const posts = panelRoutes.filter((r) => r.method === "post");
    for (const route of posts) {
      const response = await panel.post(urlOf(route, "shop-a"), { "sync.intervalMinutes": "5" }, { csrf: false });
      expect(response.status, urlOf(route, "shop-a")).toBe(403);
      expect(await response.text()).toContain("Form expired");
    }
    const forged = await panel.post("/installations/shop-a/settings", { "sync.intervalMinutes": "5", _csrf: "0".repeat(64) + "." + "0".repeat(64) }, { csrf: false });
    expect(forged.status).toBe(403);
    expect(await store.listSettingsVersions("shop-a", 10)).toEqual([]);
  });

  it("lets the same browser switch installations only through a new sign-in", async () => {
    await panel.signIn("shop-b");
    expect((await panel.get("/installations/shop-b")).status).toBe(200);
    expect((await panel.get("/installations/shop-a")).status).toBe(403);
    await panel.signIn("shop-a");
  });
});

describe("signed links and session cookies", () => {
  const signer = createSessionSigner(TEST_SESSION_SECRET);

  it("signs in with a fresh link and sets an httpOnly, SameSite cookie", async () => {
    const store = createMemoryStore();
    await store.saveInstallation(installation("shop-a", "Shop A"));
    const server = await listen(createApp({ store, log: silentLog(), installationId: "shop-a", panel: { sessionSecret: TEST_SESSION_SECRET } }));
    try {
      const response = await fetch(`${server.base}/panel/enter?link=${encodeURIComponent(signer.signLink("shop-a", "ana", Date.now()))}`, { redirect: "manual" });
      expect(response.status).toBe(303);
      expect(response.headers.get("location")).toBe("/installations/shop-a");
      const cookie = response.headers.getSetCookie().find((c) => c.startsWith("tailor_session="));
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
    } finally {
      await server.close();
    }
  });

  it("makes the cookie SameSite=None; Secure; Partitioned on https deployments, so it works inside the ESP's frame", async () => {
    const store = createMemoryStore();
    await store.saveInstallation(installation("shop-a", "Shop A"));
    const server = await listen(createApp({ store, log: silentLog(), installationId: "shop-a", panel: { sessionSecret: TEST_SESSION_SECRET, secure: true } }));
    try {
      const response = await fetch(`${server.base}/panel/enter?link=${encodeURIComponent(signer.signLink("shop-a", "ana", Date.now()))}`, { redirect: "manual" });
      const cookie = response.headers.getSetCookie().find((c) => c.startsWith("tailor_session=")) ?? "";
      expect(cookie).toMatch(/SameSite=None/i);
      expect(cookie).toMatch(/Secure/i);
      expect(cookie).toMatch(/Partitioned/i);
    } finally {
      await server.close();
    }
  });

  it("refuses an expired, forged or foreign-secret link with 401", async () => {
    const store = createMemoryStore();
    await store.saveInstallation(installation("shop-a", "Shop A"));
    const server = await listen(createApp({ store, log: silentLog(), installationId: "shop-a", panel: { sessionSecret: TEST_SESSION_SECRET } }));
    try {
      const links = [
        signer.signLink("shop-a", "ana", Date.now() - PANEL_LINK_MAX_AGE_MS - 1000),
        createSessionSigner("another-secret-of-enough-length").signLink("shop-a", "ana", Date.now()),
        signer.signLink("shop-a", "ana", Date.now()).replace(/^./, "x"),
        "garbage",
      ];
      for (const link of links) {
        const response = await fetch(`${server.base}/panel/enter?link=${encodeURIComponent(link)}`, { redirect: "manual" });
        expect(response.status, link).toBe(401);
        expect(response.headers.getSetCookie().some((c) => c.startsWith("tailor_session="))).toBe(false);
      }
    } finally {
      await server.close();
    }
  });

  it("does not take a session cookie as a link, or a link as a session", () => {
    const now = Date.now();
    const link = signer.signLink("shop-a", "ana", now);
    const { value } = signer.sign("shop-a", "ana", now);
    expect(signer.read(link, now)).toBeNull();
    expect(signer.readLink(value, now).ok).toBe(false);
    expect(signer.read(value, now)?.installationId).toBe("shop-a");
    expect(signer.read(value, now + SESSION_MAX_AGE_MS + 1)).toBeNull();
  });

  it("rate limits the sign-in endpoint per client", async () => {
    const store = createMemoryStore();
    const server = await listen(createApp({ store, log: silentLog(), installationId: "shop-a", panel: { sessionSecret: TEST_SESSION_SECRET } }));
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 22; i++) statuses.push((await fetch(`${server.base}/panel/enter?link=nope`, { redirect: "manual" })).status);
      expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
      expect(statuses.slice(20)).toEqual([429, 429]);
    } finally {
      await server.close();
    }
  });

  it("signs the visitor in from / only on the localhost demo", async () => {
    const store = createMemoryStore();
    await store.saveInstallation(installation("demo", "Demo shop"));
    const demo = await listen(createApp({ store, log: silentLog(), installationId: "demo", panel: { localSignIn: true } }));
    const deployed = await listen(createApp({ store, log: silentLog(), installationId: "demo", panel: { sessionSecret: TEST_SESSION_SECRET } }));
    try {
      const opened = await fetch(`${demo.base}/`, { redirect: "manual" });
      expect(opened.status).toBe(303);
      expect(opened.headers.getSetCookie().some((c) => c.startsWith("tailor_session="))).toBe(true);
      const refused = await fetch(`${deployed.base}/`, { redirect: "manual" });
      expect(refused.headers.getSetCookie().some((c) => c.startsWith("tailor_session="))).toBe(false);
      expect((await fetch(`${deployed.base}/installations/demo`, { headers: { accept: "text/html" } })).status).toBe(401);
    } finally {
      await demo.close();
      await deployed.close();
    }
  });
});
