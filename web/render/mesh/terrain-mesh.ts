/**
 * Terrain meshes from a heightfield, in square patches with LODs so that large var regions (up to 8192 m) never
 * become one giant buffer: the renderer builds only the patches it draws, at the LOD it needs. Z is up.
 */

import { computeBounds, type MeshData } from '../../../shared/geometry/mesh-data';
import type { Heightfield } from '../../scene/heightfield';
import { MeshCode, meshError } from './errors';

export type { Heightfield };

/** Quads per patch side at LOD 0 (a power of two, so every LOD divides it). */
export const TERRAIN_PATCH_QUADS = 64;
/** LODs per patch: quad step 1, 2, 4, 8 samples. */
export const TERRAIN_LOD_COUNT = 4;
/** Face index of the terrain surface and of the skirts hanging from patch borders (they hide LOD cracks). */
export const TERRAIN_FACE_SURFACE = 0;
export const TERRAIN_FACE_SKIRT = 1;

/** The patches covering a heightfield, with bounding spheres ready for the cull pass (meshIds = patch index). */
export interface TerrainPatchGrid {
  patchQuads: number;
  patchesX: number;
  patchesY: number;
  /** (x, y, z, r) per patch, index py * patchesX + px. */
  spheres: Float32Array;
  minZ: Float32Array;
  maxZ: Float32Array;
}

function checkField(field: Heightfield): void {
  if (!(field.width >= 2 && field.height >= 2) || field.heights.length < field.width * field.height) {
    throw meshError(
      MeshCode.BadInput,
      'terrain',
      `a ${field.width}×${field.height} heightfield needs at least 2×2 samples and width·height heights`,
    );
  }
}

/** Height at sample (x, y), clamped to the field (so the last patch row repeats the border). */
function sample(field: Heightfield, x: number, y: number): number {
  const cx = x < 0 ? 0 : x >= field.width ? field.width - 1 : x;
  const cy = y < 0 ? 0 : y >= field.height ? field.height - 1 : y;
  return field.heights[cy * field.width + cx] ?? 0;
}

/** Splits a heightfield into patches of `patchQuads` quads per side and bounds each one. */
export function createTerrainPatchGrid(field: Heightfield, patchQuads = TERRAIN_PATCH_QUADS): TerrainPatchGrid {
  checkField(field);
  const s = field.spacing ?? 1;
  const patchesX = Math.ceil((field.width - 1) / patchQuads);
  const patchesY = Math.ceil((field.height - 1) / patchQuads);
  const count = patchesX * patchesY;
  const spheres = new Float32Array(count * 4);
  const minZ = new Float32Array(count);
  const maxZ = new Float32Array(count);
  for (let py = 0; py < patchesY; py++) {
    for (let px = 0; px < patchesX; px++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let y = py * patchQuads; y <= (py + 1) * patchQuads; y++) {
        for (let x = px * patchQuads; x <= (px + 1) * patchQuads; x++) {
          const h = sample(field, x, y);
          if (h < lo) lo = h;
          if (h > hi) hi = h;
        }
      }
      const i = py * patchesX + px;
      const half = (patchQuads * s) / 2;
      const dz = (hi - lo) / 2;
      spheres[i * 4] = (field.originX ?? 0) + px * patchQuads * s + half;
      spheres[i * 4 + 1] = (field.originY ?? 0) + py * patchQuads * s + half;
      spheres[i * 4 + 2] = lo + dz;
      spheres[i * 4 + 3] = Math.sqrt(2 * half * half + dz * dz);
      minZ[i] = lo;
      maxZ[i] = hi;
    }
  }
  return { patchQuads, patchesX, patchesY, spheres, minZ, maxZ };
}

/**
 * Triangle indices of any patch at `lod` (the vertex layout is the same for every patch): the (n+1)² grid,
 * row-major, then 4n skirt vertices around the border, counter-clockwise from the origin corner.
 */
export function terrainPatchIndices(lod: number, patchQuads = TERRAIN_PATCH_QUADS): Uint16Array | Uint32Array {
  const n = Math.max(1, patchQuads >> lod);
  const row = n + 1;
  const grid = row * row;
  const total = grid + 4 * n;
  const out = total <= 0xffff ? new Uint16Array(n * n * 6 + 4 * n * 6) : new Uint32Array(n * n * 6 + 4 * n * 6);
  let k = 0;
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const a = y * row + x;
      out[k++] = a;
      out[k++] = a + 1;
      out[k++] = a + row + 1;
      out[k++] = a;
      out[k++] = a + row + 1;
      out[k++] = a + row;
    }
  }
  const loop = borderLoop(n);
  for (let i = 0; i < loop.length; i++) {
    const a = loop[i] ?? 0;
    const b = loop[(i + 1) % loop.length] ?? 0;
    const la = grid + i;
    const lb = grid + ((i + 1) % loop.length);
    out[k++] = b;
    out[k++] = a;
    out[k++] = la;
    out[k++] = b;
    out[k++] = la;
    out[k++] = lb;
  }
  return out;
}

/** Grid vertex indices around the border of an n-quad patch, counter-clockwise seen from above. */
function borderLoop(n: number): Uint32Array {
  const row = n + 1;
  const loop = new Uint32Array(4 * n);
  let k = 0;
  for (let x = 0; x < n; x++) loop[k++] = x; // bottom, left → right
  for (let y = 0; y < n; y++) loop[k++] = y * row + n; // right, bottom → top
  for (let x = n; x > 0; x--) loop[k++] = n * row + x; // top, right → left
  for (let y = n; y > 0; y--) loop[k++] = y * row; // left, top → bottom
  return loop;
}

/**
 * One patch at one LOD (0 finest: every sample; LOD l takes every 2^l-th), positions in metres from the field's
 * origin, normals from the full-resolution heightfield so neighbouring patches agree, and skirts `skirtDepth` deep.
 */
export function generateTerrainPatch(
  field: Heightfield,
  px: number,
  py: number,
  lod: number,
  options: { patchQuads?: number; skirtDepth?: number } = {},
): MeshData {
  checkField(field);
  const patchQuads = options.patchQuads ?? TERRAIN_PATCH_QUADS;
  const s = field.spacing ?? 1;
  const step = 1 << Math.min(Math.max(Math.trunc(lod), 0), Math.log2(patchQuads));
  const n = Math.max(1, patchQuads / step);
  const row = n + 1;
  const grid = row * row;
  const vertexCount = grid + 4 * n;
  const positions = new Float32Array(vertexCount * 3);
  const normals = new Float32Array(vertexCount * 3);
  // Texture coordinates are region metres (the terrain shader tiles its textures by world position).
  const uvs = new Float32Array(vertexCount * 2);
  const faces = new Uint8Array(vertexCount);
  const x0 = px * patchQuads;
  const y0 = py * patchQuads;
  // Deeper skirts for coarser LODs: the crack is at most the height error of the coarser neighbour.
  const skirt = options.skirtDepth ?? 2 * step * s;
  const ox = field.originX ?? 0;
  const oy = field.originY ?? 0;
  for (let j = 0; j <= n; j++) {
    for (let i = 0; i <= n; i++) {
      const x = x0 + i * step;
      const y = y0 + j * step;
      const v = j * row + i;
      positions[v * 3] = ox + x * s;
      positions[v * 3 + 1] = oy + y * s;
      positions[v * 3 + 2] = sample(field, x, y);
      uvs[v * 2] = ox + x * s;
      uvs[v * 2 + 1] = oy + y * s;
      const dx = (sample(field, x + 1, y) - sample(field, x - 1, y)) / (2 * s);
      const dy = (sample(field, x, y + 1) - sample(field, x, y - 1)) / (2 * s);
      const len = Math.hypot(dx, dy, 1);
      normals[v * 3] = -dx / len;
      normals[v * 3 + 1] = -dy / len;
      normals[v * 3 + 2] = 1 / len;
    }
  }
  const loop = borderLoop(n);
  for (let k = 0; k < loop.length; k++) {
    const from = loop[k] ?? 0;
    const v = grid + k;
    positions[v * 3] = positions[from * 3] ?? 0;
    positions[v * 3 + 1] = positions[from * 3 + 1] ?? 0;
    positions[v * 3 + 2] = (positions[from * 3 + 2] ?? 0) - skirt;
    normals.copyWithin(v * 3, from * 3, from * 3 + 3);
    uvs.copyWithin(v * 2, from * 2, from * 2 + 2);
    faces[v] = TERRAIN_FACE_SKIRT;
  }
  const indices = terrainPatchIndices(Math.log2(step), patchQuads);
  return {
    positions,
    normals,
    uvs,
    faces,
    indices,
    vertexCount,
    indexCount: indices.length,
    faceCount: 2,
    bounds: computeBounds(positions),
  };
}

/** A flat-ish test heightfield: gentle hills around `base` metres (for scenes and tests). */
export function createTestHeightfield(width: number, height: number, base = 20, amplitude = 4): Heightfield {
  const heights = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      heights[y * width + x] = base + amplitude * Math.sin(x / 17) * Math.cos(y / 23) + (amplitude / 4) * Math.sin((x + y) / 7);
    }
  }
  return { width, height, heights, spacing: 1 };
}
