/**
 * The terrain plugin: ONE heightfield, in shared memory. Patches are written into it as they arrive; the
 * renderer gets the same buffer (posting a view of a SharedArrayBuffer shares it, nothing is copied), told
 * again at most every TERRAIN_POST_MS while patches keep coming.
 */
import type { RegionInfo, TerrainPatch } from '../../../shared/protocol';
import { defineResource, type Plugin } from '../../engine';
import type { TerrainField } from '../../scene/heightfield';
import { Clock, CurrentPlace, Outbox, RegionInfoReceived, ServerError, TerrainReceived, WorldReset } from '../keys';

export const TERRAIN_POST_MS = 250;
/** The largest heightfield side we hold (an 8192 m var region at 1 m spacing, plus the repeated edge). */
const MAX_SIDE = 8193;

/**
 * The heightfield covering every patch received: one sample more than the covered span on each axis (the
 * last row and column repeat the edge), so a 256 m region at 1 m spacing is 257 × 257 samples.
 */
export class TerrainStore {
  field: TerrainField | null = null;
  /** Bumped on every write. */
  version = 0;

  /** Makes room for `width × height` samples at `spacing` (keeps what is there). */
  reserve(width: number, height: number, spacing: number): void {
    const w = Math.min(MAX_SIDE, Math.max(2, Math.ceil(width)));
    const h = Math.min(MAX_SIDE, Math.max(2, Math.ceil(height)));
    const old = this.field;
    if (old && old.spacing !== spacing) throw new RangeError(`terrain: spacing ${spacing} differs from ${old.spacing}`);
    if (old && old.width >= w && old.height >= h) return;
    const nw = Math.max(w, old?.width ?? 0);
    const nh = Math.max(h, old?.height ?? 0);
    const heights = new Float32Array(new SharedArrayBuffer(nw * nh * 4));
    if (old) for (let y = 0; y < old.height; y++) heights.set(old.heights.subarray(y * old.width, (y + 1) * old.width), y * nw);
    this.field = { width: nw, height: nh, spacing, heights };
  }

  /** Writes one patch (growing the field when it reaches past it). */
  write(p: TerrainPatch): void {
    const spacing = p.spacing;
    const x0 = Math.round(p.x / spacing);
    const y0 = Math.round(p.y / spacing);
    if (x0 < 0 || y0 < 0 || x0 + p.size + 1 > MAX_SIDE || y0 + p.size + 1 > MAX_SIDE)
      throw new RangeError(`terrain: a patch at (${p.x}, ${p.y}) lies outside the ${MAX_SIDE - 1}-sample field`);
    this.reserve(x0 + p.size + 1, y0 + p.size + 1, spacing);
    const field = this.field;
    if (!field) return;
    const { width, height, heights } = field;
    for (let j = 0; j < p.size; j++) {
      const row = (y0 + j) * width + x0;
      for (let i = 0; i < p.size; i++) heights[row + i] = p.heights[j * p.size + i] ?? 0;
    }
    // The repeated edge: the last column and row take the heights next to them.
    for (let y = 0; y < height; y++) heights[y * width + width - 1] = heights[y * width + width - 2] ?? 0;
    heights.copyWithin((height - 1) * width, (height - 2) * width, (height - 1) * width);
    this.version++;
  }

  clear(): void {
    this.field = null;
    this.version++;
  }
}

/** The terrain plugin's heightfield. */
export const TerrainKey = defineResource<TerrainStore>('terrain/store');

/** The terrain plugin (after net, whose events it reads). */
export function terrainPlugin(store = new TerrainStore()): Plugin {
  return {
    name: 'terrain',
    after: ['net'],
    build(app) {
      app.insertResource(TerrainKey, store);
      const patches = app.reader(TerrainReceived);
      const regions = app.reader(RegionInfoReceived);
      let region: RegionInfo | null = null;
      const resets = app.reader(WorldReset);
      const clock = app.resource(Clock);
      let posted = -1;
      let lastPost = Number.NEGATIVE_INFINITY;
      app.addSystem({
        name: 'terrain-patches',
        phase: 'update',
        run: () => {
          if (resets.read().length > 0) {
            store.clear();
            posted = store.version;
            region = null;
          }
          for (const r of regions.read()) {
            region = r;
            // Posted again with the textures (once there is a field to draw them on).
            posted = -1;
          }
          for (const p of patches.read()) {
            try {
              // The first patch tells the spacing: hold the whole region from then on (no growth per patch).
              if (!store.field) {
                const size = app.resource(CurrentPlace).size;
                store.reserve(Math.round(size[0] / p.spacing) + 1, Math.round(size[1] / p.spacing) + 1, p.spacing);
              }
              store.write(p);
            } catch (err) {
              app.send(ServerError, { code: 'world_bad_terrain', message: err instanceof Error ? err.message : String(err) });
            }
          }
        },
      });
      app.addSystem({
        name: 'terrain-post',
        phase: 'postUpdate',
        run: () => {
          const now = clock.now();
          if (store.version === posted || !store.field || now - lastPost < TERRAIN_POST_MS) return;
          posted = store.version;
          lastPost = now;
          const place = app.resource(CurrentPlace);
          // OpenSim's water is at 20 m unless the region says otherwise (RegionHandshake, via region_info).
          const waterLevel = region ? region.waterHeight : place.kind === 'os' ? 20 : null;
          app.resource(Outbox).post({
            type: 'terrain',
            field: store.field,
            waterLevel,
            textures: region
              ? {
                  ids: region.terrainTextures,
                  startHeights: region.terrainStartHeights,
                  heightRanges: region.terrainHeightRanges,
                }
              : null,
          });
        },
      });
    },
  };
}
