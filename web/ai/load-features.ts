/**
 * The load forecast's data (seed 12.3): which metrics a snapshot gives the model, how they are normalised,
 * the 60-snapshot window, the moving-average fallback and the normalised MSE both are judged by. Shared by
 * the trainer (scripts/train-load.ts), the forecaster (web/ai/load-forecaster.ts), the tests and the bench.
 */
import { z } from 'zod';
import type { FORECAST_QUANTITIES, MetricSnapshot } from '../engine/metrics';
import { AiError } from './errors';

/** Snapshots in a window (one a second). */
export const WINDOW = 60;
/** How far ahead the model predicts, in snapshots (seconds). */
export const HORIZON = 5;

/** What the model predicts: frame time, busy fraction, memory and net rate. */
export const PREDICTED = [
  'frame_p50_ms',
  'frame_p99_ms',
  'worker_busy',
  'js_heap_bytes',
  'net_in_bytes_per_s',
  'net_out_bytes_per_s',
] as const satisfies readonly (typeof FORECAST_QUANTITIES)[number][];
export type PredictedQuantity = (typeof PREDICTED)[number];

/** What the model reads per snapshot: the predicted quantities, then what drives them. */
export const FEATURES = [...PREDICTED, 'entities', 'query_rate_per_s'] as const;
export type FeatureName = (typeof FEATURES)[number];

/** The window is summarised by means over these spans of snapshots (newest first: [from, to) ages). */
export const POOLS: readonly (readonly [number, number])[] = [
  [0, 1],
  [1, 3],
  [3, 8],
  [8, 20],
  [20, 40],
  [40, 60],
];

/** The raw value of one feature in a snapshot (worker_busy: the mean over workers; a missing metric: NaN). */
export function featureValue(s: MetricSnapshot, name: FeatureName): number {
  if (name === 'worker_busy') {
    const busy = s.worker_busy;
    return busy.length ? busy.reduce((a, b) => a + b, 0) / busy.length : 0;
  }
  const v = s[name];
  return typeof v === 'number' ? v : Number.NaN;
}

/** log1p for the heavy-tailed ones (times, bytes, rates, counts); the busy fraction as it is. */
function transform(name: FeatureName, v: number): number {
  return name === 'worker_busy' ? v : Math.log1p(Math.max(0, v));
}
function untransform(name: FeatureName, t: number): number {
  return name === 'worker_busy' ? Math.min(1, Math.max(0, t)) : Math.max(0, Math.expm1(t));
}

/** Per feature: mean and standard deviation of the transformed values over the training set. */
export const Normalisation = z.strictObject({
  mean: z.array(z.number()).length(FEATURES.length),
  std: z.array(z.number().positive()).length(FEATURES.length),
});
export type Normalisation = z.infer<typeof Normalisation>;

/** Normalised feature `i` of a raw value (a missing value becomes 0: the training mean). */
export function normalise(norm: Normalisation, i: number, raw: number): number {
  const name = FEATURES[i] as FeatureName;
  if (!Number.isFinite(raw)) return 0;
  return (transform(name, raw) - (norm.mean[i] ?? 0)) / (norm.std[i] ?? 1);
}

/** Raw value of normalised feature `i`. */
export function denormalise(norm: Normalisation, i: number, z: number): number {
  const name = FEATURES[i] as FeatureName;
  return untransform(name, z * (norm.std[i] ?? 1) + (norm.mean[i] ?? 0));
}

/** The stats of the transformed features over some recordings. */
export function fitNormalisation(recordings: readonly (readonly MetricSnapshot[])[]): Normalisation {
  const mean: number[] = [];
  const std: number[] = [];
  FEATURES.forEach((name) => {
    const values: number[] = [];
    for (const r of recordings)
      for (const s of r) {
        const v = featureValue(s, name);
        if (Number.isFinite(v)) values.push(transform(name, v));
      }
    const m = values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
    const variance = values.length ? values.reduce((a, b) => a + (b - m) ** 2, 0) / values.length : 1;
    mean.push(m);
    std.push(Math.max(Math.sqrt(variance), 1e-3));
  });
  return { mean, std };
}

/** A recording as a [snapshots × FEATURES] row-major matrix of normalised values. */
export function normaliseRecording(norm: Normalisation, snapshots: readonly MetricSnapshot[]): Float32Array {
  const out = new Float32Array(snapshots.length * FEATURES.length);
  snapshots.forEach((s, t) => {
    FEATURES.forEach((name, i) => {
      out[t * FEATURES.length + i] = normalise(norm, i, featureValue(s, name));
    });
  });
  return out;
}

/** One training or test example: the window (oldest first) and the normalised targets HORIZON ahead. */
export interface Example {
  /** WINDOW × FEATURES, row-major, oldest snapshot first. */
  readonly window: Float32Array;
  /** PREDICTED.length normalised values at HORIZON after the window's newest snapshot. */
  readonly target: Float32Array;
  /** The raw snapshots of the window (for the moving average). */
  readonly raw: readonly MetricSnapshot[];
  /** The raw snapshot predicted. */
  readonly future: MetricSnapshot;
}

/** Every window of a recording with its target (stride one snapshot). */
export function examples(norm: Normalisation, snapshots: readonly MetricSnapshot[]): Example[] {
  const matrix = normaliseRecording(norm, snapshots);
  const F = FEATURES.length;
  const out: Example[] = [];
  for (let end = WINDOW; end + HORIZON - 1 < snapshots.length; end++) {
    const start = end - WINDOW;
    const futureAt = end - 1 + HORIZON;
    const target = new Float32Array(PREDICTED.length);
    for (let q = 0; q < PREDICTED.length; q++) target[q] = matrix[futureAt * F + q] ?? 0;
    out.push({
      window: matrix.slice(start * F, end * F),
      target,
      raw: snapshots.slice(start, end),
      future: snapshots[futureAt] as MetricSnapshot,
    });
  }
  return out;
}

/** The moving average of each predicted quantity over the newest `span` snapshots (raw units; NaN when missing). */
export function movingAverage(snapshots: readonly MetricSnapshot[], span: number): number[] {
  const recent = snapshots.slice(-span);
  return PREDICTED.map((name) => {
    let sum = 0;
    let n = 0;
    for (const s of recent) {
      const v = featureValue(s, name);
      if (Number.isFinite(v)) {
        sum += v;
        n += 1;
      }
    }
    return n ? sum / n : Number.NaN;
  });
}

/** Normalised squared errors per predicted quantity of raw predictions against a raw snapshot. */
export function squaredErrors(norm: Normalisation, predicted: readonly number[], actual: MetricSnapshot): number[] {
  return PREDICTED.map((name, q) => {
    const a = featureValue(actual, name);
    const p = predicted[q] ?? Number.NaN;
    if (!Number.isFinite(a) || !Number.isFinite(p)) return 0;
    return (normalise(norm, q, p) - normalise(norm, q, a)) ** 2;
  });
}

/** Mean of per-quantity squared errors: per quantity, and the mean over quantities (`all`). */
export function meanErrors(rows: readonly (readonly number[])[]): {
  all: number;
  perQuantity: Record<PredictedQuantity, number>;
} {
  const perQuantity = Object.fromEntries(
    PREDICTED.map((name, q) => [name, rows.length ? rows.reduce((a, r) => a + (r[q] ?? 0), 0) / rows.length : 0]),
  ) as Record<PredictedQuantity, number>;
  const values = Object.values(perQuantity);
  return { all: values.reduce((a, b) => a + b, 0) / values.length, perQuantity };
}

/** The constant matrix (WINDOW·FEATURES × POOLS·FEATURES) that averages the window over POOLS: the model's first op. */
export function poolingMatrix(): Float32Array {
  const F = FEATURES.length;
  const cols = POOLS.length * F;
  const m = new Float32Array(WINDOW * F * cols);
  POOLS.forEach(([from, to], p) => {
    for (let age = from; age < to; age++) {
      const t = WINDOW - 1 - age;
      for (let f = 0; f < F; f++) m[(t * F + f) * cols + p * F + f] = 1 / (to - from);
    }
  });
  return m;
}

/** Parses JSONL text into snapshots with `parse` (the engine's schema), naming the bad line. */
export function parseTrace(text: string, parse: (v: unknown) => MetricSnapshot, name = 'trace'): MetricSnapshot[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line, i) => {
      try {
        return parse(JSON.parse(line));
      } catch (err) {
        throw new AiError('ai_bad_trace', `${name} line ${i + 1}: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
}
