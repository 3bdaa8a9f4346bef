/** Reading a byte stream under a size limit: whole when it fits, cancelled the moment it passes the limit. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readAtMost } from '../../../../shared/bytes/read-limited';

function readerOf(chunks: unknown[]) {
  let i = 0;
  let cancelled = false;
  return {
    reader: {
      read: async () => (i < chunks.length ? { done: false, value: chunks[i++] } : { done: true }),
      cancel: async () => {
        cancelled = true;
      },
    },
    read: () => i,
    cancelled: () => cancelled,
  };
}

const tooLarge = (total: number) => new RangeError(`too large at ${total}`);

describe('readAtMost', () => {
  it('joins the chunks of a stream that fits, for any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 12 }), async (chunks) => {
        const all = Uint8Array.from(chunks.flatMap((c) => Array.from(c)));
        const out = await readAtMost(readerOf(chunks).reader, all.length, { tooLarge });
        expect(out).toEqual(all);
      }),
      { numRuns: 200 },
    );
  });

  it('stops and cancels at the first chunk past the limit, reading nothing more', async () => {
    const s = readerOf([new Uint8Array(6), new Uint8Array(6), new Uint8Array(6)]);
    await expect(readAtMost(s.reader, 10, { tooLarge })).rejects.toThrow('too large at 12');
    expect(s.read()).toBe(2);
    expect(s.cancelled()).toBe(true);
  });

  it('refuses a chunk that is not bytes, and passes a failed read through the caller’s error', async () => {
    await expect(readAtMost(readerOf(['text']).reader, 10, { tooLarge })).rejects.toThrow(/not bytes/);
    const failing = { read: async () => Promise.reject(new Error('socket reset')), cancel: async () => {} };
    await expect(readAtMost(failing, 10, { tooLarge, failed: (e) => new Error(`wrapped: ${String(e)}`) })).rejects.toThrow(
      'wrapped: Error: socket reset',
    );
  });
});
