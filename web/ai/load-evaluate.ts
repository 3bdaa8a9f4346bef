/**
 * Judges a forecaster on recorded examples: the normalised MSE per predicted quantity of a model's
 * predictions and of the moving average, over the same windows (what the held-out goal is measured on).
 */
import type { MetricSnapshot } from '../engine/metrics';
import {
  type Example,
  featureValue,
  HORIZON,
  meanErrors,
  movingAverage,
  type Normalisation,
  normalise,
  PREDICTED,
  type PredictedQuantity,
  WINDOW,
} from './load-features';

export interface Errors {
  /** Mean over the predicted quantities. */
  readonly all: number;
  readonly perQuantity: Record<PredictedQuantity, number>;
}

/** The moving average's normalised squared errors on one example. */
export function averageSquaredErrors(norm: Normalisation, ex: Example, span: number): number[] {
  const avg = movingAverage(ex.raw, span);
  return PREDICTED.map((_, q) => (normalise(norm, q, avg[q] ?? Number.NaN) - (ex.target[q] ?? 0)) ** 2);
}

/** Model (normalised outputs) and moving-average errors over `examples`. */
export async function evaluate(
  norm: Normalisation,
  span: number,
  examples: readonly Example[],
  predict: (window: Float32Array) => Float32Array | Promise<Float32Array>,
): Promise<{ model: Errors; average: Errors }> {
  const model: number[][] = [];
  const average: number[][] = [];
  for (const ex of examples) {
    const y = await predict(ex.window);
    model.push(PREDICTED.map((_, q) => ((y[q] ?? 0) - (ex.target[q] ?? 0)) ** 2));
    average.push(averageSquaredErrors(norm, ex, span));
  }
  return { model: meanErrors(model), average: meanErrors(average) };
}

/** Solves the symmetric positive system A·x = b in place (Gaussian elimination with partial pivoting). */
function solve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c] ?? 0) > Math.abs(a[p * n + c] ?? 0)) p = r;
    if (p !== c) {
      for (let k = 0; k < n; k++) [a[c * n + k], a[p * n + k]] = [a[p * n + k] ?? 0, a[c * n + k] ?? 0];
      [b[c], b[p]] = [b[p] ?? 0, b[c] ?? 0];
    }
    const pivot = a[c * n + c] ?? 0;
    for (let r = 0; r < n; r++) {
      if (r === c || pivot === 0) continue;
      const f = (a[r * n + c] ?? 0) / pivot;
      if (f === 0) continue;
      for (let k = c; k < n; k++) a[r * n + k] = (a[r * n + k] ?? 0) - f * (a[c * n + k] ?? 0);
      b[r] = (b[r] ?? 0) - f * (b[c] ?? 0);
    }
  }
  return Float64Array.from({ length: n }, (_, i) => (b[i] ?? 0) / (a[i * n + i] || 1));
}

/**
 * How predictable each quantity is at all, per recording set: the normalised MSE left by a linear interpolator that
 * knows the `reach` snapshots on BOTH sides of each target (least squares, fitted on these very recordings). A
 * forecaster sees only the past, HORIZON snapshots before the target, so this is an optimistic floor under any
 * forecast's error: what stays is second-to-second noise (a net burst, a GC) nothing before it announces.
 * Measured over the same targets the held-out MSE is (from WINDOW + HORIZON - 1 on).
 */
export function noiseFloor(norm: Normalisation, recordings: readonly (readonly MetricSnapshot[])[], reach = HORIZON): Errors {
  const d = 2 * reach + 1;
  const perQuantity = Object.fromEntries(
    PREDICTED.map((name, q) => {
      const rows: Float64Array[] = [];
      const ys: number[] = [];
      for (const r of recordings) {
        const z = r.map((s) => normalise(norm, q, featureValue(s, name)));
        for (let t = Math.max(WINDOW + HORIZON - 1, reach); t < z.length - reach; t++) {
          const x = new Float64Array(d);
          x[0] = 1;
          for (let k = 1; k <= reach; k++) {
            x[2 * k - 1] = z[t - k] ?? 0;
            x[2 * k] = z[t + k] ?? 0;
          }
          rows.push(x);
          ys.push(z[t] ?? 0);
        }
      }
      if (!rows.length) return [name, 0];
      const a = new Float64Array(d * d);
      const b = new Float64Array(d);
      rows.forEach((x, i) => {
        for (let j = 0; j < d; j++) {
          b[j] = (b[j] ?? 0) + (x[j] ?? 0) * (ys[i] ?? 0);
          for (let k = 0; k < d; k++) a[j * d + k] = (a[j * d + k] ?? 0) + (x[j] ?? 0) * (x[k] ?? 0);
        }
      });
      for (let j = 0; j < d; j++) a[j * d + j] = (a[j * d + j] ?? 0) + 1e-6;
      const w = solve(a, b, d);
      let e = 0;
      rows.forEach((x, i) => {
        let y = 0;
        for (let j = 0; j < d; j++) y += (x[j] ?? 0) * (w[j] ?? 0);
        e += (y - (ys[i] ?? 0)) ** 2;
      });
      return [name, e / rows.length];
    }),
  ) as Record<PredictedQuantity, number>;
  const values = Object.values(perQuantity);
  return { all: values.reduce((x, y) => x + y, 0) / values.length, perQuantity };
}
