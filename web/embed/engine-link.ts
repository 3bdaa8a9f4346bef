/** Starts the embed engine worker (web/workers/embed-engine.worker.ts) and wires it as an EngineLink. */
import type { EngineLink } from './bridge';
import type { EngineMessage } from './engine-protocol';

/** Starts the worker. A worker that fails to load reports `embed-failed` through the handler. */
export function startEmbedEngine(): EngineLink {
  const worker = new Worker(new URL('../workers/embed-engine.worker.ts', import.meta.url), {
    type: 'module',
    name: 'embed-engine',
  });
  let handler: (message: EngineMessage) => void = () => {};
  worker.onmessage = (e: MessageEvent<EngineMessage>) => handler(e.data);
  worker.onerror = (e) =>
    handler({ type: 'embed-failed', message: `embed: the engine worker failed (${e.message || 'did not load'})` });
  return {
    send: (message) => worker.postMessage(message),
    onMessage: (h) => {
      handler = h;
    },
    stop: () => worker.terminate(),
  };
}
