/**
 * Opt-in telemetry: POST /api/telemetry stores a batch of noisy metric snapshots (no token: it carries nothing that
 * names anyone); GET /api/telemetry/export?after=SEQ pages through them as JSON lines for `npm run train:load`
 * (a token with the `create` permission: operators).
 */
import { Hono } from 'hono';
import { MAX_TELEMETRY_BODY_BYTES, type TelemetryAnswer, TelemetryBatch } from '../../shared/protocol';
import { EdgeError } from '../errors';
import { TELEMETRY_ROOM_NAME } from '../rooms/telemetry-room';
import { bearer, requireToken } from './access';
import { jsonBody } from './json-body';

export const telemetryRoutes = new Hono<{ Bindings: Env }>();

telemetryRoutes.post('/api/telemetry', async (c) => {
  const batch = await jsonBody(c.req.raw, TelemetryBatch, 'POST /api/telemetry', MAX_TELEMETRY_BODY_BYTES);
  // The sender's address counts its batches in the room's memory only; it is never stored with them.
  const sender = c.req.header('cf-connecting-ip') ?? 'local';
  const room = c.env.TELEMETRY_ROOM.getByName(TELEMETRY_ROOM_NAME);
  const stored = await room.add(batch, Date.now(), undefined, sender);
  if ('refused' in stored) throw new EdgeError(400, 'bad_request', `edge: POST /api/telemetry: ${stored.refused}`);
  if ('limited' in stored) throw new EdgeError(429, 'telemetry_rate_limited', `edge: POST /api/telemetry: ${stored.limited}`);
  return c.json({ stored: batch.snapshots.length } satisfies TelemetryAnswer, 202);
});

telemetryRoutes.get('/api/telemetry/export', async (c) => {
  await requireToken(c.env, bearer(c.req.header('authorization')), 'create');
  const after = Number(c.req.query('after') ?? '0');
  if (!Number.isSafeInteger(after) || after < 0)
    throw new EdgeError(400, 'bad_request', 'edge: GET /api/telemetry/export: after must be a whole number ≥ 0');
  const page = await c.env.TELEMETRY_ROOM.getByName(TELEMETRY_ROOM_NAME).exportPage(after);
  const headers: Record<string, string> = { 'content-type': 'application/x-ndjson' };
  if (page.next !== null) headers['x-telemetry-next'] = String(page.next);
  return c.body(page.lines.map((l) => `${l}\n`).join(''), 200, headers);
});
