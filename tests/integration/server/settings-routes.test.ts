import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../../src/domain/index.js";
import { defaultSettings, DEFAULT_SEGMENTS } from "../../../src/domain/index.js";
import { createMemoryStore } from "../../../src/store/memory-store.js";
import { runSync } from "../../../src/sync/run-sync.js";
import { openPanel, type PanelClient } from "../../helpers/panel-client.js";
import { createScriptedConnector, smallShop } from "../../helpers/scripted-connector.js";

const NOW = new Date("2026-11-01T12:00:00Z");
const ID = "shop";
const SETTINGS = `/installations/${ID}/settings`;
const SEED = 7;

async function installedStore(esp: "files" | "klaviyo" = "files"): Promise<Store> {
  const store = createMemoryStore();
  await store.saveInstallation({ id: ID, esp, name: "Shop", createdAt: NOW.toISOString(), propertiesDefined: [] });
  return store;
}

const ENTITIES: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#x27;": "'", "&#x60;": "`", "&#x3D;": "=" };
const decode = (text: string): string => text.replace(/&(?:amp|lt|gt|quot|#x27|#x60|#x3D);/g, (e) => ENTITIES[e] ?? e);
const attributes = (tag: string): Map<string, string> => new Map([...tag.matchAll(/([\w-]+)(?:="([^"]*)")?/g)].map((m) => [m[1] ?? "", decode(m[2] ?? "")]));

/** What a browser would post from the settings form as rendered (the client adds _csrf itself). */
function formOf(html: string): Record<string, string[]> {
  const start = html.indexOf(`<form method="post" action="${SETTINGS}"`);
  const form = html.slice(start, html.indexOf("</form>", start));
  const posted: Record<string, string[]> = {};
  const add = (name: string | undefined, value: string) => {
    if (name === undefined || name === "_csrf") return;
    (posted[name] ??= []).push(value);
  };
  for (const m of form.matchAll(/<(input|select|textarea)\b([^>]*)>/g)) {
    const [whole, tag, attrText = ""] = m;
    const attrs = attributes(attrText);
    const rest = form.slice((m.index) + whole.length);
    if (tag === "textarea") add(attrs.get("name"), decode(rest.slice(0, rest.indexOf("</textarea>"))));
    else if (tag === "select") add(attrs.get("name"), attributes(/<option\b([^>]*\bselected[^>]*)>/.exec(rest.slice(0, rest.indexOf("</select>")))?.[1] ?? "").get("value") ?? "");
    else if (attrs.get("type") !== "checkbox" || attrs.has("checked")) add(attrs.get("name"), attrs.get("value") ?? "");
  }
  return posted;
}

/** The .field block of one setting, from its opening div to its error (or doc) line. */
function fieldBlock(html: string, id: string): string {
  const at = html.indexOf(`<label for="${id}">`);
  const open = html.lastIndexOf('<div class="field', at);
  return html.slice(open, html.indexOf('<div class="field', at));
}

describe("the settings page", () => {
  let panel: PanelClient;
  let store: Store;
  afterEach(async () => { await panel.close(); });

  const open = async (esp: "files" | "klaviyo" = "files") => {
    store = await installedStore(esp);
    panel = await openPanel(store, ID, { now: () => NOW.getTime(), seed: SEED });
  };

  it("shows every group's fields with their key, doc and default, and the two submit buttons", async () => {
    await open();
    const res = await panel.get(SETTINGS);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain("<h1>Settings</h1>");
    expect(html).toContain('<label for="field-frequency-maxPer7Days">frequency.maxPer7Days</label>');
    expect(fieldBlock(html, "field-frequency-maxPer7Days")).toContain("Default: 3");
    expect(html).toContain("Marketing emails per rolling 7 days for most contacts");
    expect(html).toContain('<legend><h2>Email frequency caps</h2></legend>');
    expect(html).toMatch(/<button type="submit" class="primary">Save settings<\/button>/);
    expect(html).toContain(`<button type="submit" formaction="${SETTINGS}/dry-run">Dry run</button>`);
    expect(html).toContain("No version saved yet");
    expect(html).not.toContain("klaviyo.metrics.placed_order");
  });

  it("shows the Klaviyo group to a Klaviyo installation", async () => {
    await open("klaviyo");
    expect(await (await panel.get(SETTINGS)).text()).toContain('<label for="field-klaviyo-metrics-placed_order">klaviyo.metrics.placed_order</label>');
  });

  it("saves a change as version 1 by the signed-in user and shows it", async () => {
    await open();
    const res = await panel.post(SETTINGS, { "frequency.maxPer7Days": "2", note: "fewer emails in December" });
    expect([res.status, res.headers.get("location")]).toEqual([303, `${SETTINGS}?saved=1`]);
    expect((await store.getSettings(ID)).frequency.maxPer7Days).toBe(2);
    const [version] = await store.listSettingsVersions(ID, 5);
    expect(version).toMatchObject({ version: 1, by: "test admin", at: NOW.toISOString(), note: "fewer emails in December" });
    const html = await (await panel.get(`${SETTINGS}?saved=1`)).text();
    expect(html).toContain("Saved as version 1: frequency.maxPer7Days. It applies from the next sync.");
    expect(fieldBlock(html, "field-frequency-maxPer7Days")).toContain('value="2"');
  });

  it("saves nothing when the whole form comes back unchanged", async () => {
    await open("klaviyo");
    const form = formOf(await (await panel.get(SETTINGS)).text());
    expect(Object.keys(form)).toHaveLength(110 + 1); // every setting, and the note
    const res = await panel.post(SETTINGS, form);
    expect([res.status, res.headers.get("location")]).toEqual([303, `${SETTINGS}?unchanged=1`]);
    expect(await store.listSettingsVersions(ID, 5)).toEqual([]);
    expect(await (await panel.get(`${SETTINGS}?unchanged=1`)).text()).toContain("Nothing changed");
  });

  it("saves a change made in the full form, checkbox included", async () => {
    await open();
    const form = { ...formOf(await (await panel.get(SETTINGS)).text()), "suppressions.quietHoursSuppress": ["false"] };
    expect((await panel.post(SETTINGS, form)).status).toBe(303);
    expect((await store.getSettings(ID)).suppressions.quietHoursSuppress).toBe(false);
    const again = formOf(await (await panel.get(SETTINGS)).text());
    expect(again["suppressions.quietHoursSuppress"]).toEqual(["false"]);
  });

  describe("refuses a bad value with the message next to its field, and saves nothing", () => {
    it("a cap below its minimum", async () => {
      await open();
      const res = await panel.post(SETTINGS, { "frequency.maxPer7Days": "0" });
      const html = await res.text();
      expect(res.status).toBe(400);
      expect(html).toContain('<h2 id="error-summary-heading">The settings were not saved</h2>');
      expect(html).toContain('<a href="#field-frequency-maxPer7Days">frequency.maxPer7Days: must be at least 1</a>');
      const block = fieldBlock(html, "field-frequency-maxPer7Days");
      expect(block).toContain('<div class="field invalid">');
      expect(block).toContain('value="0"');
      expect(block).toContain('aria-invalid="true"');
      expect(block).toContain('aria-describedby="field-frequency-maxPer7Days-doc field-frequency-maxPer7Days-default field-frequency-maxPer7Days-error"');
      expect(block).toContain('<p class="error" id="field-frequency-maxPer7Days-error">must be at least 1</p>');
      expect(await store.listSettingsVersions(ID, 5)).toEqual([]);
    });

    it("lifecycle thresholds out of order", async () => {
      await open();
      const res = await panel.post(SETTINGS, { "lifecycle.newCustomerDays": "30", "lifecycle.activeDays": "200", "lifecycle.lapsingDays": "180" });
      const html = await res.text();
      expect(res.status).toBe(400);
      expect(fieldBlock(html, "field-lifecycle-activeDays")).toContain("thresholds must satisfy newCustomerDays &lt;&#x3D; activeDays &lt; lapsingDays");
      expect(html).toContain('<a href="#field-lifecycle-newCustomerDays">lifecycle: thresholds must satisfy');
      expect(await store.listSettingsVersions(ID, 5)).toEqual([]);
    });

    it("a segment without the consent guard", async () => {
      await open();
      const segments = DEFAULT_SEGMENTS.map((s, i) => (i === 0 ? { ...s, guards: s.guards.filter((g) => g.fact !== "consent") } : s));
      const res = await panel.post(SETTINGS, { "segments.segments": JSON.stringify(segments, null, 2), "frequency.maxPer7Days": "2" });
      const html = await res.text();
      expect(res.status).toBe(400);
      expect(fieldBlock(html, "field-segments-segments")).toContain("[0].guards: every segment must include the guard consent");
      // Nothing half-saved: the valid cap change did not go through either.
      expect(await store.listSettingsVersions(ID, 5)).toEqual([]);
      expect(await store.getSettings(ID)).toEqual(defaultSettings());
    });

    it("a note longer than 200 characters", async () => {
      await open();
      const res = await panel.post(SETTINGS, { "frequency.maxPer7Days": "2", note: "x".repeat(201) });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('<a href="#settings-note">Why this change?: must be at most 200 characters</a>');
      expect(await store.listSettingsVersions(ID, 5)).toEqual([]);
    });
  });

  it("refuses a post without its CSRF token and saves nothing", async () => {
    await open();
    const res = await panel.post(SETTINGS, { "frequency.maxPer7Days": "2" }, { csrf: false });
    expect(res.status).toBe(403);
    expect(await store.listSettingsVersions(ID, 5)).toEqual([]);
  });

  it("rolls back to an older version exactly, as a new version", async () => {
    await open();
    await panel.post(SETTINGS, { "frequency.maxPer7Days": "2" });
    await panel.post(SETTINGS, { "lifecycle.activeDays": "60", "suppressions.quietHours": "[]" });
    const first = await store.getSettingsVersion(ID, 1);
    const page = await (await panel.get(SETTINGS)).text();
    expect(page).toContain("Roll back to version 1</button>");
    expect(page).not.toContain("Roll back to version 2</button>"); // the current one
    expect(page).toContain("<code>suppressions.quietHours</code>, <code>lifecycle.activeDays</code>");

    const res = await panel.post(`${SETTINGS}/versions/1/rollback`, {});
    expect([res.status, res.headers.get("location")]).toEqual([303, `${SETTINGS}?rolledBack=1&saved=3`]);
    expect(await store.getSettings(ID)).toEqual(first?.settings);
    const [newest] = await store.listSettingsVersions(ID, 5);
    expect(newest).toMatchObject({ version: 3, note: "rollback to version 1", by: "test admin" });
    expect(await (await panel.get(`${SETTINGS}?rolledBack=1&saved=3`)).text()).toContain("Rolled back to version 1 (saved as version 3)");
  });

  it.each(["9", "0", "abc"])("answers 404 to a rollback to version %s, and saves nothing", async (version) => {
    await open();
    await panel.post(SETTINGS, { "frequency.maxPer7Days": "2" });
    const res = await panel.post(`${SETTINGS}/versions/${version}/rollback`, {});
    expect(res.status).toBe(404);
    expect(await store.listSettingsVersions(ID, 5)).toHaveLength(1);
  });
});

describe("the settings dry run", () => {
  let store: Store;
  let panel: PanelClient;
  beforeAll(async () => {
    store = await installedStore();
    await runSync({ connector: createScriptedConnector(smallShop(120, NOW)), store, now: () => NOW, seed: SEED }, ID);
    panel = await openPanel(store, ID, { now: () => NOW.getTime(), seed: SEED });
    return () => panel.close();
  });

  it("counts the contacts a change would move, keeps the form as posted and saves nothing", async () => {
    const res = await panel.post(`${SETTINGS}/dry-run`, { "lifecycle.activeDays": "40", note: "try a shorter window" });
    const html = await res.text();
    expect(res.status).toBe(200);
    const section = html.slice(html.indexOf('<section id="dry-run"'), html.indexOf("</section>"));
    expect(section).toContain('<h2 id="dry-run-heading">Dry run</h2>');
    expect(section).toMatch(/This would change [1-9]\d* contacts: [1-9]\d* tailor_lifecycle/);
    expect(section).toMatch(/The next sync would write [1-9]\d* contacts\./);
    expect(section).toContain("Nothing was saved");
    expect(fieldBlock(html, "field-lifecycle-activeDays")).toContain('value="40"');
    expect(html).toContain('value="try a shorter window"');
    expect(await store.listSettingsVersions(ID, 5)).toEqual([]);
    expect(await store.getSettings(ID)).toEqual(defaultSettings());
  });

  it("says nothing would change for the current settings", async () => {
    const html = await (await panel.post(`${SETTINGS}/dry-run`, {})).text();
    expect(html).toContain("This would change 0 contacts.");
    expect(html).toContain("The next sync would write 0 contacts.");
  });

  it("refuses a bad value like a save does, without a dry run", async () => {
    const res = await panel.post(`${SETTINGS}/dry-run`, { "frequency.maxPer7Days": "0" });
    const html = await res.text();
    expect(res.status).toBe(400);
    expect(html).toContain("The settings were not saved");
    expect(html).not.toContain('id="dry-run"');
  });
});
