import { open } from "node:fs/promises";

/** Appends text to one file in large chunks; each flush is awaited, so a slow disk slows the producer down. */
export type ChunkedWriter = {
  /** Resolves at once unless the buffer was full and had to be written first. */
  readonly write: (text: string) => Promise<void>;
  /** Writes what is buffered and closes the file. */
  readonly close: () => Promise<void>;
};

// 256 KiB: big enough that per-write overhead disappears, small enough to keep memory flat.
const FLUSH_AT = 256 * 1024;

/** Creates (or truncates) `path` and returns a buffered writer for it. */
export async function openChunkedWriter(path: string): Promise<ChunkedWriter> {
  const handle = await open(path, "w");
  let parts: string[] = [];
  let buffered = 0;

  const flush = async (): Promise<void> => {
    if (parts.length === 0) return;
    const chunk = parts.join("");
    parts = [];
    buffered = 0;
    const bytes = Buffer.from(chunk, "utf8");
    // A write may take fewer bytes than offered; keep going until the chunk is on disk.
    for (let offset = 0; offset < bytes.length; ) {
      const { bytesWritten } = await handle.write(bytes, offset);
      offset += bytesWritten;
    }
  };

  return {
    write: async (text) => {
      parts.push(text);
      buffered += text.length;
      if (buffered >= FLUSH_AT) await flush();
    },
    close: async () => {
      try {
        await flush();
      } finally {
        await handle.close();
      }
    },
  };
}
