/** What a sandbox may post to the host (web/plugins/sandbox-protocol.ts): well-formed messages parse, nonsense is refused. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_BATCH, MAX_PAYLOAD_BYTES, SandboxMessage, SandboxSingle } from '../../../../web/plugins/sandbox-protocol';

describe('sandbox messages', () => {
  it('parses each kind the sandbox sends', () => {
    const good: unknown[] = [
      { t: 'loaded', hooks: { init: true, update: false, shutdown: true } },
      { t: 'load-failed', message: 'SyntaxError' },
      { t: 'done', id: 3, ms: 0.5 },
      { t: 'done', id: 3, ms: 0.5, error: 'boom' },
      { t: 'publish', event: 'a/b', payload: { n: [1, 2] }, token: 'x.y' },
      { t: 'publish', event: 'a/b', payload: 1, token: 'x.y', cause: 7 },
      { t: 'loaded', hooks: { init: true, update: false, shutdown: true }, ms: 1.5 },
      { t: 'subscribe', pattern: 'a/*' },
      { t: 'handled', seq: 9 },
      { t: 'request', id: 1, op: 'fetch', url: 'https://a.example/x', method: 'GET' },
      { t: 'request', id: 2, op: 'storage-get', key: 'k' },
      { t: 'request', id: 3, op: 'storage-set', key: 'k', value: null },
      { t: 'request', id: 4, op: 'chat-send', text: 'hi' },
      { t: 'request', id: 5, op: 'panel', panel: { title: 't', items: [{ kind: 'button', id: 'go', label: 'Go' }] } },
      { t: 'log', level: 'warn', text: 'careful' },
    ];
    for (const m of good) expect(SandboxMessage.safeParse(m).success, JSON.stringify(m)).toBe(true);
  });

  it('refuses unknown kinds and ops, extra keys, raw HTML in panels, and oversized or cyclic payloads', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const bad: unknown[] = [
      'nonsense',
      null,
      { t: 'bogus' },
      { t: 'request', id: 1, op: 'format-disk' },
      { t: 'done', id: -1, ms: 0 },
      { t: 'done', id: 1, ms: 0, extra: 1 },
      { t: 'publish', event: 'a/b', payload: 'x'.repeat(MAX_PAYLOAD_BYTES), token: 't' },
      { t: 'publish', event: 'a/b', payload: cyclic, token: 't' },
      { t: 'request', id: 5, op: 'panel', panel: { title: 't', items: [{ kind: 'html', html: '<script>' }] } },
      { t: 'request', id: 4, op: 'chat-send', text: '' },
    ];
    for (const [i, m] of bad.entries()) expect(SandboxMessage.safeParse(m).success, `bad message ${i}`).toBe(false);
  });

  it('takes a batch of up to MAX_BATCH items, each item parsed on its own by the host', () => {
    const item = { t: 'publish', event: 'a/b', payload: 1, token: 'x.y' };
    expect(SandboxMessage.safeParse({ t: 'batch', items: [item, 'nonsense'] }).success).toBe(true);
    expect(SandboxSingle.safeParse('nonsense').success).toBe(false);
    expect(SandboxMessage.safeParse({ t: 'batch', items: Array(MAX_BATCH).fill(item) }).success).toBe(true);
    expect(SandboxMessage.safeParse({ t: 'batch', items: Array(MAX_BATCH + 1).fill(item) }).success).toBe(false);
    expect(SandboxMessage.safeParse({ t: 'batch', items: [] }).success).toBe(false);
    expect(SandboxMessage.safeParse({ t: 'batch', items: [item], extra: 1 }).success).toBe(false);
    expect(SandboxMessage.safeParse({ ...item, cause: -1 }).success).toBe(false);
    fc.assert(
      fc.property(fc.array(fc.anything(), { minLength: 1, maxLength: MAX_BATCH }), (items) => {
        expect(SandboxMessage.safeParse({ t: 'batch', items }).success).toBe(true);
        for (const i of items) expect(typeof SandboxSingle.safeParse(i).success).toBe('boolean');
      }),
      { numRuns: 100 },
    );
  });

  it('never throws on arbitrary values (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        expect(typeof SandboxMessage.safeParse(v).success).toBe('boolean');
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(
        fc.record({
          t: fc.constantFrom('done', 'publish', 'request', 'log'),
          id: fc.anything(),
          op: fc.string(),
          ms: fc.anything(),
        }),
        (v) => {
          expect(typeof SandboxMessage.safeParse(v).success).toBe('boolean');
        },
      ),
    );
  });
});
