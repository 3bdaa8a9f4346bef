/**
 * The render worker's asset pipeline for one world: an asset store over the session's asset route (Cache Storage
 * underneath, so a revisit fetches nothing), the decoder pool, and the texture and geometry streams the
 * extractor draws from.
 */
import { type AssetStore, createAssetStore } from '../assets/asset-store';
import type { DecodePool } from '../assets/decode-pool';
import { GeometryStream } from './geometry-stream';
import type { AssetSource } from './render-protocol';
import type { TextureLayers } from './texture-layers';
import { TextureStream } from './texture-stream';
import type { ExtractStreams } from './world-extract';

/** Largest sculpt map side decoded (SL sculpt maps are 64x64 or 128x128; the sampling never needs more). */
const SCULPT_MAX_DIMENSION = 256;

export interface AssetStreams extends ExtractStreams {
  store: AssetStore;
}

/** Streams for a world whose assets come from `source`, decoding on `pool`, uploading into `layers`. */
export function createAssetStreams(source: AssetSource, pool: DecodePool, layers: TextureLayers): AssetStreams {
  const store = createAssetStore({
    base: `${source.origin}/api/grid/${encodeURIComponent(source.session)}`,
    token: source.token,
  });
  const decode = async (uuid: string, priority: number, maxDimension: number) => {
    const bytes = await store.get('texture', uuid);
    const image = await pool.decode(bytes, { priority, maxDimension }).promise;
    return { width: image.width, height: image.height, rgba: image.rgba };
  };
  const textures = new TextureStream(layers, decode);
  const geometry = new GeometryStream({
    sculptMap: (uuid, priority) => decode(uuid, priority, SCULPT_MAX_DIMENSION),
    meshBytes: (uuid) => store.get('mesh', uuid),
  });
  return { store, textures, geometry };
}
