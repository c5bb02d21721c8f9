import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

let tmpCounter = 0;

/** Writes `data` to a new file and fsyncs it; the file must not be visible to readers yet. */
export async function writeFileDurably(path: string, data: string | Iterable<string>): Promise<void> {
  const handle = await open(path, "w");
  try {
    if (typeof data === "string") await handle.writeFile(data);
    else for (const piece of data) await handle.write(piece);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `path` all at once: a reader (or a restart after a crash) sees the old file or
 * the new one, never half of each. Write a temp file, fsync it, rename over, fsync the folder.
 */
export async function writeFileAtomic(path: string, data: string | Iterable<string>): Promise<void> {
  // Unique per call, so two writers of the same file never share a temp file.
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${++tmpCounter}.tmp`);
  try {
    await writeFileDurably(tmp, data);
    await rename(tmp, path);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
  await syncFolder(dirname(path));
}

/** Makes renames and unlinks in `dir` durable (Linux needs the folder itself fsynced). */
export async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } catch (error) {
    // Some platforms (Windows, a few network filesystems) refuse to fsync a folder; the rename still happened.
    if (!isCode(error, "EISDIR", "EINVAL", "EPERM", "EBADF")) throw error;
  } finally {
    await handle.close();
  }
}

/** Whether `error` is a Node system error with one of these codes. */
export function isCode(error: unknown, ...codes: readonly string[]): boolean {
  return typeof error === "object" && error !== null && "code" in error && codes.includes(String(error.code));
}
