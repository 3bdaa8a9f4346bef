import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEmbedApi } from '../../../../web/embed/api-handler';
import { METHODS } from '../../../../web/embed/schemas';
import type { EmbedEventMessage, EmbedResponseMessage } from '../../../../web/embed-sdk/protocol';
import { createWorld, defineComponent } from '../../../../web/engine';

/** A small world's components: a pose and a colour. */
const EMBED_COMPONENTS = [
  defineComponent('Transform', { position: 'vec3', rotation: 'quat', scale: 'vec3' }),
  defineComponent('Tint', { rgba: 'u32' }),
];

function setup(capacity = 64) {
  const world = createWorld({ components: EMBED_COMPONENTS, capacity, initialCapacity: Math.min(capacity, 64) });
  const events: EmbedEventMessage[] = [];
  const api = createEmbedApi({ world, memory: 'shared-memory', emit: (e) => events.push(e) });
  let id = 0;
  const call = (method: string, params: unknown = {}): EmbedResponseMessage =>
    api.handleMessage({ v: 1, id: ++id, method, params });
  return { world, api, events, call };
}

function result<T>(r: EmbedResponseMessage): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code} ${r.error.message}`);
  return r.result as T;
}

function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

describe('the embed API handler', () => {
  it('answers -25 to everything but init and getLastError before init', () => {
    const { call } = setup();
    expect(call('createEntity')).toMatchObject({ ok: false, error: { code: -25 } });
    expect(call('getLastError')).toMatchObject({ ok: true, result: { code: -25 } });
    expect(call('init')).toMatchObject({ ok: true });
    expect(call('createEntity')).toMatchObject({ ok: true });
  });

  it('init reports the version, memory mode, capacity and components by id', () => {
    const { call } = setup(128);
    expect(result(call('init'))).toEqual({
      version: 1,
      crossOriginIsolated: true,
      engine: 'shared-memory',
      capacity: 128,
      components: [
        { id: 0, name: 'Transform', bytes: 40 },
        { id: 1, name: 'Tint', bytes: 4 },
      ],
    });
  });

  it('creates an entity, updates a component by name or id, and queries it back as SCE1 bytes', () => {
    const { call, world } = setup();
    call('init');
    const { id } = result<{ id: number }>(call('createEntity', { components: ['Transform'] }));
    expect(world.isAlive(id)).toBe(true);
    const values = [1, 2, 3, 0, 0, 0, 1, 2, 2, 2];
    expect(call('updateComponent', { id, type: 'Transform', bytes: f32Bytes(values) })).toMatchObject({ ok: true });
    const tint = new Uint8Array(new Uint32Array([0xff8800ff]).buffer);
    expect(call('updateComponent', { id, type: 1, bytes: tint })).toMatchObject({ ok: true });
    const { bytes } = result<{ bytes: Uint8Array }>(call('queryEntity', { id }));
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(dv.getUint32(0, true)).toBe(0x31454353);
    expect(dv.getUint16(8, true)).toBe(2);
    expect(Array.from(new Float32Array(bytes.slice(20, 60).buffer))).toEqual(values);
    expect(dv.getUint32(68, true)).toBe(0xff8800ff);
  });

  it('answers -12 for component bytes of the wrong length or with non-finite numbers, writing nothing', () => {
    const { call } = setup();
    call('init');
    const { id } = result<{ id: number }>(call('createEntity', { components: ['Transform'] }));
    expect(call('updateComponent', { id, type: 'Transform', bytes: new Uint8Array(39) })).toMatchObject({
      ok: false,
      error: { code: -12 },
    });
    const nan = f32Bytes([Number.NaN, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
    expect(call('updateComponent', { id, type: 'Transform', bytes: nan })).toMatchObject({ ok: false, error: { code: -12 } });
    const { bytes } = result<{ bytes: Uint8Array }>(call('queryEntity', { id }));
    expect(new Float32Array(bytes.slice(20, 24).buffer)[0]).toBe(0);
  });

  it('answers -11 for an unknown component and -10 for a stale or unknown entity', () => {
    const { call, world } = setup();
    call('init');
    expect(call('createEntity', { components: ['Velocity'] })).toMatchObject({ ok: false, error: { code: -11 } });
    const { id } = result<{ id: number }>(call('createEntity'));
    expect(call('updateComponent', { id, type: 9, bytes: new Uint8Array(4) })).toMatchObject({ ok: false, error: { code: -11 } });
    world.destroy(id);
    expect(call('queryEntity', { id })).toMatchObject({ ok: false, error: { code: -10 } });
    expect(call('queryEntity', { id: 0xffff_ffff })).toMatchObject({ ok: false, error: { code: -10 } });
  });

  it('answers -3 at the configured maxEntities and at the world capacity', () => {
    const limited = setup();
    limited.call('init');
    expect(result(limited.call('configure', { json: '{"maxEntities": 2}' }))).toEqual({
      maxEntities: 2,
      allowOrigins: [],
      audio: { enabled: false, volume: 0.8 },
      p2p: { allowed: true },
    });
    expect(limited.call('createEntity')).toMatchObject({ ok: true });
    expect(limited.call('createEntity')).toMatchObject({ ok: true });
    expect(limited.call('createEntity')).toMatchObject({ ok: false, error: { code: -3 } });

    const full = setup(2);
    full.call('init');
    full.call('createEntity');
    full.call('createEntity');
    expect(full.call('createEntity')).toMatchObject({ ok: false, error: { code: -3 } });
  });

  it('answers -2 for configure with bad JSON, unknown keys or a limit over capacity, and getLastError returns it', () => {
    const { call } = setup(8);
    call('init');
    const bad = call('configure', { json: '{"maxEntities": ' });
    expect(bad).toMatchObject({ ok: false, error: { code: -2 } });
    expect(call('getLastError')).toEqual({ v: 1, id: expect.any(Number), ok: true, result: !bad.ok && bad.error });
    expect(call('configure', { json: '{"colour": "red"}' })).toMatchObject({ ok: false, error: { code: -2 } });
    expect(call('configure', { json: '{"maxEntities": 9}' })).toMatchObject({ ok: false, error: { code: -2 } });
    expect(result(call('configure', { json: '{"allowOrigins": ["https://a.example"]}' }))).toEqual({
      maxEntities: 8,
      allowOrigins: ['https://a.example'],
      audio: { enabled: false, volume: 0.8 },
      p2p: { allowed: true },
    });
  });

  it('configure forbids peer-to-peer and allows it again; refuses p2p settings it does not know', () => {
    const { call } = setup(8);
    call('init');
    expect(result(call('configure', { json: '{"p2p": {"allowed": false}}' }))).toMatchObject({ p2p: { allowed: false } });
    expect(result(call('configure', { json: '{"maxEntities": 4}' }))).toMatchObject({ p2p: { allowed: false } });
    expect(result(call('configure', { json: '{"p2p": {"allowed": true}}' }))).toMatchObject({ p2p: { allowed: true } });
    expect(call('configure', { json: '{"p2p": {"allowed": "no"}}' })).toMatchObject({ ok: false, error: { code: -2 } });
    expect(call('configure', { json: '{"p2p": {"stun": []}}' })).toMatchObject({ ok: false, error: { code: -2 } });
  });

  it('configure switches sound on and sets its volume, keeping what it leaves out; refuses a volume over 1', () => {
    const { call } = setup(8);
    call('init');
    expect(result(call('configure', { json: '{"audio": {"enabled": true}}' }))).toMatchObject({
      audio: { enabled: true, volume: 0.8 },
    });
    expect(result(call('configure', { json: '{"audio": {"volume": 0.25}}' }))).toMatchObject({
      audio: { enabled: true, volume: 0.25 },
    });
    expect(call('configure', { json: '{"audio": {"volume": 2}}' })).toMatchObject({ ok: false, error: { code: -2 } });
    expect(call('configure', { json: '{"audio": {"loud": true}}' })).toMatchObject({ ok: false, error: { code: -2 } });
  });

  it('answers the later capabilities with -20, never a success, and aiEnhance also with a completion event', async () => {
    const { call, events } = setup();
    call('init');
    const later = [
      call('aiDispatch', { json: '{}' }),
      call('aiEnhance', { bytes: new Uint8Array([1]) }),
      call('connectProtocol', { protocol: 0, url: 'http://127.0.0.1:9000', creds: '{}' }),
      call('sendPacket', { bytes: new Uint8Array([1]) }),
      call('generateToken', { perms: 1, expiry: 60 }),
    ];
    for (const r of later)
      expect(r).toMatchObject({
        ok: false,
        error: { code: -20, message: expect.stringMatching(/^embed: \w+ is not available (yet|here): /) },
      });
    expect(events).toEqual([]);
    await new Promise((r) => setTimeout(r, 5));
    expect(events).toEqual([
      { v: 1, event: 'aiEnhanceComplete', data: { id: later[1]?.id, ok: false, error: !later[1]?.ok && later[1]?.error } },
    ]);
  });

  it('answers a malformed message with its parse error and remembers it as the last error', () => {
    const { api } = setup();
    expect(api.handleMessage({ v: 1, id: 'x', method: 'queryEntity', params: { id: -1 } })).toMatchObject({
      ok: false,
      id: 'x',
      error: { code: -21 },
    });
    expect(api.lastError.code).toBe(-21);
  });

  it('keeps the host to what access allows: closed components are unknown (-11), others’ entities stale (-10)', () => {
    const world = createWorld({ components: EMBED_COMPONENTS, capacity: 16 });
    const tint = world.componentDef(1);
    const made = new Set<number>();
    const written: [number, string, boolean][] = [];
    const api = createEmbedApi({
      world,
      memory: 'shared-memory',
      emit: () => {},
      capacity: 4,
      access: {
        create: (defs) => {
          const id = world.create(...defs);
          made.add(id);
          return id;
        },
        owns: (id) => made.has(id),
        written: (id, def, added) => written.push([id, def.name, added]),
        open: (def) => def !== tint,
      },
    });
    const call = (method: string, params: unknown = {}) => api.handleMessage({ v: 1, id: 1, method, params });
    expect(result<{ capacity: number; components: { name: string }[] }>(call('init'))).toMatchObject({
      capacity: 4,
      components: [{ name: 'Transform' }],
    });
    expect(call('createEntity', { components: ['Tint'] })).toMatchObject({ ok: false, error: { code: -11 } });
    const other = world.create();
    expect(call('queryEntity', { id: other })).toMatchObject({ ok: false, error: { code: -10 } });
    const { id } = result<{ id: number }>(call('createEntity'));
    expect(call('updateComponent', { id, type: 'Transform', bytes: f32Bytes([0, 0, 0, 0, 0, 0, 1, 1, 1, 1]) })).toMatchObject({
      ok: true,
    });
    expect(call('updateComponent', { id, type: 0, bytes: f32Bytes([1, 0, 0, 0, 0, 0, 1, 1, 1, 1]) })).toMatchObject({ ok: true });
    expect(written).toEqual([
      [id, 'Transform', true],
      [id, 'Transform', false],
    ]);
    expect(call('configure', { json: '{"maxEntities": 5}' })).toMatchObject({ ok: false, error: { code: -2 } });
  });

  it('without a world answers init and configure, and the entity methods with -27', () => {
    const api = createEmbedApi({ world: null, memory: 'single-worker', emit: () => {} });
    const call = (method: string, params: unknown = {}) => api.handleMessage({ v: 1, id: 1, method, params });
    expect(result(call('init'))).toEqual({
      version: 1,
      crossOriginIsolated: false,
      engine: 'single-worker',
      capacity: 0,
      components: [],
    });
    expect(call('configure', { json: '{"allowOrigins": ["https://a.example"]}' })).toMatchObject({ ok: true });
    for (const [method, params] of [
      ['createEntity', {}],
      ['queryEntity', { id: 0 }],
      ['updateComponent', { id: 0, type: 0, bytes: new Uint8Array(4) }],
    ] as const)
      expect(call(method, params)).toMatchObject({
        ok: false,
        error: { code: -27, message: expect.stringContaining('no live world') },
      });
  });

  it('never throws and keeps the world consistent under random request sequences (fuzz)', () => {
    const { api, world } = setup(16);
    api.handleMessage({ v: 1, id: 0, method: 'init', params: {} });
    const request = fc.record({
      v: fc.constant(1),
      id: fc.nat(),
      method: fc.constantFrom(...METHODS),
      params: fc.oneof(
        fc.record({ id: fc.nat({ max: 40 }) }),
        fc.record({ components: fc.array(fc.oneof(fc.constantFrom('Transform', 'Tint', 'Nope'), fc.nat(3)), { maxLength: 3 }) }),
        fc.record({
          id: fc.nat({ max: 40 }),
          type: fc.oneof(fc.constantFrom('Transform', 'Tint'), fc.nat(3)),
          bytes: fc.uint8Array({ maxLength: 44 }),
        }),
        fc.record({ json: fc.oneof(fc.json(), fc.string()) }),
        fc.anything(),
      ),
    });
    fc.assert(
      fc.property(fc.array(request, { maxLength: 30 }), (requests) => {
        for (const r of requests) {
          const answer = api.handleMessage(r);
          expect(answer.v).toBe(1);
          if (!answer.ok) expect(answer.error.code).toBeLessThan(0);
        }
        expect(world.size).toBeLessThanOrEqual(16);
      }),
      { numRuns: 300 },
    );
  });
});
