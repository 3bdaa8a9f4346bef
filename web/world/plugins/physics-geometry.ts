/**
 * Collision geometry of sculpted and mesh prims for the physics plugin: one loader per grid session that fetches a
 * sculpt map or mesh asset through the session's asset route and makes the unit-size mesh the prim collides as. A
 * mesh collides as its `physics_mesh` block when it has one, else as its low LOD; a sculpt as its coarsest LOD.
 * Only what the last gathering pass asked for is loaded, nearest first, a few at a time; a failed asset is logged
 * once and keeps its base prim.
 */
import { decodeLlmeshLod, decodeLlmeshPhysicsMesh, type LlmeshLod, parseLlmeshHeader } from '../../../shared/assets/llmesh';
import type { MeshData } from '../../../shared/geometry/mesh-data';
import { PRIM_LOD_COUNT } from '../../../shared/geometry/prim-mesh';
import { generateSculptMesh, type SculptMap } from '../../../shared/geometry/sculpt';
import { SCULPT_TYPES } from '../../../shared/protocol';
import { createAssetStore } from '../../assets/asset-store';
import { createDecodePool, type DecodePool } from '../../assets/decode-pool';
import { decodeJ2k } from '../../assets/j2k';

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

/** Where the loader gets assets. */
export interface PhysicsGeometrySources {
  /** The bytes of a mesh asset (asset type 49). */
  meshBytes(uuid: string): Promise<Uint8Array>;
  /** A decoded sculpt map. */
  sculptMap(uuid: string): Promise<SculptMap>;
  /** Releases what the sources hold (a decoder worker). */
  close?(): void;
}

export interface PhysicsGeometryOptions {
  /** Loads at once (default {@link MAX_GEOMETRY_LOADS}). */
  maxLoading?: number;
  /** Where failures are reported (default console.warn). */
  log?: (message: string) => void;
}

/** Collision geometry loaded at once: the world worker steps the world at 60 Hz meanwhile. */
export const MAX_GEOMETRY_LOADS = 4;
/** Largest sculpt map side decoded (SL maps are 64 or 128 px; the coarsest LOD samples 8x8 of them). */
const SCULPT_MAX_DIMENSION = 256;
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

interface Entry {
  uuid: string;
  type: number;
  state: 'queued' | 'loading' | 'ready' | 'failed';
  mesh: MeshData | null;
  priority: number;
  /** The gathering pass that last asked for it. */
  pass: number;
}

const isMesh = (type: number): boolean => (type & 0x07) === SCULPT_TYPES.mesh;
const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** A loader over `sources`. */
export function createPhysicsGeometry(sources: PhysicsGeometrySources, options: PhysicsGeometryOptions = {}): PhysicsGeometry {
  const maxLoading = Math.max(1, options.maxLoading ?? MAX_GEOMETRY_LOADS);
  const log = options.log ?? ((m: string) => console.warn(m));
  const entries = new Map<string, Entry>();
  let version = 0;
  let pass = 0;
  let loading = 0;
  let closed = false;

  const start = (e: Entry): void => {
    e.state = 'loading';
    loading++;
    const mesh = isMesh(e.type);
    const what = mesh ? 'mesh' : 'sculpt map';
    const work = mesh
      ? sources.meshBytes(e.uuid).then(collisionMeshOfLlmesh)
      : sources.sculptMap(e.uuid).then((map) => collisionMeshOfSculpt(map, e.type));
    work.then(
      (m) => {
        if (closed) return;
        loading--;
        if (m.indexCount < 3) {
          e.state = 'failed';
          log(`physics: ${what} ${e.uuid} has no triangles; it collides as its base prim`);
          return;
        }
        e.mesh = m;
        e.state = 'ready';
        version++;
      },
      (err: unknown) => {
        if (closed) return;
        loading--;
        e.state = 'failed';
        log(`physics: ${what} ${e.uuid} could not be used (${describe(err)}); it collides as its base prim`);
      },
    );
  };

  return {
    get version() {
      return version;
    },
    beginPass() {
      pass++;
    },
    meshOf(uuid, type, priority) {
      // A mesh's flags change nothing; a sculpt's stitching and flags make another shape.
      const key = isMesh(type) ? `mesh:${uuid}` : `${uuid}:${type}`;
      let e = entries.get(key);
      if (!e) {
        e = { uuid, type, state: 'queued', mesh: null, priority, pass };
        entries.set(key, e);
      } else if (e.state === 'queued') {
        e.priority = e.pass === pass ? Math.min(e.priority, priority) : priority;
        e.pass = pass;
      }
      return e.mesh;
    },
    pump() {
      if (closed || loading >= maxLoading) return;
      const wanted: Entry[] = [];
      for (const e of entries.values()) if (e.state === 'queued' && e.pass === pass) wanted.push(e);
      wanted.sort((a, b) => a.priority - b.priority);
      for (const e of wanted.slice(0, maxLoading - loading)) start(e);
    },
    stats() {
      let ready = 0;
      let failed = 0;
      for (const e of entries.values()) {
        if (e.state === 'ready') ready++;
        else if (e.state === 'failed') failed++;
      }
      return { ready, loading, failed };
    },
    close() {
      if (closed) return;
      closed = true;
      entries.clear();
      sources.close?.();
    },
  };
}

/** A grid session's asset route, as the page's `connect-grid` command gives it. */
export interface GridAssetRoute {
  /** The edge's origin. */
  origin: string;
  /** The GridSession id (`/ws/grid/<session>`). */
  session: string;
  token: string;
}

/**
 * Sources over a grid session's asset route (`${origin}/api/grid/<session>/asset/<kind>/<uuid>`, through the asset
 * store). Sculpt maps are decoded off the world worker by one decoder worker, started when the first one is needed;
 * where there are no workers (Node: visit, tests) OpenJPEG runs in place.
 */
export function gridGeometrySources(route: GridAssetRoute): PhysicsGeometrySources {
  const store = createAssetStore({
    base: `${route.origin}/api/grid/${encodeURIComponent(route.session)}`,
    token: route.token,
  });
  let pool: DecodePool | null = null;
  return {
    meshBytes: (uuid) => store.get('mesh', uuid),
    async sculptMap(uuid) {
      const bytes = await store.get('texture', uuid);
      const options = { maxDimension: SCULPT_MAX_DIMENSION };
      let image: { width: number; height: number; rgba: Uint8Array };
      if (typeof Worker === 'undefined') image = await decodeJ2k(bytes, options);
      else {
        pool ??= createDecodePool({ size: 1 });
        image = await pool.decode(bytes, options).promise;
      }
      return { width: image.width, height: image.height, rgba: image.rgba };
    },
    close() {
      pool?.close();
      pool = null;
    },
  };
}

/** The loader of a grid session: {@link createPhysicsGeometry} over {@link gridGeometrySources}. */
export function createGridPhysicsGeometry(route: GridAssetRoute): PhysicsGeometry {
  return createPhysicsGeometry(gridGeometrySources(route));
}
