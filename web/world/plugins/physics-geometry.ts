/**
 * Collision geometry of sculpted and mesh prims for the physics plugin: one loader per grid session (the shared
 * geometry loader, web/assets/geometry-loader.ts, over the session's asset route) that makes the unit-size mesh
 * the prim collides as. A mesh collides as its `physics_mesh` block when it has one, else as its low LOD; a sculpt
 * as its coarsest LOD. Only what the last gathering pass asked for is loaded, nearest first, a few at a time; a
 * failed asset is logged once and keeps its base prim.
 */
import { decodeLlmeshLod, decodeLlmeshPhysicsMesh, type LlmeshLod, parseLlmeshHeader } from '../../../shared/assets/llmesh';
import type { MeshData } from '../../../shared/geometry/mesh-data';
import { PRIM_LOD_COUNT } from '../../../shared/geometry/prim-mesh';
import { generateSculptMesh, type SculptMap } from '../../../shared/geometry/sculpt';
import { createGeometryLoader, type GeometrySources } from '../../assets/geometry-loader';
import { type GridAssetRoute, gridAssetSources } from '../../assets/grid-sources';

export type { GridAssetRoute };

/** What the physics plugin asks for a sculpt's or mesh's collision geometry. */
export interface PhysicsGeometry {
  /** Bumped whenever a geometry becomes ready (the plugin then rebuilds the linksets that use it). */
  readonly version: number;
  /** A gathering pass begins: from now on only what is asked for in it is started. */
  beginPass(): void;
  /**
   * The collision mesh of a sculpt/mesh (asset `uuid`, SL SculptType byte `type`) in unit size, or null while it
   * loads or when it failed (the prim collides as its base shape). Asks for it at `priority` (lower first: the
   * distance from your avatar).
   */
  meshOf(uuid: string, type: number, priority: number): MeshData | null;
  /** Starts loads asked for in the last pass, nearest first, up to the concurrency bound. Call once per frame. */
  pump(): void;
  stats(): { ready: number; loading: number; failed: number };
  /** Stops: loads under way are ignored when they finish. */
  close(): void;
}

/** Where the loader gets assets (the shared geometry loader's sources). */
export type PhysicsGeometrySources = GeometrySources;

export interface PhysicsGeometryOptions {
  /** Loads at once (default {@link MAX_GEOMETRY_LOADS}). */
  maxLoading?: number;
  /** Where failures are reported (default console.warn). */
  log?: (message: string) => void;
}

/** Collision geometry loaded at once: the world worker steps the world at 60 Hz meanwhile. */
export const MAX_GEOMETRY_LOADS = 4;
/** A mesh without a physics block collides as its low LOD, else the nearest finer one, else the lowest. */
const MESH_LOD_ORDER: readonly LlmeshLod[] = ['low', 'medium', 'high', 'lowest'];

/**
 * The collision mesh of an LLMesh asset: its `physics_mesh` block when it has one, else its low LOD (the next
 * finer when absent, the lowest last). Its `physics_convex` hull is not used: that is SL's "convex hull" physics
 * type, which would fill a house's rooms, and a moving prim gets the hull of this mesh anyway.
 */
export async function collisionMeshOfLlmesh(bytes: Uint8Array): Promise<MeshData> {
  const header = parseLlmeshHeader(bytes);
  const physics = await decodeLlmeshPhysicsMesh(bytes, header);
  if (physics) return physics;
  const lod = MESH_LOD_ORDER.find((l) => header.lods[l] !== undefined) ?? 'low';
  return decodeLlmeshLod(bytes, header, lod);
}

/** The collision mesh of a sculpt map: the sculpt's coarsest LOD (SculptType byte `type`: stitching and flags). */
export function collisionMeshOfSculpt(map: SculptMap, type: number): MeshData {
  return generateSculptMesh(map, type, PRIM_LOD_COUNT - 1);
}

/** A loader over `sources`. */
export function createPhysicsGeometry(sources: PhysicsGeometrySources, options: PhysicsGeometryOptions = {}): PhysicsGeometry {
  const loader = createGeometryLoader<MeshData>(
    sources,
    {
      mesh: collisionMeshOfLlmesh,
      sculpt: collisionMeshOfSculpt,
      usable: (m) => m.indexCount >= 3,
    },
    {
      maxLoading: options.maxLoading ?? MAX_GEOMETRY_LOADS,
      prefix: 'physics',
      fallback: 'it collides as its base prim',
      ...(options.log ? { log: options.log } : {}),
    },
  );
  return {
    get version() {
      return loader.version;
    },
    beginPass: () => loader.beginPass(),
    meshOf: (uuid, type, priority) => loader.meshOf(uuid, type, priority),
    pump: () => loader.pump(),
    stats() {
      const { ready, loading, failed } = loader.stats();
      return { ready, loading, failed };
    },
    close: () => loader.close(),
  };
}

/** Sources over a grid session's asset route (web/assets/grid-sources.ts); sculpt maps decoded off this thread. */
export function gridGeometrySources(route: GridAssetRoute): PhysicsGeometrySources {
  return gridAssetSources(route);
}

/** The loader of a grid session: {@link createPhysicsGeometry} over {@link gridGeometrySources}. */
export function createGridPhysicsGeometry(route: GridAssetRoute): PhysicsGeometry {
  return createPhysicsGeometry(gridGeometrySources(route));
}
