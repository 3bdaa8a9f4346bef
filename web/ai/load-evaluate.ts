/**
 * Judges a forecaster on recorded examples: the normalised MSE per predicted quantity of a model's
 * predictions and of the moving average, over the same windows (what the held-out goal is measured on).
 */
import {
  type Example,
  meanErrors,
  movingAverage,
  type Normalisation,
  normalise,
  PREDICTED,
  type PredictedQuantity,
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
