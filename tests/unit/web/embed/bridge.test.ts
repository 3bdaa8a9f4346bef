import { describe, expect, it } from 'vitest';
import { createEmbedApi } from '../../../../web/embed/api-handler';
import {
  createHostBridge,
  type EngineLink,
  type HostBridgeOptions,
  MAX_PENDING,
  type ReplyTarget,
} from '../../../../web/embed/bridge';
import type { EngineMessage, EngineRequest } from '../../../../web/embed/engine-protocol';
import { EmbedCode, EmbedError } from '../../../../web/embed/errors';
import { checkEvent, EVENT_LIMITS } from '../../../../web/embed-sdk/events';
import { createWorld, defineComponent } from '../../../../web/engine';

/** A small world's components: a pose and a colour. */
const EMBED_COMPONENTS = [
  defineComponent('Transform', { position: 'vec3', rotation: 'quat', scale: 'vec3' }),
  defineComponent('Tint', { rgba: 'u32' }),
];

const SELF = 'https://viewer.example';
const HOST = 'https://host.example';

/** An in-process engine: the real handler over a real world, with a switch to hold answers back. */
function fakeEngine() {
  const world = createWorld({ components: EMBED_COMPONENTS, capacity: 16 });
  let handler: (m: EngineMessage) => void = () => {};
  const api = createEmbedApi({ world, memory: 'shared-memory', emit: (event) => handler({ type: 'embed-event', event }) });
  const sent: EngineRequest[] = [];
  let hold = false;
  const link: EngineLink = {
    send: (m) => {
      sent.push(m);
      if (!hold) handler({ type: 'embed-response', response: api.handleMessage(m.request) });
    },
    onMessage: (h) => {
      handler = h;
    },
    stop: () => {},
  };
  return {
    link,
    sent,
    ready: () => handler({ type: 'embed-ready', engine: 'shared-memory', crossOriginIsolated: true }),
    fail: (message: string) => handler({ type: 'embed-failed', message }),
    holdAnswers: () => {
      hold = true;
    },
  };
}

function recorder() {
  const got: { message: unknown; origin: string }[] = [];
  const target: ReplyTarget = { postMessage: (message, origin) => got.push({ message, origin }) };
  return { got, target };
}

function setup(allow: string[] = [HOST], extra: Partial<HostBridgeOptions> = {}) {
  const engine = fakeEngine();
  const parent = recorder();
  const host = recorder();
  const bridge = createHostBridge({
    selfOrigin: SELF,
    allow,
    engine: engine.link,
    parent: parent.target,
    place: '#/fv/plaza',
    ...extra,
  });
  const send = (data: unknown, origin = HOST) => bridge.receive({ data, origin, source: host.target });
  return { engine, parent, host, bridge, send };
}

describe('the host-message bridge', () => {
  it('refuses a message from an origin not on the allowlist with -22 and never forwards it', () => {
    const { engine, host, send } = setup();
    engine.ready();
    send({ v: 1, id: 9, method: 'init', params: {} }, 'https://evil.example');
    expect(engine.sent).toEqual([]);
    expect(host.got).toEqual([
      {
        origin: 'https://evil.example',
        message: { v: 1, id: 9, ok: false, error: { code: -22, message: expect.stringContaining('https://evil.example') } },
      },
    ]);
  });

  it('answers a malformed message from an allowed origin with -21 without reaching the engine', () => {
    const { engine, host, send } = setup();
    engine.ready();
    send({ v: 1, id: 'q', method: 'queryEntity', params: { id: '1; DROP' } });
    expect(engine.sent).toEqual([]);
    expect(host.got[0]).toMatchObject({ origin: HOST, message: { id: 'q', ok: false, error: { code: -21 } } });
  });

  it('forwards parsed requests under its own ids and answers the host with the host id, at the host origin', () => {
    const { engine, host, send } = setup();
    engine.ready();
    send({ v: 1, id: 'a', method: 'init', params: {} });
    send({ v: 1, id: 'a', method: 'createEntity' });
    expect(engine.sent.map((s) => s.request.id)).toEqual([1, 2]);
    expect(
      host.got.map((g) => [g.origin, (g.message as { id: unknown; ok: boolean }).id, (g.message as { ok: boolean }).ok]),
    ).toEqual([
      [HOST, 'a', true],
      [HOST, 'a', true],
    ]);
  });

  it('holds requests until the engine is ready, then tells allowed origins only that it is ready', () => {
    const { engine, host, parent, send } = setup();
    send({ v: 1, id: 1, method: 'init', params: {} });
    expect(host.got).toEqual([]);
    engine.ready();
    expect(host.got).toHaveLength(1);
    expect(parent.got.map((g) => g.origin).sort()).toEqual([HOST, SELF]);
    expect(parent.got[0]?.message).toMatchObject({
      v: 1,
      event: 'ready',
      data: { crossOriginIsolated: true, engine: 'shared-memory', place: '#/fv/plaza' },
    });
  });

  it('adds the origins configure names to the allowlist and reports the whole list', () => {
    const { engine, host, send } = setup();
    engine.ready();
    send({ v: 1, id: 1, method: 'init', params: {} });
    send({ v: 1, id: 2, method: 'configure', params: { json: '{"allowOrigins": ["https://second.example"]}' } });
    expect(host.got[1]?.message).toMatchObject({ ok: true, result: { allowOrigins: [SELF, HOST, 'https://second.example'] } });
    send({ v: 1, id: 3, method: 'getLastError', params: {} }, 'https://second.example');
    expect(host.got[2]).toMatchObject({ origin: 'https://second.example', message: { ok: true } });
  });

  it("passes configure's sound settings to the page's audio", () => {
    const heard: unknown[] = [];
    const { engine, send } = setup([HOST], { onAudio: (a) => heard.push(a) });
    engine.ready();
    send({ v: 1, id: 1, method: 'init', params: {} });
    send({ v: 1, id: 2, method: 'configure', params: { json: '{"audio": {"enabled": true, "volume": 0.3}}' } });
    expect(heard).toEqual([{ enabled: true, volume: 0.3 }]);
  });

  it('sends the aiEnhance completion event to the host that asked, with its id', async () => {
    const { engine, host, send } = setup();
    engine.ready();
    send({ v: 1, id: 1, method: 'init', params: {} });
    send({ v: 1, id: 'enh', method: 'aiEnhance', params: { bytes: new Uint8Array([1]) } });
    await new Promise((r) => setTimeout(r, 5));
    expect(host.got.slice(1).map((g) => g.message)).toEqual([
      { v: 1, id: 'enh', ok: false, error: expect.objectContaining({ code: -20 }) },
      { v: 1, event: 'aiEnhanceComplete', data: { id: 'enh', ok: false, error: expect.objectContaining({ code: -20 }) } },
    ]);
  });

  it('answers -27 to requests in flight and later ones when the engine fails', () => {
    const { engine, host, send } = setup();
    send({ v: 1, id: 1, method: 'init', params: {} });
    engine.fail('embed: the engine worker failed (boom)');
    send({ v: 1, id: 2, method: 'init', params: {} });
    expect(host.got.map((g) => g.message)).toMatchObject([
      { id: 1, ok: false, error: { code: -27 } },
      { id: 2, ok: false, error: { code: -27 } },
    ]);
  });

  it(`answers -28 once ${MAX_PENDING} requests are in flight`, () => {
    const { engine, host, send } = setup();
    engine.ready();
    engine.holdAnswers();
    for (let i = 0; i < MAX_PENDING; i++) send({ v: 1, id: i, method: 'getLastError' });
    expect(host.got).toEqual([]);
    send({ v: 1, id: 'one-too-many', method: 'getLastError' });
    expect(host.got).toMatchObject([{ message: { id: 'one-too-many', ok: false, error: { code: -28 } } }]);
  });

  it('hands connectProtocol and sendPacket to the live viewer after init, never to the engine, and passes coded failures on', async () => {
    const engine = fakeEngine();
    const host = recorder();
    const calls: unknown[] = [];
    const bridge = createHostBridge({
      selfOrigin: SELF,
      allow: [HOST],
      engine: engine.link,
      parent: null,
      place: '#/fv/plaza',
      live: {
        connectProtocol: async (params) => {
          calls.push(params);
          if (params.url === 'nowhere')
            throw new EmbedError(EmbedCode.ConnectFailed, 'connectProtocol: could not join "nowhere"');
          return { place: '#/fv/harbour' };
        },
        sendPacket: async ({ bytes }) => {
          calls.push(bytes.length);
          return { reply: new Uint8Array([0x87]) };
        },
        generateToken: async () => ({ token: 'v1.x.y', permissions: 1, expiresAt: 0 }),
      },
    });
    const send = (data: unknown) => bridge.receive({ data, origin: HOST, source: host.target });
    engine.ready();
    send({ v: 1, id: 'early', method: 'connectProtocol', params: { protocol: 1, url: 'harbour', creds: '' } });
    send({ v: 1, id: 1, method: 'init', params: {} });
    send({ v: 1, id: 'go', method: 'connectProtocol', params: { protocol: 1, url: 'harbour', creds: '' } });
    send({ v: 1, id: 'lost', method: 'connectProtocol', params: { protocol: 1, url: 'nowhere', creds: '' } });
    send({ v: 1, id: 'pkt', method: 'sendPacket', params: { bytes: new Uint8Array([1, 2, 3]) } });
    await new Promise((r) => setTimeout(r, 5));
    expect(engine.sent.map((m) => m.request.method)).toEqual(['init']);
    expect(calls).toEqual([{ protocol: 1, url: 'harbour', creds: '' }, { protocol: 1, url: 'nowhere', creds: '' }, 3]);
    const answers = host.got.map((g) => g.message);
    expect(answers).toContainEqual({ v: 1, id: 'early', ok: false, error: expect.objectContaining({ code: -25 }) });
    expect(answers).toContainEqual({ v: 1, id: 'go', ok: true, result: { place: '#/fv/harbour' } });
    expect(answers).toContainEqual({ v: 1, id: 'lost', ok: false, error: expect.objectContaining({ code: -40 }) });
    expect(answers).toContainEqual({ v: 1, id: 'pkt', ok: true, result: { reply: new Uint8Array([0x87]) } });
  });

  it('hands the plugin methods to the frame plugin host after init, and tells the parent of plugin state changes', async () => {
    const engine = fakeEngine();
    const host = recorder();
    const parent = recorder();
    const loaded: unknown[] = [];
    const bridge = createHostBridge({
      selfOrigin: SELF,
      allow: [HOST],
      engine: engine.link,
      parent: parent.target,
      place: '#/fv/plaza',
      plugins: {
        loadPlugin: async (params) => {
          loaded.push(params);
          return {
            ok: false,
            name: 'risky',
            risk: 70,
            reasons: ['calls eval (runs text as code) (+30)'],
            code: 'plugin_risk_refused',
          };
        },
        unloadPlugin: async ({ name }) => ({ unloaded: name === 'chat-log' }),
        plugins: async () => ({
          plugins: [
            { name: 'chat-log', version: '1.0.0', state: 'running', reason: '', risk: 8, update_ms_p50: 0, events_per_s: 0 },
          ],
        }),
      },
    });
    const send = (data: unknown) => bridge.receive({ data, origin: HOST, source: host.target });
    engine.ready();
    send({ v: 1, id: 'early', method: 'plugins', params: {} });
    send({ v: 1, id: 1, method: 'init', params: {} });
    send({ v: 1, id: 'load', method: 'loadPlugin', params: { url: '/plugins/risky/storm-plugin.json' } });
    send({ v: 1, id: 'bad', method: 'loadPlugin', params: { url: '' } });
    send({ v: 1, id: 'list', method: 'plugins', params: {} });
    send({ v: 1, id: 'unload', method: 'unloadPlugin', params: { name: 'chat-log' } });
    await new Promise((r) => setTimeout(r, 5));
    expect(engine.sent.map((m) => m.request.method)).toEqual(['init']);
    expect(loaded).toEqual([{ url: '/plugins/risky/storm-plugin.json' }]);
    const answers = host.got.map((g) => g.message);
    expect(answers).toContainEqual({ v: 1, id: 'early', ok: false, error: expect.objectContaining({ code: -25 }) });
    expect(answers).toContainEqual({ v: 1, id: 'bad', ok: false, error: expect.objectContaining({ code: -21 }) });
    expect(answers).toContainEqual(
      expect.objectContaining({
        id: 'load',
        ok: true,
        result: expect.objectContaining({ ok: false, code: 'plugin_risk_refused' }),
      }),
    );
    expect(answers).toContainEqual(
      expect.objectContaining({ id: 'list', ok: true, result: { plugins: [expect.objectContaining({ name: 'chat-log' })] } }),
    );
    expect(answers).toContainEqual({ v: 1, id: 'unload', ok: true, result: { unloaded: true } });
    parent.got.length = 0;
    bridge.plugin({
      name: 'busy',
      state: 'failed',
      reason: 'plugins: busy: update ran over its 250 ms budget',
      code: 'plugin_budget_exceeded',
    });
    expect(parent.got).toContainEqual({
      origin: HOST,
      message: {
        v: 1,
        event: 'plugin',
        data: {
          name: 'busy',
          state: 'failed',
          reason: 'plugins: busy: update ran over its 250 ms budget',
          code: 'plugin_budget_exceeded',
        },
      },
    });
    // A reason longer than the SDK's check takes is cut to it, so the event still reaches the host page's listeners.
    parent.got.length = 0;
    bridge.plugin({ name: 'wordy', state: 'refused', reason: 'why '.repeat(5000), code: 'plugin_bad_manifest' });
    const sent = parent.got[0]?.message as { event: 'plugin'; data: unknown };
    expect(checkEvent(sent.event, sent.data)).toMatchObject({ ok: true, value: { reason: expect.any(String) } });
    expect((sent.data as { reason: string }).reason).toHaveLength(EVENT_LIMITS.message);
  });

  it('without a plugin host the engine answers the plugin methods with NotAvailableYet', async () => {
    const { send, host, engine } = setup();
    engine.ready();
    send({ v: 1, id: 1, method: 'init', params: {} });
    send({ v: 1, id: 2, method: 'loadPlugin', params: { url: '/x/storm-plugin.json' } });
    await new Promise((r) => setTimeout(r, 5));
    expect(host.got.map((g) => g.message)).toContainEqual({
      v: 1,
      id: 2,
      ok: false,
      error: expect.objectContaining({ code: -20 }),
    });
  });

  it('sends select events only to the origin that subscribed, after init, until it unsubscribes', async () => {
    const OTHER = 'https://other.example';
    const { send, host, bridge, engine, parent } = setup([HOST, OTHER]);
    const other = recorder();
    engine.ready();
    const object = {
      id: 31,
      kind: 'prim' as const,
      name: 'Bench',
      owner: null,
      ownerName: 'Grace',
      shape: 'box',
      uuid: null,
      position: [110, 100, 20] as [number, number, number],
      scale: [2, 0.6, 0.5] as [number, number, number],
      distance: 9,
    };
    send({ v: 1, id: 'early', method: 'subscribe', params: { events: ['select'] } });
    send({ v: 1, id: 1, method: 'init', params: {} });
    bridge.select({ object });
    send({ v: 1, id: 'sub', method: 'subscribe', params: { events: ['select'] } });
    bridge.receive({ data: { v: 1, id: 2, method: 'init', params: {} }, origin: OTHER, source: other.target });
    bridge.select({ object });
    bridge.select({ object: null });
    send({ v: 1, id: 'unsub', method: 'unsubscribe', params: { events: ['select'] } });
    bridge.select({ object });
    const answers = host.got.map((g) => g.message);
    expect(answers).toContainEqual({ v: 1, id: 'early', ok: false, error: expect.objectContaining({ code: -25 }) });
    expect(answers).toContainEqual({ v: 1, id: 'sub', ok: true, result: { events: ['select'] } });
    expect(answers).toContainEqual({ v: 1, id: 'unsub', ok: true, result: { events: [] } });
    const selects = host.got.filter((g) => (g.message as { event?: string }).event === 'select');
    expect(selects).toEqual([
      { origin: HOST, message: { v: 1, event: 'select', data: { object } } },
      { origin: HOST, message: { v: 1, event: 'select', data: { object: null } } },
    ]);
    // Neither the origin that did not subscribe nor the parent's broadcast hears it.
    expect(other.got.some((g) => (g.message as { event?: string }).event === 'select')).toBe(false);
    expect(parent.got.some((g) => (g.message as { event?: string }).event === 'select')).toBe(false);
    expect(engine.sent.map((m) => m.request.method)).toEqual(['init', 'init']);
  });

  it('hands setCamera and resetCamera to the page camera after init; a bad shot answers -45 and never reaches it', async () => {
    const shots: unknown[] = [];
    const { send, host, engine } = setup([HOST], {
      view: {
        setCamera: async ({ shot }) => {
          shots.push(shot);
          return {};
        },
        resetCamera: async () => {
          shots.push(null);
          return {};
        },
      },
    });
    engine.ready();
    send({ v: 1, id: 'early', method: 'setCamera', params: { shot: { fovDeg: 30 } } });
    send({ v: 1, id: 1, method: 'init', params: {} });
    send({ v: 1, id: 'wide', method: 'setCamera', params: { shot: { fovDeg: 100, distance: 20 } } });
    send({ v: 1, id: 'bad', method: 'setCamera', params: { shot: { fovDeg: 500 } } });
    send({ v: 1, id: 'reset', method: 'resetCamera', params: {} });
    await new Promise((r) => setTimeout(r, 5));
    expect(shots).toEqual([{ fovDeg: 100, distance: 20 }, null]);
    const answers = host.got.map((g) => g.message);
    expect(answers).toContainEqual({ v: 1, id: 'early', ok: false, error: expect.objectContaining({ code: -25 }) });
    expect(answers).toContainEqual({ v: 1, id: 'wide', ok: true, result: {} });
    expect(answers).toContainEqual({ v: 1, id: 'reset', ok: true, result: {} });
    expect(answers).toContainEqual({
      v: 1,
      id: 'bad',
      ok: false,
      error: { code: -45, message: expect.stringMatching(/^embed: setCamera: params\.shot\.fovDeg/) },
    });
    expect(engine.sent.map((m) => m.request.method)).toEqual(['init']);
  });

  it('without a page camera the engine answers setCamera with NotAvailableYet', async () => {
    const { send, host, engine } = setup();
    engine.ready();
    send({ v: 1, id: 1, method: 'init', params: {} });
    send({ v: 1, id: 2, method: 'setCamera', params: { shot: {} } });
    await new Promise((r) => setTimeout(r, 5));
    expect(host.got.map((g) => g.message)).toContainEqual({
      v: 1,
      id: 2,
      ok: false,
      error: expect.objectContaining({ code: -20 }),
    });
  });
});
