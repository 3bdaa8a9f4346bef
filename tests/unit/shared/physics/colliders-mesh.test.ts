/**
 * A prim's collider from a sculpt's or mesh's own geometry (Part.mesh): it collides where that geometry is, not where
 * its base prim is. The meshes are StormArt's real ones (../shared/opensim/StormArt.oar): `mesh-house`'s asset is a
 * house with walls and a gable roof, `mesh-gem`'s a gem with a pointed bottom.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeLlmesh } from '../../../../shared/assets/llmesh';
import type { MeshData } from '../../../../shared/geometry/mesh-data';
import { type Part, partCollider, UnitMeshes } from '../../../../shared/physics/colliders';
import { AVATAR_HALF_HEIGHT, AVATAR_RADIUS, PHYSICS_HZ } from '../../../../shared/physics/constants';
import { PhysicsWorld } from '../../../../shared/physics/physics-world';
import { loadRapier, type Rapier } from '../../../../shared/physics/rapier';
import { SHAPE_PRESETS, type Vec3 } from '../../../../shared/protocol';
import { oarAsset, STORM_ART_OAR } from '../../../support/oar';

const HOUSE = '55a97283-cfcf-43fe-98c6-b009f4332a46';
const GEM = '20009cd8-5313-4566-b91a-479fad4d36dc';

let R: Rapier;
/** The LODs physics uses (the low one; the house has none, so its medium stands in). */
let house: MeshData;
let gem: MeshData;
beforeAll(async () => {
  R = await loadRapier();
  const low = async (uuid: string) => {
    const m = (await decodeLlmesh(oarAsset(STORM_ART_OAR, `assets/${uuid}_mesh.llmesh`))).lods[2];
    if (!m) throw new Error(`no low LOD in ${uuid}`);
    return m;
  };
  house = await low(HOUSE);
  gem = await low(GEM);
});

const SIZE: Vec3 = [10, 10, 6];
const part = (mesh?: MeshData, scale: Vec3 = SIZE): Part => ({
  shape: SHAPE_PRESETS.box,
  scale,
  position: [0, 0, 0],
  rotation: [0, 0, 0, 1],
  ...(mesh ? { mesh } : {}),
});

/** The distance a ray from `from` along `dir` travels before it meets the one part at the origin (null: never). */
function rayHit(p: Part, moving: boolean, from: Vec3, dir: Vec3): number | null {
  const world = new R.World({ x: 0, y: 0, z: 0 });
  try {
    world.createCollider(partCollider(R, p, moving, new UnitMeshes()));
    world.step();
    const hit = world.castRay(new R.Ray({ x: from[0], y: from[1], z: from[2] }, { x: dir[0], y: dir[1], z: dir[2] }), 100, true);
    return hit ? hit.timeOfImpact : null;
  } finally {
    world.free();
  }
}

describe('partCollider with a sculpt or mesh geometry', () => {
  it('a standing house mesh stops a ray from inside at its wall, where its base box is solid all through', () => {
    const east: Vec3 = [1, 0, 0];
    const inside: Vec3 = [0, 0, -1.5];
    expect(rayHit(part(house), false, inside, east)).toBeCloseTo(5, 3);
    expect(rayHit(part(), false, inside, east)).toBe(0);
  });

  it("a ray from above meets the house's roof at its eaves, lower than its base box's top", () => {
    // 4.5 m from the ridge (y = 0.45 of the house): the roof slopes from z 0.1 at the wall to 0.3 at a quarter in.
    const above: Vec3 = [0, 4.5, 10];
    const down: Vec3 = [0, 0, -1];
    const roof = 6 * (0.1 + (0.05 / 0.25) * 0.2);
    expect(10 - (rayHit(part(house), false, above, down) ?? 0)).toBeCloseTo(roof, 2);
    expect(10 - (rayHit(part(), false, above, down) ?? 0)).toBeCloseTo(3, 3);
  });

  it("a moving gem is the gem's convex hull: a ray at its base box's corner misses it, one at its middle hits it", () => {
    const size: Vec3 = [2, 2, 2];
    const down: Vec3 = [0, 0, -1];
    expect(rayHit(part(gem, size), true, [0.9, 0.9, 5], down)).toBeNull();
    expect(rayHit(part(undefined, size), true, [0.9, 0.9, 5], down)).toBeCloseTo(4, 3);
    // The gem's flat top is at its full height.
    expect(rayHit(part(gem, size), true, [0, 0, 5], down)).toBeCloseTo(4, 2);
  });

  it('a mesh without a triangle leaves the base shape', () => {
    const empty: MeshData = { ...house, indexCount: 0, indices: new Uint16Array(0) };
    expect(rayHit(part(empty), false, [0, 0, -1.5], [1, 0, 0])).toBe(0);
  });

  it('an avatar inside the house walks to its east wall and stops at its inside face', () => {
    const GROUND = 20;
    const heights = new Float32Array(65 * 65).fill(GROUND);
    const w = new PhysicsWorld(R);
    w.setTerrain({ width: 65, height: 65, spacing: 4, heights });
    // The house stands on the ground, its walls 5 m either side of (110, 100).
    w.setBody(1, { position: [110, 100, GROUND + 3], rotation: [0, 0, 0, 1] }, [part(house)]);
    w.addAvatar(1, [108, 100, GROUND + AVATAR_HALF_HEIGHT]);
    for (let i = 0; i < 3 * PHYSICS_HZ; i++) w.step(() => ({ move: [1, 0, 0], rotation: [0, 0, 0, 1], flags: 0 }));
    const p = w.avatar(1)?.position ?? [0, 0, 0];
    expect(p[0]).toBeLessThan(115 - AVATAR_RADIUS + 0.01);
    expect(p[0]).toBeGreaterThan(115 - AVATAR_RADIUS - 0.1);
    expect(p[2]).toBeCloseTo(GROUND + AVATAR_HALF_HEIGHT, 1);
    w.free();
  });
});
