import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVENT_TYPES, EventSchema } from "../../../src/domain/index.js";
import type { Event } from "../../../src/domain/index.js";
import { DEMO_LEAVES } from "../../../src/demo/category-tree.js";
import { DIRTY_CASES } from "../../../src/demo/dirty-cases.js";
import type { DirtyCase } from "../../../src/demo/dirty-cases.js";
import { generateDemoStore } from "../../../src/demo/generate-demo-store.js";
import type { DemoStats } from "../../../src/demo/generate-demo-store.js";

const NOW = new Date("2025-06-01T12:34:56.789Z");
const DAYS = 120;
const START_MS = NOW.getTime() - DAYS * 86_400_000;
const FILES = ["contacts.csv", "products.csv", "events.ndjson"] as const;
const options = (dir: string, seed: number) => ({ dir, seed, contacts: 300, products: 60, days: DAYS, now: NOW });

type Row = Record<string, string>;
type Line = { readonly text: string; readonly json: Record<string, unknown> | undefined };

let root: string;
let stats: DemoStats;
let progress: [number, number][];
let contacts: Row[];
let products: Row[];
let lines: Line[];
let contactIds: Set<string>;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "tailor-demo-"));
  progress = [];
  stats = await generateDemoStore({ ...options(join(root, "a"), 7), onProgress: (done, total) => progress.push([done, total]) });
  await generateDemoStore(options(join(root, "a-again"), 7));
  await generateDemoStore(options(join(root, "b"), 8));
  contacts = parse(await readFile(join(root, "a", "contacts.csv")), { columns: true });
  products = parse(await readFile(join(root, "a", "products.csv")), { columns: true });
  lines = (await readFile(join(root, "a", "events.ndjson"), "utf8")).split("\n").slice(0, -1).map((text) => ({ text, json: parseJson(text) }));
  contactIds = new Set(contacts.map((c) => c.id ?? ""));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

const hashes = async (dir: string) =>
  Promise.all(FILES.map(async (f) => createHash("sha256").update(await readFile(join(root, dir, f))).digest("hex")));

/** Which planted case a line is, if any; judged from the files alone. */
function plantedCase(line: Line): DirtyCase | undefined {
  const e = line.json;
  if (e === undefined) return "nonJsonLines";
  if (!(EVENT_TYPES as readonly unknown[]).includes(e.type)) return "unknownEventTypes";
  if (e.type === "placed_order" && Array.isArray(e.items) && e.items.length === 0) return "ordersWithoutItems";
  if (!contactIds.has(String(e.contactId))) return "unknownContactEvents";
  return undefined;
}

let parsed: Event[] | undefined;
/** The lines that are not planted, as domain events (parsed once). */
const events = (): Event[] => (parsed ??= lines.filter((l) => plantedCase(l) === undefined).map((l) => EventSchema.parse(l.json)));
const orders = () => events().flatMap((e) => (e.type === "placed_order" ? [e] : []));
const personOf = () => new Map(contacts.map((c) => [c.id ?? "", (c.email ?? "").trim().toLowerCase()]));

describe("generateDemoStore", () => {
  it("writes byte-identical files for the same seed and now", async () => {
    expect(await hashes("a-again")).toEqual(await hashes("a"));
  });

  it("writes different files for a different seed", async () => {
    const [a, b] = await Promise.all([hashes("a"), hashes("b")]);
    expect(b.map((hash, i) => hash === a[i])).toEqual([false, false, false]);
  });

  it("writes the headers the files connector reads", async () => {
    const firstLine = async (f: string) => (await readFile(join(root, "a", f), "utf8")).split("\n")[0];
    expect(await firstLine("contacts.csv")).toBe("id,email,createdAt,timezone,consent,firstName,country");
    expect(await firstLine("products.csv")).toBe("id,title,url,imageUrl,category,brand,price,cost,inventory,active,replenishDays,createdAt");
  });

  it("reports the rows and lines it wrote", () => {
    expect({ contacts: stats.contacts, products: stats.products, events: stats.events }).toEqual({ contacts: contacts.length, products: products.length, events: lines.length });
  });

  it("writes every shopper plus their duplicates and the planted invalid rows", () => {
    expect(stats.contacts).toBe(300 + (stats.dirty.duplicateContacts ?? 0) + (stats.dirty.invalidEmails ?? 0));
  });

  it("reports progress up to the total", () => {
    expect(progress.at(-1)).toEqual([300, 300]);
  });

  it.each(DIRTY_CASES)("plants at least one %s", (dirty) => {
    expect(stats.dirty[dirty]).toBeGreaterThan(0);
  });

  it.each(["nonJsonLines", "unknownEventTypes", "ordersWithoutItems", "unknownContactEvents"] as const)("counts the %s it planted in events.ndjson", (dirty) => {
    expect(lines.filter((l) => plantedCase(l) === dirty).length).toBe(stats.dirty[dirty]);
  });

  it("writes every other event line as a valid domain event", () => {
    const invalid = lines.filter((l) => plantedCase(l) === undefined && !EventSchema.safeParse(l.json).success);
    expect(invalid).toEqual([]);
    expect(events().length).toBeGreaterThan(3000);
  });

  it("dates every event in [now - days, now)", () => {
    const outside = events().filter((e) => e.at.getTime() < START_MS || e.at.getTime() >= NOW.getTime());
    expect(outside).toEqual([]);
  });

  it("gives every event line its own id", () => {
    const ids = lines.map((l) => l.json?.id ?? l.text.slice(7, l.text.indexOf('"', 7)));
    expect(new Set(ids).size).toBe(lines.length);
  });

  it("repeats an orderId only for the planted same-orderId duplicates, at most twice", () => {
    const seen = new Map<string, number>();
    for (const o of orders()) seen.set(o.orderId, (seen.get(o.orderId) ?? 0) + 1);
    expect([...seen.values()].filter((n) => n === 2).length).toBe(stats.dirty.sameOrderIdDuplicates);
    expect(Math.max(...seen.values())).toBe(2);
  });

  it("counts the orders copied under a new orderId with the same contact, items and value within 2 minutes", () => {
    const all = orders();
    const key = (o: (typeof all)[number]) => `${o.contactId}|${o.value}|${JSON.stringify(o.items)}`;
    const copies = all.filter((o, i) => all.slice(0, i).some((p) => p.orderId !== o.orderId && key(p) === key(o) && o.at.getTime() - p.at.getTime() <= 120_000));
    expect(copies.length).toBe(stats.dirty.sameContentsDuplicates);
  });

  it("counts the products whose category is not spelled as a canonical path", () => {
    const canonical = new Set(DEMO_LEAVES.map((l) => l.path));
    expect(products.filter((p) => !canonical.has(p.category ?? "")).length).toBe(stats.dirty.categoryVariants);
  });

  it("spells about 30% of product categories some other way", () => {
    expect((stats.dirty.categoryVariants ?? 0) / 60).toBeGreaterThan(0.15);
    expect((stats.dirty.categoryVariants ?? 0) / 60).toBeLessThan(0.45);
  });

  it("counts the products whose price is not a number", () => {
    expect(products.filter((p) => !/^\d+(\.\d+)?$/.test(p.price ?? "")).length).toBe(stats.dirty.nonNumericPrices);
  });

  it("counts the mixed-case and space-padded emails", () => {
    expect(contacts.filter((c) => c.email !== c.email?.trim().toLowerCase()).length).toBe(stats.dirty.messyEmails);
  });

  it("counts the duplicate contacts: another id, the same email in other casing", () => {
    const byEmail = new Map<string, string[]>();
    for (const c of contacts) {
      const key = (c.email ?? "").trim().toLowerCase();
      byEmail.set(key, [...(byEmail.get(key) ?? []), c.email ?? ""]);
    }
    const pairs = [...byEmail.values()].filter((emails) => emails.length > 1);
    expect(pairs.length).toBe(stats.dirty.duplicateContacts);
    expect(pairs.filter((emails) => emails.length !== 2 || emails[0] === emails[1])).toEqual([]);
  });

  it("counts the contacts whose email is not an address", () => {
    const invalid = contacts.filter((c) => !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test((c.email ?? "").trim()));
    expect(invalid.length).toBe(stats.dirty.invalidEmails);
  });

  it("opens every mail of an MPP-like contact by machine, within minutes of the send", () => {
    const all = events();
    const person = personOf();
    const mpp = new Set(all.flatMap((e) => (e.type === "email_opened" && e.machineOpen ? [person.get(e.contactId)] : [])));
    const opens = all.flatMap((e) => (e.type === "email_opened" && mpp.has(person.get(e.contactId)) ? [e] : []));
    // Sends in the last 10 minutes may not have been fetched yet.
    const sends = all.flatMap((e) => (e.type === "email_sent" && mpp.has(person.get(e.contactId)) && e.at.getTime() < NOW.getTime() - 600_000 ? [e] : []));
    expect(opens.filter((o) => !o.machineOpen)).toEqual([]);
    const machineOpened = new Set(opens.map((o) => `${person.get(o.contactId)}|${o.campaignId}|${Math.floor(o.at.getTime() / 1000)}`));
    const openedSoon = (s: (typeof sends)[number]) => {
      for (let second = 0; second <= 600; second++) {
        if (machineOpened.has(`${person.get(s.contactId)}|${s.campaignId}|${Math.floor(s.at.getTime() / 1000) + second}`)) return true;
      }
      return false;
    };
    expect(sends.length).toBeGreaterThan(0);
    expect(sends.filter((s) => !openedSoon(s))).toEqual([]);
  });

  it("makes about 30% of the mailed contacts MPP-like", () => {
    const all = events();
    const person = personOf();
    const mailed = new Set(all.flatMap((e) => (e.type === "email_sent" ? [person.get(e.contactId)] : [])));
    const mpp = new Set(all.flatMap((e) => (e.type === "email_opened" && e.machineOpen ? [person.get(e.contactId)] : [])));
    expect(mpp.size / mailed.size).toBeGreaterThan(0.2);
    expect(mpp.size / mailed.size).toBeLessThan(0.4);
  });

  it("clicks only after a human open of the same campaign", () => {
    const all = events();
    const person = personOf();
    const humanOpens = new Set(all.flatMap((e) => (e.type === "email_opened" && !e.machineOpen ? [`${person.get(e.contactId)}|${e.campaignId}`] : [])));
    const clicks = all.filter((e) => e.type === "email_clicked");
    expect(clicks.length).toBeGreaterThan(0);
    expect(clicks.filter((e) => !humanOpens.has(`${person.get(e.contactId)}|${e.campaignId}`))).toEqual([]);
  });

  it("marks a contact that unsubscribed during the window as unsubscribed", () => {
    const unsubscribed = new Set(events().flatMap((e) => (e.type === "unsubscribed" ? [e.contactId] : [])));
    expect(unsubscribed.size).toBeGreaterThan(0);
    expect(contacts.filter((c) => unsubscribed.has(c.id ?? "") && c.consent !== "unsubscribed")).toEqual([]);
  });

  it("points product images at the demo site unless given an image base", () => {
    expect(products.filter((p) => p.imageUrl !== `https://demo.tailor.example/img/${p.id ?? ""}.jpg`)).toEqual([]);
  });

  it("points product images at <imageBase>/<id>.svg and changes nothing else", async () => {
    await generateDemoStore({ ...options(join(root, "images"), 7), imageBase: "http://127.0.0.1:3000/demo/images/" });
    const withImages: Row[] = parse(await readFile(join(root, "images", "products.csv")), { columns: true });
    expect(withImages.map((p) => p.imageUrl)).toEqual(products.map((p) => `http://127.0.0.1:3000/demo/images/${p.id ?? ""}.svg`));
    expect(withImages.map((p) => ({ ...p, imageUrl: "" }))).toEqual(products.map((p) => ({ ...p, imageUrl: "" })));
  });

  it("rejects a contact count below 1", async () => {
    await expect(generateDemoStore({ ...options(join(root, "none"), 7), contacts: 0 })).rejects.toThrow("contacts must be a whole number of at least 1");
  });
});
