/**
 * Collider shapes from world data: the terrain as one heightfield, and a prim as the exact primitive where it is
 * one (box, ball, cylinder), else from the renderer's own mesh generator, or from a sculpt's or mesh's own
 * geometry when the caller has it (a trimesh when it stands still, a convex hull when it moves: Rapier simulates
 * only convex shapes well).
 */
import type { ColliderDesc } from '@dimforge/rapier3d-compat';
import type { MeshData } from '../geometry/mesh-data';
import { primParamsFromWire } from '../geometry/prim-from-wire';
import { generatePrimMesh, PRIM_LOD_COUNT } from '../geometry/prim-mesh';
import { primParamsKey } from '../geometry/prim-params';
import { quatMultiply } from '../math/quat';
import { PRIM_SHAPE_FIELDS, type PrimShape, type Quat, SHAPE_PRESETS, type Vec3 } from '../protocol';
import type { Rapier } from './rapier';

/** Samples of a terrain, row-major (rows of x at increasing y), `spacing` metres apart from (originX, originY) (default 0, 0). */
export interface TerrainSamples {
  width: number;
  height: number;
  spacing: number;
  heights: ArrayLike<number>;
  originX?: number;
  originY?: number;
}

/** A quarter turn about x: Rapier's y-up shapes (heightfield, cylinder) into our z-up world. */
const Y_TO_Z: Quat = [Math.SQRT1_2, 0, 0, Math.SQRT1_2];

/** The terrain's collider: a heightfield spanning (0, 0) to ((width−1)·spacing, (height−1)·spacing). */
export function terrainCollider(R: Rapier, t: TerrainSamples): ColliderDesc {
  const cols = t.width;
  const rows = t.height;
  // Rapier's heightfield lies in its local x/z plane, heights along y, rows along z, stored column-major. Turned
  // a quarter about x, local z runs along world −y: row r is world row (rows − 1 − r).
  const heights = new Float32Array(rows * cols);
  for (let c = 0; c < cols; c++) for (let r = 0; r < rows; r++) heights[c * rows + r] = t.heights[(rows - 1 - r) * cols + c] ?? 0;
  const sx = (cols - 1) * t.spacing;
  const sy = (rows - 1) * t.spacing;
  // Internal edges fixed: a capsule sliding over a triangle edge would otherwise catch on it and stall.
  return R.ColliderDesc.heightfield(rows - 1, cols - 1, heights, { x: sx, y: 1, z: sy }, R.HeightFieldFlags.FIX_INTERNAL_EDGES)
    .setRotation(quat(Y_TO_Z))
    .setTranslation((t.originX ?? 0) + sx / 2, (t.originY ?? 0) + sy / 2, 0);
}

/**
 * The terrain's collider as a triangle mesh: each cell split along the same diagonal as Rapier's heightfield
 * (so both give the same ground), internal edges fixed.
 */
export function terrainMeshCollider(R: Rapier, t: TerrainSamples): ColliderDesc {
  const w = t.width;
  const h = t.height;
  const vertices = new Float32Array(w * h * 3);
  for (let j = 0; j < h; j++)
    for (let i = 0; i < w; i++) {
      const k = j * w + i;
      vertices[k * 3] = (t.originX ?? 0) + i * t.spacing;
      vertices[k * 3 + 1] = (t.originY ?? 0) + j * t.spacing;
      vertices[k * 3 + 2] = t.heights[k] ?? 0;
    }
  const indices = new Uint32Array((w - 1) * (h - 1) * 6);
  let n = 0;
  for (let j = 0; j < h - 1; j++)
    for (let i = 0; i < w - 1; i++) {
      const a = j * w + i;
      const b = a + 1;
      const c = a + w;
      const d = c + 1;
      // Counter-clockwise seen from above (normals up), split a–d as the heightfield is (a test checks it).
      indices.set([a, b, d, a, d, c], n);
      n += 6;
    }
  return R.ColliderDesc.trimesh(vertices, indices, R.TriMeshFlags.FIX_INTERNAL_EDGES);
}

/** One prim of a body: its shape, size, and pose relative to the body. */
export interface Part {
  shape: PrimShape;
  scale: Vec3;
  position: Vec3;
  rotation: Quat;
  /**
   * A sculpted or mesh prim's own geometry in unit size (−0.5..0.5 per axis, like the prim meshes), collided
   * instead of its base shape. Absent, or without a triangle: the base shape.
   */
  mesh?: MeshData;
}

/** Which exact primitive a shape is, if any (the build menu's presets, as OpenSim writes them). */
export function exactPrimitive(shape: PrimShape): 'box' | 'sphere' | 'cylinder' | null {
  for (const name of ['box', 'sphere', 'cylinder'] as const) {
    const preset: PrimShape = SHAPE_PRESETS[name];
    if (PRIM_SHAPE_FIELDS.every((f) => preset[f.name] === shape[f.name])) return name;
  }
  return null;
}

/** Unit-size meshes by shape key: many prims share a shape. */
export class UnitMeshes {
  private readonly meshes = new Map<string, MeshData>();

  /**
   * A shape in unit size (−0.5..0.5): the middle LOD for standing colliders (the coarsest cuts curved sides
   * inward by ~10 %, so you would stop inside them), the coarsest for moving hulls.
   */
  get(shape: PrimShape, moving: boolean): MeshData {
    const params = primParamsFromWire(shape);
    const lod = moving ? PRIM_LOD_COUNT - 1 : Math.min(1, PRIM_LOD_COUNT - 1);
    const key = `${lod}|${primParamsKey(params)}`;
    let mesh = this.meshes.get(key);
    if (!mesh) {
      mesh = generatePrimMesh(params, lod);
      this.meshes.set(key, mesh);
    }
    return mesh;
  }
}

/**
 * The collider of one part: its own mesh (`part.mesh`) where it has one, else exact where it can be, else from the
 * prim mesh generator; mesh-based colliders are a trimesh standing and a convex hull moving, scaled by the size.
 */
export function partCollider(R: Rapier, part: Part, moving: boolean, meshes: UnitMeshes): ColliderDesc {
  const [sx, sy, sz] = part.scale;
  const own = part.mesh && part.mesh.indexCount >= 3 ? part.mesh : undefined;
  const exact = own ? null : exactPrimitive(part.shape);
  let desc: ColliderDesc | null = null;
  let rotation = part.rotation;
  if (exact === 'box') desc = R.ColliderDesc.cuboid(sx / 2, sy / 2, sz / 2);
  else if (exact === 'sphere' && sx === sy && sy === sz) desc = R.ColliderDesc.ball(sx / 2);
  else if (exact === 'cylinder' && sx === sy) {
    desc = R.ColliderDesc.cylinder(sz / 2, sx / 2);
    rotation = quatMultiply(part.rotation, Y_TO_Z);
  } else {
    const mesh = own ?? meshes.get(part.shape, moving);
    const points = new Float32Array(mesh.vertexCount * 3);
    for (let i = 0; i < mesh.vertexCount; i++) {
      points[i * 3] = (mesh.positions[i * 3] ?? 0) * sx;
      points[i * 3 + 1] = (mesh.positions[i * 3 + 1] ?? 0) * sy;
      points[i * 3 + 2] = (mesh.positions[i * 3 + 2] ?? 0) * sz;
    }
    desc = moving
      ? R.ColliderDesc.convexHull(points)
      : R.ColliderDesc.trimesh(
          points,
          Uint32Array.from(mesh.indices.subarray(0, mesh.indexCount)),
          R.TriMeshFlags.FIX_INTERNAL_EDGES,
        );
    // A degenerate mesh (a prim cut to nothing) still stands somewhere: its box.
    desc ??= R.ColliderDesc.cuboid(sx / 2, sy / 2, sz / 2);
  }
  const [x, y, z] = part.position;
  return desc.setTranslation(x, y, z).setRotation(quat(rotation));
}

/** Rapier's rotation record from our [x, y, z, w]. */
export function quat(q: Quat): { x: number; y: number; z: number; w: number } {
  return { x: q[0], y: q[1], z: q[2], w: q[3] };
}
