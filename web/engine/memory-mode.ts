/**
 * The engine's memory mode. With cross-origin isolation the world lives in SharedArrayBuffers
 * (as everywhere else). Without it (a browser lacking Document-Isolation-Policy) SharedArrayBuffer
 * does not exist; the engine then runs in ONE worker on plain ArrayBuffers: nothing is shared, so
 * nothing needs to be, and Atomics load/store work on unshared arrays too.
 */

/** Where the world's columns live: SharedArrayBuffers (isolated pages), or plain ArrayBuffers in one worker. */
export type MemoryMode = 'shared-memory' | 'single-worker';

/**
 * Picks the memory mode for this thread. In the single-worker fallback it makes the ECS allocate plain
 * ArrayBuffers by standing ArrayBuffer in for SharedArrayBuffer in THIS thread's global scope only
 * (call it in the engine worker, never on a page). Returns the mode.
 */
export function ensureEngineMemory(scope: { crossOriginIsolated?: boolean } = {}): MemoryMode {
  // Without a scope: a thread that is not known to be unisolated uses shared memory where it exists.
  if (scope.crossOriginIsolated !== false && typeof globalThis.SharedArrayBuffer === 'function') return 'shared-memory';
  if (typeof globalThis.SharedArrayBuffer !== 'function') {
    Object.defineProperty(globalThis, 'SharedArrayBuffer', { value: ArrayBuffer, configurable: true, writable: true });
  }
  return 'single-worker';
}
