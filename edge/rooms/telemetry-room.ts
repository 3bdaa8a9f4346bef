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

/**
 * Batches one sender may store an hour (a viewer sends one a minute). The sender is named only in memory, for this
 * count, and never stored; a second limit holds for all senders together, so rotating addresses cannot flood it.
 */
export const TELEMETRY_LIMITS = { perSenderPerHour: 90, allPerMinute: 600 } as const;
export type TelemetryLimits = { perSenderPerHour: number; allPerMinute: number };
/** Senders counted at once; past it the counts start over (memory stays bounded). */
const MAX_SENDERS = 10_000;

/** Most batches one export page carries. */
export const TELEMETRY_EXPORT_PAGE = 500;

/** The instance name (one room for the whole edge). */
export const TELEMETRY_ROOM_NAME = 'telemetry';

/** One instance (binding TELEMETRY_ROOM, migration v4 in wrangler.toml). */
export class TelemetryRoom extends DurableObject<Env> {
  /** Batches per sender in the current hour, and for everyone in the current minute (memory only). */
  private senders = new Map<string, { hour: number; n: number }>();
  private all = { minute: -1, n: 0 };

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
    sender = 'unknown',
    limits: TelemetryLimits = TELEMETRY_LIMITS,
  ): Promise<{ held: number } | { refused: string } | { limited: string }> {
    const parsed = TelemetryBatch.safeParse(batch);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { refused: `telemetry: ${issue?.path.join('.') || 'batch'}: ${issue?.message ?? 'invalid'}` };
    }
    const limited = this.countBatch(sender.slice(0, 64), now, limits);
    if (limited) return { limited };
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

  /** Counts one batch of `sender`; a message when a limit is past (then nothing is stored). */
  private countBatch(sender: string, now: number, limits: TelemetryLimits): string | null {
    const minute = Math.floor(now / 60_000);
    if (this.all.minute !== minute) this.all = { minute, n: 0 };
    if (this.all.n >= limits.allPerMinute)
      return `telemetry: more than ${limits.allPerMinute} batches a minute from everyone; try later`;
    const hour = Math.floor(now / 3_600_000);
    const seen = this.senders.get(sender);
    const n = seen && seen.hour === hour ? seen.n : 0;
    if (n >= limits.perSenderPerHour)
      return `telemetry: more than ${limits.perSenderPerHour} batches an hour from one sender; try later`;
    if (!seen && this.senders.size >= MAX_SENDERS) this.senders.clear();
    this.senders.set(sender, { hour, n: n + 1 });
    this.all.n++;
    return null;
  }

  /** RPC: batches held now. */
  async held(): Promise<number> {
    return this.count();
  }

  private count(): number {
    return this.ctx.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM batches').one().n;
  }
}
