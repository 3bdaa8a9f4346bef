/** Opt-in telemetry at the edge (POST /api/telemetry, the TelemetryRoom's retention, the export), inside workerd. */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { PERMISSION } from '../../edge/auth/permissions';
import { TELEMETRY_ROOM_NAME } from '../../edge/rooms/telemetry-room';
import { ApiError, TelemetryBatch as BatchSchema, TELEMETRY_FIELD_NAMES, type TelemetryBatch } from '../../shared/protocol';
import { call, post, tokenWith } from './support';

let ids = 0;
function batch(n = 3, id = (ids++).toString(16).padStart(32, 'a')): TelemetryBatch {
  const values = Object.fromEntries(TELEMETRY_FIELD_NAMES.map((f, i) => [f, i * 1.5 - 2]));
  return { v: 1, id, snapshots: Array.from({ length: n }, (_, t) => ({ t_s: t, ...values })) as TelemetryBatch['snapshots'] };
}

async function exportAll(): Promise<TelemetryBatch[]> {
  const token = await tokenWith('*', PERMISSION.create);
  const out: TelemetryBatch[] = [];
  let after = 0;
  for (;;) {
    const res = await call(`/api/telemetry/export?after=${after}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const line of text.split('\n').filter(Boolean)) out.push(BatchSchema.parse(JSON.parse(line)));
    const next = res.headers.get('x-telemetry-next');
    if (!next) return out;
    after = Number(next);
  }
}

describe('telemetry at the edge', () => {
  it('stores a checked batch and exports it as JSON lines to a token with create', async () => {
    const sent = batch(5);
    const res = await post('/api/telemetry', sent);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ stored: 5 });
    expect(await exportAll()).toContainEqual(sent);
  });

  it('refuses bad bodies with 400/413 and stores nothing of them', async () => {
    const room = env.TELEMETRY_ROOM.getByName(TELEMETRY_ROOM_NAME);
    const before = await room.held();
    const good = batch(1);
    const bad: unknown[] = [
      { ...good, v: 2 },
      { ...good, id: 'visitor-alice' },
      { ...good, email: 'a@example.com' },
      { ...good, snapshots: [] },
      { ...good, snapshots: batch(61).snapshots },
      { ...good, snapshots: [{ ...good.snapshots[0], frame_p50_ms: 1e12 }] },
      { ...good, snapshots: [{ ...good.snapshots[0], hostname: 'box' }] },
      'not an object',
    ];
    for (const body of bad) {
      const res = await post('/api/telemetry', body);
      expect(res.status).toBe(400);
      expect(ApiError.parse(await res.json()).error.code).toBe('bad_request');
    }
    const raw = await call('/api/telemetry', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"v":1,',
    });
    expect(raw.status).toBe(400);
    const big = await call('/api/telemetry', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...good, pad: 'x'.repeat(40_000) }),
    });
    expect(big.status).toBe(413);
    expect(await room.held()).toBe(before);
    // The room parses what its RPC gets too.
    expect(await room.add({ v: 1, id: 'x', snapshots: [] }, Date.now())).toEqual({ refused: expect.stringContaining('id') });
    expect(await room.held()).toBe(before);
  });

  it('keeps batches within the retention limits: the oldest past the count, anything past the age', async () => {
    const room = env.TELEMETRY_ROOM.getByName(`retention-${Date.now()}`);
    const day = 24 * 3600 * 1000;
    const t0 = Date.UTC(2026, 0, 1);
    const limits = { maxBatches: 4, maxAgeMs: 10 * day };
    for (let i = 0; i < 6; i++) await room.add(batch(1, `${i}`.padStart(32, '0')), t0 + i * 60_000, limits);
    expect(await room.held()).toBe(4);
    const kept = (await room.exportPage(0)).lines.map((l) => (JSON.parse(l) as TelemetryBatch).id.slice(-1));
    expect(kept).toEqual(['2', '3', '4', '5']);
    // Eleven days on: everything older than ten days goes.
    await room.add(batch(1, 'f'.repeat(32)), t0 + 11 * day, limits);
    expect((await room.exportPage(0)).lines.map((l) => (JSON.parse(l) as TelemetryBatch).id)).toEqual(['f'.repeat(32)]);
  });

  it('limits batches per sender an hour and for everyone a minute, storing nothing past a limit', async () => {
    const room = env.TELEMETRY_ROOM.getByName(`limits-${Date.now()}`);
    const t0 = Date.UTC(2026, 0, 1, 10);
    const limits = { perSenderPerHour: 3, allPerMinute: 5 };
    const keep = { maxBatches: 1000, maxAgeMs: 365 * 24 * 3600 * 1000 };
    for (let i = 0; i < 3; i++) expect(await room.add(batch(1), t0 + i, keep, 'a', limits)).toHaveProperty('held');
    expect(await room.add(batch(1), t0 + 5, keep, 'a', limits)).toEqual({ limited: expect.stringContaining('one sender') });
    // Another sender still gets through, until everyone's minute is full.
    expect(await room.add(batch(1), t0 + 6, keep, 'b', limits)).toHaveProperty('held');
    expect(await room.add(batch(1), t0 + 7, keep, 'c', limits)).toHaveProperty('held');
    expect(await room.add(batch(1), t0 + 8, keep, 'd', limits)).toEqual({ limited: expect.stringContaining('everyone') });
    expect(await room.held()).toBe(5);
    // An hour later the first sender may send again.
    expect(await room.add(batch(1), t0 + 3_600_000, keep, 'a', limits)).toHaveProperty('held');
    expect(await room.held()).toBe(6);
  });

  it('answers 429 telemetry_rate_limited over HTTP past the per-sender limit', async () => {
    let last = 0;
    for (let i = 0; i < 100 && last !== 429; i++) {
      const res = await call('/api/telemetry', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'cf-connecting-ip': '203.0.113.9' },
        body: JSON.stringify(batch(1)),
      });
      last = res.status;
      if (last === 429) expect(ApiError.parse(await res.json()).error.code).toBe('telemetry_rate_limited');
      else expect(last).toBe(202);
    }
    expect(last).toBe(429);
  });

  it('refuses the export without a create token', async () => {
    expect((await call('/api/telemetry/export')).status).toBe(401);
    const visitor = await tokenWith('plaza', PERMISSION.join | PERMISSION.edit);
    expect((await call('/api/telemetry/export', { headers: { authorization: `Bearer ${visitor}` } })).status).toBe(403);
  });
});
