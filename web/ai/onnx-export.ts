/**
 * Writes the load-forecast network as an ONNX model (IR 8, opset 13: what onnxruntime-web runs) through
 * onnx-proto's generated protobuf classes. The graph takes the normalised window [N, WINDOW, FEATURES] and
 * gives the normalised forecast [N, PREDICTED]: Reshape → MatMul(pooling) → MatMul+Add → Tanh → MatMul, plus
 * the linear skip MatMul, added.
 */
import * as onnxModule from 'onnx-proto';
import { AiError } from './errors';
import { FEATURES, POOLS, PREDICTED, poolingMatrix, WINDOW } from './load-features';
import type { LoadModelWeights } from './load-model';

// onnx-proto is CommonJS: under Node's ESM loader its namespace sits on `default`.
const { onnx } = (onnxModule as unknown as { default?: typeof onnxModule }).default ?? onnxModule;

export const ONNX_OPSET = 13;
export const ONNX_INPUT = 'window';
export const ONNX_OUTPUT = 'forecast';

function floats(name: string, dims: number[], data: Float32Array): onnxModule.onnx.ITensorProto {
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.slice().buffer) };
}

function node(op: string, inputs: string[], output: string): onnxModule.onnx.INodeProto {
  return { opType: op, input: inputs, output: [output], name: output };
}

function valueInfo(name: string, dims: (number | string)[]): onnxModule.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** The ONNX bytes of a trained network. */
export function exportLoadModel(w: LoadModelWeights, docString: string): Uint8Array {
  const F = FEATURES.length;
  const D = POOLS.length * F;
  const Q = PREDICTED.length;
  const flat = { name: 'flat_shape', dims: [2], dataType: onnx.TensorProto.DataType.INT64, int64Data: [-1, WINDOW * F] };
  const graph: onnxModule.onnx.IGraphProto = {
    name: 'load_forecast',
    input: [valueInfo(ONNX_INPUT, ['N', WINDOW, F])],
    output: [valueInfo(ONNX_OUTPUT, ['N', Q])],
    initializer: [
      flat,
      floats('pool', [WINDOW * F, D], poolingMatrix()),
      floats('w1', [D, w.hidden], w.w1),
      floats('b1', [w.hidden], w.b1),
      floats('w2', [w.hidden, Q], w.w2),
      floats('ws', [D, Q], w.ws),
      floats('b2', [Q], w.b2),
    ],
    node: [
      node('Reshape', [ONNX_INPUT, 'flat_shape'], 'flat'),
      node('MatMul', ['flat', 'pool'], 'pooled'),
      node('MatMul', ['pooled', 'w1'], 'a0'),
      node('Add', ['a0', 'b1'], 'a'),
      node('Tanh', ['a'], 'h'),
      node('MatMul', ['h', 'w2'], 'y0'),
      node('MatMul', ['pooled', 'ws'], 'skip'),
      node('Add', ['y0', 'skip'], 'y1'),
      node('Add', ['y1', 'b2'], ONNX_OUTPUT),
    ],
  };
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'stormcore-web train:load',
    docString,
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Decodes ONNX bytes (for tests: what the file holds). */
export function decodeOnnx(bytes: Uint8Array): onnxModule.onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}

/** The network's weights read back from ONNX bytes that exportLoadModel wrote (the reference for parity tests). */
export function importLoadModel(bytes: Uint8Array): LoadModelWeights {
  const graph = decodeOnnx(bytes).graph;
  const tensor = (name: string): Float32Array => {
    const t = (graph?.initializer ?? []).find((i) => i.name === name);
    const raw = t?.rawData;
    if (!t || t.dataType !== onnx.TensorProto.DataType.FLOAT || !raw?.byteLength)
      throw new AiError('ai_bad_model', `the ONNX graph has no float initializer "${name}"`);
    return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  };
  const w1 = tensor('w1');
  const b1 = tensor('b1');
  const b2 = tensor('b2');
  const D = POOLS.length * FEATURES.length;
  if (w1.length !== D * b1.length || b2.length !== PREDICTED.length)
    throw new AiError('ai_bad_model', `the ONNX graph's layers are not ${D} → hidden → ${PREDICTED.length}`);
  return { inputs: D, hidden: b1.length, outputs: b2.length, w1, b1, w2: tensor('w2'), ws: tensor('ws'), b2 };
}
