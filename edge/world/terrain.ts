/** Terrain: a heightfield of samples `spacing` metres apart, bilinear height lookup, and Storm terrain patches. */
import type { TerrainPatch } from '../../shared/protocol';

/** A square heightfield: `side`×`side` samples, row-major (y rows of x), `spacing` metres apart from (0, 0). */
export interface Heightfield {
  side: number;
  spacing: number;
  heights: number[];
}

/** Samples per patch edge (16 cells; neighbouring patches share an edge row). */
export const PATCH_SIDE = 17;

/** Builds a heightfield covering `extent` metres from a height function. */
export function createHeightfield(extent: number, spacing: number, height: (x: number, y: number) => number): Heightfield {
  const side = Math.round(extent / spacing) + 1;
  const heights: number[] = [];
  for (let j = 0; j < side; j++)
    for (let i = 0; i < side; i++) heights.push(Math.round(height(i * spacing, j * spacing) * 100) / 100);
  return { side, spacing, heights };
}

/** The terrain height at (x, y), bilinear between samples; clamped to the edges. */
export function heightAt(field: Heightfield, x: number, y: number): number {
  const max = field.side - 1;
  const fx = Math.min(max, Math.max(0, x / field.spacing));
  const fy = Math.min(max, Math.max(0, y / field.spacing));
  const i = Math.min(max - 1, Math.floor(fx));
  const j = Math.min(max - 1, Math.floor(fy));
  const tx = fx - i;
  const ty = fy - j;
  const h = (a: number, b: number) => field.heights[b * field.side + a] ?? 0;
  const top = h(i, j) * (1 - tx) + h(i + 1, j) * tx;
  const bottom = h(i, j + 1) * (1 - tx) + h(i + 1, j + 1) * tx;
  return top * (1 - ty) + bottom * ty;
}

/** The heightfield as terrain patch messages of PATCH_SIDE samples per edge. */
export function terrainPatches(field: Heightfield): TerrainPatch[] {
  const cells = PATCH_SIDE - 1;
  const out: TerrainPatch[] = [];
  for (let pj = 0; pj * cells < field.side - 1; pj++) {
    for (let pi = 0; pi * cells < field.side - 1; pi++) {
      const size = Math.min(PATCH_SIDE, field.side - pi * cells, field.side - pj * cells);
      const heights: number[] = [];
      for (let j = 0; j < size; j++) {
        for (let i = 0; i < size; i++) heights.push(field.heights[(pj * cells + j) * field.side + pi * cells + i] ?? 0);
      }
      out.push({
        type: 'terrain',
        x: pi * cells * field.spacing,
        y: pj * cells * field.spacing,
        size,
        spacing: field.spacing,
        heights,
      });
    }
  }
  return out;
}
