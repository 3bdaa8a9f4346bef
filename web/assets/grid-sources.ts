/**
 * A grid session's assets as the viewer fetches them: through the edge's asset route
 * (`${origin}/api/grid/<session>/asset/<kind>/<uuid>`, with the session's token) and the asset store. One set of
 * sources serves the renderer (textures, sculpt maps, meshes) and the physics plugin (sculpt maps, meshes).
 */
import type { SculptMap } from '../../shared/geometry/sculpt';
import { type AssetStore, createAssetStore } from './asset-store';
import { createDecodePool, type DecodePool } from './decode-pool';
import type { GeometrySources } from './geometry-loader';
import { decodeJ2k } from './j2k';

/** A grid session's asset route, as the page's `connect-grid` command gives it. */
export interface GridAssetRoute {
  /** The edge's origin. */
  origin: string;
  /** The GridSession id (`/ws/grid/<session>`). */
  session: string;
  token: string;
}

/** Largest sculpt map side decoded (SL maps are 64 or 128 px; the finest LOD samples 32x32 of them). */
export const SCULPT_MAX_DIMENSION = 256;

export interface GridSources extends GeometrySources {
  store: AssetStore;
  /** A texture decoded to at most `maxDimension` a side. */
  texture(uuid: string, priority: number, maxDimension: number): Promise<SculptMap>;
}

/**
 * Sources over `route`. Textures and sculpt maps are decoded on `pool` when given; otherwise by one decoder worker
 * started when the first is needed, or in place where there are no workers (Node: visit, tests).
 */
export function gridAssetSources(route: GridAssetRoute, pool?: DecodePool): GridSources {
  const store = createAssetStore({
    base: `${route.origin}/api/grid/${encodeURIComponent(route.session)}`,
    token: route.token,
  });
  let own: DecodePool | null = null;
  const texture = async (uuid: string, priority: number, maxDimension: number): Promise<SculptMap> => {
    const bytes = await store.get('texture', uuid);
    let image: { width: number; height: number; rgba: Uint8Array };
    if (pool) image = await pool.decode(bytes, { priority, maxDimension }).promise;
    else if (typeof Worker === 'undefined') image = await decodeJ2k(bytes, { maxDimension });
    else {
      own ??= createDecodePool({ size: 1 });
      image = await own.decode(bytes, { priority, maxDimension }).promise;
    }
    return { width: image.width, height: image.height, rgba: image.rgba };
  };
  return {
    store,
    texture,
    meshBytes: (uuid) => store.get('mesh', uuid),
    sculptMap: (uuid, priority) => texture(uuid, priority, SCULPT_MAX_DIMENSION),
    close() {
      own?.close();
      own = null;
    },
  };
}
