/**
 * The load-forecast model run by onnxruntime-web (its WebAssembly backend) — the same package in the AI
 * worker and in Node (tests, bench, visit). Checks the ONNX bytes against the digest in their description
 * before a session is made.
 */
import * as ort from 'onnxruntime-web/wasm';
import { AiError } from './errors';
import { FEATURES, PREDICTED, WINDOW } from './load-features';
import type { ForecastRunner } from './load-forecaster';
import type { LoadModelSpec } from './load-model-spec';

export interface OrtRunnerOptions {
  /** WebAssembly threads (1 unless the page is cross-origin isolated). */
  readonly threads?: number;
  /** Where onnxruntime-web finds its .wasm/.mjs files (the worker passes bundler URLs; Node needs none). */
  readonly wasmPaths?: string | { wasm?: string; mjs?: string };
}

/** A runner and what it holds. */
export interface OrtRunner extends ForecastRunner {
  release(): Promise<void>;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes.slice().buffer);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Makes an onnxruntime-web session for the model bytes; refuses bytes that do not match `spec`. */
export async function createOrtRunner(
  spec: LoadModelSpec,
  bytes: Uint8Array,
  options: OrtRunnerOptions = {},
): Promise<OrtRunner> {
  if (bytes.byteLength !== spec.onnx.bytes || (await sha256(bytes)) !== spec.onnx.sha256)
    throw new AiError(
      'ai_bad_model',
      `${spec.onnx.file} does not match its description (size or sha256); retrain or restore both`,
    );
  ort.env.wasm.numThreads = Math.max(1, options.threads ?? 1);
  if (options.wasmPaths !== undefined) ort.env.wasm.wasmPaths = options.wasmPaths;
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  return {
    async run(window) {
      const input = new ort.Tensor('float32', window, [1, WINDOW, FEATURES.length]);
      const out = await session.run({ [spec.onnx.input]: input });
      const y = out[spec.onnx.output];
      if (!y || !(y.data instanceof Float32Array) || y.data.length !== PREDICTED.length)
        throw new AiError('ai_bad_model', `${spec.onnx.file} gave no ${spec.onnx.output} of ${PREDICTED.length} floats`);
      const data = y.data.slice();
      input.dispose();
      y.dispose();
      return data;
    },
    release: () => session.release(),
  };
}
