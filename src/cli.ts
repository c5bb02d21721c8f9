#!/usr/bin/env node
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { pino, type Logger } from "pino";
import { loadConfig, type AppConfig } from "./config.js";
import { createFilesConnector } from "./connectors/files/connector.js";
import { readCatalogFile } from "./connectors/files/read-catalog-file.js";
import { ordersFormatOf, readOrdersFile, type OrdersFormat } from "./connectors/files/read-orders-file.js";
import { generateDemoStore } from "./demo/generate-demo-store.js";
import { createHubSpotApp } from "./connectors/hubspot/hubspot-app.js";
import type { HubSpotOAuthApp } from "./connectors/hubspot/oauth.js";
import { hubspotCallFor, openHubSpot, portalOf } from "./connectors/hubspot/open-hubspot.js";
import { accountOf, createKlaviyoApp } from "./connectors/klaviyo/klaviyo-app.js";
import type { KlaviyoOAuthApp } from "./connectors/klaviyo/oauth.js";
import { disconnectKlaviyo, klaviyoCallFor, openKlaviyo } from "./connectors/klaviyo/open-klaviyo.js";
import { RecommendationSettingsSchema, type Connector, type EspApp, type Installation, type Store } from "./domain/index.js";
import { createApp } from "./server/app.js";
import { createSessionSigner } from "./server/session.js";
import { createLowdbStore } from "./store/lowdb-store.js";
import { formatSummary } from "./sync/format-summary.js";
import { backtestCommand } from "./sync/backtest-command.js";
import { eraseFromStore } from "./sync/apply-webhook-events.js";
import { defineMissingProperties } from "./sync/define-missing-properties.js";
import { liftCommand } from "./sync/lift-command.js";
import { qaCommand } from "./sync/qa-command.js";
import { createTerminalProgress } from "./sync/progress.js";
import { runSync } from "./sync/run-sync.js";
import { sampleCommand, type SampleFormat } from "./sync/sample-command.js";
import { scheduleSync } from "./sync/schedule.js";

/** The composition root: the only file that picks a concrete store and connector. */
const DEMO_ID = "demo";

type FilesTarget = { readonly installationId: string; readonly inputDir: string; readonly outputDir: string };

const int = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError("must be a whole number");
  return parsed;
};

async function openStore(config: AppConfig): Promise<Store> {
  return createLowdbStore(resolve(config.DATA_DIR, "store"), { tokenKey: config.TOKEN_KEY });
}

type EspScopes = { readonly requiredScopes: string[]; readonly optionalScopes: string[] };

/** Scopes are declared once, in app-manifest.json at the repo root (one level up from src/, two from dist/src/). */
function manifestScopes(esp: "hubspot" | "klaviyo"): EspScopes {
  const manifestUrl = new URL(import.meta.url.includes("/dist/") ? "../../app-manifest.json" : "../app-manifest.json", import.meta.url);
  const manifest = JSON.parse(readFileSync(manifestUrl, "utf8")) as { esps: Record<"hubspot" | "klaviyo", EspScopes> };
  return manifest.esps[esp];
}

/** The HubSpot OAuth app from the environment, or null when this deployment has none. */
function hubspotOAuth(config: AppConfig): HubSpotOAuthApp | null {
  if (config.HUBSPOT_CLIENT_ID === undefined || config.HUBSPOT_CLIENT_SECRET === undefined) return null;
  const scopes = manifestScopes("hubspot");
  return {
    clientId: config.HUBSPOT_CLIENT_ID,
    clientSecret: config.HUBSPOT_CLIENT_SECRET,
    redirectUri: new URL("/oauth/hubspot/callback", config.PUBLIC_URL).toString(),
    scopes: scopes.requiredScopes,
    optionalScopes: scopes.optionalScopes,
  };
}

/**
 * The Klaviyo OAuth app from the environment, or null. Klaviyo has no optional scopes at install:
 * the app asks for all of them, and a private key may hold fewer (catalog sync and the web feed
 * then say what they miss).
 */
function klaviyoOAuth(config: AppConfig): KlaviyoOAuthApp | null {
  if (config.KLAVIYO_CLIENT_ID === undefined || config.KLAVIYO_CLIENT_SECRET === undefined) return null;
  const scopes = manifestScopes("klaviyo");
  return {
    clientId: config.KLAVIYO_CLIENT_ID,
    clientSecret: config.KLAVIYO_CLIENT_SECRET,
    redirectUri: new URL("/oauth/klaviyo/callback", config.PUBLIC_URL).toString(),
    scopes: [...scopes.requiredScopes, ...scopes.optionalScopes],
  };
}

/** The connector an installation syncs through: its ESP's, or the files connector for a folder. */
async function connectorFor(config: AppConfig, store: Store, installation: Installation, files: () => FilesTarget, log: Logger): Promise<Connector> {
  const note = (message: string) => { log.info({ installationId: installation.id }, message); };
  if (installation.esp === "hubspot") {
    return openHubSpot({ store, installationId: installation.id, oauth: hubspotOAuth(config), basePath: config.HUBSPOT_API_BASE, log: note });
  }
  if (installation.esp === "klaviyo") {
    const settings = await store.getSettings(installation.id);
    return openKlaviyo({
      store, installationId: installation.id, oauth: klaviyoOAuth(config), basePath: config.KLAVIYO_API_BASE, settings: settings.klaviyo,
      webFeedUrl: new URL(`/feeds/${encodeURIComponent(installation.id)}/shared.json`, config.PUBLIC_URL).toString(), log: note,
    });
  }
  return createFilesConnector(files());
}

/** OAuth and webhooks for the ESP apps configured in the environment, for the server. */
function espApps(config: AppConfig, store: Store, log: Logger) {
  const hubspot = hubspotOAuth(config);
  const klaviyo = klaviyoOAuth(config);
  if ((hubspot === null && klaviyo === null) || config.SESSION_SECRET === undefined) return undefined;
  const now = () => Date.now();
  const apps: Partial<Record<"hubspot" | "klaviyo", EspApp>> = {
    ...(hubspot === null ? {} : { hubspot: createHubSpotApp({ oauth: hubspot, fetch, now }) }),
    ...(klaviyo === null ? {} : { klaviyo: createKlaviyoApp({ oauth: klaviyo, fetch, now, basePath: config.KLAVIYO_API_BASE }) }),
  };
  return {
    apps,
    stateSecret: config.SESSION_SECRET,
    publicUrl: config.PUBLIC_URL,
    // Setup right away, so the portal has the tailor_* properties before the first sync writes them.
    onInstalled: async (installationId: string) => {
      const installation = await store.getInstallation(installationId);
      if (installation === null) return;
      const connector = await connectorFor(config, store, installation, () => { throw new Error("not a files installation"); }, log);
      await defineMissingProperties(connector, store, installation);
    },
  };
}

const HUBSPOT_STEPS = (config: AppConfig): string => `Connect a HubSpot portal

With your own app (OAuth, what the marketplace uses):
  1. In a HubSpot developer account, create the app from extensions/hubspot (hs project upload; see
     extensions/hubspot/README.md), or an app in the UI with the scopes in app-manifest.json and the
     redirect URL ${new URL("/oauth/hubspot/callback", config.PUBLIC_URL).toString()}
  2. Set in the environment: HUBSPOT_CLIENT_ID, HUBSPOT_CLIENT_SECRET, PUBLIC_URL (where HubSpot reaches
     this server), TOKEN_KEY (tokens are encrypted at rest: \`openssl rand -hex 32\`), SESSION_SECRET (32+ chars).
  3. Run \`tailor serve\` and open ${new URL("/install/hubspot", config.PUBLIC_URL).toString()} as a super admin
     of a test portal. Tailor creates the tailor_* properties on install.
  4. \`tailor sync --installation hubspot-<portal id>\` (or let \`serve\` sync on its schedule).

With a private app token (development, self-hosting):
  1. In the portal: Settings → Integrations → Private apps → create, with the same scopes.
  2. HUBSPOT_PRIVATE_APP_TOKEN=<token> TOKEN_KEY=<hex> tailor connect hubspot --private-app
${config.HUBSPOT_CLIENT_ID === undefined ? "\nHUBSPOT_CLIENT_ID is not set yet." : "\nHUBSPOT_CLIENT_ID is set."}`;

const KLAVIYO_STEPS = (config: AppConfig): string => `Connect a Klaviyo account

With your own app (OAuth with PKCE, what Klaviyo's integrations directory requires):
  1. In Klaviyo: Settings → Integrations → Manage apps → create an app with the scopes in
     app-manifest.json (esps.klaviyo) and the redirect URL ${new URL("/oauth/klaviyo/callback", config.PUBLIC_URL).toString()}
  2. Set in the environment: KLAVIYO_CLIENT_ID, KLAVIYO_CLIENT_SECRET, PUBLIC_URL (where Klaviyo reaches
     this server), TOKEN_KEY (\`openssl rand -hex 32\`), SESSION_SECRET (32+ chars).
  3. Run \`tailor serve\` and open ${new URL("/install/klaviyo", config.PUBLIC_URL).toString()} as an owner or admin.
  4. \`tailor sync --installation klaviyo-<account id>\` (or let \`serve\` sync on its schedule).

With a private API key (development, self-hosting):
  1. In Klaviyo: Settings → API keys → create a private key with the same scopes (read/write as listed).
  2. KLAVIYO_PRIVATE_API_KEY=<pk_…> TOKEN_KEY=<hex> tailor connect klaviyo --private-key
${config.KLAVIYO_CLIENT_ID === undefined ? "\nKLAVIYO_CLIENT_ID is not set yet." : "\nKLAVIYO_CLIENT_ID is set."}`;

async function ensureInstallation(store: Store, id: string, name: string): Promise<void> {
  if ((await store.getInstallation(id)) !== null) return;
  await store.saveInstallation({ id, esp: "files", name, createdAt: new Date().toISOString(), propertiesDefined: [] });
}

async function syncOnce(store: Store, connector: Connector, installationId: string, dryRun: boolean, seed: number): Promise<void> {
  const bars = process.stderr.isTTY ? createTerminalProgress() : null;
  try {
    const { summary, changes } = await runSync({ connector, store, now: () => new Date(), seed, ...(bars ? { onProgress: bars.update } : {}) }, installationId, { dryRun });
    bars?.stop();
    console.log(formatSummary(summary));
    if (dryRun) {
      for (const change of changes.slice(0, 20)) console.log(`  ${change.contactId}: ${JSON.stringify(change.set)}`);
      if (changes.length > 20) console.log(`  … and ${changes.length - 20} more contacts`);
    }
  } finally {
    bars?.stop();
  }
}

function serve(config: AppConfig, store: Store, log: Logger, installationId: string, sync: () => Promise<void>, intervalMinutes: number): void {
  const esps = espApps(config, store, log);
  // The localhost demo only: with no ESP app configured and nothing but this machine able to connect, opening / signs in.
  const localSignIn = esps === undefined && LOOPBACK_HOSTS.has(config.HOST);
  const app = createApp({
    store, log, installationId, ...(esps === undefined ? {} : { esps }),
    panel: { ...(config.SESSION_SECRET === undefined ? {} : { sessionSecret: config.SESSION_SECRET }), localSignIn },
  });
  const server = app.listen(config.PORT, config.HOST, () => {
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : config.PORT;
    const local = `http://${config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST}:${port}`;
    console.log(`\nTailor is serving ${local}/  (feed: ${local}/feeds/${installationId}.json)`);
    console.log(localSignIn
      ? `Settings panel: open ${local}/ (on this machine it signs you in to "${installationId}").`
      : `Settings panel: open it from the ESP, or run \`tailor panel-link --installation ${installationId}\` for a sign-in link.`);
    console.log(`Next sync every ${intervalMinutes} min. Ctrl-C to stop.`);
  });
  const schedule = scheduleSync(intervalMinutes, sync, (error) => { log.error({ err: error }, "scheduled sync failed"); });
  const stop = () => {
    void schedule.stop().finally(() => server.close(() => process.exit(0)));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "::1", "localhost"]);

function filesTarget(config: AppConfig, options: { installation: string; input?: string; output?: string }): FilesTarget {
  const inputDir = resolve(options.input ?? join(config.DATA_DIR, `${options.installation}-input`));
  const outputDir = resolve(options.output ?? join(config.DATA_DIR, `${options.installation}-output`));
  if (!existsSync(inputDir)) throw new Error(`No input folder at ${inputDir}: pass --input <folder with contacts, products and events files>.`);
  return { installationId: options.installation, inputDir, outputDir };
}

/** A UTC day given as YYYY-MM-DD, as the start of that day. */
function dayArgument(flag: string, value: string): Date {
  const day = new Date(`${value}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(day.getTime())) throw new InvalidArgumentError(`${flag} must be a day as YYYY-MM-DD (got ${value})`);
  return day;
}

async function main(argv: readonly string[]): Promise<void> {
  const config = loadConfig();
  const log = pino({ level: config.LOG_LEVEL }, pino.destination(2));
  const program = new Command("tailor").description("Per-contact scores, segments and recommendations for your ESP.");

  program.command("demo")
    .description("Generate the demo shop, run a full sync over it, then serve the run page and the feed.")
    .option("--contacts <n>", "contacts in the demo shop", int, 3000)
    .option("--products <n>", "products in the demo catalog", int, 300)
    .option("--days <n>", "days of history", int, 120)
    .option("--seed <n>", "seed: the same seed makes the same shop", int, 42)
    .option("--fresh", "forget earlier demo runs and start over", false)
    .option("--no-serve", "exit after the sync instead of serving")
    .action(async (o: { contacts: number; products: number; days: number; seed: number; fresh: boolean; serve: boolean }) => {
      const inputDir = resolve(config.DATA_DIR, `${DEMO_ID}-input`);
      const outputDir = resolve(config.DATA_DIR, `${DEMO_ID}-output`);
      if (o.fresh) for (const dir of [inputDir, outputDir, resolve(config.DATA_DIR, "store", DEMO_ID)]) rmSync(dir, { recursive: true, force: true });
      if (!existsSync(inputDir)) {
        // Generated once; later demo runs sync the same files, so the second run writes nothing.
        // Product images are the server's own placeholders, so the panel shows them offline.
        const stats = await generateDemoStore({ dir: inputDir, seed: o.seed, contacts: o.contacts, products: o.products, days: o.days, now: new Date(), imageBase: new URL("/demo/images", config.PUBLIC_URL).toString() });
        console.log(`Demo shop generated in ${inputDir}: ${stats.contacts.toLocaleString("en-US")} contacts, ${stats.products} products, ${stats.events.toLocaleString("en-US")} events, dirty on purpose: ${JSON.stringify(stats.dirty)}`);
      }
      const store = await openStore(config);
      await ensureInstallation(store, DEMO_ID, "Demo shop");
      const connector = createFilesConnector({ inputDir, outputDir });
      const sync = () => syncOnce(store, connector, DEMO_ID, false, o.seed);
      await sync();
      console.log(`Property changes and the feed were written to ${outputDir}`);
      if (o.serve) serve(config, store, log, DEMO_ID, sync, (await store.getSettings(DEMO_ID)).sync.intervalMinutes);
    });

  program.command("sync")
    .description("Run one sync for a folder of CSV / NDJSON files (creates the installation on first use).")
    .option("--installation <id>", "installation id", DEMO_ID)
    .option("--input <dir>", "folder with contacts, products, events (or Online Retail invoice CSV) files")
    .option("--output <dir>", "folder the property changes and the feed are written to")
    .option("--dry-run", "print what would change and write nothing", false)
    .option("--seed <n>", "seed for the engine", int, 42)
    .action(async (o: { installation: string; input?: string; output?: string; dryRun: boolean; seed: number }) => {
      const store = await openStore(config);
      const known = await store.getInstallation(o.installation);
      if (known === null) await ensureInstallation(store, filesTarget(config, o).installationId, o.installation);
      const installation = known ?? await store.getInstallation(o.installation);
      if (installation === null) throw new Error(`No installation "${o.installation}".`);
      await syncOnce(store, await connectorFor(config, store, installation, () => filesTarget(config, o), log), installation.id, o.dryRun, o.seed);
    });

  const connect = program.command("connect").description("Connect an ESP account.");
  connect.command("hubspot")
    .description("Connect a HubSpot portal: prints the OAuth install steps, or with --private-app connects the portal of HUBSPOT_PRIVATE_APP_TOKEN now.")
    .option("--private-app", "connect with HUBSPOT_PRIVATE_APP_TOKEN (development, self-hosting)", false)
    .action(async (o: { privateApp: boolean }) => {
      if (!o.privateApp) {
        console.log(HUBSPOT_STEPS(config));
        return;
      }
      const token = config.HUBSPOT_PRIVATE_APP_TOKEN;
      if (token === undefined) throw new InvalidArgumentError("set HUBSPOT_PRIVATE_APP_TOKEN to the private app's access token");
      if (config.TOKEN_KEY === undefined) throw new InvalidArgumentError("set TOKEN_KEY (openssl rand -hex 32): tokens are encrypted at rest");
      const store = await openStore(config);
      const portal = await portalOf(hubspotCallFor(() => Promise.resolve(token), config.HUBSPOT_API_BASE));
      const id = `hubspot-${portal}`;
      const existing = await store.getInstallation(id);
      await store.saveCredentials(id, { kind: "private", accessToken: token, accountId: portal });
      await store.saveInstallation({ id, esp: "hubspot", name: `HubSpot portal ${portal}`, createdAt: existing?.createdAt ?? new Date().toISOString(), propertiesDefined: existing?.propertiesDefined ?? [], accountId: portal, status: "active" });
      console.log(`Connected HubSpot portal ${portal} as installation ${id}. Next: tailor sync --installation ${id}`);
    });

  connect.command("klaviyo")
    .description("Connect a Klaviyo account: prints the OAuth install steps, or with --private-key connects the account of KLAVIYO_PRIVATE_API_KEY now.")
    .option("--private-key", "connect with KLAVIYO_PRIVATE_API_KEY (development, self-hosting)", false)
    .action(async (o: { privateKey: boolean }) => {
      if (!o.privateKey) {
        console.log(KLAVIYO_STEPS(config));
        return;
      }
      const key = config.KLAVIYO_PRIVATE_API_KEY;
      if (key === undefined) throw new InvalidArgumentError("set KLAVIYO_PRIVATE_API_KEY to a private API key (pk_…)");
      if (config.TOKEN_KEY === undefined) throw new InvalidArgumentError("set TOKEN_KEY (openssl rand -hex 32): keys are encrypted at rest");
      const store = await openStore(config);
      const account = await accountOf(klaviyoCallFor(() => Promise.resolve({ scheme: "private", token: key }), config.KLAVIYO_API_BASE));
      const id = `klaviyo-${account.id}`;
      const existing = await store.getInstallation(id);
      await store.saveCredentials(id, { kind: "private", accessToken: key, accountId: account.id });
      await store.saveInstallation({ id, esp: "klaviyo", name: account.name, createdAt: existing?.createdAt ?? new Date().toISOString(), propertiesDefined: existing?.propertiesDefined ?? [], accountId: account.id, status: "active" });
      console.log(`Connected Klaviyo account ${account.name} (${account.id}) as installation ${id}. Next: tailor sync --installation ${id}`);
    });

  program.command("disconnect")
    .description("Uninstall from the ESP side: revoke the OAuth tokens (Klaviyo), forget the credentials and stop syncing. Stored data stays until erased.")
    .requiredOption("--installation <id>", "installation id")
    .action(async (o: { installation: string }) => {
      const store = await openStore(config);
      const installation = await store.getInstallation(o.installation);
      if (installation === null) throw new InvalidArgumentError(`no installation "${o.installation}"`);
      const oauth = klaviyoOAuth(config);
      if (installation.esp === "klaviyo" && oauth !== null) await disconnectKlaviyo({ store, installationId: installation.id, oauth });
      else {
        await store.saveCredentials(installation.id, null);
        await store.saveInstallation({ ...installation, status: "uninstalled" });
      }
      console.log(`Installation ${installation.id} is disconnected; syncing stopped.`);
    });

  program.command("erase")
    .description("Privacy request: delete one person from the ESP (where Tailor may) and from everything Tailor stores, in one go.")
    .requiredOption("--installation <id>", "installation id")
    .requiredOption("--contact <email or id>", "the person's email, Tailor contact id or ESP id")
    .action(async (o: { installation: string; contact: string }) => {
      const store = await openStore(config);
      const installation = await store.getInstallation(o.installation);
      if (installation === null) throw new InvalidArgumentError(`no installation "${o.installation}"`);
      const wanted = o.contact.trim().toLowerCase();
      let found: { id: string; espId?: string; email?: string } | null = null;
      for await (const contacts of store.readContacts(installation.id)) {
        const match = contacts.find((c) => c.id === o.contact || c.email?.toLowerCase() === wanted || Object.values(c.espIds).includes(o.contact));
        if (match !== undefined) {
          const espId = installation.esp === "files" ? undefined : match.espIds[installation.esp];
          found = { id: match.id, ...(espId === undefined ? {} : { espId }), ...(match.email === undefined ? {} : { email: match.email }) };
          break;
        }
      }
      if (found === null) throw new InvalidArgumentError(`no contact "${o.contact}" in installation ${installation.id}`);
      const connector = await connectorFor(config, store, installation, () => filesTarget(config, { installation: installation.id }), log);
      if (connector.requestErasure !== undefined && found.espId !== undefined) {
        await connector.requestErasure({ espId: found.espId, ...(found.email === undefined ? {} : { email: found.email }) });
        console.log(`Asked ${installation.esp} to delete the person everywhere it keeps them.`);
      } else {
        console.log(`${installation.esp} deletion is not requested by Tailor: delete the person in ${installation.esp} too.`);
      }
      const erasure = await eraseFromStore(store, installation.id, [found.id]);
      console.log(`Erased ${erasure.erased} contact(s) and everything derived from them from Tailor's store.`);
    });

  program.command("panel-link")
    .description("Print a one-click sign-in link to an installation's settings panel (valid 2 minutes; needs the server's SESSION_SECRET).")
    .option("--installation <id>", "installation id", DEMO_ID)
    .option("--as <name>", "who signs in, as settings versions record it", "admin (CLI link)")
    .action(async (o: { installation: string; as: string }) => {
      if (config.SESSION_SECRET === undefined) throw new Error("SESSION_SECRET is not set: set the same 32+ character secret here and on the server (without it the server signs sessions with a random key of its own).");
      const store = await openStore(config);
      if ((await store.getInstallation(o.installation)) === null) throw new Error(`No installation "${o.installation}".`);
      const link = createSessionSigner(config.SESSION_SECRET).signLink(o.installation, o.as, Date.now());
      console.log(new URL(`/panel/enter?link=${encodeURIComponent(link)}`, config.PUBLIC_URL).toString());
    });

  program.command("serve")
    .description("Serve the run page and the feed, and sync on the schedule from Settings.")
    .option("--installation <id>", "installation id", DEMO_ID)
    .option("--input <dir>", "input folder for the files connector")
    .option("--output <dir>", "output folder for the files connector")
    .action(async (o: { installation: string; input?: string; output?: string }) => {
      const target = filesTarget(config, o);
      const store = await openStore(config);
      await ensureInstallation(store, target.installationId, target.installationId);
      const connector = createFilesConnector(target);
      serve(config, store, log, target.installationId, () => syncOnce(store, connector, target.installationId, false, 42), (await store.getSettings(target.installationId)).sync.intervalMinutes);
    });

  program.command("sample")
    .description("Print a reproducible random sample of a segment's members with every value and reason, to spot-check it.")
    .requiredOption("--segment <name>", "segment name (as in Settings) or its slug")
    .option("--installation <id>", "installation id", DEMO_ID)
    .option("--n <n>", "members to sample", int, 20)
    .option("--seed <n>", "seed: the same seed draws the same members", int, 1)
    .option("--format <format>", "text | json | csv", "text")
    .action(async (o: { segment: string; installation: string; n: number; seed: number; format: string }) => {
      if (!["text", "json", "csv"].includes(o.format)) throw new InvalidArgumentError(`--format must be text, json or csv (got ${o.format})`);
      if (o.n < 1) throw new InvalidArgumentError("--n must be at least 1");
      const store = await openStore(config);
      console.log(await sampleCommand(store, o.installation, { segment: o.segment, n: o.n, seed: o.seed, format: o.format as SampleFormat }));
    });

  program.command("report")
    .description("Reports over the stored data.")
    .command("lift")
    .description("Treated vs holdout for the global holdout and each feature pilot: revenue per recipient, conversion, clicks, human opens, unsubscribes and complaints, with intervals and the sample each effect needs.")
    .option("--installation <id>", "installation id", DEMO_ID)
    .option("--days <n>", "window length in days, ending at --to", int, 28)
    .option("--to <YYYY-MM-DD>", "window end (exclusive, UTC); default now")
    .option("--format <format>", "text | json", "text")
    .action(async (o: { installation: string; days: number; to?: string; format: string }) => {
      if (o.format !== "text" && o.format !== "json") throw new InvalidArgumentError(`--format must be text or json (got ${o.format})`);
      if (o.days < 1 || o.days > 365) throw new InvalidArgumentError("--days must be 1 to 365");
      const to = o.to === undefined ? new Date() : dayArgument("--to", o.to);
      const store = await openStore(config);
      console.log(await liftCommand(store, o.installation, { days: o.days, to, format: o.format }));
    });

  program.command("qa")
    .description("Checks before a send.")
    .command("template <file>")
    .description("For a template's audience, the share of contacts each referenced property is empty for and what renders then; flags empty greetings and slots whose product is missing from the feed.")
    .option("--segment <name>", "audience: contacts in this named segment (default: everyone)")
    .option("--installation <id>", "installation id", DEMO_ID)
    .option("--format <format>", "text | json", "text")
    .action(async (file: string, o: { segment?: string; installation: string; format: string }) => {
      if (o.format !== "text" && o.format !== "json") throw new InvalidArgumentError(`--format must be text or json (got ${o.format})`);
      if (!existsSync(file)) throw new InvalidArgumentError(`no template at ${resolve(file)}`);
      const store = await openStore(config);
      console.log(await qaCommand(store, o.installation, { template: file, segment: o.segment ?? null, format: o.format }));
    });

  program.command("backtest")
    .description("Fit on orders before the cutoff, predict and recommend, and score against what happened after it (Tailor vs a past-rate baseline, bestsellers and item-kNN).")
    .requiredOption("--orders <file>", "orders file: Online Retail CSV (.csv or .csv.gz) or NDJSON placed_order events")
    .option("--format <format>", "online-retail | ndjson (default: from the file name)")
    .option("--products <file>", "catalog CSV with product_id (and category) for category outputs")
    .requiredOption("--cutoff <YYYY-MM-DD>", "fit on orders before this day (UTC)")
    .option("--horizon-days <n>", "days after the cutoff to score", int, 90)
    .requiredOption("--out <dir>", "folder for predictions.csv, recommendations.csv, report.md and report.json")
    .option("--price-band <share>", "price band of the composed slots around each customer's AOV (0 = off; a wholesaler's AOV is many unit prices)", Number, 0.3)
    .action(async (o: { orders: string; format?: string; products?: string; cutoff: string; horizonDays: number; out: string; priceBand: number }) => {
      const cutoff = dayArgument("--cutoff", o.cutoff);
      if (o.format !== undefined && o.format !== "online-retail" && o.format !== "ndjson") throw new InvalidArgumentError(`--format must be online-retail or ndjson (got ${o.format})`);
      const format: OrdersFormat = o.format ?? ordersFormatOf(o.orders);
      const skipped = new Map<string, number>();
      const { table } = await backtestCommand({
        events: readOrdersFile(o.orders, { format, skipped }),
        ...(o.products === undefined ? {} : { products: readCatalogFile(o.products) }),
        cutoff, horizonDays: o.horizonDays, outDir: resolve(o.out), skipped,
        recommendations: RecommendationSettingsSchema.parse({ priceBand: o.priceBand }),
      });
      console.log(table);
      console.log(`Wrote predictions.csv, recommendations.csv, report.md and report.json to ${resolve(o.out)}`);
    });

  await program.parseAsync(argv);
}

main(process.argv).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
