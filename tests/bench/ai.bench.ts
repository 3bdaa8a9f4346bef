/**
 * AI suite (issue 20): the load forecast on the committed held-out recordings — normalised MSE per predicted
 * quantity of the committed ONNX model (run by onnxruntime-web's WebAssembly backend in Node) against the
 * moving-average fallback, one inference step against one moving-average step, and training time for 100
 * epochs on the train recordings; and the anomaly detector (shared/anomaly) on recorded normal traffic of each kind
 * of source it scores — Storm frames per room connection, datagrams per relay circuit (real OpenSim sessions),
 * bus events per plugin (example plugins in a real viewer) — with and without seeded floods
 * (tests/support/anomaly-replay.ts): precision and recall per one-second bucket on the labelled replay, the
 * false-positive rate on the normal traffic, per kind and pooled, and one observe call against one Map update.
 */
import { createAnomalyDetector } from '../../shared/anomaly/detector';
import { evaluate, noiseFloor } from '../../web/ai/load-evaluate';
import {
  examples,
  fitNormalisation,
  HORIZON,
  meanErrors,
  movingAverage,
  PREDICTED,
  squaredErrors,
  WINDOW,
} from '../../web/ai/load-features';
import { createLoadForecaster } from '../../web/ai/load-forecaster';
import { DEFAULT_TRAIN, pool, train } from '../../web/ai/load-model';
import { createOrtRunner } from '../../web/ai/ort-runner';
import { FLOODS, recordedTraffic, replayFigures } from '../support/anomaly-replay';
import { readLoadModel } from '../support/load-model';
import { loadRecordings } from '../support/load-traces';
import { TRAFFIC_KINDS } from '../support/storm-traffic';
import { caseNamed, measure, writeReport } from './report';

const { spec, bytes } = readLoadModel();
const heldout = loadRecordings('heldout').flatMap((r) => examples(spec.normalisation, r.snapshots));
const runner = await createOrtRunner(spec, bytes);
const { model, average } = await evaluate(spec.normalisation, spec.moving_average_span, heldout, (w) => runner.run(w));
// How predictable each quantity is at all (web/ai/load-evaluate.ts noiseFloor): the seed's 0.05 against it.
const floor = noiseFloor(
  spec.normalisation,
  loadRecordings('heldout').map((r) => r.snapshots),
);
// The forecaster as it runs live (the model per quantity where it has lately been the better, else the average),
// scored on the same targets.
const live: number[][] = [];
for (const r of loadRecordings('heldout')) {
  const forecaster = createLoadForecaster({ spec, runner });
  const made: number[][] = [];
  for (const [t, s] of r.snapshots.entries()) {
    const f = await forecaster.push(s);
    made.push(PREDICTED.map((q) => f.predictions.find((p) => p.quantity === q)?.value ?? Number.NaN));
    const from = t - HORIZON;
    if (from >= WINDOW - 1) live.push(squaredErrors(spec.normalisation, made[from] ?? [], s));
  }
}
const liveErrors = meanErrors(live);

// The render worker's frame time (render_frame_ms), on the recordings made in the viewer (load-traces/viewer): the
// forecaster's moving average 5 s ahead against the last value, as MSE in log1p space and normalised by the variance
// of log1p(render_frame_ms) over those recordings.
const renderRows: { average: number; last: number; actual: number }[] = [];
const viewer = loadRecordings('viewer');
for (const r of viewer) {
  const forecaster = createLoadForecaster({ spec, runner });
  const made: ({ average: number; last: number } | null)[] = [];
  for (const [t, s] of r.snapshots.entries()) {
    const f = await forecaster.push(s);
    const p = f.predictions.find((x) => x.quantity === 'render_frame_ms');
    made.push(p && s.render_frame_ms !== undefined ? { average: p.value, last: s.render_frame_ms } : null);
    const due = made[t - HORIZON];
    if (due && s.render_frame_ms !== undefined) renderRows.push({ ...due, actual: s.render_frame_ms });
  }
}
const l = (v: number) => Math.log1p(Math.max(0, v));
const renderMean = renderRows.reduce((a, r) => a + l(r.actual), 0) / Math.max(1, renderRows.length);
const renderVar = renderRows.reduce((a, r) => a + (l(r.actual) - renderMean) ** 2, 0) / Math.max(1, renderRows.length);
const renderMse = (key: 'average' | 'last') =>
  renderRows.reduce((a, r) => a + (l(r[key]) - l(r.actual)) ** 2, 0) / Math.max(1, renderRows.length);
const renderFrame = {
  recordings: viewer.map((r) => r.name),
  forecasts_scored: renderRows.length,
  median_ms: renderRows.map((r) => r.actual).sort((a, b) => a - b)[renderRows.length >> 1] ?? null,
  mse_moving_average_log: renderMse('average'),
  mse_last_value_log: renderMse('last'),
  mse_moving_average_normalised: renderMse('average') / Math.max(1e-9, renderVar),
  mse_last_value_normalised: renderMse('last') / Math.max(1e-9, renderVar),
  method:
    "render_frame_ms 5 s ahead on the viewer recordings (npm run record:viewer): the forecaster's moving average (the model has no output for it) against the last value; MSE in log1p space, and divided by the variance of log1p(render_frame_ms) there",
};

const window = heldout[0]?.window ?? new Float32Array(0);
const raw = heldout[0]?.raw ?? [];
let sink = 0;
const steps = await measure(
  [
    {
      name: 'forecast_step_onnx_wasm',
      fn: async () => {
        sink += (await runner.run(window))[0] ?? 0;
      },
    },
    {
      name: 'forecast_step_moving_average',
      fn: () => {
        sink += movingAverage(raw, spec.moving_average_span)[0] ?? 0;
      },
    },
  ],
  { timeMs: 1000, iterations: 200 },
);

// Training: 100 epochs on the train recordings, from the corpus as committed (three runs).
const trainSet = loadRecordings('train').map((r) => r.snapshots);
const norm = fitNormalisation(trainSet);
const trainEx = trainSet.flatMap((s) => examples(norm, s));
const xs = trainEx.map((e) => pool(e.window));
const ts = trainEx.map((e) => e.target);
const training = await measure(
  [
    {
      name: 'train_100_epochs',
      fn: () => {
        sink += train(xs, ts, { ...DEFAULT_TRAIN, epochs: 100 }).losses.length;
      },
    },
  ],
  {
    timeMs: 1,
    iterations: 3,
  },
);
await runner.release();

// Anomaly scores: the labelled replay (seeded floods) and the normal traffic, then the cost of one observe.
const pooled = replayFigures(TRAFFIC_KINDS);
const perKind = Object.fromEntries(TRAFFIC_KINDS.map((k) => [k, { ...replayFigures([k]), floods_injected: FLOODS[k] }]));
let clock = 0;
const detector = createAnomalyDetector({ now: () => clock });
const counts = new Map<string, number>();
const sources = Array.from({ length: 64 }, (_, i) => `conn-${i}`);
let at = 0;
const observe = await measure(
  [
    {
      name: 'anomaly_observe',
      fn: () => {
        clock += 0.05;
        sink += detector.observe(sources[at++ & 63] as string, 80) ? 1 : 0;
      },
    },
    {
      name: 'anomaly_map_count',
      fn: () => {
        const s = sources[at++ & 63] as string;
        counts.set(s, (counts.get(s) ?? 0) + 1);
      },
    },
  ],
  { timeMs: 500, iterations: 1000 },
);
const anomaly = {
  // Pooled over the three kinds of source (counts summed, then the ratios).
  precision: pooled.precision,
  recall: pooled.recall,
  false_positive_rate: pooled.false_positive_rate,
  floods: pooled.floods,
  floods_caught: pooled.floods_caught,
  buckets_labelled_replay: pooled.buckets_labelled_replay,
  buckets_normal: pooled.buckets_normal,
  per_kind: perKind,
  observe_ms: caseNamed(observe, 'anomaly_observe').median_ms,
  detector: 'per-source z against a robust EWMA baseline, capped CUSUM (slack 3, alarm 8): shared/anomaly/detector.ts',
  traffic:
    'recorded normal traffic: room = Storm frames per connection of a real room with bots and build bursts (npm run record:traffic); relay = datagrams per circuit of the real relay in OpenSim sessions (npm run record:relay); plugin = bus events per example plugin in a real viewer (npm run record:plugins); with seeded floods over each channel floor',
  heldout:
    'slack, alarm and warm-up were set on the room recording before the relay and plugin recordings existed and not changed after',
  sources: Object.fromEntries(TRAFFIC_KINDS.map((k) => [k, recordedTraffic(k).length])),
};

const inference = caseNamed(steps, 'forecast_step_onnx_wasm');
const perQuantity = Object.fromEntries(
  PREDICTED.map((q) => [
    q,
    {
      model: model.perQuantity[q],
      moving_average: average.perQuantity[q],
      live_forecaster: liveErrors.perQuantity[q],
      noise_floor: floor.perQuantity[q],
    },
  ]),
);
writeReport(
  {
    suite: 'ai',
    cases: [...steps, ...training, ...observe],
    ratios: {
      mse_model_over_moving_average: model.all / average.all,
      inference_over_moving_average_step: inference.median_ms / caseNamed(steps, 'forecast_step_moving_average').median_ms,
      anomaly_observe_over_map_count:
        caseNamed(observe, 'anomaly_observe').median_ms / caseNamed(observe, 'anomaly_map_count').median_ms,
    },
    ms: { inference_step: inference.median_ms, train_100_epochs: caseNamed(training, 'train_100_epochs').median_ms },
    extra: { sink },
  },
  {
    forecast: {
      mse_model: model.all,
      mse_moving_average: average.all,
      inference_ms: inference.median_ms,
      mse_live_forecaster: liveErrors.all,
      noise_floor: floor.all,
      noise_floor_method:
        'normalised MSE a least-squares linear interpolator leaves when it sees the 5 s on both sides of each held-out target (fitted on them): optimistic, a forecast sees only the past',
      per_quantity: perQuantity,
      heldout_examples: heldout.length,
      heldout_recordings: spec.heldout.recordings,
      train_examples: trainEx.length,
      training_ms_100_epochs: caseNamed(training, 'train_100_epochs').median_ms,
      moving_average_span: spec.moving_average_span,
      runtime: 'onnxruntime-web (WebAssembly, 1 thread) in Node',
      render_frame: renderFrame,
    },
    anomaly,
  },
);
console.log('forecast', {
  mse_model: model.all,
  mse_moving_average: average.all,
  mse_live_forecaster: liveErrors.all,
  noise_floor: floor.all,
  inference_ms: inference.median_ms,
});
console.log('render_frame', renderFrame);
console.log('anomaly', anomaly);
