/** One mesh (with its LODs) per distinct prim shape: many prims share a few shapes, so instances share meshes. */

import type { MeshData } from '../../../shared/geometry/mesh-data';
import { generatePrimLods } from '../../../shared/geometry/prim-mesh';
import { type PrimParams, primParamsKey } from '../../../shared/geometry/prim-params';
import { MeshCode, meshError } from './errors';

/** Prim meshes by shape, numbered in the order they were first asked for (the cull pass's mesh ids). */
export interface PrimMeshCache {
  /** The mesh id of this shape, generating its LODs the first time. */
  meshIdFor(params: PrimParams): number;
  /** LODs of a mesh, finest first. */
  lods(meshId: number): MeshData[];
  readonly size: number;
  /** Local bounding spheres, 4 floats (cx, cy, cz, r) per mesh id, for writeInstanceSpheres. */
  spheres(): Float32Array;
}

/** Creates an empty cache. */
export function createPrimMeshCache(): PrimMeshCache {
  const ids = new Map<string, number>();
  const meshes: MeshData[][] = [];
  let sphereCache: Float32Array | null = null;
  return {
    meshIdFor(params) {
      const key = primParamsKey(params);
      const known = ids.get(key);
      if (known !== undefined) return known;
      const id = meshes.length;
      meshes.push(generatePrimLods(params));
      ids.set(key, id);
      sphereCache = null;
      return id;
    },
    lods(meshId) {
      const lods = meshes[meshId];
      if (!lods) throw meshError(MeshCode.BadInput, 'prim mesh', `no mesh ${meshId}; ask meshIdFor(params) first`);
      return lods;
    },
    get size() {
      return meshes.length;
    },
    spheres() {
      if (sphereCache) return sphereCache;
      const out = new Float32Array(meshes.length * 4);
      meshes.forEach((lods, m) => {
        // LOD 0 bounds hold the coarser LODs too (their vertices lie on the finer surface's hull or inside).
        const b = lods[0]?.bounds;
        if (!b) return;
        out.set([b.center[0], b.center[1], b.center[2], b.radius], m * 4);
      });
      sphereCache = out;
      return out;
    },
  };
}
