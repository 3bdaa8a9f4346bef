import { describe, expect, it } from 'vitest';
import { createHeightfield, terrainPatches } from '../../../../edge/world/terrain';
import { AVATAR_HALF_HEIGHT, WALK_SPEED } from '../../../../shared/physics/constants';
import { loadRapier } from '../../../../shared/physics/rapier';
import type { PeerMotion, ServerMessage } from '../../../../shared/protocol';
import type { ConnectionOptions } from '../../../../web/net/storm-connection';
import { Transform } from '../../../../web/scene/components';
import { Commands, Entities } from '../../../../web/world/keys';
import { CORRECTION_HOLD_MS } from '../../../../web/world/peer-motions';
import { SMOOTH_MS } from '../../../../web/world/plugins/motion';
import { PhysicsKey } from '../../../../web/world/plugins/physics';
import { createWorldApp } from '../../../../web/world/world-app';
import type { WorldEvent } from '../../../../web/world/world-protocol';
import { testEntity, testSnapshot, testWelcome } from '../../../support/entities';
import { fakeConnection } from '../../../support/fake-connection';

const SELF = 5;
const OTHER = 6;
const peer = (n: number) => `p${n.toString(16).padStart(32, '0')}`;

function harness() {
  let t = 1000;
  const posts: WorldEvent[] = [];
  let options: ConnectionOptions | null = null;
  const p2pCalls: boolean[] = [];
  const world = createWorldApp({
    post: (e) => posts.push(e),
    now: () => t,
    hardwareConcurrency: 4,
    workers: 2,
    connect: (o) => {
      options = o;
      return fakeConnection({ setP2p: (on) => p2pCalls.push(on), token: 'v1.test.token' });
    },
  });
  const app = world.app;
  const step = (ms = 16) => {
    t += ms;
    world.frame(ms / 1000);
  };
  const deliver = (...msgs: ServerMessage[]) => {
    for (const m of msgs) options?.onMessage?.(m);
    step();
  };
  const positionOf = (netId: number) => {
    const ecs = app.resource(Entities).byNet.get(netId);
    if (ecs === undefined) throw new Error(`no entity ${netId}`);
    const i = app.world.indexOf(ecs);
    return Array.from(app.world.column(Transform, 'position').subarray(i * 3, i * 3 + 3));
  };
  app.send(Commands, { type: 'connect', origin: 'http://127.0.0.1:5173', world: 'plaza', kind: 'fv' });
  step();
  deliver(
    testWelcome(SELF),
    testSnapshot([
      testEntity(SELF, { kind: 'avatar', position: [100, 100, 20] }),
      testEntity(OTHER, { kind: 'avatar', position: [110, 100, 20] }),
    ]),
  );
  const motion = (
    seq: number,
    position: [number, number, number],
    velocity: [number, number, number] = [0, 0, 0],
  ): PeerMotion => ({
    seq,
    sentAt: 1,
    position,
    velocity,
    rotation: [0, 0, 0, 1],
  });
  const peerMotion = (entity: number, m: PeerMotion) => {
    app.send(Commands, { type: 'peer-motion', entity, motion: m });
    step();
  };
  const roomMotion = (position: [number, number, number], tick: number) =>
    deliver({
      type: 'delta',
      baseline: tick - 1,
      tick,
      entities: [{ id: OTHER, position, velocity: [0, 0, 0], rotation: [0, 0, 0, 1] }],
    });
  const stats = () => {
    const s = posts.filter((e) => e.type === 'p2p-stats').at(-1);
    return s?.type === 'p2p-stats' ? s.stats : null;
  };
  return { app, posts, p2pCalls, step, deliver, positionOf, motion, peerMotion, roomMotion, stats };
}

describe('the p2p plugin', () => {
  it("passes the opt-in to the room and hands the room's peers to the page with the token and world", () => {
    const h = harness();
    h.app.send(Commands, { type: 'p2p', on: true });
    h.step();
    expect(h.p2pCalls).toEqual([true]);
    h.deliver({ type: 'peers', self: peer(SELF), peers: [{ entity: OTHER, peer: peer(OTHER) }] });
    expect(h.posts.filter((e) => e.type === 'peers')).toEqual([
      { type: 'peers', world: 'plaza', token: 'v1.test.token', self: peer(SELF), peers: [{ entity: OTHER, peer: peer(OTHER) }] },
    ]);
  });

  it('draws peer motion at once, never for your own avatar, and leaves agreeing room motion out', () => {
    const h = harness();
    h.app.send(Commands, { type: 'p2p', on: true });
    h.peerMotion(OTHER, h.motion(1, [112, 100, 20]));
    h.step(SMOOTH_MS);
    expect(h.positionOf(OTHER)[0]).toBeCloseTo(112, 3);
    h.peerMotion(SELF, h.motion(2, [150, 150, 20]));
    expect(h.positionOf(SELF)[0]).toBeCloseTo(100, 3);
    // The room reports the same place a little late: the peer's stays drawn.
    h.peerMotion(OTHER, h.motion(3, [113, 100, 20], [2, 0, 0]));
    h.roomMotion([112.8, 100, 20], 2);
    h.step(SMOOTH_MS);
    expect(h.positionOf(OTHER)[0]).toBeGreaterThan(113);
    h.step(500);
    expect(h.stats()).toMatchObject({ applied: 2, roomSkipped: 1, corrections: 0, ignored: 1 });
  });

  it('corrects peer motion that disagrees with the room, and ignores that peer for a while', () => {
    const h = harness();
    h.app.send(Commands, { type: 'p2p', on: true });
    h.peerMotion(OTHER, h.motion(1, [140, 100, 20]));
    h.roomMotion([111, 100, 20], 2);
    h.step(SMOOTH_MS);
    expect(h.positionOf(OTHER)[0]).toBeCloseTo(111, 3);
    // Within the hold, the peer's false place is not drawn.
    h.peerMotion(OTHER, h.motion(2, [141, 100, 20]));
    h.step(SMOOTH_MS);
    expect(h.positionOf(OTHER)[0]).toBeCloseTo(111, 3);
    // After it, peer motion is drawn again.
    h.step(CORRECTION_HOLD_MS);
    h.peerMotion(OTHER, h.motion(3, [112, 100, 20]));
    h.step(SMOOTH_MS);
    expect(h.positionOf(OTHER)[0]).toBeCloseTo(112, 3);
    h.step(500);
    expect(h.stats()).toMatchObject({ corrections: 1, ignored: 1, applied: 2 });
  });

  it('posts your motion for your peers while on and linked, and nothing while off', () => {
    const h = harness();
    h.step(300);
    expect(h.posts.some((e) => e.type === 'self-motion')).toBe(false);
    h.app.send(Commands, { type: 'p2p', on: true });
    h.deliver({ type: 'peers', self: peer(SELF), peers: [{ entity: OTHER, peer: peer(OTHER) }] });
    h.step(300);
    const mine = h.posts.filter((e) => e.type === 'self-motion');
    expect(mine.length).toBeGreaterThan(0);
    const first = mine[0];
    if (first?.type !== 'self-motion') throw new Error('unreachable');
    expect(first.motion.position[0]).toBeCloseTo(100, 3);
    h.app.send(Commands, { type: 'p2p', on: false });
    h.step();
    const count = h.posts.filter((e) => e.type === 'self-motion').length;
    h.step(600);
    expect(h.posts.filter((e) => e.type === 'self-motion').length).toBe(count);
  });
});

describe('peer motion that falls silent', () => {
  it('ends where the room last said, though the room reported it while the peer was fresher', () => {
    const h = harness();
    h.app.send(Commands, { type: 'p2p', on: true });
    h.peerMotion(OTHER, h.motion(1, [112, 100, 20]));
    // Agrees with the peer (left out), then the peer stops sending.
    h.roomMotion([112.5, 100, 20], 2);
    h.step(SMOOTH_MS);
    expect(h.positionOf(OTHER)[0]).toBeCloseTo(112, 3);
    h.step(400);
    h.step(SMOOTH_MS);
    expect(h.positionOf(OTHER)[0]).toBeCloseTo(112.5, 3);
  });
});

describe('the latency probe (the p2p bench)', () => {
  it('notes when the probed avatar first moves by each path, and not for standing updates', () => {
    const h = harness();
    h.app.send(Commands, { type: 'p2p', on: true });
    h.app.send(Commands, { type: 'p2p-probe', entity: OTHER });
    h.step();
    h.peerMotion(OTHER, h.motion(1, [110, 100, 20]));
    h.roomMotion([110, 100, 20], 2);
    h.step(500);
    expect(h.stats()?.probe).toEqual({ entity: OTHER, peerAt: 0, roomAt: 0, peerSentAt: 0 });
    const before = Date.now();
    h.peerMotion(OTHER, h.motion(2, [110.1, 100, 20], [3, 0, 0]));
    h.deliver({
      type: 'delta',
      baseline: 2,
      tick: 3,
      entities: [{ id: OTHER, position: [110.1, 100, 20], velocity: [3, 0, 0] }],
    });
    h.step(500);
    const probe = h.stats()?.probe;
    expect(probe?.peerAt).toBeGreaterThanOrEqual(before);
    expect(probe?.roomAt).toBeGreaterThanOrEqual(probe?.peerAt ?? 0);
    // The sender's stamp on that first moving peer update (the harness's frames say 1).
    expect(probe?.peerSentAt).toBe(1);
  });
});

describe('your motion to peers when your input changes', () => {
  it('goes in the frame the input arrives, with the velocity it asks for, before physics has moved you; a stop too', async () => {
    const R = await loadRapier();
    let t = 1000;
    const posts: WorldEvent[] = [];
    let options: ConnectionOptions | null = null;
    const world = createWorldApp({
      post: (e) => posts.push(e),
      now: () => t,
      hardwareConcurrency: 2,
      workers: 1,
      rapier: Promise.resolve(R),
      connect: (o) => {
        options = o;
        o.onState?.('open');
        return fakeConnection({ token: 'v1.test.token' });
      },
    });
    const app = world.app;
    const frame = (ms = 1000 / 60) => {
      t += ms;
      world.frame(ms / 1000);
    };
    const deliver = (m: ServerMessage) => options?.onMessage?.(m);
    app.send(Commands, { type: 'connect', origin: 'http://127.0.0.1:5173', world: 'plaza', kind: 'fv' });
    frame();
    deliver(testWelcome(SELF));
    deliver(
      testSnapshot([
        testEntity(SELF, { kind: 'avatar', position: [100, 100, 20 + AVATAR_HALF_HEIGHT], scale: [0.6, 0.6, 1.8] }),
        testEntity(OTHER, { kind: 'avatar', position: [110, 100, 20] }),
      ]),
    );
    for (const p of terrainPatches(createHeightfield(256, 4, () => 20))) deliver(p);
    await Promise.resolve();
    app.send(Commands, { type: 'p2p', on: true });
    deliver({ type: 'peers', self: peer(SELF), peers: [{ entity: OTHER, peer: peer(OTHER) }] });
    for (let i = 0; i < 40; i++) frame();
    expect(app.resource(PhysicsKey).predicted).not.toBeNull();
    const sent = () => posts.flatMap((e) => (e.type === 'self-motion' ? [e.motion] : []));
    const standing = sent().at(-1);
    const before = sent().length;
    // Facing +y (yaw π/2), forward: the first frame after the input carries the walk at once.
    app.send(Commands, { type: 'input', move: [1, 0, 0], yaw: Math.PI / 2, run: false, fly: false });
    frame(1);
    const first = sent().at(-1);
    expect(sent().length).toBe(before + 1);
    expect(first?.position).toEqual(standing?.position);
    expect(first?.velocity[0]).toBeCloseTo(0, 3);
    expect(first?.velocity[1]).toBeCloseTo(WALK_SPEED, 3);
    for (let i = 0; i < 10; i++) frame();
    const walked = sent().length;
    app.send(Commands, { type: 'input', move: [0, 0, 0], yaw: Math.PI / 2, run: false, fly: false });
    frame(1);
    expect(sent().length).toBe(walked + 1);
    expect(sent().at(-1)?.velocity).toEqual([0, 0, 0]);
  });
});
