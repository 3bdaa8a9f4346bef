/**
 * Reading a byte stream with a size limit: chunk by chunk, cancelled the moment it passes the limit, so an
 * oversized or endless body never sits in memory whole. One implementation for the edge's answers from a grid,
 * the viewer's asset store and zlib inflation.
 */

/** The members of a ReadableStream reader this needs (shared/ is typed without the DOM or Workers libs). */
export interface ByteChunkReader {
  read(): Promise<{ done: boolean; value?: unknown }>;
  cancel(reason?: unknown): Promise<void>;
}

/** What to throw: past the limit (with the bytes seen so far), a chunk that is not bytes, or a failed read. */
export interface ReadLimitErrors {
  tooLarge(total: number): Error;
  notBytes?(): Error;
  failed?(cause: unknown): Error;
}

function ignore(): void {}

/** Reads `reader` to its end into one array of at most `max` bytes; throws the caller's errors otherwise. */
export async function readAtMost(reader: ByteChunkReader, max: number, errors: ReadLimitErrors): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let step: { done: boolean; value?: unknown };
    try {
      step = await reader.read();
    } catch (err) {
      throw errors.failed ? errors.failed(err) : err;
    }
    if (step.done) break;
    const chunk = step.value;
    if (!(chunk instanceof Uint8Array)) {
      reader.cancel().catch(ignore);
      throw errors.notBytes ? errors.notBytes() : new TypeError('read-limited: the stream gave a chunk that is not bytes');
    }
    total += chunk.length;
    if (total > max) {
      reader.cancel().catch(ignore);
      throw errors.tooLarge(total);
    }
    chunks.push(chunk);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
