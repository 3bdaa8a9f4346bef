/**
 * A sandboxed plugin's world requests (docs/plugins.md, world:read / world:local): what the sandbox may post
 * (web/plugins/sandbox-protocol.ts), what the host forwards to the world worker and what the world worker answers
 * (web/plugins/trusted-protocol.ts). Well-formed ones parse; nonsense, oversized specs and oversized answers are refused.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_WORLD_SPEC_BYTES, SandboxSingle, WORLD_OP_PERMISSION, WORLD_OPS } from '../../../../web/plugins/sandbox-protocol';
import {
  MAX_SANDBOX_QUERY_ROWS,
  MAX_WORLD_OPS,
  TrustedCommand,
  WorldOp,
  WorldReplies,
} from '../../../../web/plugins/trusted-protocol';

const stats = { query_hits: 1, query_misses: 2, local_entities: 3 };
const row = { id: 7, position: [1, 2, 3], kind: 'prim' };

describe('world requests from a sandbox', () => {
  it('parses each world request the sandbox sends', () => {
    const good: unknown[] = [
      { t: 'request', id: 1, op: 'query', spec: { all: ['Transform', 'Shape'] } },
      { t: 'request', id: 2, op: 'local-create', spec: { position: [1, 2, 3], color: [1, 0, 0] } },
      { t: 'request', id: 3, op: 'local-update', entity: 12, fields: { position: [1, 2, 4] } },
      { t: 'request', id: 4, op: 'local-remove', entity: 12 },
      { t: 'request', id: 5, op: 'local-count' },
      // The spec's own fields are the world worker's to judge (plugin_bad_query / plugin_bad_message there).
      { t: 'request', id: 6, op: 'query', spec: { all: ['NoSuchComponent'] } },
    ];
    for (const m of good) expect(SandboxSingle.safeParse(m).success, JSON.stringify(m)).toBe(true);
  });

  it('refuses world requests with a missing or oversized spec, a bad entity id, or extra keys', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const bad: unknown[] = [
      { t: 'request', id: 1, op: 'query' },
      { t: 'request', id: 1, op: 'query', spec: undefined },
      { t: 'request', id: 1, op: 'query', spec: { all: ['x'.repeat(MAX_WORLD_SPEC_BYTES)] } },
      { t: 'request', id: 1, op: 'query', spec: cyclic },
      { t: 'request', id: 1, op: 'local-update', entity: 'mine', fields: {} },
      { t: 'request', id: 1, op: 'local-update', entity: -1, fields: {} },
      { t: 'request', id: 1, op: 'local-remove', entity: 1.5 },
      { t: 'request', id: 1, op: 'local-count', extra: true },
      { t: 'request', id: -1, op: 'local-count' },
      { t: 'request', id: 1, op: 'local-explode' },
    ];
    for (const [i, m] of bad.entries()) expect(SandboxSingle.safeParse(m).success, `bad request ${i}`).toBe(false);
  });

  it('names the permission each world request needs', () => {
    expect(WORLD_OP_PERMISSION).toEqual({
      query: 'world:read',
      'local-create': 'world:local',
      'local-update': 'world:local',
      'local-remove': 'world:local',
      'local-count': 'world:local',
    });
    expect(Object.keys(WORLD_OP_PERMISSION).sort()).toEqual([...WORLD_OPS].sort());
  });

  it('never throws, and refuses anything that is not one of the shapes (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          t: fc.constant('request'),
          id: fc.anything(),
          op: fc.constantFrom(...WORLD_OPS, 'world', ''),
          entity: fc.anything(),
          spec: fc.anything(),
          junk: fc.anything(),
        }),
        (v) => {
          // `junk` is an extra key: every such message is refused.
          expect(SandboxSingle.safeParse(v).success).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.anything(), (v) => {
        expect(typeof WorldOp.safeParse(v).success).toBe('boolean');
        expect(typeof WorldReplies.safeParse(v).success).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });
});

describe('world requests between the host and the world worker', () => {
  it('carries a batch of at most MAX_WORLD_OPS requests in a trusted-plugin command', () => {
    const op = { id: 1, op: 'query', spec: { all: ['Avatar'] } };
    const command = (items: unknown[]) => ({ name: 'radar', message: { t: 'world-ops', items } });
    expect(TrustedCommand.safeParse(command([op])).success).toBe(true);
    expect(TrustedCommand.safeParse(command(Array(MAX_WORLD_OPS).fill(op))).success).toBe(true);
    expect(TrustedCommand.safeParse(command(Array(MAX_WORLD_OPS + 1).fill(op))).success).toBe(false);
    expect(TrustedCommand.safeParse(command([])).success).toBe(false);
    expect(TrustedCommand.safeParse(command([{ ...op, t: 'request' }])).success).toBe(false);
    expect(TrustedCommand.safeParse({ name: 'Not A Name', message: { t: 'world-ops', items: [op] } }).success).toBe(false);
  });

  it('answers plain data: ids, counts and query copies of at most MAX_SANDBOX_QUERY_ROWS rows', () => {
    const answer = (rows: unknown[]) => ({ count: rows.length, rows, key: 'and(1,2)' });
    const replies = (items: unknown[]) => ({ t: 'world-replies', items, stats });
    expect(
      WorldReplies.safeParse(
        replies([
          { id: 1, ok: true, value: 42 },
          { id: 2, ok: true },
        ]),
      ).success,
    ).toBe(true);
    expect(WorldReplies.safeParse(replies([{ id: 1, ok: true, value: answer([row, { ...row, position: null }]) }])).success).toBe(
      true,
    );
    expect(
      WorldReplies.safeParse(replies([{ id: 1, ok: false, code: 'plugin_local_limit', message: 'plugins: x: at most 256' }]))
        .success,
    ).toBe(true);
    const full = Array(MAX_SANDBOX_QUERY_ROWS).fill(row);
    expect(WorldReplies.safeParse(replies([{ id: 1, ok: true, value: answer(full) }])).success).toBe(true);
    expect(WorldReplies.safeParse(replies([{ id: 1, ok: true, value: answer([...full, row]) }])).success).toBe(false);
    // A reply that is not plain data of these shapes is refused: functions, HTML-ish kinds, extra keys, no stats.
    const bad: unknown[] = [
      replies([{ id: 1, ok: true, value: 'text' }]),
      replies([{ id: 1, ok: true, value: answer([{ ...row, kind: 'secret' }]) }]),
      replies([{ id: 1, ok: true, value: answer([{ ...row, extra: 1 }]) }]),
      replies([{ id: 1, ok: false }]),
      { t: 'world-replies', items: [] },
      { t: 'world-replies', items: [], stats: { ...stats, local_entities: -1 } },
    ];
    for (const [i, m] of bad.entries()) expect(WorldReplies.safeParse(m).success, `bad reply ${i}`).toBe(false);
  });
});
