import { createReadStream } from "node:fs";
import { createGunzip } from "node:zlib";

/** The bytes of a file from `offset` on; a .gz file is decompressed and the offset counts decompressed bytes. */
export async function* readBytes(path: string, offset: number): AsyncGenerator<Buffer> {
  if (!path.endsWith(".gz")) {
    yield* createReadStream(path, { start: offset }) as AsyncIterable<Buffer>;
    return;
  }
  // gzip cannot seek: decompress from the start and skip what earlier pages consumed.
  let skip = offset;
  for await (const chunk of createReadStream(path).pipe(createGunzip()) as AsyncIterable<Buffer>) {
    if (skip >= chunk.length) {
      skip -= chunk.length;
      continue;
    }
    yield skip > 0 ? chunk.subarray(skip) : chunk;
    skip = 0;
  }
}
