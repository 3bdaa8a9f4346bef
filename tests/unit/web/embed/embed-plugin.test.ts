import { describe, expect, it } from 'vitest';
import { type Entity, type OperationResult, type ServerMessage, SHAPE_PRESETS } from '../../../../shared/protocol';
import { embedPlugin } from '../../../../web/embed/embed-plugin';
import type { EngineMessage } from '../../../../web/embed/engine-protocol';
import type { EmbedResponseMessage } from '../../../../web/embed-sdk/protocol';
import type { MemoryMode } from '../../../../web/engine';
import type { ConnectionOptions } from '../../../../web/net/storm-connection';
import { Faces, Local, Shape, Transform } from '../../../../web/scene/components';
import { RenderListReader } from '../../../../web/scene/render-list';
import { SyncReader } from '../../../../web/scene/sync-header';
import { Commands, Entities } from '../../../../web/world/keys';
import { createWorldApp } from '../../../../web/world/world-app';
import { WorldCommand, type WorldEvent } from '../../../../web/world/world-protocol';
import { testEntity, testSnapshot, testWelcome } from '../../../support/entities';
import { fakeConnection } from '../../../support/fake-connection';

const prim = (id: number): Entity => testEntity(id);

const welcome: ServerMessage = testWelcome(100, { session: 's-1' });

/** The live world App with a fake connection that counts everything the viewer sends. */
function harness(memory: MemoryMode = 'shared-memory') {
  let t = 1000;
  const posts: WorldEvent[] = [];
  const sent: string[] = [];
  const conns: ConnectionOptions[] = [];
  const world = createWorldApp({
    post: (e) => posts.push(e),
    now: () => t,
    hardwareConcurrency: 8,
    workers: 2,
    // As the worker entries add it (web/workers/world.worker.ts, render-world.worker.ts).
    plugins: [embedPlugin({ memory })],
    connect: (options) => {
      conns.push(options);
      return fakeConnection({
        sendInput: () => sent.push('input'),
        chat: () => sent.push('chat'),
        operate: async (): Promise<OperationResult> => {
          sent.push('operate');
          return { op: 'failed', code: 'x', message: 'not here' };
        },
        ping: () => sent.push('ping'),
      });
    },
  });
  const app = world.app;
  const step = () => {
    t += 16;
    world.frame(0.016);
  };
  const deliver = (...msgs: ServerMessage[]) => {
    for (const m of msgs) conns.at(-1)?.onMessage?.(m);
    step();
  };
  const connect = (name = 'plaza') => {
    app.send(Commands, { type: 'connect', origin: 'http://127.0.0.1:5173', world: name, kind: 'fv' });
    step();
  };
  let seq = 0;
  /** One host request through the worker's door, answered within the next frame. */
  const call = (method: string, params: unknown = {}): EmbedResponseMessage => {
    const id = ++seq;
    const parsed = WorldCommand.safeParse({ type: 'embed', request: { v: 1, id, method, params } });
    if (!parsed.success) throw new Error(`the door refused ${method}: ${parsed.error.issues[0]?.message}`);
    app.send(Commands, parsed.data);
    step();
    const answer = embedMessages(posts).find((m) => m.type === 'embed-response' && m.response.id === id);
    if (answer?.type !== 'embed-response') throw new Error(`no answer to ${method}`);
    return answer.response;
  };
  const list = new RenderListReader(world.renderList);
  return { world, app, posts, sent, step, deliver, connect, call, list, sync: new SyncReader(world.sync) };
}

function embedMessages(posts: WorldEvent[]): EngineMessage[] {
  return posts.flatMap((e) => (e.type === 'embed' ? [e.message] : []));
}

function result<T>(r: EmbedResponseMessage): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code} ${r.error.message}`);
  return r.result as T;
}

/** Transform bytes: position, rotation (quaternion), scale as little-endian f32. */
function transformBytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

describe('the embed plugin (the host API over the live world)', () => {
  it('says it is ready with the memory mode, and init lists the viewer components the host may name', () => {
    const h = harness();
    expect(embedMessages(h.posts)[0]).toEqual({ type: 'embed-ready', engine: 'shared-memory', crossOriginIsolated: true });
    const info = result<{ capacity: number; components: { id: number; name: string; bytes: number }[] }>(h.call('init'));
    const names = info.components.map((c) => c.name);
    expect(names).toEqual(['Transform', 'Motion', 'Shape', 'Faces', 'Avatar', 'LocalPose', 'Parent', 'Local']);
    expect(info.components.find((c) => c.name === 'Transform')).toEqual({ id: 0, name: 'Transform', bytes: 40 });
    expect(info.capacity).toBe(16_384);
  });

  it('creates a local entity the renderer draws: in the ECS with Local, in the render list, a unit box by default', () => {
    const h = harness();
    h.connect();
    h.deliver(welcome, testSnapshot([prim(1)]));
    h.call('init');
    const structure = h.sync.structure();
    const { id } = result<{ id: number }>(h.call('createEntity', { components: ['Transform', 'Shape', 'Faces'] }));
    const world = h.app.world;
    expect(world.isAlive(id)).toBe(true);
    expect(world.has(id, Local)).toBe(true);
    expect(world.get(id, Transform)).toMatchObject({ rotation: [0, 0, 0, 1], scale: [1, 1, 1] });
    expect(world.get(id, Shape)).toEqual({ ...SHAPE_PRESETS.box });
    expect(h.sync.structure()).toBeGreaterThan(structure);
    expect([...h.list.read()]).toContain(world.indexOf(id));
    expect([...h.app.resource(Entities).byNet.values()]).not.toContain(id);
  });

  it('sends nothing to the server for host entities', () => {
    const h = harness();
    h.connect();
    h.deliver(welcome);
    h.call('init');
    const before = [...h.sent];
    const { id } = result<{ id: number }>(h.call('createEntity', { components: ['Transform', 'Shape'] }));
    h.call('updateComponent', { id, type: 'Transform', bytes: transformBytes([5, 6, 7, 0, 0, 0, 1, 2, 2, 2]) });
    h.call('queryEntity', { id });
    for (let k = 0; k < 5; k++) h.step();
    expect(h.sent).toEqual(before);
  });

  it('keeps host entities through a server snapshot that does not list them, and a resumed welcome', () => {
    const h = harness();
    h.connect();
    h.deliver(welcome, testSnapshot([prim(1), prim(2)]));
    h.call('init');
    const { id } = result<{ id: number }>(h.call('createEntity', { components: ['Transform', 'Shape'] }));
    h.deliver({ ...welcome, resumed: true }, { type: 'snapshot', tick: 9, part: 0, parts: 1, entities: [prim(3)] });
    const world = h.app.world;
    expect(world.isAlive(id)).toBe(true);
    expect([...h.app.resource(Entities).byNet.keys()]).toEqual([3]);
    expect([...h.list.read()].sort()).toEqual(
      [world.indexOf(id), world.indexOf(h.app.resource(Entities).byNet.get(3) ?? -1)].sort(),
    );
    expect(h.call('queryEntity', { id })).toMatchObject({ ok: true });
  });

  it('round-trips updateComponent and queryEntity, and refuses bad bytes with -12 writing nothing', () => {
    const h = harness();
    h.call('init');
    const { id } = result<{ id: number }>(h.call('createEntity', { components: ['Transform'] }));
    const values = [1.5, 2, -3, 0, 0, 0, 1, 1, 1, 1];
    expect(h.call('updateComponent', { id, type: 'Transform', bytes: transformBytes(values) })).toMatchObject({ ok: true });
    const faces = new Uint8Array(1 + 32 * 4);
    faces.set([1, 255, 0, 255, 255]);
    const structure = h.sync.structure();
    // Faces is added by the update (and is a structural change: the renderer rebuilds).
    expect(h.call('updateComponent', { id, type: 'Faces', bytes: faces })).toMatchObject({ ok: true });
    expect(h.sync.structure()).toBeGreaterThan(structure);
    expect(h.app.world.get(id, Faces).count).toBe(1);
    const { bytes } = result<{ bytes: Uint8Array }>(h.call('queryEntity', { id }));
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(dv.getUint32(0, true)).toBe(0x31454353);
    expect(dv.getUint16(8, true)).toBe(3); // Transform, Faces, Local
    expect(Array.from(new Float32Array(bytes.slice(20, 60).buffer))).toEqual(values);

    expect(h.call('updateComponent', { id, type: 'Transform', bytes: new Uint8Array(39) })).toMatchObject({
      ok: false,
      error: { code: -12 },
    });
    const nan = transformBytes([Number.NaN, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
    expect(h.call('updateComponent', { id, type: 0, bytes: nan })).toMatchObject({ ok: false, error: { code: -12 } });
    expect(h.app.world.get(id, Transform).position).toEqual([1.5, 2, -3]);
    expect(h.call('getLastError')).toMatchObject({ ok: true, result: { code: -12 } });
  });

  it('keeps the server’s entities and NetId out of the host’s reach (-10, -11)', () => {
    const h = harness();
    h.connect();
    h.deliver(welcome, testSnapshot([prim(1)]));
    h.call('init');
    const server = h.app.resource(Entities).byNet.get(1) ?? -1;
    expect(h.call('queryEntity', { id: server })).toMatchObject({ ok: false, error: { code: -10 } });
    const move = transformBytes([0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
    expect(h.call('updateComponent', { id: server, type: 'Transform', bytes: move })).toMatchObject({
      ok: false,
      error: { code: -10 },
    });
    expect(h.app.world.get(server, Transform).position).toEqual([10, 10, 20]);
    expect(h.call('createEntity', { components: ['NetId'] })).toMatchObject({ ok: false, error: { code: -11 } });
    const { id } = result<{ id: number }>(h.call('createEntity'));
    expect(h.call('updateComponent', { id, type: 'NetId', bytes: new Uint8Array(8) })).toMatchObject({
      ok: false,
      error: { code: -11 },
    });
    expect(h.call('queryEntity', { id: 0xffff_fff0 })).toMatchObject({ ok: false, error: { code: -10 } });
  });

  it('clears host entities when the live world joins another place (their ids go stale)', () => {
    const h = harness();
    h.connect();
    h.deliver(welcome);
    h.call('init');
    const { id } = result<{ id: number }>(h.call('createEntity', { components: ['Transform', 'Shape'] }));
    expect([...h.list.read()]).toContain(h.app.world.indexOf(id));
    h.connect('harbour');
    expect(h.app.world.isAlive(id)).toBe(false);
    expect([...h.list.read()]).toEqual([]);
    expect(h.call('queryEntity', { id })).toMatchObject({ ok: false, error: { code: -10 } });
  });

  it('reports the single-worker memory mode in a worker that is not cross-origin isolated', () => {
    const h = harness('single-worker');
    expect(embedMessages(h.posts)[0]).toEqual({ type: 'embed-ready', engine: 'single-worker', crossOriginIsolated: false });
    expect(result(h.call('init'))).toMatchObject({ engine: 'single-worker', crossOriginIsolated: false });
    const { id } = result<{ id: number }>(h.call('createEntity', { components: ['Transform', 'Shape'] }));
    expect([...h.list.read()]).toContain(h.app.world.indexOf(id));
  });

  it('answers a malformed embed request with its error under its id, and the world goes on', () => {
    const h = harness();
    result(h.call('init'));
    expect(h.call('queryEntity', { id: 'x' })).toMatchObject({ ok: false, error: { code: -21 } });
    expect(h.call('destroyWorld', {})).toMatchObject({ ok: false });
    expect(result(h.call('createEntity', { components: ['Transform', 'Shape'] }))).toHaveProperty('id');
  });
});
