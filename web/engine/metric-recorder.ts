/**
 * The metric recorder: one validated MetricSnapshot per interval (a second by default) in a fixed ring of
 * the last hour, oldest dropped first, written out as JSONL.
 */
import { EngineCode, ecsError } from './errors';
import { type MetricSnapshot, parseMetricSnapshot } from './metrics';

/** Options of `createMetricRecorder`. */
export interface MetricRecorderOptions {
  /** The clock, ms (the App's). */
  readonly now: () => number;
  /** Snapshots kept (default 3,600: an hour at one a second). */
  readonly capacity?: number;
  /** Ms between snapshots that `due` asks for (default 1,000). */
  readonly intervalMs?: number;
}

/** A ring of the last `capacity` snapshots. */
export interface MetricRecorder {
  readonly capacity: number;
  /** Snapshots held (at most `capacity`). */
  readonly size: number;
  /** True when an interval has passed since the last `record` (or nothing was recorded yet). */
  due(): boolean;
  /** Validates and keeps a snapshot (dropping the oldest when full); throws EngineError BadMetric naming the metric. */
  record(snapshot: unknown): MetricSnapshot;
  latest(): MetricSnapshot | null;
  /** The held snapshots, oldest first. */
  snapshots(): MetricSnapshot[];
  /** One JSON object per line, oldest first (empty when nothing was recorded). */
  toJsonl(): string;
}

/** Most snapshots a recorder may keep (a day at one a second). */
export const MAX_METRIC_CAPACITY = 86_400;

/** Creates a recorder. */
export function createMetricRecorder(options: MetricRecorderOptions): MetricRecorder {
  const capacity = options.capacity ?? 3600;
  const intervalMs = options.intervalMs ?? 1000;
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_METRIC_CAPACITY)
    throw ecsError(
      EngineCode.InvalidConfig,
      `metric recorder: capacity ${capacity} must be an integer from 1 to ${MAX_METRIC_CAPACITY}`,
    );
  if (!(intervalMs > 0)) throw ecsError(EngineCode.InvalidConfig, `metric recorder: intervalMs ${intervalMs} must be positive`);
  const ring: (MetricSnapshot | undefined)[] = new Array(capacity).fill(undefined);
  let next = 0;
  let size = 0;
  let lastAt = Number.NEGATIVE_INFINITY;
  const snapshots = (): MetricSnapshot[] => {
    const out: MetricSnapshot[] = [];
    for (let k = 0; k < size; k++) {
      const s = ring[(next - size + k + capacity) % capacity];
      if (s) out.push(s);
    }
    return out;
  };
  return {
    capacity,
    get size() {
      return size;
    },
    due: () => options.now() - lastAt >= intervalMs,
    record(input) {
      const snapshot = parseMetricSnapshot(input);
      ring[next] = snapshot;
      next = (next + 1) % capacity;
      size = Math.min(capacity, size + 1);
      lastAt = options.now();
      return snapshot;
    },
    latest: () => (size === 0 ? null : (ring[(next - 1 + capacity) % capacity] ?? null)),
    snapshots,
    toJsonl: () =>
      snapshots()
        .map((s) => `${JSON.stringify(s)}\n`)
        .join(''),
  };
}
