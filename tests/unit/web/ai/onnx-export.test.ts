/** The ONNX writer: any weights round-trip through the file, and onnxruntime-web computes what the network does. */
import fc from 'fast-check';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { AiError } from '../../../../web/ai/errors';
import { FEATURES, POOLS, PREDICTED, WINDOW } from '../../../../web/ai/load-features';
import { forward, type LoadModelWeights, pool } from '../../../../web/ai/load-model';
import { decodeOnnx, exportLoadModel, importLoadModel, ONNX_OPSET } from '../../../../web/ai/onnx-export';

const D = POOLS.length * FEATURES.length;
const Q = PREDICTED.length;
const f32 = (n: number) => fc.float32Array({ minLength: n, maxLength: n, noNaN: true, noDefaultInfinity: true, min: -2, max: 2 });
const weights: fc.Arbitrary<LoadModelWeights> = fc.integer({ min: 1, max: 8 }).chain((H) =>
  fc.record({
    inputs: fc.constant(D),
    hidden: fc.constant(H),
    outputs: fc.constant(Q),
    w1: f32(D * H),
    b1: f32(H),
    w2: f32(H * Q),
    ws: f32(D * Q),
    b2: f32(Q),
  }),
);

describe('the ONNX writer', () => {
  it('writes opset 13 with every weight read back bit for bit', () => {
    fc.assert(
      fc.property(weights, (w) => {
        const bytes = exportLoadModel(w, 'test');
        expect(Number(decodeOnnx(bytes).opsetImport[0]?.version)).toBe(ONNX_OPSET);
        const back = importLoadModel(bytes);
        for (const k of ['w1', 'b1', 'w2', 'ws', 'b2'] as const) expect(Array.from(back[k])).toEqual(Array.from(w[k]));
      }),
      { numRuns: 50 },
    );
  });

  it('gives a model onnxruntime-web runs to the same outputs as the network, within 1e-5', async () => {
    await fc.assert(
      fc.asyncProperty(weights, f32(WINDOW * FEATURES.length), async (w, window) => {
        const session = await ort.InferenceSession.create(exportLoadModel(w, 'test'));
        const out = await session.run({ window: new ort.Tensor('float32', window, [1, WINDOW, FEATURES.length]) });
        const y = out.forecast?.data as Float32Array;
        const reference = forward(w, pool(window));
        for (let q = 0; q < Q; q++)
          expect(Math.abs((y[q] ?? 0) - (reference[q] ?? 0))).toBeLessThan(1e-5 * (1 + Math.abs(reference[q] ?? 0)));
        await session.release();
      }),
      { numRuns: 10 },
    );
  });

  it('refuses to read a graph that lacks a layer', () => {
    expect(() => importLoadModel(new Uint8Array([0x08, 0x08]))).toThrow(AiError);
  });
});
