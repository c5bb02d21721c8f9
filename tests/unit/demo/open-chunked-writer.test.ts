import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openChunkedWriter } from "../../../src/demo/open-chunked-writer.js";

describe("openChunkedWriter", () => {
  it("writes every piece in order, across flushes, multi-byte characters included", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tailor-writer-"));
    try {
      const path = join(dir, "out.txt");
      const writer = await openChunkedWriter(path);
      const pieces = Array.from({ length: 30_000 }, (_, i) => `${i} Müller ☕\n`);
      for (const piece of pieces) await writer.write(piece);
      await writer.close();
      expect(await readFile(path, "utf8")).toBe(pieces.join(""));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
