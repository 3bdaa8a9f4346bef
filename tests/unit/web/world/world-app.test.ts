import { describe, expect, it } from 'vitest';
import { type ServerMessage, SHAPE_PRESETS } from '../../../../shared/protocol';
import { attachWorld } from '../../../../web/engine';
import type { ConnectionOptions } from '../../../../web/net/storm-connection';
import { Faces, Motion, Shape, Transform } from '../../../../web/scene/components';
import { RenderListReader } from '../../../../web/scene/render-list';
import { SyncReader } from '../../../../web/scene/sync-header';
import { Commands, Entities } from '../../../../web/world/keys';
import { SMOOTH_MS } from '../../../../web/world/plugins/motion';
import { NetLinkKey } from '../../../../web/world/plugins/net';
import { createWorldApp } from '../../../../web/world/world-app';
import { WorldCommand, type WorldEvent } from '../../../../web/world/world-protocol';
import { testEntity, testSnapshot, testWelcome } from '../../../support/entities';
import { fakeConnection } from '../../../support/fake-connection';

const prim = testEntity;

const welcome = (avatar: number, resumed = false): ServerMessage => testWelcome(avatar, { session: 's-1', resumed });

interface FakeConn {
  options: ConnectionOptions;
  closed: boolean;
  chats: string[];
  inputs: unknown[][];
}

/** The world App with a fake connection factory: frames are delivered as the socket would, time is ours. */
function harness() {
  let t = 1000;
  const posts: WorldEvent[] = [];
  const conns: FakeConn[] = [];
  const world = createWorldApp({
    post: (e) => posts.push(e),
    now: () => t,
    hardwareConcurrency: 8,
    workers: 2,
    connect: (options) => {
      const c: FakeConn = { options, closed: false, chats: [], inputs: [] };
      conns.push(c);
      options.onState?.('connecting');
      return fakeConnection({
        sendInput: (...args) => c.inputs.push(args),
        chat: (text) => c.chats.push(text),
        close: () => {
          c.closed = true;
          options.onState?.('closed', 'closed by the viewer');
        },
      });
    },
  });
  const app = world.app;
  const step = (ms = 16) => {
    t += ms;
    world.frame(ms / 1000);
  };
  const deliver = (...msgs: ServerMessage[]) => {
    for (const m of msgs) conns.at(-1)?.options.onMessage?.(m);
  };
  const connect = (name = 'plaza') => {
    app.send(Commands, { type: 'connect', origin: 'http://127.0.0.1:5173', world: name, kind: 'fv' });
    step();
  };
  const slotOf = (netId: number) => {
    const ecs = app.resource(Entities).byNet.get(netId);
    if (ecs === undefined) throw new Error(`no entity ${netId}`);
    return app.world.indexOf(ecs);
  };
  const positionOf = (netId: number) =>
    Array.from(app.world.column(Transform, 'position').subarray(slotOf(netId) * 3, slotOf(netId) * 3 + 3));
  return { world, app, posts, conns, step, deliver, connect, slotOf, positionOf, sync: new SyncReader(world.sync) };
}

describe('the world App', () => {
  it('runs the viewer frame through the schedule: every plugin system in phase order, timed, shown with the plan', () => {
    const h = harness();
    h.connect();
    h.step(300);
    const systems = h.app.systems();
    const listed = systems.map((s) => `${s.phase}:${s.system}`);
    // The viewer's systems, in this order (other plugins may add theirs in between).
    const expected = [
      'update:net-apply',
      'update:session',
      'update:dead-reckoning',
      'update:pose-children',
      'update:terrain-patches',
      'update:input',
      'update:chat',
      'update:operations',
      'postUpdate:terrain-post',
      'postUpdate:hud-snapshot',
      'renderExtract:render-list',
    ];
    expect(listed.filter((name) => expected.includes(name))).toEqual(expected);
    const phases = ['startup', 'fixedUpdate', 'update', 'postUpdate', 'renderExtract'];
    const order = systems.map((s) => phases.indexOf(s.phase));
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    for (const s of systems) expect(s.runs).toBe(2);
    const view = h.posts.filter((e) => e.type === 'view').at(-1);
    if (view?.type !== 'view') throw new Error('no view posted');
    expect(view.view.perf.systems.map((s) => s.name)).toEqual(systems.map((s) => s.system));
    expect(view.view.perf.plan).toMatchObject({ hardwareConcurrency: 8, entityCapacity: 262_144 });
    const trace = h.app.exportTrace();
    const names = new Set(trace.traceEvents.map((e) => e.name));
    for (const s of systems) expect(names.has(s.system)).toBe(true);
  });

  it('starts every new connection from an empty world, and does not report the replaced connection closing', () => {
    const h = harness();
    h.connect();
    h.deliver(welcome(100), testSnapshot([prim(1), prim(2)]));
    h.step();
    expect(h.app.world.size).toBe(2);
    h.posts.length = 0;
    h.connect('harbour');
    expect(h.conns[0]?.closed).toBe(true);
    // The next frame starts from nothing, before anything of the new connection is applied.
    h.step();
    expect(h.app.world.size).toBe(0);
    h.deliver(testSnapshot([prim(7)]));
    h.step(300);
    expect(h.app.world.size).toBe(1);
    const states = h.posts.flatMap((e) => (e.type === 'view' ? [e.view.connection.state] : []));
    expect(states).not.toContain('failed');
  });

  it('applies a motion delta to the motion columns only: shape and colour bytes and the structure version stay', () => {
    const h = harness();
    h.connect();
    h.deliver(welcome(100), testSnapshot([prim(1), prim(2)]));
    h.step();
    const w = h.app.world;
    const shapeBytes = () => PRIM_SHAPE_COLUMNS(w).map((c) => Array.from(c.subarray(0, 4)));
    const faceBytes = () => Array.from(w.column(Faces, 'rgba').subarray(0, 256));
    const shapes = shapeBytes();
    const faces = faceBytes();
    const structure = h.sync.structure();
    const motionBefore = Array.from(w.column(Motion, 'anchor').subarray(0, 6));
    h.deliver({ type: 'delta', baseline: 1, tick: 2, entities: [{ id: 1, position: [12, 10, 20], velocity: [1, 0, 0] }] });
    h.step();
    expect(shapeBytes()).toEqual(shapes);
    expect(faceBytes()).toEqual(faces);
    expect(h.sync.structure()).toBe(structure);
    expect(Array.from(w.column(Motion, 'anchor').subarray(0, 6))).not.toEqual(motionBefore);
    // A colour change is structural (the renderer rebuilds its batch).
    h.deliver({ type: 'delta', baseline: 2, tick: 3, entities: [{ id: 2, colors: [[0, 255, 0, 255]] }] });
    h.step();
    expect(h.sync.structure()).toBe(structure + 1);
  });

  it('extrapolates movers by velocity and blends corrections in instead of jumping', () => {
    const h = harness();
    h.connect();
    h.deliver(welcome(100), testSnapshot([prim(5, { velocity: [2, 0, 0] })]));
    h.step(0);
    const x0 = h.positionOf(5)[0] ?? 0;
    h.step(1000);
    expect(h.positionOf(5)[0]).toBeCloseTo(x0 + 2, 4);
    // A correction 1 m back: drawn half-way after half the smoothing time, there after it.
    h.deliver({ type: 'delta', baseline: 1, tick: 2, entities: [{ id: 5, position: [11, 10, 20], velocity: [0, 0, 0] }] });
    h.step(0);
    h.step(SMOOTH_MS / 2);
    const mid = h.positionOf(5)[0] ?? 0;
    expect(mid).toBeGreaterThan(11);
    expect(mid).toBeLessThan(12);
    h.step(SMOOTH_MS);
    expect(h.positionOf(5)[0]).toBeCloseTo(11, 5);
  });

  it('poses linkset children against their parent, even when the child comes first, and follows the parent', () => {
    const h = harness();
    h.connect();
    const child = prim(2, { parent: 1, position: [1, 0, 0] });
    h.deliver(welcome(100), testSnapshot([child, prim(1)]));
    h.step();
    expect(h.positionOf(2)).toEqual([11, 10, 20]);
    // The root turns 90° about z and moves: the child's offset turns with it.
    const s = Math.SQRT1_2;
    h.deliver({ type: 'delta', baseline: 1, tick: 2, entities: [{ id: 1, position: [20, 20, 20], rotation: [0, 0, s, s] }] });
    h.step();
    h.step(SMOOTH_MS * 2);
    const p = h.positionOf(2);
    expect(p[0]).toBeCloseTo(20, 4);
    expect(p[1]).toBeCloseTo(21, 4);
  });

  it('on a resumed welcome keeps prims and your avatar but drops other avatars', () => {
    const h = harness();
    h.connect();
    const avatars = [prim(100, { kind: 'avatar' }), prim(101, { kind: 'avatar' })];
    h.deliver(welcome(100), testSnapshot([prim(1), ...avatars]));
    h.step();
    h.deliver(welcome(100, true));
    h.step();
    expect([...h.app.resource(Entities).byNet.keys()].sort()).toEqual([1, 100]);
  });

  it('assembles a snapshot from its parts and applies it only after the last part', () => {
    const h = harness();
    h.connect();
    h.deliver(welcome(100), { type: 'snapshot', tick: 4, part: 0, parts: 2, entities: [prim(1)] });
    h.step();
    expect(h.app.world.size).toBe(0);
    h.deliver({ type: 'snapshot', tick: 4, part: 1, parts: 2, entities: [prim(2)] });
    h.step();
    expect(h.app.world.size).toBe(2);
  });

  it('hands the renderer a render list of drawable slots, your avatar slot, and memory it attaches to', () => {
    const h = harness();
    h.connect();
    h.deliver(welcome(100), testSnapshot([prim(1), prim(100, { kind: 'avatar' }), prim(3)]));
    h.step();
    const list = new RenderListReader(h.world.renderList);
    expect([...list.read()].sort()).toEqual([h.slotOf(1), h.slotOf(100), h.slotOf(3)].sort());
    expect(h.sync.self()).toBe(h.slotOf(100));
    h.deliver({ type: 'despawn', tick: 2, ids: [3] });
    h.step();
    expect([...list.read()].sort()).toEqual([h.slotOf(1), h.slotOf(100)].sort());
    // The render worker reads the same columns through its own view.
    const view = attachWorld(h.app.world.memory);
    const p = view.column(Transform, 'position');
    expect(p[h.slotOf(1) * 3]).toBe(10);
  });

  it('writes terrain patches into one shared heightfield and posts that same buffer, never a copy', () => {
    const h = harness();
    h.connect();
    const heights = Array.from({ length: 16 * 16 }, (_, i) => i % 16);
    h.deliver(welcome(100), { type: 'terrain', x: 0, y: 0, size: 16, spacing: 1, heights });
    h.step(300);
    h.deliver({ type: 'terrain', x: 16, y: 0, size: 16, spacing: 1, heights });
    h.step(300);
    const fields = h.posts.flatMap((e) => (e.type === 'terrain' ? [e.field] : []));
    expect(fields).toHaveLength(2);
    expect(fields[0]?.heights).toBe(fields[1]?.heights);
    expect(fields[0]?.width).toBe(257);
    expect(fields[1]?.heights[16 + 3]).toBe(3);
  });

  it("places a grid session's neighbour regions at their origins: entities, terrain to the west, the current region", () => {
    const h = harness();
    h.connect();
    const region = (slot: number, name: string, origin: [number, number]) => ({
      slot,
      name,
      handle: String(slot),
      size: [256, 256] as [number, number],
      origin,
    });
    h.deliver(welcome(100), {
      type: 'regions',
      current: 0,
      regions: [region(0, 'Home', [0, 0]), region(1, 'East', [256, 0]), region(2, 'West', [-256, 0])],
    });
    h.deliver(
      testSnapshot([
        prim(7, { position: [24, 128, 30], region: 1 }),
        prim(8, { position: [10, 10, 30] }),
        prim(9, { position: [5, 6, 7], region: 2 }),
      ]),
    );
    const heights = new Array(17 * 17).fill(3);
    h.deliver({ type: 'terrain', x: -256, y: 0, size: 17, spacing: 1, heights });
    h.step(300);
    expect(h.positionOf(7)).toEqual([280, 128, 30]);
    expect(h.positionOf(8)).toEqual([10, 10, 30]);
    expect(h.positionOf(9)).toEqual([-251, 6, 7]);
    const field = h.posts.flatMap((e) => (e.type === 'terrain' ? [e.field] : [])).at(-1);
    expect([field?.originX, field?.originY, field?.width, field?.height]).toEqual([-256, 0, 769, 257]);
    expect(field?.heights[5 * 769 + 5]).toBe(3);
    // You crossed east; the west region went out of view: its ground drops, yours stays.
    h.deliver({ type: 'regions', current: 1, regions: [region(1, 'East', [256, 0]), region(0, 'Home', [0, 0])] });
    h.deliver({ type: 'travel', kind: 'crossed', region: 'East', message: 'from Home', ms: 40 });
    h.step(300);
    const cropped = h.posts.flatMap((e) => (e.type === 'terrain' ? [e.field] : [])).at(-1);
    expect([cropped?.originX, cropped?.width]).toEqual([0, 513]);
    expect(h.posts.filter((e) => e.type === 'travel').map((e) => e.type === 'travel' && e.travel.kind)).toEqual(['crossed']);
  });

  it('sends chat and movement through the connection and posts heard lines with ids', () => {
    const h = harness();
    h.connect();
    h.app.send(Commands, { type: 'chat', text: 'hello' });
    h.app.send(Commands, { type: 'input', move: [1, 0, 0], yaw: 0, run: false, fly: false });
    h.app.send(Commands, { type: 'input', move: [1, 0, 0], yaw: 0, run: false, fly: false });
    h.deliver({ type: 'chat', from: 7, name: 'Ann', text: 'hi', time: 5 });
    h.step();
    expect(h.conns[0]?.chats).toEqual(['hello']);
    expect(h.conns[0]?.inputs).toHaveLength(1);
    expect(h.posts.filter((e) => e.type === 'chat')).toEqual([{ type: 'chat', line: { id: 1, from: 'Ann', text: 'hi', at: 5 } }]);
  });

  it("answers session-token with the Finalverse connection's own token and world, and nulls without one", () => {
    const h = harness();
    h.app.send(Commands, { type: 'session-token', id: 3 });
    h.step();
    expect(h.posts.filter((e) => e.type === 'session-token')).toEqual([
      { type: 'session-token', id: 3, world: null, token: null },
    ]);
    h.connect('harbour');
    h.deliver(welcome(1));
    h.step();
    // The fake connection holds no token yet: still nulls; with one, that token and the world's name.
    h.app.send(Commands, { type: 'session-token', id: 4 });
    h.step();
    expect(h.posts.filter((e) => e.type === 'session-token').at(-1)).toEqual({
      type: 'session-token',
      id: 4,
      world: null,
      token: null,
    });
    const conn = h.app.resource(NetLinkKey).conn as { token: string | null };
    Object.defineProperty(conn, 'token', { value: 'v1.abc.def' });
    h.app.send(Commands, { type: 'session-token', id: 5 });
    h.step();
    expect(h.posts.filter((e) => e.type === 'session-token').at(-1)).toEqual({
      type: 'session-token',
      id: 5,
      world: 'harbour',
      token: 'v1.abc.def',
    });
  });

  it("posts the server's error frames to the page and drops a terrain patch it cannot hold, keeping the rest", () => {
    const h = harness();
    h.connect();
    h.deliver({ type: 'error', code: 'world_full', message: 'the room is full' });
    h.deliver({ type: 'terrain', x: 9000, y: 0, size: 16, spacing: 1, heights: new Array(256).fill(1) });
    h.step();
    h.step();
    const errors = h.posts.flatMap((e) => (e.type === 'error' ? [e.code] : []));
    expect(errors).toEqual(['world_full', 'world_bad_terrain']);
  });

  it('drops a snapshot whose parts never end once it outgrows the world, and says so', () => {
    const h = harness();
    h.connect();
    const capacity = h.app.world.layout.capacity;
    const many = Array.from({ length: 4096 }, (_, k) => prim(k + 1));
    for (let part = 1; part * 4096 <= capacity + 4096; part++)
      h.deliver({ type: 'snapshot', tick: 1, part, parts: 65_535, entities: many });
    h.step();
    h.step();
    expect(h.posts.filter((e) => e.type === 'error').map((e) => (e.type === 'error' ? e.code : ''))).toContain(
      'world_snapshot_too_large',
    );
    expect(h.app.world.size).toBe(0);
  });

  it('refuses malformed commands at the door with their schema', () => {
    expect(WorldCommand.safeParse({ type: 'teleport' }).success).toBe(false);
    expect(WorldCommand.safeParse({ type: 'chat', text: '' }).success).toBe(false);
    expect(WorldCommand.safeParse({ type: 'input', move: [2, 0, 0], yaw: 0, run: false, fly: false }).success).toBe(false);
  });
});

function PRIM_SHAPE_COLUMNS(w: ReturnType<typeof harness>['app']['world']) {
  return (Object.keys(SHAPE_PRESETS.box) as (keyof typeof SHAPE_PRESETS.box)[]).map((k) => w.column(Shape, k));
}
