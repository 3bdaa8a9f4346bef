import { afterEach, describe, expect, it } from 'vitest';
import { createEmbedApi } from '../../../web/embed/api-handler';
import { createWorld, defineComponent } from '../../../web/engine';
import { ensureEngineMemory } from '../../../web/engine/memory-mode';

/** A small world's components: a pose and a colour. */
const EMBED_COMPONENTS = [
  defineComponent('Transform', { position: 'vec3', rotation: 'quat', scale: 'vec3' }),
  defineComponent('Tint', { rgba: 'u32' }),
];

const original = globalThis.SharedArrayBuffer;

describe('engine memory mode', () => {
  afterEach(() => {
    Object.defineProperty(globalThis, 'SharedArrayBuffer', { value: original, configurable: true, writable: true });
  });

  it('uses shared memory where SharedArrayBuffer exists and the scope is isolated', () => {
    expect(ensureEngineMemory({ crossOriginIsolated: true })).toBe('shared-memory');
    expect(globalThis.SharedArrayBuffer).toBe(original);
  });

  it('falls back to one worker on plain ArrayBuffers without SharedArrayBuffer, and the API still works', () => {
    Reflect.deleteProperty(globalThis, 'SharedArrayBuffer');
    expect(typeof globalThis.SharedArrayBuffer).toBe('undefined');
    expect(ensureEngineMemory({ crossOriginIsolated: false })).toBe('single-worker');
    const world = createWorld({ components: EMBED_COMPONENTS, capacity: 32 });
    expect(world.memory.columns[0]).toBeInstanceOf(ArrayBuffer);
    const api = createEmbedApi({ world, memory: 'single-worker', emit: () => {} });
    expect(api.handleMessage({ v: 1, id: 1, method: 'init', params: {} })).toMatchObject({
      ok: true,
      result: { engine: 'single-worker', crossOriginIsolated: false },
    });
    const created = api.handleMessage({ v: 1, id: 2, method: 'createEntity', params: { components: ['Tint'] } });
    expect(created.ok).toBe(true);
    const id = created.ok ? (created.result as { id: number }).id : -1;
    const bytes = new Uint8Array([1, 2, 3, 4]);
    expect(api.handleMessage({ v: 1, id: 3, method: 'updateComponent', params: { id, type: 'Tint', bytes } })).toMatchObject({
      ok: true,
    });
    const queried = api.handleMessage({ v: 1, id: 4, method: 'queryEntity', params: { id } });
    expect(queried.ok && Array.from((queried.result as { bytes: Uint8Array }).bytes.slice(-4))).toEqual([1, 2, 3, 4]);
  });
});
