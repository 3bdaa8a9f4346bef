/**
 * The terrain plugin: ONE heightfield, in shared memory. Patches are written into it as they arrive; the
 * renderer gets the same buffer (posting a view of a SharedArrayBuffer shares it, nothing is copied), told
 * again at most every TERRAIN_POST_MS while patches keep coming.
 */
import type { RegionInfo, TerrainPatch } from '../../../shared/protocol';
import { defineResource, type Plugin } from '../../engine';
import type { TerrainField } from '../../scene/heightfield';
import {
  Clock,
  CurrentPlace,
  Outbox,
  RegionInfoReceived,
  RegionsReceived,
  ServerError,
  TerrainReceived,
  Welcomed,
  WorldReset,
} from '../keys';

export const TERRAIN_POST_MS = 250;
/** The largest heightfield side we hold (an 8192 m var region at 1 m spacing, plus the repeated edge). */
const MAX_SIDE = 8193;

/** A rectangle of the session frame in metres: [minX, minY, maxX, maxY]. */
export type TerrainRect = readonly [number, number, number, number];

/**
 * The heightfield covering every patch received: one sample more than the covered span on each axis (the
 * last row and column repeat the edge), so a 256 m region at 1 m spacing is 257 × 257 samples. Its origin is
 * the covered rectangle's south-west corner: a grid session's neighbours to the west or south lie below 0.
 */
export class TerrainStore {
  field: TerrainField | null = null;
  /** Bumped on every write. */
  version = 0;

  /** Makes room for `width × height` samples at `spacing` from (0, 0) (keeps what is there). */
  reserve(width: number, height: number, spacing: number): void {
    const x0 = this.field?.originX ?? 0;
    const y0 = this.field?.originY ?? 0;
    this.cover(
      [Math.min(0, x0), Math.min(0, y0), (Math.max(2, width) - 1) * spacing, (Math.max(2, height) - 1) * spacing],
      spacing,
    );
  }

  /** Makes the field cover `rect` (metres, keeping what it covers already and what is there). */
  cover(rect: TerrainRect, spacing: number): void {
    const f = this.field;
    if (f && f.spacing !== spacing) throw new RangeError(`terrain: spacing ${spacing} differs from ${f.spacing}`);
    if (!f) {
      this.fit(rect, spacing);
      return;
    }
    const [fx0, fy0, fx1, fy1] = fieldRect(f);
    if (rect[0] >= fx0 && rect[1] >= fy0 && rect[2] <= fx1 && rect[3] <= fy1) return;
    this.fit([Math.min(rect[0], fx0), Math.min(rect[1], fy0), Math.max(rect[2], fx1), Math.max(rect[3], fy1)], spacing);
  }

  /**
   * Makes the field cover exactly `rect` (snapped to samples): samples inside both the old and the new field are
   * kept, the rest drops (a region that went out of view) or starts flat at 0 (one not arrived yet).
   */
  fit(rect: TerrainRect, spacing: number): void {
    const x0 = Math.floor(rect[0] / spacing) * spacing;
    const y0 = Math.floor(rect[1] / spacing) * spacing;
    const w = Math.max(2, Math.ceil((rect[2] - x0) / spacing) + 1);
    const h = Math.max(2, Math.ceil((rect[3] - y0) / spacing) + 1);
    if (w > MAX_SIDE || h > MAX_SIDE) throw new RangeError(`terrain: ${w}×${h} samples exceed the ${MAX_SIDE}-sample field`);
    const old = this.field;
    if (old && old.spacing === spacing && old.width === w && old.height === h && old.originX === x0 && old.originY === y0) return;
    const heights = new Float32Array(new SharedArrayBuffer(w * h * 4));
    if (old && old.spacing === spacing) {
      const dx = Math.round(((old.originX ?? 0) - x0) / spacing);
      const dy = Math.round(((old.originY ?? 0) - y0) / spacing);
      for (let y = Math.max(0, dy); y < Math.min(h, dy + old.height); y++) {
        const from = Math.max(0, -dx);
        const to = Math.min(old.width, w - dx);
        if (to > from)
          heights.set(old.heights.subarray((y - dy) * old.width + from, (y - dy) * old.width + to), y * w + dx + from);
      }
    }
    this.field = { width: w, height: h, spacing, heights, originX: x0, originY: y0 };
    this.version++;
  }

  /** Writes one patch (growing the field when it reaches past it). */
  write(p: TerrainPatch): void {
    const spacing = p.spacing;
    this.cover([p.x, p.y, p.x + (p.size - 1) * spacing, p.y + (p.size - 1) * spacing], spacing);
    const field = this.field;
    if (!field) return;
    const { width, height, heights } = field;
    const x0 = Math.round((p.x - (field.originX ?? 0)) / spacing);
    const y0 = Math.round((p.y - (field.originY ?? 0)) / spacing);
    for (let j = 0; j < p.size; j++) {
      const row = (y0 + j) * width + x0;
      for (let i = 0; i < p.size; i++) heights[row + i] = p.heights[j * p.size + i] ?? 0;
    }
    // The repeated edge: the last column and row take the heights next to them.
    if (x0 + p.size >= width - 1)
      for (let y = 0; y < height; y++) heights[y * width + width - 1] = heights[y * width + width - 2] ?? 0;
    if (y0 + p.size >= height - 1) heights.copyWithin((height - 1) * width, (height - 2) * width, (height - 1) * width);
    this.version++;
  }

  clear(): void {
    this.field = null;
    this.version++;
  }
}

/** The rectangle a field covers (metres). */
function fieldRect(f: TerrainField): TerrainRect {
  const x0 = f.originX ?? 0;
  const y0 = f.originY ?? 0;
  return [x0, y0, x0 + (f.width - 1) * f.spacing, y0 + (f.height - 1) * f.spacing];
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
      const shown = app.reader(RegionsReceived);
      let region: RegionInfo | null = null;
      const resets = app.reader(WorldReset);
      // A fresh welcome comes with all of the terrain again (a grid session's new frame after a far teleport).
      const welcomes = app.reader(Welcomed);
      const clock = app.resource(Clock);
      let posted = -1;
      let lastPost = Number.NEGATIVE_INFINITY;
      app.addSystem({
        name: 'terrain-patches',
        phase: 'update',
        run: () => {
          if (resets.read().length > 0 || welcomes.read().some((w) => !w.resumed)) {
            store.clear();
            posted = store.version;
            region = null;
          }
          for (const r of regions.read()) {
            region = r;
            // Posted again with the textures (once there is a field to draw them on).
            posted = -1;
          }
          // A grid session's regions: the field spans exactly the regions shown (one out of view drops its ground).
          for (const r of shown.read()) {
            const spacing = store.field?.spacing ?? 1;
            let rect: [number, number, number, number] | null = null;
            for (const g of r.regions) {
              const [x, y] = g.origin;
              rect = rect
                ? [Math.min(rect[0], x), Math.min(rect[1], y), Math.max(rect[2], x + g.size[0]), Math.max(rect[3], y + g.size[1])]
                : [x, y, x + g.size[0], y + g.size[1]];
            }
            try {
              if (rect) store.fit(rect, spacing);
            } catch (err) {
              app.send(ServerError, { code: 'world_bad_terrain', message: err instanceof Error ? err.message : String(err) });
            }
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
