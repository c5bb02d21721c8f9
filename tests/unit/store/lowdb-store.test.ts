import { appendFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { GuardLogEntry } from "../../../src/domain/index.js";
import { folderOf, makeStore, removeTempDirs, reopen } from "../../helpers/lowdb-test-store.js";
import { all, contact, describeStoreContract, page, product, run, viewed } from "./store-contract.js";

const guard = (at: number): GuardLogEntry => ({ at, key: "refund", on: true, reason: `refund at ${at}`, until: at + 1_000 });

afterEach(removeTempDirs);

describeStoreContract("lowdb store", makeStore, reopen);

describe("lowdb store after a crash", () => {
  const at = "2024-03-01T10:00:00.000Z";

  it("ignores a torn tail on the event log and yields exactly the committed events", async () => {
    const store = await makeStore();
    await store.commitPage("shop", "r1", page("events", "ev-1", { events: [viewed("e1", "c1", at), viewed("e2", "c1", at)] }));
    // A crash mid-commit: bytes reached the log, commit.json never moved.
    appendFileSync(join(folderOf(store), "shop", "events.ndjson"), '{"id":"e3","contactId":"c1","at":"2024-03-0');
    const again = await reopen(store);
    expect((await all(again.readEvents("shop"))).map((e) => e.id)).toEqual(["e1", "e2"]);
  });

  it("appends the next page cleanly after dropping a torn tail", async () => {
    const store = await makeStore();
    await store.commitPage("shop", "r1", page("events", "ev-1", { events: [viewed("e1", "c1", at)] }));
    appendFileSync(join(folderOf(store), "shop", "events.ndjson"), "garbage\n{\"half");
    const again = await reopen(store);
    await again.commitPage("shop", "r2", page("events", "ev-2", { events: [viewed("e2", "c1", at)] }));
    expect((await all((await reopen(again)).readEvents("shop"))).map((e) => e.id)).toEqual(["e1", "e2"]);
  });

  it("drops a whole uncommitted page: records, quarantine and all", async () => {
    const store = await makeStore();
    await store.commitPage("shop", "r1", page("contacts", "c-1", { contacts: [contact("c1")], quarantine: [{ stream: "contacts", reason: "no id", raw: {} }], cleanState: { n: 1 } }));
    const folder = join(folderOf(store), "shop");
    // Everything but commit.json made it to disk, as if the process died just before the rename.
    const contactsLog = readdirSync(folder).find((f) => f.startsWith("contacts."))!;
    appendFileSync(join(folder, contactsLog), JSON.stringify(contact("c2")) + "\n");
    appendFileSync(join(folder, "quarantine.ndjson"), JSON.stringify({ stream: "contacts", reason: "later", raw: {}, runId: "r2", at }) + "\n");
    writeFileSync(join(folder, "clean-state.99.json"), '{"n":2}');
    const again = await reopen(store);
    expect({
      ids: (await all(again.readContacts("shop"))).map((c) => c.id),
      quarantined: (await again.listQuarantine("shop", { limit: 10, offset: 0 })).total,
      cleanState: await again.getCleanState("shop"),
      cursor: await again.getCursor("shop", "contacts"),
      strayRemoved: readdirSync(folder).includes("clean-state.99.json"),
    }).toEqual({ ids: ["c1"], quarantined: 1, cleanState: { n: 1 }, cursor: "c-1", strayRemoved: false });
  });

  it("keeps every committed push when the journal's last line is torn", async () => {
    const store = await makeStore();
    await store.checkpointPush("shop", "r1", [{ contactId: "c1", espId: "1", set: { tailor_orders: 1 } }], []);
    appendFileSync(join(folderOf(store), "shop", "written.ndjson"), '{"runId":"r1","changes":[{"contactId":"c2"');
    const again = await reopen(store);
    await again.checkpointPush("shop", "r1", [{ contactId: "c3", espId: "3", set: { tailor_orders: 3 } }], []);
    expect(Object.fromEntries(await (await reopen(again)).lastWritten("shop"))).toEqual({ c1: { tailor_orders: 1 }, c3: { tailor_orders: 3 } });
  });

  it("keeps every appended exposure when the slot history's last line is torn", async () => {
    const store = await makeStore();
    await store.appendSlotHistory("shop", [{ contactId: "c1", exposure: { at: 1, productIds: ["p1"] } }]);
    appendFileSync(join(folderOf(store), "shop", "slot-history.ndjson"), '["c2",[[2,["p');
    const again = await reopen(store);
    await again.appendSlotHistory("shop", [{ contactId: "c3", exposure: { at: 3, productIds: ["p3"] } }]);
    expect(Object.fromEntries(await (await reopen(again)).readSlotHistory("shop"))).toEqual({
      c1: [{ at: 1, productIds: ["p1"] }],
      c3: [{ at: 3, productIds: ["p3"] }],
    });
  });

  it("keeps every guard entry when the guard log's last line is torn", async () => {
    const store = await makeStore();
    await store.appendGuardLog("shop", [{ contactId: "c1", entry: guard(1) }]);
    appendFileSync(join(folderOf(store), "shop", "guard-log.ndjson"), '["c2",[[2,"refund",true,"ref');
    const again = await reopen(store);
    await again.appendGuardLog("shop", [{ contactId: "c3", entry: guard(3) }]);
    expect(Object.fromEntries(await (await reopen(again)).readGuardLog("shop"))).toEqual({ c1: [guard(1)], c3: [guard(3)] });
  });
});

describe("lowdb store on disk", () => {
  const at = "2024-03-01T10:00:00.000Z";

  it("appends a page of events without rewriting the log", async () => {
    const store = await makeStore();
    const log = join(folderOf(store), "shop", "events.ndjson");
    await store.commitPage("shop", "r1", page("events", "1", { events: [viewed("e1", "c1", at)] }));
    const first = readFileSync(log, "utf8");
    await store.commitPage("shop", "r1", page("events", "2", { events: [viewed("e2", "c1", at)] }));
    expect(readFileSync(log, "utf8").startsWith(first)).toBe(true);
  });

  it("compacts the contacts log once it holds more than twice the live contacts", async () => {
    const store = await makeStore();
    const folder = join(folderOf(store), "shop");
    const contacts = Array.from({ length: 600 }, (_, i) => contact(`c${i}`));
    for (let i = 0; i < 3; i++) await store.commitPage("shop", "r1", page("contacts", `${i}`, { contacts }));
    const logs = readdirSync(folder).filter((f) => f.startsWith("contacts."));
    const lines = readFileSync(join(folder, logs[0]!), "utf8").trim().split("\n").length;
    expect({ files: logs.length, lines, live: (await all((await reopen(store)).readContacts("shop"))).length }).toEqual({ files: 1, lines: 600, live: 600 });
  });

  it("does not rewrite the written-values snapshot on checkpointPush", async () => {
    const store = await makeStore();
    const folder = join(folderOf(store), "shop");
    await store.checkpointPush("shop", "r1", [{ contactId: "c1", espId: "1", set: { tailor_orders: 1 } }], []);
    await store.saveRun(run("r1", "2024-05-01T00:00:00.000Z"));
    const snapshot = statSync(join(folder, "written.json")).mtimeMs;
    await store.checkpointPush("shop", "r2", [{ contactId: "c2", espId: "2", set: { tailor_orders: 2 } }], []);
    expect({ snapshot: statSync(join(folder, "written.json")).mtimeMs, journal: readFileSync(join(folder, "written.ndjson"), "utf8").split("\n").length - 1 }).toEqual({ snapshot, journal: 1 });
  });

  it("folds the journal into the snapshot when a run finishes", async () => {
    const store = await makeStore();
    const folder = join(folderOf(store), "shop");
    await store.checkpointPush("shop", "r1", [{ contactId: "c1", espId: "1", set: { tailor_orders: 1 } }], []);
    await store.saveRun(run("r1", "2024-05-01T00:00:00.000Z", "shop", "failed"));
    expect({ journal: readFileSync(join(folder, "written.ndjson"), "utf8"), snapshot: JSON.parse(readFileSync(join(folder, "written.json"), "utf8")) as unknown }).toEqual({ journal: "", snapshot: [["c1", { tailor_orders: 1 }]] });
  });

  it("appends slot exposures as lines, and rewrites them as one line per contact once they pass 2 per contact", async () => {
    const store = await makeStore();
    const file = join(folderOf(store), "shop", "slot-history.ndjson");
    const lines = () => readFileSync(file, "utf8").trim().split("\n").length;
    const push = (at: number) => store.appendSlotHistory("shop", Array.from({ length: 100 }, (_, i) => ({ contactId: `c${i}`, exposure: { at, productIds: [`p${at}`] } })));
    // 100 contacts: below 1,000 lines the log is left alone; the 10th push makes 1,000 lines for 100 contacts.
    for (let at = 1; at <= 9; at++) await push(at);
    const before = lines();
    await push(10);
    await push(11);
    const kept = (await (await reopen(store)).readSlotHistory("shop")).get("c7")?.map((e) => e.at);
    expect({ before, after: lines(), kept }).toEqual({ before: 900, after: 200, kept: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11] });
  });

  it("appends guard entries as lines, and rewrites them as one line per contact once they pass twice the kept entries", async () => {
    const store = await makeStore();
    const file = join(folderOf(store), "shop", "guard-log.ndjson");
    const lines = () => readFileSync(file, "utf8").trim().split("\n").length;
    const contacts = Array.from({ length: 10 }, (_, i) => `c${i}`);
    // 10 contacts x 100 entries: 1,000 on disk, exactly twice the 500 kept, so it stays; one more round tips it.
    await store.appendGuardLog("shop", contacts.flatMap((contactId) => Array.from({ length: 100 }, (_, j) => ({ contactId, entry: guard((j + 1) * 10) }))));
    const before = lines();
    await store.appendGuardLog("shop", contacts.map((contactId) => ({ contactId, entry: guard(1010) })));
    expect({ before, after: lines() }).toEqual({ before: 1_000, after: 10 });
  });

  it("merges entries appended after a compaction, older ones included, when read back", async () => {
    const store = await makeStore();
    const contacts = Array.from({ length: 10 }, (_, i) => `c${i}`);
    await store.appendGuardLog("shop", contacts.flatMap((contactId) => Array.from({ length: 101 }, (_, j) => ({ contactId, entry: guard((j + 1) * 10) }))));
    await store.appendGuardLog("shop", [{ contactId: "c0", entry: guard(755) }]);
    const kept = (await (await reopen(store)).readGuardLog("shop")).get("c0")?.map((e) => e.at);
    expect(kept).toEqual([...Array.from({ length: 23 }, (_, i) => 530 + i * 10), 755, ...Array.from({ length: 26 }, (_, i) => 760 + i * 10)]);
  });

  it("sorts and bounds a guard log line that was not written in order", async () => {
    const store = await makeStore();
    const folder = join(folderOf(store), "shop");
    mkdirSync(folder, { recursive: true });
    const tuple = (at: number) => [at, "refund", true, `refund at ${at}`, at + 1_000];
    writeFileSync(join(folder, "guard-log.ndjson"), JSON.stringify(["c1", Array.from({ length: 52 }, (_, i) => tuple(52 - i))]) + "\n");
    const kept = (await store.readGuardLog("shop")).get("c1") ?? [];
    expect([kept.length, kept[0], kept.at(-1)]).toEqual([50, guard(3), guard(52)]);
  });

  it("leaves a long guard log alone while every entry in it is still kept", async () => {
    const store = await makeStore();
    const file = join(folderOf(store), "shop", "guard-log.ndjson");
    // 400 contacts x 3 entries: 1,200 lines for 400 contacts, none past the 50 kept.
    for (let round = 1; round <= 3; round++) await store.appendGuardLog("shop", Array.from({ length: 400 }, (_, i) => ({ contactId: `c${i}`, entry: guard(round) })));
    expect(readFileSync(file, "utf8").trim().split("\n").length).toBe(1_200);
  });

  it("fills defaults for settings fields missing from an older save", async () => {
    const store = await makeStore();
    const dir = folderOf(store);
    writeFileSync(join(dir, "tailor.json"), JSON.stringify({ installations: [], settings: [{ installationId: "shop", settings: { sync: { intervalMinutes: 30 } } }], runs: [] }));
    const settings = await (await reopen(store)).getSettings("shop");
    expect([settings.sync.intervalMinutes, settings.sync.batchSize, settings.recommendations.slots.length]).toEqual([30, 10_000, 5]);
  });

  it("revives product createdAt as a Date", async () => {
    const store = await makeStore();
    await store.commitPage("shop", "r1", page("products", "1", { products: [{ ...product("p1"), createdAt: new Date(at) }] }));
    const [stored] = await all((await reopen(store)).readProducts("shop"));
    expect(stored?.createdAt).toEqual(new Date(at));
  });

  it("refuses an installation id that would leave the store folder", async () => {
    const store = await makeStore();
    await expect(store.getCursor("..", "events")).rejects.toThrow("unusable installation id");
  });
});
