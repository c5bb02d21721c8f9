import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Store } from "../../src/domain/index.js";
import { createLowdbStore } from "../../src/store/lowdb-store.js";

// Shared by the lowdb store's test files: temporary folders, restarts, and reading the disk back.
// Each test file gets its own copy of this module's state (vitest isolates files) and registers
// `afterEach(removeTempDirs)`.

/** A fake TOKEN_KEY (32 bytes of hex): stores save credentials. */
export const TOKEN_KEY = "00112233445566778899aabbccddeeff".repeat(2);

const dirs: string[] = [];
const dirOf = new WeakMap<Store, string>();

/** A new temporary folder, removed by removeTempDirs. */
export function tempDir(prefix = "tailor-store-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A lowdb store over a new temporary folder. */
export async function makeStore(): Promise<Store> {
  const dir = tempDir();
  const store = await createLowdbStore(dir, { tokenKey: TOKEN_KEY });
  dirOf.set(store, dir);
  return store;
}

/** A new store over the same folder: what a process restart sees. */
export async function reopen(store: Store): Promise<Store> {
  const dir = folderOf(store);
  const again = await createLowdbStore(dir, { tokenKey: TOKEN_KEY });
  dirOf.set(again, dir);
  return again;
}

/** The folder a store made by makeStore or reopen lives in. */
export function folderOf(store: Store): string {
  const dir = dirOf.get(store);
  if (dir === undefined) throw new Error("not a store from makeStore or reopen");
  return dir;
}

/** Every file under `dir`, as text: what someone with the disk could read. */
export function everyFile(dir: string): string {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => readFileSync(path, "utf8"))
    .join("\n");
}
