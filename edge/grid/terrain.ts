/**
 * Region terrain from LayerData: land patches (16x16 DCT, and the var-region 0x4D type) kept per patch, and
 * turned into Storm terrain patches of 17x17 samples (neighbouring patches share an edge, as the WorldRoom's do).
 */
import { decodeLayerData, LayerType } from '../../shared/lludp';
import type { TerrainPatch } from '../../shared/protocol';

/** Samples per LLUDP patch edge. */
export const LL_PATCH = 16;

/** A region's heightfield, filled patch by patch. */
export class GridTerrain {
  private readonly patches = new Map<number, Float32Array>();
  private dirty = new Set<number>();
  readonly patchesX: number;
  readonly patchesY: number;

  constructor(
    readonly sizeX: number,
    readonly sizeY: number,
  ) {
    this.patchesX = Math.ceil(sizeX / LL_PATCH);
    this.patchesY = Math.ceil(sizeY / LL_PATCH);
  }

  /** Patches received so far. */
  get count(): number {
    return this.patches.size;
  }

  /** Applies one LayerData body; true when it was land. Other layers (wind, cloud, water) are ignored. */
  apply(type: number, data: Uint8Array): boolean {
    if (type !== LayerType.land && type !== LayerType.landExtended) return false;
    const layer = decodeLayerData(type, data);
    for (const p of layer.patches) {
      if (p.x >= this.patchesX || p.y >= this.patchesY) continue;
      const key = p.y * this.patchesX + p.x;
      this.patches.set(key, p.values);
      // This patch, and the ones whose shared edge it supplies (west, south, south-west), change.
      this.dirty.add(key);
      if (p.x > 0) this.dirty.add(key - 1);
      if (p.y > 0) this.dirty.add(key - this.patchesX);
      if (p.x > 0 && p.y > 0) this.dirty.add(key - this.patchesX - 1);
    }
    return true;
  }

  /** Height at sample (x, y) in metres, or null when its patch has not arrived; clamped to the region. */
  sample(x: number, y: number): number | null {
    const cx = Math.min(Math.max(0, x), this.sizeX - 1);
    const cy = Math.min(Math.max(0, y), this.sizeY - 1);
    const p = this.patches.get(Math.floor(cy / LL_PATCH) * this.patchesX + Math.floor(cx / LL_PATCH));
    return p ? (p[(cy % LL_PATCH) * LL_PATCH + (cx % LL_PATCH)] ?? 0) : null;
  }

  private frame(key: number): TerrainPatch | null {
    const own = this.patches.get(key);
    if (!own) return null;
    const px = key % this.patchesX;
    const py = Math.floor(key / this.patchesX);
    const side = LL_PATCH + 1;
    const heights: number[] = new Array(side * side);
    for (let j = 0; j < side; j++) {
      for (let i = 0; i < side; i++) {
        const x = px * LL_PATCH + i;
        const y = py * LL_PATCH + j;
        // The shared edge comes from the neighbour; until it arrives (or past the region edge) repeat our own.
        const h =
          this.sample(x, y) ?? this.sample(Math.min(x, px * LL_PATCH + LL_PATCH - 1), Math.min(y, py * LL_PATCH + LL_PATCH - 1));
        heights[j * side + i] = Math.round((h ?? 0) * 1000) / 1000;
      }
    }
    return { type: 'terrain', x: px * LL_PATCH, y: py * LL_PATCH, size: side, spacing: 1, heights };
  }

  /** Every patch received, as Storm terrain patches. */
  all(): TerrainPatch[] {
    this.dirty.clear();
    return [...this.patches.keys()].flatMap((k) => this.frame(k) ?? []);
  }

  /** Patches changed since the last call. */
  takeChanges(): TerrainPatch[] {
    const keys = [...this.dirty];
    this.dirty = new Set();
    return keys.flatMap((k) => this.frame(k) ?? []);
  }
}
