/**
 * The physics plugin with sculpted and mesh prims on a grid session: their base prim collides until the loader
 * has their geometry, then the real shape; a failed asset keeps the base prim. The loader is a fake here (its own
 * tests are physics-geometry.test.ts); the house is StormArt's real `mesh-house` asset.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createHeightfield, terrainPatches } from '../../../../edge/world/terrain';
import { decodeLlmesh } from '../../../../shared/assets/llmesh';
import type { MeshData } from '../../../../shared/geometry/mesh-data';
import { AVATAR_HALF_HEIGHT } from '../../../../shared/physics/constants';
import { loadRapier, type Rapier } from '../../../../shared/physics/rapier';
import type { Entity, ServerMessage, Vec3 } from '../../../../shared/protocol';
import type { ConnectionOptions } from '../../../../web/net/storm-connection';
import { Commands } from '../../../../web/world/keys';
import { PhysicsKey, physicsPlugin } from '../../../../web/world/plugins/physics';
import { createPhysicsGeometry, type GridAssetRoute, type PhysicsGeometry } from '../../../../web/world/plugins/physics-geometry';
import { createWorldApp } from '../../../../web/world/world-app';
import { testEntity, testSnapshot, testWelcome } from '../../../support/entities';
import { fakeConnection } from '../../../support/fake-connection';
import { oarAsset, STORM_ART_OAR } from '../../../support/oar';

const HOUSE = '55a97283-cfcf-43fe-98c6-b009f4332a46';
const GEM = '20009cd8-5313-4566-b91a-479fad4d36dc';
const OTHER = '00000000-0000-4000-8000-000000000009';

let R: Rapier;
let houseMesh: MeshData;
beforeAll(async () => {
  R = await loadRapier();
  const low = (await decodeLlmesh(oarAsset(STORM_ART_OAR, `assets/${HOUSE}_mesh.llmesh`))).lods[2];
  if (!low) throw new Error('the house has no low LOD');
  houseMesh = low;
});

const GROUND = 20;
const field = createHeightfield(256, 4, () => GROUND);
const SELF = 50;
const START: Vec3 = [100, 100, GROUND + AVATAR_HALF_HEIGHT];
const ORIGIN = 'http://127.0.0.1:5173';
const SESSION = 'g-0123456789abcdef01234567';
const mesh = (map: string) => ({ type: 'mesh' as const, map, invert: false, mirror: false });
/** A 10 x 10 x 6 m mesh house standing on the ground, 10 m east of you: its base prim is a box. */
const house = testEntity(7, { position: [110, 100, GROUND + 3], scale: [10, 10, 6], sculpt: mesh(HOUSE) });
/** A mesh gem 170 m away: outside the 48 m gather radius. */
const farGem = testEntity(8, { position: [220, 220, GROUND + 1], scale: [2, 2, 2], sculpt: mesh(GEM) });

/** A loader the test controls: `arrive` makes a geometry ready. */
function fakeGeometry() {
  const asked: { uuid: string; type: number; priority: number }[] = [];
  const ready = new Map<string, MeshData>();
  let version = 0;
  let closed = false;
  const loader: PhysicsGeometry = {
    get version() {
      return version;
    },
    beginPass() {},
    meshOf(uuid, type, priority) {
      asked.push({ uuid, type, priority });
      return ready.get(uuid) ?? null;
    },
    pump() {},
    stats: () => ({ ready: ready.size, loading: 0, failed: 0 }),
    close() {
      closed = true;
    },
  };
  return {
    loader,
    asked,
    arrive(uuid: string, m: MeshData) {
      ready.set(uuid, m);
      version++;
    },
    closed: () => closed,
  };
}

/** The world App on a grid session, with physics whose loaders come from `geometry`; time is ours. */
async function harness(geometry: (route: GridAssetRoute) => PhysicsGeometry, entities: Entity[] = [house, farGem]) {
  let t = 1000;
  let options: ConnectionOptions | null = null;
  const world = createWorldApp({
    now: () => t,
    hardwareConcurrency: 2,
    workers: 1,
    connect: (o) => {
      options = o;
      o.onState?.('open');
      return fakeConnection();
    },
    plugins: [physicsPlugin(Promise.resolve(R), { geometry })],
  });
  const app = world.app;
  const deliver = (m: ServerMessage) => options?.onMessage?.(m);
  const connectGrid = () =>
    app.send(Commands, {
      type: 'connect-grid',
      origin: ORIGIN,
      socket: `/ws/grid/${SESSION}`,
      token: 'tok',
      region: 'StormTest',
      size: [256, 256],
    });
  connectGrid();
  world.frame(0.016);
  deliver(testWelcome(SELF));
  deliver(testSnapshot([testEntity(SELF, { kind: 'avatar', position: START, scale: [0.6, 0.6, 1.8] }), ...entities]));
  for (const p of terrainPatches(field)) deliver(p);
  const frame = (ms = 1000 / 60) => {
    t += ms;
    world.frame(ms / 1000);
  };
  await Promise.resolve();
  for (let i = 0; i < 5; i++) frame();
  /** How far a ray from `from` along `dir` goes before it meets a collider (NaN: never). */
  const rayFrom = (from: Vec3, dir: Vec3): number => {
    const pw = app.resource(PhysicsKey).world;
    if (!pw) throw new Error('no physics world');
    const hit = pw.world.castRay(
      new R.Ray({ x: from[0], y: from[1], z: from[2] }, { x: dir[0], y: dir[1], z: dir[2] }),
      40,
      true,
    );
    return hit ? hit.timeOfImpact : Number.NaN;
  };
  /** The height at which a ray straight down at (x, y) first meets something. */
  const topAt = (x: number, y: number): number => GROUND + 20 - rayFrom([x, y, GROUND + 20], [0, 0, -1]);
  return { app, world, deliver, frame, rayFrom, topAt, connectGrid };
}

/** Where a ray down at (110, 104.5) meets the house's roof: 4.5 m off its ridge, near the eaves. */
const ROOF_AT_EAVES = GROUND + 3 + 6 * (0.1 + (0.05 / 0.25) * 0.2);
const BOX_TOP = GROUND + 6;

describe('the physics plugin with sculpt and mesh prims', () => {
  it('a mesh prim collides as its base box until its geometry is loaded, then as the mesh', async () => {
    const g = fakeGeometry();
    const h = await harness(() => g.loader);
    const inside: Vec3 = [110, 100, GROUND + 1];
    expect(h.topAt(110, 104.5)).toBeCloseTo(BOX_TOP, 3);
    expect(h.rayFrom(inside, [1, 0, 0])).toBe(0);
    g.arrive(HOUSE, houseMesh);
    h.frame();
    h.frame();
    expect(h.topAt(110, 104.5)).toBeCloseTo(ROOF_AT_EAVES, 2);
    // Inside, the east wall is 5 m away.
    expect(h.rayFrom(inside, [1, 0, 0])).toBeCloseTo(5, 3);
  });

  it("a linkset's child mesh collides as its mesh, its root as the root's own shape", async () => {
    const g = fakeGeometry();
    const root = testEntity(7, { position: [90, 100, GROUND + 0.5], scale: [1, 1, 1] });
    const child = testEntity(9, { parent: 7, position: [20, 0, 2.5], scale: [10, 10, 6], sculpt: mesh(HOUSE) });
    const h = await harness(() => g.loader, [root, child]);
    expect(h.topAt(110, 104.5)).toBeCloseTo(BOX_TOP, 3);
    g.arrive(HOUSE, houseMesh);
    h.frame();
    h.frame();
    expect(h.topAt(110, 104.5)).toBeCloseTo(ROOF_AT_EAVES, 2);
    expect(h.topAt(90, 100)).toBeCloseTo(GROUND + 1, 3);
  });

  it('asks for the geometry of the prims within 48 m only, at their distance from you', async () => {
    const g = fakeGeometry();
    const near = testEntity(10, { position: [100, 130, GROUND + 1], scale: [2, 2, 2], sculpt: mesh(OTHER) });
    await harness(() => g.loader, [house, farGem, near]);
    const asked = new Map(g.asked.map((a) => [a.uuid, a]));
    expect(asked.get(HOUSE)).toMatchObject({ type: 5, priority: 10 });
    expect(asked.get(OTHER)?.priority).toBeCloseTo(30, 5);
    expect(asked.has(GEM)).toBe(false);
  });

  it('a failed asset keeps the base shape and is logged once', async () => {
    const log = vi.fn();
    const h = await harness(() =>
      createPhysicsGeometry(
        {
          meshBytes: () => Promise.reject(new Error('asset_not_found: the grid has no mesh')),
          sculptMap: () => Promise.reject(new Error('unused')),
        },
        { log },
      ),
    );
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
    // More passes over the same prim (you move, the scene changes): it is not asked for again.
    h.deliver({ type: 'delta', baseline: 1, tick: 2, entities: [testEntity(11, { position: [95, 95, GROUND + 0.5] })] });
    for (let i = 0; i < 5; i++) h.frame();
    h.deliver({
      type: 'delta',
      baseline: 2,
      tick: 3,
      entities: [{ id: SELF, position: [100, 90, START[2]], velocity: [0, 0, 0] }],
    });
    for (let i = 0; i < 5; i++) h.frame();
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0]?.[0]).toMatch(/^physics: mesh 55a97283-.* could not be used \(asset_not_found/);
    expect(h.topAt(110, 104.5)).toBeCloseTo(BOX_TOP, 3);
  });

  it('a grid session gets a loader over its asset route, a new connection drops it, and Finalverse gets none', async () => {
    const made: { route: GridAssetRoute; fake: ReturnType<typeof fakeGeometry> }[] = [];
    const h = await harness((route) => {
      const fake = fakeGeometry();
      made.push({ route, fake });
      return fake.loader;
    });
    expect(made.map((m) => m.route)).toEqual([{ origin: ORIGIN, session: SESSION, token: 'tok' }]);
    h.connectGrid();
    h.frame();
    expect(made).toHaveLength(2);
    expect(made[0]?.fake.closed()).toBe(true);
    h.app.send(Commands, { type: 'connect', origin: ORIGIN, world: 'plaza', kind: 'fv' });
    h.frame();
    expect(made).toHaveLength(2);
    expect(made[1]?.fake.closed()).toBe(true);
  });
});
