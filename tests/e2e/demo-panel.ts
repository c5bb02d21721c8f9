import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from "playwright-core";
import { createFilesConnector } from "../../src/connectors/files/connector.js";
import { generateDemoStore } from "../../src/demo/generate-demo-store.js";
import type { Store } from "../../src/domain/index.js";
import { createApp } from "../../src/server/app.js";
import { createSessionSigner } from "../../src/server/session.js";
import { createLowdbStore } from "../../src/store/lowdb-store.js";
import { runSync } from "../../src/sync/run-sync.js";
import { listen, type Listening } from "../helpers/listen.js";
import { silentLog } from "../helpers/panel-client.js";

// The e2e tests drive Debian's Chromium (no browser download): `apt-get install -y chromium`.
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
// Flags for a container: no sandbox (root), no GPU, /tmp instead of a small /dev/shm, and nothing
// that phones home, so a run is quiet and offline.
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"];
const SESSION_SECRET = "e2e-session-secret-0123456789abcdef";
const DAY_MS = 86_400_000;
export const INSTALLATION_ID = "demo";
/** Where every test saves its full-page screenshot (git-ignored). */
export const SCREENSHOTS = join(process.cwd(), "test-results", "e2e");
/** The width the panel is checked at: a laptop, and HubSpot's settings frame on one. */
export const VIEWPORT = { width: 1280, height: 900 } as const;

/** A demo shop synced twice, served by the real app, and one Chromium for the test file. */
export type DemoPanel = {
  readonly base: string;
  readonly store: Store;
  readonly browser: Browser;
  /** `/installations/demo<path>` on the app. */
  readonly url: (path?: string) => string;
  /** A fresh context at 1280x900, signed in through a signed link, on the panel's home page. */
  readonly signedIn: (options?: BrowserContextOptions) => Promise<{ readonly context: BrowserContext; readonly page: Page }>;
  /** A fresh context with no session. */
  readonly anonymous: () => Promise<{ readonly context: BrowserContext; readonly page: Page }>;
  readonly close: () => Promise<void>;
};

/** Launches Debian's Chromium, or fails saying how to install it: a skipped e2e run would hide a broken panel. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` (Debian), or set CHROMIUM_PATH.`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/**
 * The demo as `tailor demo` builds it, small: the app starts first so the catalog's images can point
 * at its /demo/images, then the shop is generated and synced twice a day apart (segment sizes get
 * two points), into the same lowdb store the app reads.
 */
export async function openDemoPanel(): Promise<DemoPanel> {
  const dir = await mkdtemp(join(tmpdir(), "tailor-e2e-"));
  await mkdir(SCREENSHOTS, { recursive: true });
  const store = await createLowdbStore(join(dir, "store"));
  let server: Listening | undefined;
  let browser: Browser | undefined;
  try {
    server = await listen(createApp({ store, log: silentLog(), installationId: INSTALLATION_ID, panel: { sessionSecret: SESSION_SECRET }, seed: 7 }));
    const { base } = server;
    const firstRun = new Date(Date.now() - DAY_MS);
    const inputDir = join(dir, "input");
    await generateDemoStore({ dir: inputDir, seed: 7, contacts: 400, products: 80, days: 120, now: firstRun, imageBase: `${base}/demo/images` });
    await store.saveInstallation({ id: INSTALLATION_ID, esp: "files", name: "Demo shop", createdAt: firstRun.toISOString(), propertiesDefined: [] });
    const connector = createFilesConnector({ inputDir, outputDir: join(dir, "output") });
    for (const at of [firstRun, new Date(firstRun.getTime() + DAY_MS)]) {
      await runSync({ connector, store, now: () => at, seed: 7 }, INSTALLATION_ID);
    }
    browser = await launchChromium();

    const signer = createSessionSigner(SESSION_SECRET);
    const url = (path = "") => `${base}/installations/${INSTALLATION_ID}${path}`;
    const launched = browser;
    const fresh = async (options: BrowserContextOptions = {}) => {
      const context = await launched.newContext({ viewport: VIEWPORT, ...options });
      return { context, page: await context.newPage() };
    };
    const running = server;
    return {
      base, store, browser, url,
      signedIn: async (options) => {
        const opened = await fresh(options);
        const link = signer.signLink(INSTALLATION_ID, "e2e admin", Date.now());
        const response = await opened.page.goto(`${base}/panel/enter?link=${encodeURIComponent(link)}`);
        if (response?.status() !== 200 || !opened.page.url().endsWith(`/installations/${INSTALLATION_ID}`)) {
          throw new Error(`signing in failed: ${String(response?.status())} at ${opened.page.url()}`);
        }
        return opened;
      },
      anonymous: () => fresh(),
      close: async () => {
        await launched.close();
        await running.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await browser?.close();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Saves the page as `test-results/e2e/<name>.png`, whole length, for a person to look at after the run. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
