/**
 * The bridge's engine (an EngineLink): the live world the frame shows, whose embed plugin
 * (web/embed/embed-plugin.ts) answers the host's entity API; or, in a frame with no live world, the API
 * answered here on the main thread over no world (init and configure work, entity methods answer -27).
 */
import type { WorldCommand, WorldEvent } from '../world/world-protocol';
import { createEmbedApi, type EngineMemory } from './api-handler';
import type { EngineLink } from './bridge';
import type { EngineMessage } from './engine-protocol';

/** An EngineLink over the live world: requests go out as `embed` commands, its `embed` events come back. */
export interface WorldEngineLink extends EngineLink {
  /** Feed every event of the live world here (only `embed` events and a dead worker concern the bridge). */
  deliver(event: WorldEvent): void;
}

/** Wraps a handler so that messages arriving before the bridge listens are kept for it. */
function createInbox(): { push(message: EngineMessage): void; listen(handler: (message: EngineMessage) => void): void } {
  let handler: ((message: EngineMessage) => void) | null = null;
  const early: EngineMessage[] = [];
  return {
    push: (message) => {
      if (handler) handler(message);
      else early.push(message);
    },
    listen: (h) => {
      handler = h;
      for (const m of early.splice(0)) h(m);
    },
  };
}

/** The link to the live world; `send` is the world's command port. */
export function createWorldEngineLink(send: (command: WorldCommand) => void): WorldEngineLink {
  const inbox = createInbox();
  let stopped = false;
  return {
    send: (message) => {
      if (!stopped) send({ type: 'embed', request: message.request });
    },
    onMessage: (handler) => inbox.listen(handler),
    stop: () => {
      stopped = true;
    },
    deliver: (event) => {
      if (stopped) return;
      if (event.type === 'embed') inbox.push(event.message);
      else if (event.type === 'error' && event.code === 'world_worker_failed')
        inbox.push({ type: 'embed-failed', message: `embed: the live world stopped (${event.message})` });
    },
  };
}

/** The API without a world, on the main thread (answers asynchronously, as a worker would). */
export function createWorldlessEngineLink(memory: EngineMemory): EngineLink {
  const inbox = createInbox();
  const api = createEmbedApi({ world: null, memory, emit: (event) => inbox.push({ type: 'embed-event', event }) });
  let stopped = false;
  const later = (message: EngineMessage): void =>
    queueMicrotask(() => {
      if (!stopped) inbox.push(message);
    });
  later({ type: 'embed-ready', engine: memory, crossOriginIsolated: memory === 'shared-memory' });
  return {
    // Parsed again, as at a worker's door.
    send: (message) => later({ type: 'embed-response', response: api.handleMessage(message.request) }),
    onMessage: (handler) => inbox.listen(handler),
    stop: () => {
      stopped = true;
    },
  };
}
