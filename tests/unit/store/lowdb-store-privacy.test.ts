import { appendFileSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createLowdbStore } from "../../../src/store/lowdb-store.js";
import { everyFile, folderOf, makeStore, removeTempDirs, reopen, tempDir, TOKEN_KEY } from "../../helpers/lowdb-test-store.js";
import { all, contact, page, viewed } from "./store-contract.js";

// The lowdb store's privacy side on disk: encrypted credentials, erasure leaving nothing behind.
// The behaviour every store shares is in store-contract.ts (run by lowdb-store.test.ts).

afterEach(removeTempDirs);

describe("lowdb store credentials", () => {
  const credentials = { kind: "oauth", accessToken: "fake-access-CiQ4YTVmLWFjY2Vzcw", refreshToken: "fake-refresh-ZjRiMi1yZWZyZXNo", expiresAt: 1_714_000_000_000, scopes: ["crm.objects.contacts.read"], accountId: "62515" } as const;

  it("keeps no token in plaintext anywhere in the folder", async () => {
    const store = await makeStore();
    await store.saveCredentials("hubspot-62515", credentials);
    const disk = everyFile(folderOf(store));
    expect([disk.includes(credentials.accessToken), disk.includes(credentials.refreshToken), /"sealed":\s*"v1:/.test(disk)]).toEqual([false, false, true]);
  });

  it("refuses to save credentials without a TOKEN_KEY, naming the setting", async () => {
    const dir = tempDir();
    const keyless = await createLowdbStore(dir);
    await expect(keyless.saveCredentials("shop", credentials)).rejects.toThrow(/^TOKEN_KEY is not set: /);
  });

  it("refuses to read stored credentials without the key, but can still forget them", async () => {
    const store = await makeStore();
    await store.saveCredentials("shop", credentials);
    const keyless = await createLowdbStore(folderOf(store));
    await expect(keyless.getCredentials("shop")).rejects.toThrow(/^TOKEN_KEY is not set: /);
    await keyless.saveCredentials("shop", null);
    expect(await (await reopen(store)).getCredentials("shop")).toBeNull();
  });

  it("says the key is wrong, without echoing either key or a token, when reopened with another key", async () => {
    const store = await makeStore();
    await store.saveCredentials("shop", credentials);
    const other = "ffeeddccbbaa99887766554433221100".repeat(2);
    const wrong = await createLowdbStore(folderOf(store), { tokenKey: other });
    const error = await wrong.getCredentials("shop").then(() => null, (e: unknown) => e as Error);
    expect([error?.message.includes("TOKEN_KEY is not the key"), [TOKEN_KEY, other, credentials.accessToken].some((s) => error?.message.includes(s))]).toEqual([true, false]);
  });

  it("fails at startup on a malformed key", async () => {
    const dir = tempDir();
    await expect(createLowdbStore(dir, { tokenKey: "not-a-key" })).rejects.toThrow("TOKEN_KEY must be 32 bytes of hex");
  });
});

describe("lowdb store erasure on disk", () => {
  const at = "2024-03-01T10:00:00.000Z";

  it("leaves no file in the folder that names the erased contact's email", async () => {
    const store = await makeStore();
    const folder = join(folderOf(store), "shop");
    await store.commitPage("shop", "r1", page("contacts", "1", {
      contacts: [contact("c1", "erase.me@example.com"), contact("c2")],
      quarantine: [{ stream: "contacts", reason: "bad", raw: { email: "Erase.Me@example.com" } }],
    }));
    await store.eraseContacts("shop", ["c1"]);
    expect([everyFile(folder).toLowerCase().includes("erase.me@example.com"), (await all((await reopen(store)).readContacts("shop"))).map((c) => c.id)]).toEqual([false, ["c2"]]);
  });

  it("rewrites the event log as a new generation and deletes the old one", async () => {
    const store = await makeStore();
    const folder = join(folderOf(store), "shop");
    await store.commitPage("shop", "r1", page("events", "1", { events: [viewed("e1", "c1", at), viewed("e2", "c2", at)] }));
    await store.eraseContacts("shop", ["c1"]);
    const logs = readdirSync(folder).filter((f) => f.startsWith("events"));
    expect([logs.length, logs[0] === "events.ndjson", readFileSync(join(folder, logs[0]!), "utf8").includes('"c1"')]).toEqual([1, false, false]);
  });

  it("lets a read that began before an erasure finish from its snapshot, then deletes the old log", async () => {
    const store = await makeStore();
    const folder = join(folderOf(store), "shop");
    const events = Array.from({ length: 12_000 }, (_, i) => viewed(`e${i}`, i % 2 === 0 ? "c1" : "c2", at));
    await store.commitPage("shop", "r1", page("events", "1", { events }));
    const reading = store.readEvents("shop")[Symbol.asyncIterator]();
    const count = async (): Promise<number | null> => {
      const chunk = await reading.next();
      return chunk.done === true ? null : chunk.value.length;
    };
    let read = (await count()) ?? 0;
    await store.eraseContacts("shop", ["c1"]);
    const during = readdirSync(folder).filter((f) => f.startsWith("events")).length;
    for (let n = await count(); n !== null; n = await count()) read += n;
    const after = readdirSync(folder).filter((f) => f.startsWith("events")).length;
    expect({ read, during, after, now: (await all(store.readEvents("shop"))).length }).toEqual({ read: 12_000, during: 2, after: 1, now: 6_000 });
  });

  it("deletes on reopen the new generations of an erasure that crashed before its commit", async () => {
    const store = await makeStore();
    const folder = join(folderOf(store), "shop");
    await store.commitPage("shop", "r1", page("events", "1", { events: [viewed("e1", "c1", at)] }));
    // What a crash between writing the new logs and replacing commit.json leaves behind.
    writeFileSync(join(folder, "events.7.ndjson"), "");
    writeFileSync(join(folder, "quarantine.7.ndjson"), "");
    const again = await reopen(store);
    expect([(await all(again.readEvents("shop"))).map((e) => e.id), readdirSync(folder).filter((f) => /^(events|quarantine)\./.test(f))]).toEqual([["e1"], ["events.ndjson"]]);
  });

  it("deletes on reopen the old generation an erasure committed past but could not delete", async () => {
    const store = await makeStore();
    const folder = join(folderOf(store), "shop");
    await store.commitPage("shop", "r1", page("events", "1", { events: [viewed("e1", "c1", at), viewed("e2", "c2", at)] }));
    const old = readFileSync(join(folder, "events.ndjson"), "utf8");
    await store.eraseContacts("shop", ["c1"]);
    // As if the process died between the commit and the unlink.
    writeFileSync(join(folder, "events.ndjson"), old);
    const again = await reopen(store);
    expect([(await all(again.readEvents("shop"))).map((e) => e.id), readdirSync(folder).includes("events.ndjson")]).toEqual([["e2"], false]);
  });

  it("keeps merges as aliases on disk across a restart", async () => {
    const store = await makeStore();
    await store.commitPage("shop", "r1", page("events", "1", { events: [viewed("e1", "m", at)] }));
    await store.mergeContacts("shop", "p", ["m"]);
    expect([JSON.parse(readFileSync(join(folderOf(store), "shop", "aliases.json"), "utf8")), (await all((await reopen(store)).readEvents("shop")))[0]?.contactId]).toEqual([[["m", "p"]], "p"]);
  });

  it("ignores a torn last line of the refresh marks", async () => {
    const store = await makeStore();
    await store.requestRefresh("shop", ["101"]);
    appendFileSync(join(folderOf(store), "shop", "refresh.ndjson"), '["10');
    expect(await (await reopen(store)).takeRefresh("shop")).toEqual(["101"]);
  });
});
