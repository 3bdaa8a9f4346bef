import { beforeAll, describe, expect, it } from 'vitest';
import { createHeightfield, terrainPatches } from '../../../../edge/world/terrain';
import { AVATAR_HALF_HEIGHT, FIXED_DT } from '../../../../shared/physics/constants';
import type { AvatarIntent } from '../../../../shared/physics/intent';
import { PhysicsWorld } from '../../../../shared/physics/physics-world';
import { loadRapier, type Rapier } from '../../../../shared/physics/rapier';
import type { Quat, ServerMessage, Vec3 } from '../../../../shared/protocol';
import type { ConnectionOptions } from '../../../../web/net/storm-connection';
import { Transform } from '../../../../web/scene/components';
import { Commands, Entities } from '../../../../web/world/keys';
import { PhysicsKey } from '../../../../web/world/plugins/physics';
import { createWorldApp } from '../../../../web/world/world-app';
import { TEST_BOUNDS, testEntity, testSnapshot, testWelcome } from '../../../support/entities';
import { fakeConnection } from '../../../support/fake-connection';

let R: Rapier;
beforeAll(async () => {
  R = await loadRapier();
});

const GROUND = 20;
const field = createHeightfield(256, 4, () => GROUND);
const SELF = 50;
const START: Vec3 = [100, 100, GROUND + AVATAR_HALF_HEIGHT];
/** A wall 3 m east of the start: its near face at x = 102.75. */
const wall = testEntity(7, { position: [103, 100, GROUND + 1.5], scale: [0.5, 12, 3] });

/** The world App with Rapier and a fake connection; time is ours. `sent` collects the inputs it sends. */
async function harness() {
  let t = 1000;
  let options: ConnectionOptions | null = null;
  const sent: { move: Vec3; rotation: Quat; flags: number }[] = [];
  const world = createWorldApp({
    now: () => t,
    hardwareConcurrency: 2,
    workers: 1,
    rapier: Promise.resolve(R),
    connect: (o) => {
      options = o;
      o.onState?.('open');
      return fakeConnection({ sendInput: (move, rotation, flags) => sent.push({ move, rotation, flags }) });
    },
  });
  const app = world.app;
  const deliver = (m: ServerMessage) => options?.onMessage?.(m);
  app.send(Commands, { type: 'connect', origin: 'http://127.0.0.1:5173', world: 'plaza', kind: 'fv' });
  world.frame(0.016);
  deliver(testWelcome(SELF));
  deliver(testSnapshot([testEntity(SELF, { kind: 'avatar', position: START, scale: [0.6, 0.6, 1.8] }), wall]));
  for (const p of terrainPatches(field)) deliver(p);
  const frame = (ms = 1000 / 60) => {
    t += ms;
    world.frame(ms / 1000);
  };
  // Let Rapier's promise settle and the colliders build.
  await Promise.resolve();
  for (let i = 0; i < 40; i++) frame();
  const self = (): Vec3 => {
    const ecs = app.resource(Entities).byNet.get(SELF) ?? -1;
    const i = app.world.indexOf(ecs);
    const p = app.world.column(Transform, 'position');
    return [p[i * 3] ?? 0, p[i * 3 + 1] ?? 0, p[i * 3 + 2] ?? 0];
  };
  const input = (move: [number, number, number], yaw = 0) =>
    app.send(Commands, { type: 'input', move, yaw, run: false, fly: false });
  return { app, world, deliver, frame, self, input, sent, now: () => t, physics: () => app.resource(PhysicsKey) };
}

describe('the physics plugin (your avatar, predicted)', () => {
  it('moves your avatar at once, before the server answers, and is pulled back when the server never follows', async () => {
    const h = await harness();
    expect(h.physics().predicted).not.toBeNull();
    h.input([1, 0, 0]);
    for (let i = 0; i < 12; i++) h.frame();
    expect(h.self()[0]).toBeGreaterThan(START[0] + 0.4);
    // The server keeps saying you stand at the start (it refused the move): you end up there.
    h.input([0, 0, 0]);
    for (let i = 0; i < 120; i++) h.frame();
    expect(h.self()[0]).toBeCloseTo(START[0], 1);
  });

  it('gives colliders only to prims near your avatar, and gathers them again where you go', async () => {
    const h = await harness();
    const far = testEntity(8, { position: [220, 220, GROUND + 0.5] });
    h.deliver({ type: 'delta', baseline: 1, tick: 2, entities: [far] });
    h.frame();
    const bodies = () => h.physics().world?.counts().bodies ?? 0;
    // The wall beside you, not the box 170 m away.
    expect(bodies()).toBe(1);
    h.deliver({
      type: 'delta',
      baseline: 2,
      tick: 3,
      entities: [{ id: SELF, position: [215, 215, START[2]], velocity: [0, 0, 0] }],
    });
    h.frame();
    h.frame();
    expect(bodies()).toBe(1);
    expect(h.physics().world?.hasBody(h.app.resource(Entities).byNet.get(8) ?? -1)).toBe(true);
  });

  it('blends toward the authority when it reports you elsewhere, and snaps when it is far off', async () => {
    const h = await harness();
    h.deliver({
      type: 'delta',
      baseline: 1,
      tick: 2,
      entities: [{ id: SELF, position: [101, 100, START[2]], velocity: [0, 0, 0] }],
    });
    h.frame();
    // Blended, not jumped.
    expect(h.self()[0]).toBeLessThan(100.5);
    for (let i = 0; i < 60; i++) h.frame();
    expect(h.self()[0]).toBeCloseTo(101, 1);
    h.deliver({
      type: 'delta',
      baseline: 2,
      tick: 3,
      entities: [{ id: SELF, position: [140, 120, START[2]], velocity: [0, 0, 0] }],
    });
    h.frame();
    expect(h.self()[0]).toBeCloseTo(140, 3);
    expect(h.physics().snaps).toBe(1);
  });
});

/**
 * An authority that runs the same physics as the room (shared/physics): it steps at 20 Hz with the last input it
 * received and reports your avatar's position and velocity, losing `loss` of its reports and of your inputs.
 */
function authority(loss: number, seed = 7, pace = 1) {
  const pw = new PhysicsWorld(R, { bounds: TEST_BOUNDS });
  pw.setTerrain({ width: field.side, height: field.side, spacing: field.spacing, heights: field.heights });
  pw.setBody(wall.id, { position: wall.position, rotation: wall.rotation }, [
    { shape: wall.shape, scale: wall.scale, position: [0, 0, 0], rotation: [0, 0, 0, 1] },
  ]);
  pw.addAvatar(1, START);
  let intent: AvatarIntent | undefined;
  let random = seed;
  const lost = () => {
    random = (random * 1103515245 + 12345) % 2 ** 31;
    return random / 2 ** 31 < loss;
  };
  return {
    receive(i: AvatarIntent) {
      if (!lost()) intent = { ...i, pace };
    },
    /** One 50 ms room tick; the report, unless it was lost. */
    tick(): ServerMessage | null {
      for (let s = 0; s < Math.round(0.05 / FIXED_DT); s++) pw.step(() => intent);
      const a = pw.avatar(1);
      if (!a || lost()) return null;
      return {
        type: 'delta',
        baseline: 1,
        tick: 2,
        entities: [{ id: SELF, position: [...a.position], velocity: [...a.velocity] }],
      };
    },
    position: (): Vec3 => [...(pw.avatar(1)?.position ?? [0, 0, 0])],
  };
}

type Script = (t: number) => { move: [number, number, number]; yaw: number };
/** Forward (south) 3 s, turn left 90°, forward (east, into the wall) 3 s, stop. */
const LINE: Script = (t) =>
  t < 3000 ? { move: [1, 0, 0], yaw: -Math.PI / 2 } : t < 6000 ? { move: [1, 0, 0], yaw: 0 } : { move: [0, 0, 0], yaw: 0 };

/** Walks `script` against `server` for `ms`, checking `during` every frame. */
async function walkAgainst(
  server: ReturnType<typeof authority>,
  script: Script = LINE,
  ms = 10_000,
  during?: (t: number, p: Vec3) => void,
) {
  const h = await harness();
  const start = h.now();
  let nextTick = start;
  let delivered = 0;
  let last = '';
  while (h.now() - start < ms) {
    const s = script(h.now() - start);
    const key = JSON.stringify(s);
    if (key !== last) {
      h.input(s.move, s.yaw);
      last = key;
    }
    h.frame();
    during?.(h.now() - start, h.self());
    for (const i of h.sent.splice(0)) server.receive({ move: i.move, rotation: i.rotation, flags: i.flags });
    if (h.now() >= nextTick) {
      nextTick += 50;
      const report = server.tick();
      if (report) {
        h.deliver(report);
        delivered++;
      }
    }
  }
  return { h, delivered };
}

describe('prediction against an authority running the same physics', () => {
  it('learns an authority that walks at another pace (OpenSim), and then keeps to it without being pulled back', async () => {
    const server = authority(0, 7, 0.7);
    const south: Script = (t) => (t < 5000 ? { move: [1, 0, 0], yaw: -Math.PI / 2 } : { move: [0, 0, 0], yaw: 0 });
    const { h } = await walkAgainst(server, south, 6500);
    expect(h.physics().pace).toBeCloseTo(0.7, 1);
    const a = server.position();
    const p = h.self();
    expect(Math.hypot(a[0] - p[0], a[1] - p[1])).toBeLessThan(0.05);
  });

  it('stops your avatar at a wall, as the authority does, without passing into it on the way', async () => {
    const server = authority(0);
    let furthest = 0;
    const east: Script = (t) => (t < 3000 ? { move: [1, 0, 0], yaw: 0 } : { move: [0, 0, 0], yaw: 0 });
    const { h } = await walkAgainst(server, east, 4000, (_t, p) => {
      furthest = Math.max(furthest, p[0]);
    });
    expect(furthest).toBeLessThan(102.75 - 0.27);
    expect(h.self()[0]).toBeGreaterThan(102.75 - 0.4);
    expect(Math.abs(h.self()[0] - server.position()[0])).toBeLessThan(0.05);
  });

  it('leads the authority while walking: your avatar moves at walking speed from the first frame', async () => {
    const server = authority(0);
    const positions: [number, number][] = [];
    const south: Script = (t) => (t < 2000 ? { move: [1, 0, 0], yaw: -Math.PI / 2 } : { move: [0, 0, 0], yaw: 0 });
    await walkAgainst(server, south, 2000, (t, p) => positions.push([t, p[1]]));
    const at = (ms: number) => positions.find(([t]) => t >= ms)?.[1] ?? 0;
    // 3 m/s from the start, and steady (no pull back toward the lagging reports).
    expect(START[1] - at(200)).toBeGreaterThan(0.45);
    expect(at(1000) - at(1900)).toBeCloseTo(2.7, 0);
  });

  it('agrees within 5 cm after 10 s of scripted walking on a clean line', async () => {
    const server = authority(0);
    const { h } = await walkAgainst(server);
    const a = server.position();
    const p = h.self();
    expect(Math.hypot(a[0] - p[0], a[1] - p[1], a[2] - p[2])).toBeLessThan(0.05);
    // It walked: 3 m/s south for 3 s, then east into the wall.
    expect(p[1]).toBeLessThan(START[1] - 8);
  });

  it('converges within 1 s of the end of a walk with 20 % of inputs and reports lost', async () => {
    const server = authority(0.2);
    const { h, delivered } = await walkAgainst(server);
    expect(delivered).toBeLessThan(190);
    // The walk ended at 6 s; 4 s later they agree. Also check the first second after the end:
    const a = server.position();
    const p = h.self();
    expect(Math.hypot(a[0] - p[0], a[1] - p[1], a[2] - p[2])).toBeLessThan(0.05);
  });
});
