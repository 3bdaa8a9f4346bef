/** Main-thread side of the world worker: starts it, sends commands, relays its events. */
import type { WorldCommand, WorldEvent } from '../world/world-protocol';

export interface WorldClient {
  send(command: WorldCommand): void;
  stop(): void;
}

/** Starts the world worker. Without cross-origin isolation there is no SharedArrayBuffer: reports why and returns null. */
export function startWorldWorker(onEvent: (event: WorldEvent) => void): WorldClient | null {
  if (!self.crossOriginIsolated) {
    onEvent({
      type: 'error',
      code: 'world_not_isolated',
      message: 'This page is not cross-origin isolated, so the shared-memory engine cannot start.',
    });
    return null;
  }
  const worker = new Worker(new URL('../workers/world.worker.ts', import.meta.url), { type: 'module', name: 'world' });
  worker.onmessage = (message: MessageEvent<WorldEvent>) => onEvent(message.data);
  worker.onerror = (event) =>
    onEvent({ type: 'error', code: 'world_worker_failed', message: event.message || 'the world worker failed' });
  return { send: (command) => worker.postMessage(command), stop: () => worker.terminate() };
}
