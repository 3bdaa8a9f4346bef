/**
 * The render worker's asset pipeline for one world: an asset store over the session's asset route (Cache Storage
 * underneath, so a revisit fetches nothing), the decoder pool, and the texture and geometry streams the
 * extractor draws from.
 */
import type { AssetStore } from '../assets/asset-store';
import type { DecodePool } from '../assets/decode-pool';
import { gridAssetSources } from '../assets/grid-sources';
import { createGeometryStream } from './geometry-stream';
import type { AssetSource } from './render-protocol';
import type { TextureLayers } from './texture-layers';
import { TextureStream } from './texture-stream';
import type { ExtractStreams } from './world-extract';

export interface AssetStreams extends ExtractStreams {
  store: AssetStore;
}

/** Streams for a world whose assets come from `source`, decoding on `pool`, uploading into `layers`. */
export function createAssetStreams(source: AssetSource, pool: DecodePool, layers: TextureLayers): AssetStreams {
  const sources = gridAssetSources(source, pool);
  return {
    store: sources.store,
    textures: new TextureStream(layers, sources.texture),
    geometry: createGeometryStream(sources),
  };
}
