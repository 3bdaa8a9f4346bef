/**
 * Sculpt and mesh geometry for the renderer: the shared geometry loader (web/assets/geometry-loader.ts) building
 * every LOD the renderer draws. `meshOf(uuid, type, priority)` gives them, or null while they load (the prim is
 * drawn as its base shape until then) or when they failed (it stays so; the failure is logged once); `version`
 * moves when geometry arrives, so the extractor rebuilds.
 */
import { decodeLlmesh } from '../../shared/assets/llmesh';
import type { MeshData } from '../../shared/geometry/mesh-data';
import { PRIM_LOD_COUNT } from '../../shared/geometry/prim-mesh';
import { generateSculptLods } from '../../shared/geometry/sculpt';
import { createGeometryLoader, type GeometryLoader, type GeometrySources } from '../assets/geometry-loader';

/** Most geometry loads at once. */
const MAX_LOADING = 8;

/** The renderer's geometry loader. */
export type GeometryStream = GeometryLoader<MeshData[]>;

/**
 * The renderer's LODs (PRIM_LOD_COUNT, finest first) from a mesh asset's four: high, medium and low (the lowest
 * is coarser than the renderer ever draws a prim).
 */
export function meshLodsForRenderer(lods: readonly MeshData[]): MeshData[] {
  const out: MeshData[] = [];
  for (let i = 0; i < PRIM_LOD_COUNT; i++) {
    const m = lods[Math.min(i, lods.length - 1)];
    if (m) out.push(m);
  }
  return out;
}

/** The renderer's loader over `sources`. */
export function createGeometryStream(sources: GeometrySources, log?: (message: string) => void): GeometryStream {
  return createGeometryLoader<MeshData[]>(
    sources,
    {
      mesh: async (bytes) => meshLodsForRenderer((await decodeLlmesh(bytes)).lods),
      sculpt: (map, type) => generateSculptLods(map, type),
      usable: (lods) => lods.length > 0 && lods.some((m) => m.indexCount > 0),
    },
    { maxLoading: MAX_LOADING, prefix: 'geometry', fallback: 'drawn as its base shape', ...(log ? { log } : {}) },
  );
}
