/** The forecaster: the moving average on a cold start and when the model is worse, the model otherwise; every forecast valid. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FEATURES, featureValue, HORIZON, POOLS, PREDICTED, WINDOW } from '../../../../web/ai/load-features';
import { createLoadForecaster } from '../../../../web/ai/load-forecaster';
import { exportLoadModel, importLoadModel } from '../../../../web/ai/onnx-export';
import { createOrtRunner } from '../../../../web/ai/ort-runner';
import { LoadForecast } from '../../../../web/engine/metrics';
import { readLoadModel } from '../../../support/load-model';
import { loadRecordings } from '../../../support/load-traces';

const { spec, bytes } = readLoadModel();
const recording = loadRecordings('heldout')[0]?.snapshots ?? [];

describe('the load forecaster', () => {
  it('falls back to the moving average until it has a full window, says so, then runs the model', async () => {
    const runner = await createOrtRunner(spec, bytes);
    const forecaster = createLoadForecaster({ spec, runner });
    const forecasts: LoadForecast[] = [];
    for (const s of recording.slice(0, WINDOW + 20)) forecasts.push(LoadForecast.parse(await forecaster.push(s)));
    for (const [i, f] of forecasts.slice(0, WINDOW - 1).entries()) {
      expect(f).toMatchObject({ source: 'moving-average', fallback: 'cold-start', window: i + 1, horizon_s: 5 });
      expect(f.inference_ms).toBeUndefined();
    }
    const warm = forecasts.slice(WINDOW - 1);
    expect(warm.every((f) => f.window === WINDOW && f.inference_ms !== undefined)).toBe(true);
    expect(warm.filter((f) => f.source === 'model').length).toBeGreaterThan(warm.length / 2);
    // Confidence grows with the snapshots a cold start has.
    const c = (f: LoadForecast) => f.predictions[0]?.confidence ?? 0;
    expect(c(forecasts[0] as LoadForecast)).toBeLessThan(c(forecasts[WINDOW - 2] as LoadForecast));
    expect(warm[0]?.predictions.map((p) => p.quantity)).toEqual([...PREDICTED]);
    await runner.release();
  });

  it('without a model forecasts the moving average and says there is no model', async () => {
    const forecaster = createLoadForecaster({ spec });
    let last: LoadForecast | undefined;
    for (const s of recording.slice(0, WINDOW + 5)) last = LoadForecast.parse(await forecaster.push(s));
    expect(last).toMatchObject({ source: 'moving-average', fallback: 'no-model', window: WINDOW });
  });

  it('stops trusting a model that keeps missing and says its confidence is low', async () => {
    // A real ONNX model that always predicts five standard deviations above the mean.
    const D = POOLS.length * FEATURES.length;
    const Q = PREDICTED.length;
    const bad = exportLoadModel(
      {
        inputs: D,
        hidden: 1,
        outputs: Q,
        w1: new Float32Array(D),
        b1: new Float32Array(1),
        w2: new Float32Array(Q),
        ws: new Float32Array(D * Q),
        b2: new Float32Array(Q).fill(5),
      },
      'a model that always misses',
    );
    const badSpec = {
      ...spec,
      onnx: { ...spec.onnx, hidden: 1, bytes: bad.byteLength, sha256: createHash('sha256').update(bad).digest('hex') },
    };
    const runner = await createOrtRunner(badSpec, bad);
    const forecaster = createLoadForecaster({ spec: badSpec, runner });
    const forecasts: LoadForecast[] = [];
    for (const s of recording.slice(0, WINDOW + 30)) forecasts.push(await forecaster.push(s));
    const tail = forecasts.slice(-10);
    expect(tail.every((f) => f.source === 'moving-average' && f.fallback === 'low-confidence')).toBe(true);
    expect(forecaster.stats.modelError.frame_p50_ms).toBeGreaterThan(forecaster.stats.averageError.frame_p50_ms);
    await runner.release();
  });

  it('falls back quantity by quantity: a model that misses only the net rate in keeps forecasting the rest', async () => {
    // The committed model with net in pushed five standard deviations high, run beside the model as committed.
    const weights = importLoadModel(bytes);
    const b2 = weights.b2.slice();
    const netIn = PREDICTED.indexOf('net_in_bytes_per_s');
    b2[netIn] = (b2[netIn] ?? 0) + 5;
    const skewed = exportLoadModel({ ...weights, b2 }, 'the committed model, but net in always high');
    const skewedSpec = {
      ...spec,
      onnx: { ...spec.onnx, bytes: skewed.byteLength, sha256: createHash('sha256').update(skewed).digest('hex') },
    };
    const runners = [await createOrtRunner(spec, bytes), await createOrtRunner(skewedSpec, skewed)];
    const [plain, skew] = [
      createLoadForecaster({ spec, runner: runners[0] }),
      createLoadForecaster({ spec: skewedSpec, runner: runners[1] }),
    ];
    let a: LoadForecast | undefined;
    let b: LoadForecast | undefined;
    for (const s of recording.slice(0, WINDOW + 30)) {
      a = LoadForecast.parse(await plain.push(s));
      b = LoadForecast.parse(await skew.push(s));
    }
    expect(b).toMatchObject({ source: 'model', fallback: 'low-confidence' });
    const sourceOf = (f: LoadForecast | undefined) => new Map(f?.predictions.map((p) => [p.quantity, p.source]));
    const [was, is] = [sourceOf(a), sourceOf(b)];
    expect(is.get('net_in_bytes_per_s')).toBe('moving-average');
    const others = PREDICTED.filter((q) => q !== 'net_in_bytes_per_s' && was.get(q) === 'model');
    expect(others.length).toBeGreaterThanOrEqual(3);
    for (const q of others) expect(is.get(q), q).toBe('model');
    for (const r of runners) await r.release();
  });

  it('gives an upper bound the held-out values stay under about nine times in ten, for every quantity', async () => {
    const runner = await createOrtRunner(spec, bytes);
    const under = PREDICTED.map(() => ({ yes: 0, all: 0 }));
    for (const r of loadRecordings('heldout')) {
      const forecaster = createLoadForecaster({ spec, runner });
      const made: LoadForecast[] = [];
      for (const [t, s] of r.snapshots.entries()) {
        made.push(LoadForecast.parse(await forecaster.push(s)));
        const f = made[t - HORIZON];
        if (!f || f.window < WINDOW) continue;
        PREDICTED.forEach((q, i) => {
          const p = f.predictions.find((x) => x.quantity === q);
          const actual = featureValue(s, q);
          if (p?.upper === undefined || !Number.isFinite(actual)) return;
          expect(p.upper).toBeGreaterThanOrEqual(p.value);
          const c = under[i] as { yes: number; all: number };
          c.all += 1;
          if (actual <= p.upper) c.yes += 1;
        });
      }
    }
    for (const [i, q] of PREDICTED.entries()) {
      const c = under[i] as { yes: number; all: number };
      expect(c.all, q).toBeGreaterThan(100);
      expect(c.yes / c.all, q).toBeGreaterThanOrEqual(0.8);
      expect(c.yes / c.all, q).toBeLessThanOrEqual(0.97);
    }
    await runner.release();
  });

  it("forecasts the render worker's frame time by the moving average alone, says so, and bounds it from its own misses", async () => {
    const viewer = loadRecordings('viewer');
    expect(viewer.length).toBeGreaterThanOrEqual(1);
    const runner = await createOrtRunner(spec, bytes);
    let under = 0;
    let scored = 0;
    for (const r of viewer) {
      const forecaster = createLoadForecaster({ spec, runner });
      const made: (number | undefined)[] = [];
      for (const [t, s] of r.snapshots.entries()) {
        const f = LoadForecast.parse(await forecaster.push(s));
        const render = f.predictions.find((p) => p.quantity === 'render_frame_ms');
        const seen = r.snapshots
          .slice(Math.max(0, t - spec.moving_average_span + 1), t + 1)
          .some((x) => x.render_frame_ms !== undefined);
        // Predicted exactly when the recent snapshots had it; always by the average, never below its value.
        expect(render !== undefined).toBe(seen);
        if (render) {
          expect(render.source).toBe('moving-average');
          expect(render.upper ?? 0).toBeGreaterThanOrEqual(render.value);
        }
        made.push(render?.upper);
        const from = t - HORIZON;
        const bound = made[from];
        if (from >= WINDOW && bound !== undefined && s.render_frame_ms !== undefined) {
          scored++;
          if (s.render_frame_ms <= bound) under++;
        }
      }
      expect(forecaster.stats.scored).toBeGreaterThan(0);
    }
    // The bound is 1.28 running RMSEs (a nominal 90 %): most values 5 s later fall under it.
    expect(scored).toBeGreaterThan(50);
    expect(under / scored).toBeGreaterThan(0.75);
    await runner.release();
  });
});
