/**
 * Finalverse glTF models' base colour images as texture layers: the extractor asks `layerOf(hash, index, image,
 * priority)` for each textured face of a model it draws; the first ask hands the embedded PNG/JPEG to the decoder
 * pool (createImageBitmap in a decoder worker, at the side the distance needs), and a texture stream places it in the
 * renderer's texture layers (mipmaps, budget, eviction: the same path as a grid's J2K textures). An image the
 * model's check refused, or one that fails to decode, is never asked for again: its faces keep their colour.
 */
import type { DecodePool } from '../assets/decode-pool';
import type { ModelImage } from '../assets/gltf-model';
import type { TextureLayers } from './texture-layers';
import { TextureStream, type TextureStreamStats } from './texture-stream';

export interface ModelTextures {
  /** Bumped whenever an image became resident or lost its layer. */
  readonly version: number;
  beginPass(): void;
  /** The layer of image `index` of model `hash` and whether it has alpha, or null while not resident (or refused). */
  layerOf(hash: string, index: number, image: ModelImage, priority: number): { layer: number; alpha: boolean } | null;
  pump(): void;
  startLoads(): void;
  stats(): TextureStreamStats;
}

/** Model textures in `layers`, decoded on the pool `pool()` gives (made when the first image is needed). */
export function createModelTextures(
  layers: TextureLayers,
  pool: () => DecodePool,
  log?: (message: string) => void,
): ModelTextures {
  const images = new Map<string, ModelImage>();
  const stream = new TextureStream(
    layers,
    async (key, priority, maxDimension) => {
      const image = images.get(key);
      if (!image?.info) throw new Error(image?.error ?? `no image ${key}`);
      const decoded = await pool().decode(image.bytes, { priority, maxDimension, format: image.info.format }).promise;
      return { width: decoded.width, height: decoded.height, rgba: decoded.rgba };
    },
    log,
    // A PNG or JPEG has no cheaper coarse level: decode at once what the distance needs.
    Number.POSITIVE_INFINITY,
  );
  return {
    get version() {
      return stream.version;
    },
    beginPass: () => stream.beginPass(),
    layerOf(hash, index, image, priority) {
      // A refused image goes through the stream too: its loader fails with the check's reason, logged once.
      const key = `${hash}#${index}`;
      if (!images.has(key)) images.set(key, image);
      return stream.layerOf(key, priority);
    },
    pump: () => stream.pump(),
    startLoads: () => stream.startLoads(),
    stats: () => stream.stats(),
  };
}
