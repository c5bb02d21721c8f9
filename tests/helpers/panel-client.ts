import { Writable } from "node:stream";
import { pino } from "pino";
import type { Store } from "../../src/domain/index.js";
import { createApp, type AppDeps } from "../../src/server/app.js";
import { createSessionSigner } from "../../src/server/session.js";
import { listen } from "./listen.js";

export const TEST_SESSION_SECRET = "test-session-secret-0123456789abcdef";

/** A signed-in browser for the panel, over real HTTP: it keeps cookies and posts the CSRF token. */
export type PanelClient = {
  readonly base: string;
  /** A GET with the session's cookies; redirects are not followed. */
  readonly get: (path: string, headers?: Record<string, string>) => Promise<Response>;
  /** A form POST with the session's cookies and `_csrf` added (unless `csrf: false`). */
  readonly post: (path: string, form: Record<string, string | readonly string[]>, options?: { readonly csrf?: boolean }) => Promise<Response>;
  /** Signs in to another installation in the same browser (drops the old session). */
  readonly signIn: (installationId: string) => Promise<void>;
  readonly close: () => Promise<void>;
};

export const silentLog = () => pino({ level: "silent" }, new Writable({ write: (_c, _e, done) => { done(); } }));

/**
 * Starts the real app (session middleware, CSRF, every panel route) on an ephemeral port and signs
 * in to `installationId` through a signed link, as `tailor panel-link` would.
 */
export async function openPanel(store: Store, installationId: string, deps: Partial<AppDeps> = {}): Promise<PanelClient> {
  const now = deps.now ?? (() => Date.now());
  const app = createApp({ store, log: silentLog(), installationId, panel: { sessionSecret: TEST_SESSION_SECRET }, now, ...deps });
  const server = await listen(app);
  const signer = createSessionSigner(TEST_SESSION_SECRET);
  const jar = new Map<string, string>();
  let csrf = "";

  const keep = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const at = pair.indexOf("=");
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === "") jar.delete(name);
      else jar.set(name, value);
    }
    return response;
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const get = async (path: string, headers: Record<string, string> = {}) => keep(await fetch(server.base + path, { redirect: "manual", headers: { cookie: cookie(), accept: "text/html", ...headers } }));

  const signIn = async (id: string) => {
    jar.clear();
    const entered = await get(`/panel/enter?link=${encodeURIComponent(signer.signLink(id, "test admin", now()))}`);
    if (entered.status !== 303) throw new Error(`sign-in failed: ${entered.status} ${await entered.text()}`);
    const home = await get(`/installations/${encodeURIComponent(id)}`);
    const token = /<meta name="csrf-token" content="([^"]+)"/.exec(await home.text())?.[1];
    if (token === undefined) throw new Error(`no CSRF token on the panel home page (status ${home.status})`);
    csrf = token;
  };
  await signIn(installationId);

  return {
    base: server.base,
    get,
    post: async (path, form, options = {}) => {
      const body = new URLSearchParams();
      for (const [key, value] of Object.entries(form)) for (const v of typeof value === "string" ? [value] : value) body.append(key, v);
      if (options.csrf !== false) body.append("_csrf", csrf);
      return keep(await fetch(server.base + path, { method: "POST", redirect: "manual", body, headers: { cookie: cookie(), accept: "text/html", "content-type": "application/x-www-form-urlencoded" } }));
    },
    signIn,
    close: server.close,
  };
}
