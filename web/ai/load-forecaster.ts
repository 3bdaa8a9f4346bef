/**
 * The load forecaster (seed 12.3): fed one MetricSnapshot a second, it predicts frame time, busy fraction,
 * memory and net rate HORIZON seconds ahead from the last WINDOW snapshots with the ONNX model, and falls
 * back to the moving average — saying so in the LoadForecast — on a cold start (fewer than WINDOW snapshots)
 * or, quantity by quantity, when the model has lately been much worse than the average at that quantity (a net
 * burst the model missed does not make it drop its frame-time forecast). It scores both against what arrives
 * HORIZON snapshots later; a quantity's confidence is 1 / (1 + its recent normalised MSE). Quantities the model
 * does not predict (AVERAGE_ONLY: the render worker's frame time, which the recorded corpus does not have yet) are
 * forecast by the moving average alone, marked so, with a confidence and an upper bound from its own running error.
 */
import { describeMetric, type LoadForecast, METRICS_VERSION, type MetricSnapshot } from '../engine/metrics';
import {
  denormalise,
  FEATURES,
  featureValue,
  HORIZON,
  movingAverage,
  normalise,
  PREDICTED,
  type PredictedQuantity,
  squaredErrors,
  WINDOW,
} from './load-features';
import type { LoadModelSpec } from './load-model-spec';

/** Runs the model on one normalised window (WINDOW × FEATURES, oldest first) → PREDICTED normalised values. */
export interface ForecastRunner {
  run(window: Float32Array): Promise<Float32Array>;
}

export interface LoadForecasterOptions {
  readonly spec: LoadModelSpec;
  /** The model; without one every forecast is the moving average (fallback "no-model"). */
  readonly runner?: ForecastRunner;
  /** Monotonic ms, to time inference (default performance.now). */
  readonly now?: () => number;
  /** Weight of the newest error in the running error (default 0.1: about the last ten forecasts). */
  readonly errorWeight?: number;
  /** A quantity falls back when the model's running error is over this many times the average's (default TRUST_MARGIN). */
  readonly trustMargin?: number;
}

/** What the forecaster has measured of itself. */
export interface ForecasterStats {
  /** Running normalised MSE per quantity (model and moving average), from forecasts scored so far. */
  readonly modelError: Readonly<Record<PredictedQuantity, number>>;
  readonly averageError: Readonly<Record<PredictedQuantity, number>>;
  readonly scored: number;
}

export interface LoadForecaster {
  /** Takes the newest snapshot and gives the forecast HORIZON seconds past it. */
  push(snapshot: MetricSnapshot): Promise<LoadForecast>;
  readonly stats: ForecasterStats;
}

interface Pending {
  readonly model: number[] | null;
  readonly average: number[];
  /** AVERAGE_ONLY's moving averages (NaN where the window never had the quantity). */
  readonly extra: number[];
}

/** The moving average of an AVERAGE_ONLY quantity over the newest `span` snapshots (NaN when none has it). */
function averageOf(history: readonly MetricSnapshot[], quantity: AverageOnlyQuantity, span: number): number {
  let sum = 0;
  let n = 0;
  for (const s of history.slice(-span)) {
    const v = s[quantity];
    if (typeof v === 'number' && Number.isFinite(v)) {
      sum += v;
      n += 1;
    }
  }
  return n ? sum / n : Number.NaN;
}

/**
 * How much worse than the average's a quantity's running error may be before it falls back. Ten forecasts are a
 * noisy measure: where the model is better over a whole recording it is still the worse of the two for stretches,
 * and falling back there costs more than it saves. Chosen on the train recordings replayed through the forecaster
 * (normalised MSE 0.424 at 1, 0.385 at 1.5, 0.379 at 2, 0.376 never falling back): the smallest within 1 % of never.
 */
export const TRUST_MARGIN = 2;

/** The upper bound's distance above a forecast, in its recent root-mean-square errors (a normal's 90th percentile). */
export const UPPER_Z = 1.2816;

/**
 * Quantities forecast by the moving average alone (the model has no output for them): the render worker's frame
 * time, which only a page with a renderer records. Their errors are scored in log1p space (no training set gave
 * them a normalisation); a fresh forecaster assumes AVERAGE_ONLY_PRIOR_ERROR until it has scored some.
 */
export const AVERAGE_ONLY = ['render_frame_ms'] as const;
export type AverageOnlyQuantity = (typeof AVERAGE_ONLY)[number];
export const AVERAGE_ONLY_PRIOR_ERROR = 0.1;

const logOf = (v: number): number => Math.log1p(Math.max(0, v));

function clampTo(quantity: PredictedQuantity | AverageOnlyQuantity, v: number): number {
  const m = describeMetric(quantity);
  return m ? Math.min(m.max, Math.max(m.min, v)) : v;
}

export function createLoadForecaster(options: LoadForecasterOptions): LoadForecaster {
  const { spec, runner } = options;
  const now = options.now ?? (() => performance.now());
  const alpha = options.errorWeight ?? 0.1;
  const margin = options.trustMargin ?? TRUST_MARGIN;
  const norm = spec.normalisation;
  const history: MetricSnapshot[] = [];
  const pending: Pending[] = [];
  // Start from what training measured: a fresh forecaster trusts the model as much as training earned.
  const modelError = PREDICTED.map((q) => spec.training.mse_model[q]);
  const averageError = PREDICTED.map((q) => spec.training.mse_moving_average[q]);
  const extraError = AVERAGE_ONLY.map(() => AVERAGE_ONLY_PRIOR_ERROR);
  let scored = 0;
  const window = new Float32Array(WINDOW * FEATURES.length);

  function score(actual: MetricSnapshot): void {
    const due = pending.length > HORIZON ? pending.shift() : undefined;
    if (!due) return;
    const avg = squaredErrors(norm, due.average, actual);
    avg.forEach((e, q) => {
      averageError[q] = (1 - alpha) * (averageError[q] ?? 0) + alpha * e;
    });
    if (due.model) {
      const mod = squaredErrors(norm, due.model, actual);
      mod.forEach((e, q) => {
        modelError[q] = (1 - alpha) * (modelError[q] ?? 0) + alpha * e;
      });
    }
    AVERAGE_ONLY.forEach((quantity, i) => {
      const a = actual[quantity];
      const p = due.extra[i] ?? Number.NaN;
      if (typeof a !== 'number' || !Number.isFinite(p)) return;
      extraError[i] = (1 - alpha) * (extraError[i] ?? 0) + alpha * (logOf(p) - logOf(a)) ** 2;
    });
    scored += 1;
  }

  return {
    get stats(): ForecasterStats {
      const rec = (xs: number[]) =>
        Object.fromEntries(PREDICTED.map((q, i) => [q, xs[i] ?? 0])) as Record<PredictedQuantity, number>;
      return { modelError: rec(modelError), averageError: rec(averageError), scored };
    },
    async push(snapshot) {
      history.push(snapshot);
      if (history.length > WINDOW) history.shift();
      const average = movingAverage(history, spec.moving_average_span);
      let model: number[] | null = null;
      let inferenceMs: number | undefined;
      if (runner && history.length === WINDOW) {
        history.forEach((s, t) => {
          FEATURES.forEach((name, f) => {
            window[t * FEATURES.length + f] = normalise(norm, f, featureValue(s, name));
          });
        });
        const t0 = now();
        const y = await runner.run(window);
        inferenceMs = now() - t0;
        model = PREDICTED.map((name, q) =>
          // A metric the window never had (no JS heap in this runtime) is not predicted.
          history.some((s) => Number.isFinite(featureValue(s, name))) ? denormalise(norm, q, y[q] ?? 0) : Number.NaN,
        );
      }
      const extra = AVERAGE_ONLY.map((q) => averageOf(history, q, spec.moving_average_span));
      pending.push({ model, average, extra });
      score(snapshot);
      // Per quantity: the model unless it has lately been over TRUST_MARGIN times worse than the average there.
      const fromModel = PREDICTED.map(
        (_, q) =>
          model !== null && Number.isFinite(model[q] ?? Number.NaN) && (modelError[q] ?? 0) <= margin * (averageError[q] ?? 0),
      );
      const anyModel = fromModel.some(Boolean);
      const fallback: LoadForecast['fallback'] = !runner
        ? 'no-model'
        : history.length < WINDOW
          ? 'cold-start'
          : fromModel.every((m, q) => m || !Number.isFinite(model?.[q] ?? Number.NaN))
            ? undefined
            : 'low-confidence';
      // On a cold start the average of a few snapshots is worth less than training measured over a full span.
      const warmth = Math.min(1, history.length / spec.moving_average_span);
      const predictions: LoadForecast['predictions'] = PREDICTED.flatMap((quantity, q) => {
        const useModel = fromModel[q] === true;
        const v = useModel ? model?.[q] : average[q];
        if (v === undefined || !Number.isFinite(v)) return [];
        const error = (useModel ? modelError : averageError)[q] ?? 0;
        const confidence = (useModel ? 1 : warmth) / (1 + error);
        const value = clampTo(quantity, v);
        // The upper bound: UPPER_Z root-mean-square errors above the value, in the normalised space errors are scored in.
        const bound = clampTo(quantity, denormalise(norm, q, normalise(norm, q, v) + UPPER_Z * Math.sqrt(Math.max(0, error))));
        const upper = Number.isFinite(bound) ? Math.max(value, bound) : value;
        return [
          {
            quantity,
            value,
            upper,
            confidence: Math.min(1, Math.max(0, confidence)),
            source: useModel ? ('model' as const) : ('moving-average' as const),
          },
        ];
      });
      // The quantities only the average forecasts.
      AVERAGE_ONLY.forEach((quantity, i) => {
        const v = extra[i] ?? Number.NaN;
        if (!Number.isFinite(v)) return;
        const error = extraError[i] ?? 0;
        const value = clampTo(quantity, v);
        const upper = Math.max(value, clampTo(quantity, Math.expm1(logOf(v) + UPPER_Z * Math.sqrt(Math.max(0, error)))));
        predictions.push({
          quantity,
          value,
          upper,
          confidence: Math.min(1, Math.max(0, warmth / (1 + error))),
          source: 'moving-average' as const,
        });
      });
      return {
        version: METRICS_VERSION,
        timestamp_ms: snapshot.timestamp_ms,
        horizon_s: HORIZON,
        window: history.length,
        source: anyModel ? 'model' : 'moving-average',
        ...(fallback ? { fallback } : {}),
        ...(inferenceMs !== undefined ? { inference_ms: inferenceMs } : {}),
        predictions,
      };
    },
  };
}
