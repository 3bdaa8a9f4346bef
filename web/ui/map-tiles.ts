/**
 * The world map's tile images: a grid's map tiles are J2K textures, fetched through the session's asset route and
 * decoded by the viewer's texture decoder (web/assets/grid-sources.ts), each once, as ImageData for a tile canvas.
 */
import type { GridAssetRoute } from '../assets/grid-sources';
import { gridAssetSources } from '../assets/grid-sources';

/** Largest tile side decoded (OpenSim's tiles are 256 px; the map draws them smaller). */
export const MAP_TILE_PIXELS = 256;
/** Most tile images kept (a 7 x 7 map is 49). */
export const MAX_MAP_TILES = 256;

/** Where decoded textures come from: grid-sources' `texture` (or any decoder of the same shape). */
export interface TileSource {
  texture(uuid: string, priority: number, maxDimension: number): Promise<{ width: number; height: number; rgba: Uint8Array }>;
}

/** The tile images of one grid session. */
export interface MapTiles {
  /** The tile as ImageData, or null when it cannot be had (no such asset, undecodable): draw a plain tile then. */
  image(uuid: string): Promise<ImageData | null>;
  close(): void;
}

/** Tile images over `source`, cached by UUID (failures too, so a missing tile is asked for once). */
export function createMapTiles(source: TileSource, onClose: () => void = () => {}): MapTiles {
  const cache = new Map<string, Promise<ImageData | null>>();
  return {
    image(uuid) {
      let hit = cache.get(uuid);
      if (!hit) {
        hit = source.texture(uuid, 0, MAP_TILE_PIXELS).then(
          (t) => {
            const data = new Uint8ClampedArray(new ArrayBuffer(t.width * t.height * 4));
            data.set(t.rgba.subarray(0, data.length));
            return new ImageData(data, t.width, t.height);
          },
          () => null,
        );
        if (cache.size >= MAX_MAP_TILES) {
          const oldest = cache.keys().next().value;
          if (oldest !== undefined) cache.delete(oldest);
        }
        cache.set(uuid, hit);
      }
      return hit;
    },
    close: onClose,
  };
}

/** Tile images of a grid session, through its asset route. */
export function gridMapTiles(route: GridAssetRoute): MapTiles {
  const sources = gridAssetSources(route);
  return createMapTiles(sources, () => sources.close?.());
}
