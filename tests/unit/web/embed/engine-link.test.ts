import { describe, expect, it } from 'vitest';
import { createWorldEngineLink, createWorldlessEngineLink } from '../../../../web/embed/engine-link';
import type { EngineMessage } from '../../../../web/embed/engine-protocol';
import type { WorldCommand } from '../../../../web/world/world-protocol';

describe('the embed engine links', () => {
  it('sends requests to the live world as embed commands and hands back its embed events, even those before listening', () => {
    const sent: WorldCommand[] = [];
    const link = createWorldEngineLink((c) => sent.push(c));
    link.deliver({ type: 'embed', message: { type: 'embed-ready', engine: 'shared-memory', crossOriginIsolated: true } });
    link.deliver({ type: 'chat', line: { id: 1, from: 'a', text: 'hi', at: 0 } });
    const heard: EngineMessage[] = [];
    link.onMessage((m) => heard.push(m));
    link.send({ type: 'embed-request', request: { v: 1, id: 3, method: 'init', params: {} } });
    expect(sent).toEqual([{ type: 'embed', request: { v: 1, id: 3, method: 'init', params: {} } }]);
    link.deliver({ type: 'error', code: 'world_worker_failed', message: 'gone' });
    expect(heard).toEqual([
      { type: 'embed-ready', engine: 'shared-memory', crossOriginIsolated: true },
      { type: 'embed-failed', message: 'embed: the live world stopped (gone)' },
    ]);
  });

  it('without a live world answers on the main thread: ready, then -27 for entities', async () => {
    const link = createWorldlessEngineLink('single-worker');
    const heard: EngineMessage[] = [];
    link.onMessage((m) => heard.push(m));
    link.send({ type: 'embed-request', request: { v: 1, id: 1, method: 'init', params: {} } });
    link.send({ type: 'embed-request', request: { v: 1, id: 2, method: 'createEntity', params: {} } });
    await Promise.resolve();
    await Promise.resolve();
    expect(heard.map((m) => m.type)).toEqual(['embed-ready', 'embed-response', 'embed-response']);
    expect(heard[2]).toMatchObject({ response: { id: 2, ok: false, error: { code: -27 } } });
  });
});
