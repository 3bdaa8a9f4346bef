import { describe, expect, it } from 'vitest';
import {
  createTerrainPatchGrid,
  createTestHeightfield,
  generateTerrainPatch,
  TERRAIN_FACE_SKIRT,
  TERRAIN_LOD_COUNT,
  terrainPatchIndices,
} from '../../../../../web/render/mesh/terrain-mesh';
import { basicProblems } from '../../../shared/geometry/mesh-checks';

describe('terrain meshes', () => {
  it('split a 256 m region into 4×4 patches of 64 quads with bounding spheres that hold every sample', () => {
    const field = createTestHeightfield(256, 256);
    const grid = createTerrainPatchGrid(field);
    expect([grid.patchesX, grid.patchesY]).toEqual([4, 4]);
    let worst = -Infinity;
    for (let py = 0; py < 4; py++) {
      for (let px = 0; px < 4; px++) {
        const m = generateTerrainPatch(field, px, py, 0);
        const i = py * 4 + px;
        const [cx, cy, cz, r] = Array.from(grid.spheres.subarray(i * 4, i * 4 + 4));
        for (let v = 0; v < 65 * 65; v++) {
          const d = Math.hypot(
            (m.positions[v * 3] ?? 0) - (cx ?? 0),
            (m.positions[v * 3 + 1] ?? 0) - (cy ?? 0),
            (m.positions[v * 3 + 2] ?? 0) - (cz ?? 0),
          );
          worst = Math.max(worst, d - (r ?? 0));
        }
      }
    }
    expect(worst).toBeLessThanOrEqual(1e-3);
  });

  it('has (n+1)² surface vertices plus 4n skirt vertices and 6 indices per quad at each LOD', () => {
    const field = createTestHeightfield(256, 256);
    for (let lod = 0; lod < TERRAIN_LOD_COUNT; lod++) {
      const n = 64 >> lod;
      const m = generateTerrainPatch(field, 1, 2, lod);
      expect(m.vertexCount).toBe((n + 1) ** 2 + 4 * n);
      expect(m.indexCount).toBe(6 * n * n + 6 * 4 * n);
      expect(basicProblems(m)).toEqual([]);
      expect(m.faces.filter((f) => f === TERRAIN_FACE_SKIRT).length).toBe(4 * n);
      // The same index buffer serves every patch at this LOD.
      expect(Array.from(m.indices)).toEqual(Array.from(terrainPatchIndices(lod)));
    }
  });

  it('faces up, with normals that follow the slope and agree across patch borders', () => {
    const w = 129;
    const heights = new Float32Array(w * w);
    for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) heights[y * w + x] = 0.5 * x; // a 0.5 slope rising in +x
    const field = { width: w, height: w, heights, spacing: 1 };
    const a = generateTerrainPatch(field, 0, 0, 0);
    const b = generateTerrainPatch(field, 1, 0, 0);
    const n = [a.normals[65 * 10 * 3 + 30 * 3], a.normals[65 * 10 * 3 + 30 * 3 + 1], a.normals[65 * 10 * 3 + 30 * 3 + 2]];
    expect(n[0]).toBeCloseTo(-0.5 / Math.hypot(0.5, 1), 5);
    expect(n[1]).toBeCloseTo(0, 5);
    // Vertex at the right border of patch 0 (x = 64) equals the left border of patch 1.
    for (let j = 0; j <= 64; j++) {
      const va = j * 65 + 64;
      const vb = j * 65;
      for (let k = 0; k < 3; k++) {
        expect(a.positions[va * 3 + k]).toBe(b.positions[vb * 3 + k]);
        expect(a.normals[va * 3 + k]).toBe(b.normals[vb * 3 + k]);
      }
    }
    // Triangles wind counter-clockwise seen from above: geometric normals point up.
    for (let t = 0; t < (6 * 64 * 64) / 3; t++) {
      const [i0, i1, i2] = [a.indices[t * 3] ?? 0, a.indices[t * 3 + 1] ?? 0, a.indices[t * 3 + 2] ?? 0];
      const ux = (a.positions[i1 * 3] ?? 0) - (a.positions[i0 * 3] ?? 0);
      const uy = (a.positions[i1 * 3 + 1] ?? 0) - (a.positions[i0 * 3 + 1] ?? 0);
      const vx = (a.positions[i2 * 3] ?? 0) - (a.positions[i0 * 3] ?? 0);
      const vy = (a.positions[i2 * 3 + 1] ?? 0) - (a.positions[i0 * 3 + 1] ?? 0);
      expect(ux * vy - uy * vx).toBeGreaterThan(0);
    }
  });

  it('handles an 8192 m var region as 128×128 patches without building the whole mesh', () => {
    const size = 8192;
    const field = { width: size, height: size, heights: new Float32Array(size * size).fill(21), spacing: 1 };
    const grid = createTerrainPatchGrid(field);
    expect(grid.patchesX * grid.patchesY).toBe(128 * 128);
    expect(grid.spheres.length).toBe(128 * 128 * 4);
    const far = generateTerrainPatch(field, 127, 127, 3);
    expect(far.vertexCount).toBe(9 * 9 + 32);
    expect(far.bounds.max[0]).toBe(8192);
  });

  it('refuses heightfields with fewer samples than width × height', () => {
    expect(() => createTerrainPatchGrid({ width: 4, height: 4, heights: new Float32Array(3) })).toThrow(/terrain:/);
  });
});
