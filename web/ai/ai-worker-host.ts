/**
 * The AI worker's logic (web/workers/ai.worker.ts is its entry): loads the load-forecast model with
 * onnxruntime-web (threaded when the page is cross-origin isolated), then answers each snapshot with a
 * LoadForecast. Commands are parsed and handled one at a time; a bad one is answered with an error and the
 * worker keeps running. Without the model it forecasts the moving average and says so.
 */

import { AiCommand, type AiEvent } from './ai-protocol';
import { AiError } from './errors';
import { createLoadForecaster, type LoadForecaster } from './load-forecaster';
import { LoadModelSpec } from './load-model-spec';
import specJson from './model/load-forecast.json';
import { createOrtRunner, type OrtRunner, type OrtRunnerOptions } from './ort-runner';

/** The part of a worker scope the host uses. */
export interface AiScope {
  postMessage(message: AiEvent): void;
  onmessage: ((event: { data: unknown }) => void) | null;
}

export interface AiHostOptions {
  /** The ONNX bytes (the worker fetches web/ai/model/load-forecast.onnx). */
  readonly loadModel: () => Promise<Uint8Array>;
  readonly wasmPaths?: OrtRunnerOptions['wasmPaths'];
  /** WebAssembly threads: more than one only where SharedArrayBuffer is allowed. */
  readonly threads: number;
}

/** The model's description, committed beside it. */
export const LOAD_MODEL_SPEC: LoadModelSpec = LoadModelSpec.parse(specJson);

function errorEvent(err: unknown): AiEvent {
  if (err instanceof AiError) return { type: 'error', code: err.code, message: err.message.slice(0, 500) };
  return {
    type: 'error',
    code: 'ai_bad_model',
    message: `ai: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500),
  };
}

export function startAiHost(scope: AiScope, options: AiHostOptions): void {
  const spec = LOAD_MODEL_SPEC;
  let runner: OrtRunner | null = null;
  const ready: Promise<LoadForecaster> = (async () => {
    try {
      runner = await createOrtRunner(spec, await options.loadModel(), {
        threads: options.threads,
        ...(options.wasmPaths !== undefined ? { wasmPaths: options.wasmPaths } : {}),
      });
    } catch (err) {
      scope.postMessage(errorEvent(err));
    }
    scope.postMessage({ type: 'ready', model: runner !== null, threads: options.threads });
    return createLoadForecaster(runner ? { spec, runner } : { spec });
  })();
  // One command at a time: forecasts come back in snapshot order.
  let queue: Promise<void> = Promise.resolve();
  scope.onmessage = (event) => {
    const parsed = AiCommand.safeParse(event.data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      scope.postMessage({
        type: 'error',
        code: 'ai_bad_message',
        message: `ai: a command failed validation at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? ''}`.slice(0, 500),
      });
      return;
    }
    const command = parsed.data;
    queue = queue.then(async () => {
      try {
        const forecaster = await ready;
        if (command.type === 'snapshot') {
          scope.postMessage({ type: 'forecast', forecast: await forecaster.push(command.snapshot) });
        } else {
          if (!runner) throw new AiError('ai_bad_model', 'the load-forecast model did not load; nothing to run');
          const t0 = performance.now();
          const output = await runner.run(Float32Array.from(command.window));
          scope.postMessage({ type: 'ran', id: command.id, output: Array.from(output), ms: performance.now() - t0 });
        }
      } catch (err) {
        scope.postMessage(errorEvent(err));
      }
    });
  };
}
