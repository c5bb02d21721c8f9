import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import type axe from "axe-core";
import type { BrowserContextOptions, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest";
import type { Contact, Profile } from "../../src/domain/index.js";
import { openDemoPanel, screenshot, type DemoPanel } from "./demo-panel.js";

// The settings panel in a real Chromium, over a small demo shop synced twice. Each test gets a
// fresh browser context and leaves a full-page screenshot in test-results/e2e/ for a person to read.

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
// The sample a segment page draws (segment-pages.ts): with twice as many members, a new seed all but surely draws others.
const SAMPLE_SIZE = 20;

let demo: DemoPanel;

beforeAll(async () => {
  demo = await openDemoPanel();
}, 60_000);

afterAll(async () => {
  await demo.close();
});

type Browsing = {
  readonly page: Page;
  /** Saves the page now as `<test name>.png`, at the moment worth seeing; otherwise it is saved when the test ends. */
  readonly shot: () => Promise<void>;
};

/**
 * A fresh browser context for this test. When the test ends the context is closed, and the page is
 * saved as `<test name>.png` unless `shot` already did (a failing test always saves where it stopped).
 */
async function browse(ctx: TestContext, how: "signed in" | "anonymous" = "signed in", options: BrowserContextOptions = {}): Promise<Browsing> {
  const { context, page } = how === "anonymous" ? await demo.anonymous() : await demo.signedIn(options);
  const name = ctx.task.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
  let shot = false;
  ctx.onTestFinished(async ({ task }) => {
    try {
      if (!shot || task.result?.state === "fail") await screenshot(page, name);
    } finally {
      await context.close();
    }
  });
  return {
    page,
    shot: async () => {
      await screenshot(page, name);
      shot = true;
    },
  };
}

const cap = (page: Page) => page.getByLabel("frequency.maxPer7Days", { exact: true });
const activeDays = (page: Page) => page.getByLabel("lifecycle.activeDays", { exact: true });
const textOf = async (page: Page, selector: string) => (await page.locator(selector).first().innerText()).trim();

/** The first contact with an email whose stored profile has a product in slot 1: its page shows cards. */
async function contactWithRecommendations(): Promise<{ contact: Contact & { email: string }; profile: Profile }> {
  for await (const page of demo.store.readContacts("demo")) {
    for (const contact of page) {
      const email = contact.email;
      if (email === undefined || email === "") continue;
      const profile = await demo.store.getProfile("demo", contact.id);
      const slot = profile?.properties.tailor_rec_1?.value;
      if (profile !== null && typeof slot === "string" && slot !== "") return { contact: { ...contact, email }, profile };
    }
  }
  throw new Error("no contact in the demo shop has a recommendation");
}

/** Every image in the recommendation cards, once the browser is done with them: natural width 0 is a broken image. */
async function cardImageWidths(page: Page): Promise<number[]> {
  const images = page.locator("li.card img");
  await images.first().scrollIntoViewIfNeeded();
  // Strings run in the page: the project's types have no DOM (src/ runs on Node only).
  await page.waitForFunction("[...document.querySelectorAll('li.card img')].every((img) => img.complete)");
  return images.evaluateAll((all) => all.map((img) => (img as unknown as { naturalWidth: number }).naturalWidth));
}

describe("the settings panel in Chromium", () => {
  it("saves a changed guardrail as a new version that a reload still shows", async (ctx) => {
    const { page, shot } = await browse(ctx);
    await page.goto(demo.url("/settings"));
    await cap(page).fill("2");
    await page.getByRole("button", { name: "Save settings" }).click();

    await page.locator(".flash").waitFor();
    expect(await textOf(page, ".flash")).toMatch(/^Saved as version \d+/);
    await shot();
    await page.goto(demo.url("/settings"));
    expect(await cap(page).inputValue()).toBe("2");
    expect((await demo.store.getSettings("demo")).frequency.maxPer7Days).toBe(2);
  });

  it("shows a bad value's error in its own field and saves nothing", async (ctx) => {
    const { page, shot } = await browse(ctx);
    await page.goto(demo.url("/settings"));
    const before = await cap(page).inputValue();
    const versions = (await demo.store.listSettingsVersions("demo", 100)).length;
    await cap(page).fill("0");
    await page.getByRole("button", { name: "Save settings" }).click();

    await page.getByRole("heading", { name: "The settings were not saved" }).waitFor();
    expect(await cap(page).getAttribute("aria-invalid")).toBe("true");
    const field = page.locator(".field").filter({ has: cap(page) });
    const error = field.locator(".error");
    expect(await error.innerText()).not.toBe("");
    const errorId = await error.getAttribute("id");
    expect((await cap(page).getAttribute("aria-describedby"))?.split(" ")).toContain(errorId);
    await shot();

    await page.goto(demo.url("/settings"));
    expect(await cap(page).inputValue()).toBe(before);
    expect(await demo.store.listSettingsVersions("demo", 100)).toHaveLength(versions);
  });

  it("previews a lifecycle change with a dry run and saves nothing", async (ctx) => {
    const { page, shot } = await browse(ctx);
    await page.goto(demo.url("/settings"));
    const before = await activeDays(page).inputValue();
    await activeDays(page).fill("30");
    await page.getByRole("button", { name: "Dry run" }).click();

    await page.locator("#dry-run").waitFor();
    expect(await page.locator("#dry-run").innerText()).toContain("would change");
    await shot();
    await page.goto(demo.url("/settings"));
    expect(await activeDays(page).inputValue()).toBe(before);
    expect((await demo.store.getSettings("demo")).lifecycle.activeDays).toBe(Number(before));
  });

  it("previews a contact found by part of the email, with reasons and product images", async (ctx) => {
    const { contact, profile } = await contactWithRecommendations();
    const { page } = await browse(ctx);
    await page.goto(demo.url("/contacts"));
    await page.getByLabel("Email or contact id").fill(contact.email.slice(0, contact.email.indexOf("@")).toUpperCase());
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("link", { name: contact.email, exact: true }).click();

    await page.getByRole("heading", { level: 2, name: "Every Tailor value" }).waitFor();
    const lifecycleWhy = profile.properties.tailor_lifecycle?.why ?? "";
    expect(lifecycleWhy).not.toBe("");
    expect(await page.locator("table.values td.why").allInnerTexts()).toContain(lifecycleWhy);
    await page.getByRole("heading", { level: 2, name: "Recommendations" }).waitFor();
    await page.getByRole("heading", { level: 2, name: "Suppressions log" }).waitFor();
    const widths = await cardImageWidths(page);
    expect(widths.length).toBeGreaterThan(0);
    expect(widths.filter((w) => w === 0)).toEqual([]);
    expect(await page.locator("li.card img").first().getAttribute("src")).toMatch(new RegExp(`^${demo.base.replace(/[.]/g, "\\.")}/demo/images/p\\d+\\.svg$`));
  });

  it("reseeds a segment's sample", async (ctx) => {
    const { page } = await browse(ctx);
    await page.goto(demo.url("/segments"));
    const rows: { name: string; members: number }[] = [];
    for (const row of await page.locator("table.segments tbody tr").all()) {
      rows.push({ name: await row.locator("th a").innerText(), members: Number((await row.locator("td.num").innerText()).replace(/,/g, "")) });
    }
    const segment = rows.find((r) => r.members > 0);
    if (segment === undefined) throw new Error(`no segment has members: ${JSON.stringify(rows)}`);
    await page.getByRole("link", { name: segment.name, exact: true }).click();

    const seedText = () => textOf(page, "p.seed strong");
    const sampleIds = () => page.locator("table.segment-sample tbody th code").allInnerTexts();
    expect(await seedText()).toBe("Seed 1");
    const before = await sampleIds();
    expect(before.length).toBeGreaterThan(0);
    await page.getByRole("button", { name: "Reseed" }).click();
    await page.waitForURL(/[?&]seed=\d+/);

    expect(await seedText()).toMatch(/^Seed \d+$/);
    expect(await seedText()).not.toBe("Seed 1");
    if (segment.members >= 2 * SAMPLE_SIZE) expect(await sampleIds()).not.toEqual(before);
  });

  it("draws the lift chart beside its table", async (ctx) => {
    const { page } = await browse(ctx);
    await page.goto(demo.url("/lift"));
    await page.getByRole("heading", { level: 1, name: "Lift" }).waitFor();
    const canvas = page.locator("canvas[data-chart][data-chart-ready]");
    await canvas.waitFor();
    expect(Number(await canvas.getAttribute("data-chart-ready"))).toBeGreaterThan(0);
    expect(await textOf(page, "caption")).toMatch(/^Lift with/);
  });

  it("has no serious or critical axe violations on any panel page", async (ctx) => {
    const { page } = await browse(ctx, "signed in", { bypassCSP: true });
    const { contact } = await contactWithRecommendations();
    await page.goto(demo.url("/segments"));
    const segmentHref = await page.locator("table.segments tbody th a").first().getAttribute("href");
    await page.goto(demo.url("/runs"));
    const runHref = await page.locator("table.runs tbody a").first().getAttribute("href");
    const pages = {
      overview: demo.url(""), settings: demo.url("/settings"), contacts: demo.url("/contacts"), contact: demo.url(`/contacts/${encodeURIComponent(contact.id)}`),
      segments: demo.url("/segments"), segment: `${demo.base}${segmentHref ?? "/no-segment-link"}`, runs: demo.url("/runs"), run: `${demo.base}${runHref ?? "/no-run-link"}`,
      quarantine: demo.url("/quarantine"), lift: demo.url("/lift"), "template-qa": demo.url("/template-qa"),
    };

    const problems: string[] = [];
    for (const [name, url] of Object.entries(pages)) {
      const response = await page.goto(url);
      if (response?.status() !== 200) {
        problems.push(`${url}: HTTP ${String(response?.status())}`);
        continue;
      }
      // A picture of each page no other test leaves one of, to review the layout at 1280 px.
      if (["overview", "contacts", "segments", "runs", "run", "quarantine"].includes(name)) await screenshot(page, `page-${name}`);
      await page.addScriptTag({ path: AXE });
      const violations = await page.evaluate(async () => {
        const results = await (globalThis as unknown as { axe: typeof axe }).axe.run();
        return results.violations.map((v) => ({ id: v.id, impact: v.impact ?? null, help: v.help, targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
      });
      for (const v of violations.filter((x) => x.impact === "serious" || x.impact === "critical")) {
        problems.push(`${url.slice(demo.base.length)}: ${v.id} (${v.impact ?? "?"}) ${v.help} at ${v.targets.join(" | ")}`);
      }
    }
    expect(problems, problems.join("\n")).toEqual([]);
  }, 60_000);

  it("saves the settings with the keyboard alone", async (ctx) => {
    const { page, shot } = await browse(ctx);
    await page.goto(demo.url("/settings"));
    await cap(page).focus();
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.type("3");
    // Tab on through the form until the Save button has focus, as a keyboard user would.
    let onSave = false;
    for (let presses = 0; presses < 600 && !onSave; presses++) {
      await page.keyboard.press("Tab");
      onSave = (await page.locator("button:focus", { hasText: "Save settings" }).count()) === 1;
    }
    expect(onSave).toBe(true);
    await page.keyboard.press("Space");

    await page.locator(".flash").waitFor();
    expect(await textOf(page, ".flash")).toMatch(/^Saved as version \d+/);
    await shot();
    await page.goto(demo.url("/settings"));
    expect(await cap(page).inputValue()).toBe("3");
  });

  it("may be framed by its own origin and the ESPs, and is refused in a frame on another origin", async (ctx) => {
    const { page } = await browse(ctx);
    const settingsUrl = demo.url("/settings");
    const response = await page.goto(settingsUrl);
    const headers = response?.headers() ?? {};
    expect(headers["content-security-policy"]).toMatch(/frame-ancestors 'self' https:\/\/\*\.hubspot\.com/);
    expect(headers["x-frame-options"]).toBeUndefined();

    // Same origin: the panel page frames its own settings page.
    await page.goto(demo.url(""));
    await page.evaluate(async (src) => {
      const { document } = globalThis as unknown as { document: FramingDocument };
      const frame = document.createElement("iframe");
      frame.src = src;
      frame.title = "Settings, framed";
      const loaded = new Promise<void>((resolve) => { frame.addEventListener("load", () => { resolve(); }, { once: true }); });
      document.body.append(frame);
      await loaded;
    }, settingsUrl);
    const sameOrigin = page.frames().find((f) => f !== page.mainFrame());
    expect(await sameOrigin?.locator("h1").innerText()).toBe("Settings");

    // Another origin (another port): Chromium gets the page but refuses to show it.
    const host = await serveFramingPage(settingsUrl);
    ctx.onTestFinished(host.close);
    const served = page.waitForResponse((r) => r.url() === settingsUrl);
    await page.goto(host.url);
    expect((await served).status()).toBe(200);
    const foreign = page.frames().find((f) => f !== page.mainFrame());
    expect(foreign).toBeDefined();
    expect(foreign?.url()).not.toBe(settingsUrl);
    expect(await foreign?.getByRole("heading", { level: 1, name: "Settings" }).count()).toBe(0);
  });

  it("asks a browser without a session to sign in", async (ctx) => {
    const { page } = await browse(ctx, "anonymous");
    const response = await page.goto(demo.url("/settings"));
    expect(response?.status()).toBe(401);
    expect(await textOf(page, "h1")).toBe("Sign in to Tailor");
  });
});

/** The little of the DOM the same-origin framing step uses (the project's types have no DOM lib). */
type FramingDocument = {
  createElement(tag: "iframe"): { src: string; title: string; addEventListener(type: "load", listener: () => void, options: { once: true }): void };
  readonly body: { append(node: unknown): void };
};

/** A page on another origin (a second server, another port) that frames `src`. */
async function serveFramingPage(src: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html lang="en"><title>Another site</title><h1>Another site</h1><iframe title="Tailor" src="${src}" width="900" height="500"></iframe></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/`,
    close: () => new Promise<void>((resolve, reject) => { server.close((error) => { if (error) reject(error); else resolve(); }); }),
  };
}
