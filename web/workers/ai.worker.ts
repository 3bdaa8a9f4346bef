/** Browser entry of the AI worker (web/ui/ai-client.ts starts it); the logic is web/ai/ai-worker-host.ts. */
import ortMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import type { AiEvent } from '../ai/ai-protocol';
import { startAiHost } from '../ai/ai-worker-host';

declare const self: DedicatedWorkerGlobalScope;

const modelUrl = new URL('../ai/model/load-forecast.onnx', import.meta.url);

startAiHost(
  {
    postMessage: (message: AiEvent) => self.postMessage(message),
    set onmessage(handler: ((event: { data: unknown }) => void) | null) {
      self.onmessage = handler;
    },
    get onmessage() {
      return self.onmessage as ((event: { data: unknown }) => void) | null;
    },
  },
  {
    loadModel: async () => {
      const res = await fetch(modelUrl);
      if (!res.ok) throw new Error(`${modelUrl.pathname} answered HTTP ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    },
    wasmPaths: { wasm: ortWasmUrl, mjs: ortMjsUrl },
    // Threads need SharedArrayBuffer (an isolated page); two leave the other cores to the world and the renderer.
    threads: self.crossOriginIsolated ? Math.max(1, Math.min(2, Math.floor((navigator.hardwareConcurrency || 1) / 4))) : 1,
  },
);
