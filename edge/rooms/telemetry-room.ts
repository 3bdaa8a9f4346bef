/**
 * TelemetryRoom: the one Durable Object that keeps opt-in telemetry batches (POST /api/telemetry) for the training
 * corpus. Each batch is stored as it was checked (shared/protocol/telemetry.ts: noisy values and a rotating random id,
 * nothing else) with the minute it arrived; retention drops batches past an age and the oldest past a count.
 */
import { DurableObject } from 'cloudflare:workers';
import { TelemetryBatch } from '../../shared/protocol';

/** How long and how many batches the room keeps (a batch is at most 60 snapshots). */
export const TELEMETRY_RETENTION = { maxBatches: 20_000, maxAgeMs: 30 * 24 * 3600 * 1000 } as const;
export type TelemetryRetention = { maxBatches: number; maxAgeMs: number };

/** Most batches one export page carries. */
export const TELEMETRY_EXPORT_PAGE = 500;

/** The instance name (one room for the whole edge). */
export const TELEMETRY_ROOM_NAME = 'telemetry';

/** One instance (binding TELEMETRY_ROOM, migration v4 in wrangler.toml). */
export class TelemetryRoom extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      'CREATE TABLE IF NOT EXISTS batches (seq INTEGER PRIMARY KEY AUTOINCREMENT, received_at INTEGER NOT NULL, body TEXT NOT NULL)',
    );
  }

  /**
   * RPC: stores one batch (parsed again here: an RPC is a boundary too; a bad one is refused, nothing stored), then
   * applies retention. It is stored with its arrival time rounded down to the minute. Answers how many batches the
   * room holds.
   */
  async add(
    batch: unknown,
    now: number,
    retention: TelemetryRetention = TELEMETRY_RETENTION,
  ): Promise<{ held: number } | { refused: string }> {
    const parsed = TelemetryBatch.safeParse(batch);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { refused: `telemetry: ${issue?.path.join('.') || 'batch'}: ${issue?.message ?? 'invalid'}` };
    }
    const sql = this.ctx.storage.sql;
    sql.exec('INSERT INTO batches (received_at, body) VALUES (?, ?)', now - (now % 60_000), JSON.stringify(parsed.data));
    sql.exec('DELETE FROM batches WHERE received_at < ?', now - retention.maxAgeMs);
    sql.exec(
      'DELETE FROM batches WHERE seq NOT IN (SELECT seq FROM batches ORDER BY seq DESC LIMIT ?)',
      Math.max(0, retention.maxBatches),
    );
    return { held: this.count() };
  }

  /** RPC: batches after `after` (a seq), oldest first, at most a page; `next` is the seq to ask after, or null. */
  async exportPage(after: number): Promise<{ lines: string[]; next: number | null }> {
    const rows = this.ctx.storage.sql
      .exec<{ seq: number; body: string }>(
        'SELECT seq, body FROM batches WHERE seq > ? ORDER BY seq LIMIT ?',
        after,
        TELEMETRY_EXPORT_PAGE,
      )
      .toArray();
    const last = rows.at(-1);
    return { lines: rows.map((r) => r.body), next: rows.length === TELEMETRY_EXPORT_PAGE && last ? last.seq : null };
  }

  /** RPC: batches held now. */
  async held(): Promise<number> {
    return this.count();
  }

  private count(): number {
    return this.ctx.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM batches').one().n;
  }
}
