/**
 * AI suite (issue 20): the load forecast on the committed held-out recordings — normalised MSE per predicted
 * quantity of the committed ONNX model (run by onnxruntime-web's WebAssembly backend in Node) against the
 * moving-average fallback, one inference step against one moving-average step, and training time for 100
 * epochs on the train recordings.
 */
import { evaluate } from '../../web/ai/load-evaluate';
import { examples, fitNormalisation, movingAverage, PREDICTED } from '../../web/ai/load-features';
import { DEFAULT_TRAIN, pool, train } from '../../web/ai/load-model';
import { createOrtRunner } from '../../web/ai/ort-runner';
import { readLoadModel } from '../support/load-model';
import { loadRecordings } from '../support/load-traces';
import { caseNamed, measure, writeReport } from './report';

const { spec, bytes } = readLoadModel();
const heldout = loadRecordings('heldout').flatMap((r) => examples(spec.normalisation, r.snapshots));
const runner = await createOrtRunner(spec, bytes);
const { model, average } = await evaluate(spec.normalisation, spec.moving_average_span, heldout, (w) => runner.run(w));

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

const inference = caseNamed(steps, 'forecast_step_onnx_wasm');
const perQuantity = Object.fromEntries(
  PREDICTED.map((q) => [q, { model: model.perQuantity[q], moving_average: average.perQuantity[q] }]),
);
writeReport(
  {
    suite: 'ai',
    cases: [...steps, ...training],
    ratios: {
      mse_model_over_moving_average: model.all / average.all,
      inference_over_moving_average_step: inference.median_ms / caseNamed(steps, 'forecast_step_moving_average').median_ms,
    },
    ms: { inference_step: inference.median_ms, train_100_epochs: caseNamed(training, 'train_100_epochs').median_ms },
    extra: { sink },
  },
  {
    forecast: {
      mse_model: model.all,
      mse_moving_average: average.all,
      inference_ms: inference.median_ms,
      per_quantity: perQuantity,
      heldout_examples: heldout.length,
      heldout_recordings: spec.heldout.recordings,
      train_examples: trainEx.length,
      training_ms_100_epochs: caseNamed(training, 'train_100_epochs').median_ms,
      moving_average_span: spec.moving_average_span,
      runtime: 'onnxruntime-web (WebAssembly, 1 thread) in Node',
    },
  },
);
console.log('forecast', { mse_model: model.all, mse_moving_average: average.all, inference_ms: inference.median_ms });
