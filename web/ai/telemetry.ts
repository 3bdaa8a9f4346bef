/**
 * Opt-in telemetry on the device: nothing is kept or sent until the visitor says yes. Then each metric snapshot is
 * clamped per field and given Laplace noise (scale = bound / epsilon, shared/protocol/telemetry.ts) before it is
 * batched, and a batch of 60 goes to POST /api/telemetry under a random id that changes every hour. Saying no (or
 * taking the yes back) drops whatever was batched.
 */
import {
  MAX_TELEMETRY_SNAPSHOTS,
  TELEMETRY_FIELD_NAMES,
  TELEMETRY_FIELDS,
  type TelemetryBatch,
  TelemetryBatch as TelemetryBatchSchema,
  type TelemetryField,
  type TelemetrySnapshot,
} from '../../shared/protocol';
import { describeMetric, type MetricSnapshot, parseMetricSnapshot } from '../engine/metrics';
import { AiError } from './errors';

/** The visitor's answer: not asked yet, yes, or no. */
export type TelemetryConsent = 'unasked' | 'on' | 'off';

/** How often the random id changes. */
export const TELEMETRY_ID_ROTATE_MS = 60 * 60 * 1000;

/** One draw of Laplace(0, scale) from uniform draws in [0, 1) (inverse CDF; a draw of exactly 0 is drawn again). */
export function laplace(scale: number, uniform: () => number): number {
  let r = uniform();
  for (let i = 0; r <= 0 && i < 64; i++) r = uniform();
  // u in (-0.5, 0.5): 1 - 2|u| stays above 0, so the log is finite (at most 37 scales with 53-bit draws).
  const u = Math.min(0.5 - Number.EPSILON, Math.max(-0.5 + Number.EPSILON, r - 0.5));
  return -scale * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
}

/** The true value of a telemetry field in a snapshot, or null when the snapshot does not have it. */
export function fieldValue(snapshot: MetricSnapshot, field: TelemetryField): number | null {
  if (field === 'worker_busy') {
    const b = snapshot.worker_busy;
    return b.length === 0 ? null : b.reduce((s, x) => s + x, 0) / b.length;
  }
  const v = snapshot[field];
  return typeof v === 'number' ? v : null;
}

/** A snapshot's fields clamped to [0, bound] with Laplace(bound / epsilon) noise added, `t_s` after the batch start. */
export function noisySnapshot(snapshot: MetricSnapshot, t_s: number, uniform: () => number): TelemetrySnapshot {
  const out: Record<string, number | null> = { t_s };
  for (const f of TELEMETRY_FIELD_NAMES) {
    const v = fieldValue(snapshot, f);
    const { bound, epsilon } = TELEMETRY_FIELDS[f];
    out[f] = v === null ? null : Math.min(bound, Math.max(0, v)) + laplace(bound / epsilon, uniform);
  }
  return out as TelemetrySnapshot;
}

/** 128 random bits as hex. */
export function randomId(bytes: (n: number) => Uint8Array): string {
  return Array.from(bytes(16), (b) => b.toString(16).padStart(2, '0')).join('');
}

export interface TelemetryOptions {
  /** The stored answer (the page keeps it in localStorage). */
  consent(): TelemetryConsent;
  /** Sends one batch (POST /api/telemetry). A failed send is dropped, never retried with older data. */
  send(batch: TelemetryBatch): Promise<void>;
  /** Uniform [0, 1) draws for the noise (crypto.getRandomValues on the page). */
  uniform(): number;
  /** Random bytes for the id. */
  bytes(n: number): Uint8Array;
  now(): number;
  /** Snapshots per batch (default 60, at most MAX_TELEMETRY_SNAPSHOTS). */
  batchSize?: number;
}

export interface Telemetry {
  /** Hands over the world's newest snapshot: ignored unless the visitor said yes. */
  push(snapshot: MetricSnapshot): void;
  /** The visitor's answer changed: off drops what was batched. */
  consentChanged(): void;
  /** Batches sent so far. */
  readonly sent: number;
  /** Snapshots waiting in the batch being filled. */
  readonly pending: number;
}

export function createTelemetry(options: TelemetryOptions): Telemetry {
  const size = Math.min(MAX_TELEMETRY_SNAPSHOTS, Math.max(1, options.batchSize ?? MAX_TELEMETRY_SNAPSHOTS));
  let id: { value: string; since: number } | null = null;
  let batch: TelemetrySnapshot[] = [];
  let startMs = 0;
  let sent = 0;
  const currentId = (): string => {
    const now = options.now();
    if (!id || now - id.since >= TELEMETRY_ID_ROTATE_MS) id = { value: randomId(options.bytes), since: now };
    return id.value;
  };
  return {
    push(snapshot) {
      if (options.consent() !== 'on') {
        batch = [];
        return;
      }
      if (batch.length === 0) startMs = snapshot.timestamp_ms;
      const t_s = Math.min(3600, Math.max(0, Math.round((snapshot.timestamp_ms - startMs) / 1000)));
      batch.push(noisySnapshot(snapshot, t_s, options.uniform));
      if (batch.length < size) return;
      const out: TelemetryBatch = { v: 1, id: currentId(), snapshots: batch };
      batch = [];
      sent++;
      void options.send(out).catch(() => {});
    },
    consentChanged() {
      if (options.consent() !== 'on') {
        batch = [];
        id = null;
      }
    },
    get sent() {
      return sent;
    },
    get pending() {
      return batch.length;
    },
  };
}

/**
 * An export of POST /api/telemetry (GET /api/telemetry/export: one TelemetryBatch per line) as recordings for
 * `npm run train:load -- --telemetry FILE`: the batches of one id (one visit's hour, in export order) joined into one
 * recording, a minute apart; each noisy value clamped into its metric's range (noise makes some negative), a missing
 * value (null) taken as 0, p99 raised to p50 where noise put it below. A bad line is refused with its number.
 */
export function telemetryRecordings(jsonl: string, name: string): { name: string; snapshots: MetricSnapshot[] }[] {
  const clamp = (field: string, v: number | null): number => {
    const m = describeMetric(field);
    const x = v ?? 0;
    return m ? Math.min(m.max, Math.max(m.min, m.integer ? Math.round(x) : x)) : x;
  };
  const byId = new Map<string, MetricSnapshot[]>();
  const batches = new Map<string, number>();
  jsonl.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    let batch: TelemetryBatch;
    try {
      batch = TelemetryBatchSchema.parse(JSON.parse(line));
    } catch (err) {
      throw new AiError(
        'ai_bad_trace',
        `${name} line ${i + 1} is not a telemetry batch: ${err instanceof Error ? err.message.slice(0, 200) : String(err)}`,
      );
    }
    const k = batches.get(batch.id) ?? 0;
    batches.set(batch.id, k + 1);
    const out = byId.get(batch.id) ?? [];
    byId.set(batch.id, out);
    for (const s of batch.snapshots) {
      const p50 = clamp('frame_p50_ms', s.frame_p50_ms);
      out.push(
        parseMetricSnapshot({
          timestamp_ms: k * 60_000 + s.t_s * 1000,
          frame_p50_ms: p50,
          frame_p99_ms: Math.max(p50, clamp('frame_p99_ms', s.frame_p99_ms)),
          worker_busy: [clamp('worker_busy', s.worker_busy)],
          system_ms: {},
          entities: clamp('entities', s.entities),
          visible_instances: clamp('visible_instances', s.visible_instances),
          query_rate_per_s: clamp('query_rate_per_s', s.query_rate_per_s),
          net_in_bytes_per_s: clamp('net_in_bytes_per_s', s.net_in_bytes_per_s),
          net_out_bytes_per_s: clamp('net_out_bytes_per_s', s.net_out_bytes_per_s),
          ...(s.js_heap_bytes === null ? {} : { js_heap_bytes: clamp('js_heap_bytes', s.js_heap_bytes) }),
          sab_bytes: 0,
        }),
      );
    }
  });
  return [...byId].map(([id, snapshots]) => ({ name: `${name}#${id.slice(0, 8)}`, snapshots }));
}
