import { open, stat, truncate } from "node:fs/promises";
import { isCode } from "./write-file-atomic.js";

/** Appends `text` to a log and fsyncs it before returning; resolves to the bytes appended. */
export async function appendDurably(path: string, text: string): Promise<number> {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length === 0) return 0;
  const handle = await open(path, "a");
  try {
    await handle.write(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return bytes.length;
}

/** Size of a file, 0 when it does not exist. */
export async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if (isCode(error, "ENOENT")) return 0;
    throw error;
  }
}

/**
 * Cuts a log back to the length that was committed, dropping a torn or uncommitted tail.
 * A log shorter than its committed length lost committed data: that is an error, not a tail.
 */
export async function truncateTo(path: string, committed: number): Promise<void> {
  const size = await sizeOf(path);
  if (size === committed) return;
  if (size < committed) throw new Error(`${path} is ${size} bytes but ${committed} were committed: the log lost data`);
  await truncate(path, committed);
}
