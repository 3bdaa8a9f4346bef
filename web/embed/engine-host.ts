/**
 * Serves the embed API inside a worker: one ECS world plus the API handler. Kept apart from the worker
 * entry so that the main world worker can host the same API with its own world.
 */
import { createWorld } from '../engine';
import { ensureEngineMemory } from '../engine/memory-mode';
import { createEmbedApi } from './api-handler';
import { EMBED_CAPACITY, EMBED_COMPONENTS } from './components';
import type { EngineMessage } from './engine-protocol';

/** The two ends of a worker's message port, as the entry wires them. */
export interface EnginePort {
  postMessage(message: EngineMessage): void;
  onMessage(handler: (data: unknown) => void): void;
}

/** Starts the embed engine on `port`; answers every `embed-request`, ignores anything else. */
export function serveEmbedEngine(port: EnginePort, scope: { crossOriginIsolated?: boolean } = globalThis): void {
  const memory = ensureEngineMemory(scope);
  let api: ReturnType<typeof createEmbedApi>;
  try {
    const world = createWorld({ components: EMBED_COMPONENTS, capacity: EMBED_CAPACITY, initialCapacity: 1024 });
    api = createEmbedApi({ world, memory, emit: (event) => port.postMessage({ type: 'embed-event', event }) });
  } catch (err) {
    port.postMessage({
      type: 'embed-failed',
      message: `embed: the engine did not start (${err instanceof Error ? err.message : 'unknown'})`,
    });
    return;
  }
  port.onMessage((data) => {
    if (typeof data !== 'object' || data === null || (data as { type?: unknown }).type !== 'embed-request') return;
    // Parsed again here: nothing reaches the world that this worker did not validate itself.
    port.postMessage({ type: 'embed-response', response: api.handleMessage((data as { request?: unknown }).request) });
  });
  port.postMessage({ type: 'embed-ready', engine: memory, crossOriginIsolated: memory === 'shared-memory' });
}
