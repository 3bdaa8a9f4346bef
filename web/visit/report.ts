/**
 * What a visit prints: entity records (world poses from the viewer's ECS, shape names as the viewer's mesh
 * code reads the wire parameters), the terrain summary, and percentiles for bot runs.
 */

import { shapeName } from '../../shared/geometry/prim-shape-name';
import type { HoverText, TextureAnim } from '../../shared/protocol';
import type { TerrainField } from '../scene/heightfield';
import type { VisitFace, VisitMesh, VisitSculpt } from './assets';

/** One entity as `visit` prints it. */
export interface VisitEntity {
  id: number;
  /** The simulator's object UUID, or null where the world has none (Finalverse). */
  uuid: string | null;
  kind: string;
  shape: string;
  name: string;
  /** World position in metres (linkset children resolved against their root); on a grid, in the session frame (see VisitReport.regions). */
  position: [number, number, number];
  /** World rotation [x, y, z, w]. */
  rotation: [number, number, number, number];
  scale: [number, number, number];
  /** Face 0's colour, RGBA bytes 0–255. */
  colour: [number, number, number, number];
  parent: number | null;
  moved: boolean;
  /** The Finalverse glTF model it draws (its SHA-256: GET /api/models/<hash>), where it has one; its shape is "model". */
  model?: string;
  /** OpenSim: the region it stands in (by its position; null outside every region shown). */
  region?: string | null;
  /** With --assets (web/visit/assets.ts): every face, the sculpt or mesh, the hover text, the texture animation. */
  faces?: VisitFace[];
  sculpt?: VisitSculpt | null;
  mesh?: VisitMesh | null;
  text?: HoverText | null;
  textureAnim?: TextureAnim | null;
}

/** The terrain as `visit` prints it. */
export interface VisitTerrain {
  /** Samples along x and y (`spacing` metres apart from the region's corner). */
  size: [number, number];
  spacing: number;
  min: number;
  max: number;
  mean: number;
  /** base64 of little-endian Float32 heights, row-major (y rows of x). */
  heights: string;
}

export { shapeName };

/** Rounds to 1e-4 (positions, rotations) so the JSON stays short; scale keeps 1e-5. */
export const round = (v: number, places = 4): number => {
  const f = 10 ** places;
  const r = Math.round(v * f) / f;
  return Object.is(r, -0) ? 0 : r;
};

/** Bytes as base64 without Node's Buffer (btoa exists in browsers, workers and Node ≥ 16). */
export function base64(bytes: Uint8Array): string {
  let out = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) out += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(out);
}

/** Decodes `visit`'s terrain heights (for tests and tools). */
export function decodeHeights(text: string): Float32Array {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const view = new DataView(bytes.buffer);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/**
 * The terrain received, as the world App's terrain plugin holds it, cropped to the world's size:
 * `round(size / spacing)` samples per axis. Null when no patch arrived.
 */
export function terrainReport(field: TerrainField | null, worldSize: readonly [number, number]): VisitTerrain | null {
  if (!field) return null;
  const sx = Math.min(field.width, Math.max(1, Math.round(worldSize[0] / field.spacing)));
  const sy = Math.min(field.height, Math.max(1, Math.round(worldSize[1] / field.spacing)));
  const heights = new Float32Array(sx * sy);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (let y = 0; y < sy; y++) {
    for (let x = 0; x < sx; x++) {
      const h = field.heights[y * field.width + x] ?? 0;
      heights[y * sx + x] = h;
      min = Math.min(min, h);
      max = Math.max(max, h);
      sum += h;
    }
  }
  const bytes = new Uint8Array(heights.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < heights.length; i++) view.setFloat32(i * 4, heights[i] ?? 0, true);
  return {
    size: [sx, sy],
    spacing: field.spacing,
    min: round(min),
    max: round(max),
    mean: round(sum / heights.length),
    heights: base64(bytes),
  };
}

/** The p-th percentile (nearest rank) of `values`, or null for none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? null;
}
