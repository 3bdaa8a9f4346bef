/**
 * The committed load-forecast model: it loads in Node with onnxruntime-web, matches the network it was
 * exported from, and meets the held-out goals — computed here from the committed corpus and ONNX file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AiError } from '../../../../web/ai/errors';
import { evaluate, noiseFloor } from '../../../../web/ai/load-evaluate';
import { type Example, examples, PREDICTED } from '../../../../web/ai/load-features';
import { forward, pool } from '../../../../web/ai/load-model';
import { importLoadModel } from '../../../../web/ai/onnx-export';
import { createOrtRunner, type OrtRunner } from '../../../../web/ai/ort-runner';
import { readLoadModel } from '../../../support/load-model';
import { loadRecordings } from '../../../support/load-traces';

const { spec, bytes } = readLoadModel();
let runner: OrtRunner;
let heldout: Example[];

beforeAll(async () => {
  runner = await createOrtRunner(spec, bytes);
  heldout = loadRecordings('heldout').flatMap((r) => examples(spec.normalisation, r.snapshots));
});
afterAll(() => runner.release());

describe('the committed load-forecast model', () => {
  it('is small and names the corpus recordings it was trained and judged on, kept apart', () => {
    expect(bytes.byteLength).toBeLessThan(500_000);
    const train = loadRecordings('train').map((r) => r.name);
    const held = loadRecordings('heldout').map((r) => r.name);
    expect(spec.training.recordings).toEqual(train);
    expect(spec.heldout.recordings).toEqual(held);
    expect(train.filter((n) => held.includes(n))).toEqual([]);
  });

  it('gives in onnxruntime-web what the exported network computes, within 1e-5', async () => {
    const weights = importLoadModel(bytes);
    for (const ex of heldout.filter((_, i) => i % 7 === 0)) {
      const ort = await runner.run(ex.window);
      const reference = forward(weights, pool(ex.window));
      for (let q = 0; q < PREDICTED.length; q++) expect(Math.abs((ort[q] ?? 0) - (reference[q] ?? 0))).toBeLessThan(1e-5);
    }
  });

  // The seed's other goal, normalised MSE < 0.05, is NOT met on this corpus: the next test measures why.
  it('cannot reach 0.05 on this corpus: even an interpolator that sees 5 s on both sides of each target leaves more', () => {
    const held = loadRecordings('heldout').map((r) => r.snapshots);
    const floor = noiseFloor(spec.normalisation, held);
    // Per-second net rates and GC saw-teeth are mostly noise that nothing before them announces.
    expect(floor.all).toBeGreaterThan(0.05);
    expect(floor.perQuantity.net_in_bytes_per_s).toBeGreaterThan(0.2);
    // The interpolator is an optimistic floor, yet no worse than knowing nothing (the held-out variance).
    for (const q of PREDICTED) {
      const z = heldout.map((e) => e.target[PREDICTED.indexOf(q)] ?? 0);
      const m = z.reduce((a, b) => a + b, 0) / z.length;
      expect(floor.perQuantity[q]).toBeLessThanOrEqual(z.reduce((a, b) => a + (b - m) ** 2, 0) / z.length + 1e-9);
    }
  });

  it('beats the moving average on the held-out recordings by the goal: at most 0.7x its normalised MSE', async () => {
    const { model, average } = await evaluate(spec.normalisation, spec.moving_average_span, heldout, (w) => runner.run(w));
    expect(heldout.length).toBeGreaterThan(100);
    expect(model.all).toBeLessThanOrEqual(0.7 * average.all);
    // What the description says was measured is what the committed files give.
    expect(model.all).toBeCloseTo(spec.heldout.mse_model, 4);
    expect(average.all).toBeCloseTo(spec.heldout.mse_moving_average, 4);
  });

  it('is refused when the ONNX bytes do not match their description', async () => {
    const changed = bytes.slice();
    changed[changed.length - 1] = (changed[changed.length - 1] ?? 0) ^ 1;
    await expect(createOrtRunner(spec, changed)).rejects.toThrow(AiError);
    await expect(createOrtRunner(spec, changed)).rejects.toThrow(/ai: load-forecast.onnx does not match its description/);
  });
});
