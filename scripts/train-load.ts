/**
 * `npm run train:load`: trains the load-forecast model (web/ai/load-model.ts) on the train recordings of the
 * committed corpus, measures it and the moving average on the held-out recordings, and writes the ONNX file
 * and its description to web/ai/model/. Prints one JSON summary on stdout.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRecordings } from '../tests/support/load-traces';
import { evaluate } from '../web/ai/load-evaluate';
import { examples, FEATURES, fitNormalisation, HORIZON, PREDICTED, WINDOW } from '../web/ai/load-features';
import { DEFAULT_TRAIN, forward, pool, type TrainOptions, train } from '../web/ai/load-model';
import type { LoadModelSpec } from '../web/ai/load-model-spec';
import { exportLoadModel, ONNX_INPUT, ONNX_OPSET, ONNX_OUTPUT } from '../web/ai/onnx-export';
import { telemetryRecordings } from '../web/ai/telemetry';
import type { MetricSnapshot } from '../web/engine/metrics';

const MODEL_DIR = fileURLToPath(new URL('../web/ai/model/', import.meta.url));
const SPANS = [1, 2, 3, 5, 10, 20, 30, 60];
/** The grid the trainer picks from by leave-one-recording-out on the train set (the held-out set is never looked at). */
const GRID: Partial<TrainOptions>[] = [
  { baseSpan: 3, l2: 0.1 },
  { baseSpan: 3, l2: 1 },
  { baseSpan: 8, l2: 0.1 },
  { baseSpan: 8, l2: 1 },
];

/** Mean held-out-recording MSE of `options` when each train recording in turn is left out. */
async function crossValidate(recordings: readonly MetricSnapshot[][], options: TrainOptions): Promise<number> {
  let total = 0;
  for (const [i, left] of recordings.entries()) {
    const rest = recordings.filter((_, j) => j !== i);
    const norm = fitNormalisation(rest);
    const ex = rest.flatMap((r) => examples(norm, r));
    const { weights } = train(
      ex.map((e) => pool(e.window)),
      ex.map((e) => e.target),
      options,
    );
    const { model } = await evaluate(norm, 1, examples(norm, left), (w) => forward(weights, pool(w)));
    total += model.all;
  }
  return total / recordings.length;
}

/**
 * Trains and measures; returns the spec and the ONNX bytes (the bench calls this too). `extra` recordings (a telemetry
 * export) join the train set; those too short for one example (a window and the horizon) are left out.
 */
export async function trainLoadModel(
  epochs = DEFAULT_TRAIN.epochs,
  extra: readonly { name: string; snapshots: MetricSnapshot[] }[] = [],
): Promise<{ spec: LoadModelSpec; onnx: Uint8Array }> {
  const trainSet = [...loadRecordings('train'), ...extra.filter((r) => r.snapshots.length >= WINDOW + HORIZON)];
  const heldSet = loadRecordings('heldout');
  const norm = fitNormalisation(trainSet.map((r) => r.snapshots));
  const trainEx = trainSet.flatMap((r) => examples(norm, r.snapshots));
  const heldEx = heldSet.flatMap((r) => examples(norm, r.snapshots));
  // The fallback's span: whichever average did best on the training set.
  let span = SPANS[0] as number;
  let best = Number.POSITIVE_INFINITY;
  for (const s of SPANS) {
    const { average } = await evaluate(norm, s, trainEx, () => new Float32Array(PREDICTED.length));
    if (average.all < best) [best, span] = [average.all, s];
  }
  let options: TrainOptions = { ...DEFAULT_TRAIN, epochs };
  let bestCv = Number.POSITIVE_INFINITY;
  const cv: { baseSpan: number; l2: number; mse: number }[] = [];
  for (const g of GRID) {
    const candidate = { ...DEFAULT_TRAIN, ...g, epochs };
    const mse = await crossValidate(
      trainSet.map((r) => r.snapshots),
      candidate,
    );
    cv.push({ baseSpan: candidate.baseSpan, l2: candidate.l2, mse });
    if (mse < bestCv) [bestCv, options] = [mse, candidate];
  }
  const t0 = performance.now();
  const xs = trainEx.map((e) => pool(e.window));
  const { weights } = train(
    xs,
    trainEx.map((e) => e.target),
    options,
  );
  const seconds = (performance.now() - t0) / 1000;
  const predict = (w: Float32Array) => forward(weights, pool(w));
  const onTrain = await evaluate(norm, span, trainEx, predict);
  const onHeld = await evaluate(norm, span, heldEx, predict);
  const onnx = exportLoadModel(
    weights,
    `StormCore load forecast: ${FEATURES.join(', ')} over ${WINDOW} s → ${PREDICTED.join(', ')} ${HORIZON} s ahead (normalised; see load-forecast.json)`,
  );
  const round = (v: number) => Number(v.toPrecision(6));
  const roundAll = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, round(v)]));
  const spec: LoadModelSpec = {
    format: 'stormcore-load-forecast',
    version: 1,
    window: WINDOW,
    horizon: HORIZON,
    features: [...FEATURES],
    predicted: [...PREDICTED],
    normalisation: norm,
    moving_average_span: span,
    onnx: {
      file: 'load-forecast.onnx',
      sha256: createHash('sha256').update(onnx).digest('hex'),
      bytes: onnx.byteLength,
      opset: ONNX_OPSET,
      input: ONNX_INPUT,
      output: ONNX_OUTPUT,
      hidden: weights.hidden,
    },
    training: {
      recordings: trainSet.map((r) => r.name),
      examples: trainEx.length,
      epochs,
      seconds: round(seconds),
      seed: options.seed,
      base_span: options.baseSpan,
      l2: options.l2,
      cross_validation: cv.map((c) => ({ ...c, mse: round(c.mse) })),
      mse_model: roundAll(onTrain.model.perQuantity) as LoadModelSpec['training']['mse_model'],
      mse_moving_average: roundAll(onTrain.average.perQuantity) as LoadModelSpec['training']['mse_moving_average'],
    },
    heldout: {
      recordings: heldSet.map((r) => r.name),
      examples: heldEx.length,
      mse_model: round(onHeld.model.all),
      mse_moving_average: round(onHeld.average.all),
    },
  };
  return { spec, onnx };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // `--telemetry FILE`: an export of GET /api/telemetry/export (JSON lines) joins the train set.
  const at = process.argv.indexOf('--telemetry');
  const file = at >= 0 ? process.argv[at + 1] : undefined;
  if (at >= 0 && !file) throw new Error('train:load: --telemetry needs a file (an export of GET /api/telemetry/export)');
  const extra = file ? telemetryRecordings(readFileSync(file, 'utf8'), basename(file)) : [];
  const { spec, onnx } = await trainLoadModel(DEFAULT_TRAIN.epochs, extra);
  writeFileSync(`${MODEL_DIR}load-forecast.onnx`, onnx);
  writeFileSync(`${MODEL_DIR}load-forecast.json`, `${JSON.stringify(spec, null, 2)}\n`);
  process.stdout.write(
    `${JSON.stringify({ training: { ...spec.training }, heldout: spec.heldout, moving_average_span: spec.moving_average_span, bytes: onnx.byteLength })}\n`,
  );
}
