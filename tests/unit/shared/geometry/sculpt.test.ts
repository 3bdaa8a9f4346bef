import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssetError } from '../../../../shared/assets/errors';
import type { MeshData } from '../../../../shared/geometry/mesh-data';
import {
  generateSculptLods,
  generateSculptMesh,
  SCULPT_CYLINDER,
  SCULPT_FLAG_INVERT,
  SCULPT_FLAG_MIRROR,
  SCULPT_PLANE,
  SCULPT_SPHERE,
  SCULPT_TORUS,
  type SculptMap,
  sculptGridSize,
} from '../../../../shared/geometry/sculpt';
import { basicProblems, openEdges, signedVolume } from './mesh-checks';

/** A map whose pixel at column x, image row `row` (top down) is f(u, v) with v = 0 at the image bottom. */
function mapOf(width: number, height: number, f: (u: number, v: number) => [number, number, number]): SculptMap {
  const rgba = new Uint8Array(width * height * 4);
  for (let row = 0; row < height; row++) {
    for (let x = 0; x < width; x++) {
      const [px, py, pz] = f(x / width, (height - 1 - row) / (height - 1));
      const at = (row * width + x) * 4;
      rgba[at] = Math.round((px + 0.5) * 255);
      rgba[at + 1] = Math.round((py + 0.5) * 255);
      rgba[at + 2] = Math.round((pz + 0.5) * 255);
      rgba[at + 3] = 255;
    }
  }
  return { width, height, rgba };
}

const TAU = Math.PI * 2;
/** Longitude across the map, latitude from the south pole (image bottom) to the north pole (image top). */
const sphereMap = (w: number, h: number): SculptMap =>
  mapOf(w, h, (u, v) => {
    const lat = Math.PI * (v - 0.5);
    return [0.5 * Math.cos(lat) * Math.cos(TAU * u), 0.5 * Math.cos(lat) * Math.sin(TAU * u), 0.5 * Math.sin(lat)];
  });
const torusMap = (w: number, h: number): SculptMap =>
  mapOf(w, h, (u, v) => {
    const ring = 0.32 + 0.16 * Math.cos(TAU * v);
    return [ring * Math.cos(TAU * u), ring * Math.sin(TAU * u), 0.16 * Math.sin(TAU * v)];
  });
const cylinderMap = (w: number, h: number): SculptMap =>
  mapOf(w, h, (u, v) => [0.5 * Math.cos(TAU * u), 0.5 * Math.sin(TAU * u), v - 0.5]);
const planeMap = (w: number, h: number): SculptMap => mapOf(w, h, (u, v) => [u - 0.5, v - 0.5, 0]);

/** Distinct welded edges that have no opposite twin (the border of an open surface). */
const borderEdges = (m: MeshData): number => openEdges(m).length;

describe('sculpt grid size', () => {
  it('follows SL: sides² samples per LOD, at most a quarter of the map pixels, in the map aspect', () => {
    expect([0, 1, 2].map((lod) => sculptGridSize(64, 64, lod))).toEqual([
      { columns: 32, rows: 32 },
      { columns: 16, rows: 16 },
      { columns: 8, rows: 8 },
    ]);
    expect(sculptGridSize(1024, 1024, 0)).toEqual({ columns: 32, rows: 32 });
    expect(sculptGridSize(16, 16, 0)).toEqual({ columns: 8, rows: 8 });
    expect(sculptGridSize(8, 8, 2)).toEqual({ columns: 4, rows: 4 });
    expect(sculptGridSize(4, 4, 0)).toEqual({ columns: 4, rows: 1 });
  });

  it('gives oblong maps the finest LOD whatever LOD is asked for', () => {
    for (const lod of [0, 1, 2]) expect(sculptGridSize(128, 32, lod)).toEqual({ columns: 64, rows: 16 });
    expect(sculptGridSize(32, 128, 2)).toEqual({ columns: 16, rows: 64 });
  });
});

describe('sculpted meshes', () => {
  it('a sphere map gives a closed surface facing out, with pinched poles', () => {
    const m = generateSculptMesh(sphereMap(64, 64), SCULPT_SPHERE);
    expect(basicProblems(m)).toEqual([]);
    expect(openEdges(m)).toEqual([]);
    // 33 x 33 samples; one sample of each pole row is used by no triangle.
    expect(m.vertexCount).toBe(33 * 33 - 2);
    expect(m.faceCount).toBe(1);
    expect(signedVolume(m)).toBeGreaterThan(0.45);
    expect(signedVolume(m)).toBeLessThan((4 / 3) * Math.PI * 0.125);
  });

  it('invert turns the surface inside out; mirror negates x and keeps it outside out', () => {
    const map = mapOf(64, 64, (u, v) => {
      const lat = Math.PI * (v - 0.5);
      // An egg shifted towards +x, so the mirror shows.
      return [0.1 + 0.35 * Math.cos(lat) * Math.cos(TAU * u), 0.4 * Math.cos(lat) * Math.sin(TAU * u), 0.4 * Math.sin(lat)];
    });
    const plain = generateSculptMesh(map, SCULPT_SPHERE);
    const inverted = generateSculptMesh(map, SCULPT_SPHERE | SCULPT_FLAG_INVERT);
    const mirrored = generateSculptMesh(map, SCULPT_SPHERE | SCULPT_FLAG_MIRROR);
    const both = generateSculptMesh(map, SCULPT_SPHERE | SCULPT_FLAG_MIRROR | SCULPT_FLAG_INVERT);
    expect(signedVolume(plain)).toBeGreaterThan(0.1);
    expect(signedVolume(inverted)).toBeCloseTo(-signedVolume(plain), 6);
    expect(signedVolume(mirrored)).toBeCloseTo(signedVolume(plain), 6);
    expect(signedVolume(both)).toBeCloseTo(-signedVolume(plain), 6);
    expect(plain.bounds.max[0]).toBeGreaterThan(0.4);
    expect(mirrored.bounds.min[0]).toBeCloseTo(-plain.bounds.max[0], 6);
    expect(mirrored.bounds.max[0]).toBeCloseTo(-plain.bounds.min[0], 6);
    for (const m of [inverted, mirrored, both]) expect(openEdges(m)).toEqual([]);
  });

  it('a torus map gives a closed surface facing out', () => {
    const m = generateSculptMesh(torusMap(64, 64), SCULPT_TORUS);
    expect(basicProblems(m)).toEqual([]);
    expect(openEdges(m)).toEqual([]);
    expect(m.vertexCount).toBe(33 * 33);
    // 2π² R r² for R = 0.32, r = 0.16, less a little for the facets.
    expect(signedVolume(m)).toBeGreaterThan(0.15);
    expect(signedVolume(m)).toBeLessThan(2 * Math.PI ** 2 * 0.32 * 0.16 ** 2);
  });

  it('a cylinder map wraps around and stays open at both ends', () => {
    const m = generateSculptMesh(cylinderMap(64, 64), SCULPT_CYLINDER, 1);
    expect(basicProblems(m)).toEqual([]);
    expect(m.vertexCount).toBe(17 * 17);
    // The two rims, 16 edges each.
    expect(borderEdges(m)).toBe(32);
    // Normals point away from the axis.
    for (let v = 0; v < m.vertexCount; v++) {
      const radial =
        (m.positions[v * 3] ?? 0) * (m.normals[v * 3] ?? 0) + (m.positions[v * 3 + 1] ?? 0) * (m.normals[v * 3 + 1] ?? 0);
      expect(radial).toBeGreaterThan(0);
    }
  });

  it('a plane map wraps nowhere: a sheet facing +z with its border open', () => {
    const m = generateSculptMesh(planeMap(32, 32), SCULPT_PLANE, 2);
    expect(basicProblems(m)).toEqual([]);
    expect(m.vertexCount).toBe(9 * 9);
    expect(borderEdges(m)).toBe(4 * 8);
    for (let v = 0; v < m.vertexCount; v++) expect(m.normals[v * 3 + 2]).toBeCloseTo(1, 6);
    const inverted = generateSculptMesh(planeMap(32, 32), SCULPT_PLANE | SCULPT_FLAG_INVERT, 2);
    for (let v = 0; v < inverted.vertexCount; v++) expect(inverted.normals[v * 3 + 2]).toBeCloseTo(-1, 6);
  });

  it('uvs are the sample grid: u across the map, v up from its bottom edge', () => {
    const m = generateSculptMesh(planeMap(32, 32), SCULPT_PLANE, 2);
    const seen = new Set<string>();
    for (let v = 0; v < m.vertexCount; v++) {
      const u = m.uvs[v * 2] ?? -1;
      const t = m.uvs[v * 2 + 1] ?? -1;
      seen.add(`${u * 8},${t * 8}`);
      // The plane map puts x = u - 0.5 and y = v - 0.5 (within the sampling grid's steps).
      expect(m.positions[v * 3]).toBeCloseTo(Math.min(u, 31 / 32) - 0.5, 1);
      expect(m.positions[v * 3 + 1]).toBeCloseTo(t - 0.5, 1);
    }
    expect(seen.size).toBe(81);
    for (let i = 0; i <= 8; i++) expect(seen.has(`${i},${8 - i}`)).toBe(true);
  });

  it('generateSculptLods gives the three LODs, shared when the grid is the same', () => {
    const lods = generateSculptLods(planeMap(64, 64), SCULPT_PLANE);
    expect(lods.map((m) => m.vertexCount)).toEqual([33 * 33, 17 * 17, 9 * 9]);
    const oblong = generateSculptLods(planeMap(128, 32), SCULPT_PLANE);
    expect(oblong.map((m) => m.vertexCount)).toEqual([65 * 17, 65 * 17, 65 * 17]);
    expect(oblong[1]).toBe(oblong[0]);
  });

  it('maps of the wrong size or type are rejected with asset_bad_sculpt', () => {
    const bad = (map: SculptMap, type = SCULPT_SPHERE, lod = 0): unknown => {
      try {
        generateSculptMesh(map, type, lod);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const ok = planeMap(8, 8);
    const cases: [string, unknown][] = [
      ['3 px wide', bad({ width: 3, height: 8, rgba: new Uint8Array(3 * 8 * 4) })],
      ['1025 px high', bad({ width: 4, height: 1025, rgba: new Uint8Array(4 * 1025 * 4) })],
      ['not an integer', bad({ width: 4.5, height: 8, rgba: new Uint8Array(144) })],
      ['rgba too short', bad({ ...ok, rgba: ok.rgba.subarray(4) })],
      ['type 0', bad(ok, 0)],
      ['type 5 (mesh)', bad(ok, 5)],
      ['LOD 3', bad(ok, SCULPT_PLANE, 3)],
    ];
    for (const [why, e] of cases) {
      expect(e, why).toBeInstanceOf(AssetError);
      expect(e, why).toMatchObject({ code: 'asset_bad_sculpt' });
    }
    expect(cases[0]?.[1]).toMatchObject({ message: 'assets: sculpt: map width 3 is not an integer in 4..1024' });
  });

  it('a 4x4 map builds one row of quads; a plane clamps its last column onto the one before, as SL does', () => {
    const m = generateSculptMesh(planeMap(4, 4), SCULPT_PLANE);
    expect(basicProblems(m)).toEqual([]);
    // Columns sample x = 0, 1, 2, 3 and 4 -> 3: the last quad of the row collapses and is dropped.
    expect(m.vertexCount).toBe(4 * 2);
    expect(m.indexCount).toBe(3 * 2 * 3);
  });
});

/** A random map with x rising across the image and y rising up it (so no two samples meet by chance), z random. */
const monotoneMap = fc
  .record({ width: fc.integer({ min: 6, max: 48 }), height: fc.integer({ min: 6, max: 48 }), seed: fc.integer() })
  .map(({ width, height, seed }) => {
    const rgba = new Uint8Array(width * height * 4);
    let s = seed | 0;
    for (let row = 0; row < height; row++) {
      for (let x = 0; x < width; x++) {
        s = (Math.imul(s, 1103515245) + 12345) | 0;
        const at = (row * width + x) * 4;
        rgba[at] = Math.floor((x * 255) / (width - 1));
        rgba[at + 1] = Math.floor(((height - 1 - row) * 255) / (height - 1));
        rgba[at + 2] = (s >>> 16) & 0xff;
        rgba[at + 3] = 255;
      }
    }
    return { width, height, rgba };
  });

describe('sculpt properties', () => {
  it('random maps of every type give closed or open meshes as expected, with the right vertex counts', () => {
    fc.assert(
      fc.property(
        monotoneMap,
        fc.constantFrom(SCULPT_SPHERE, SCULPT_TORUS, SCULPT_PLANE, SCULPT_CYLINDER),
        fc.constantFrom(0, SCULPT_FLAG_INVERT, SCULPT_FLAG_MIRROR, SCULPT_FLAG_INVERT | SCULPT_FLAG_MIRROR),
        fc.integer({ min: 0, max: 2 }),
        (map, stitching, flags, lod) => {
          const m = generateSculptMesh(map, stitching | flags, lod);
          const { columns, rows } = sculptGridSize(map.width, map.height, lod);
          const samples = (columns + 1) * (rows + 1);
          expect(basicProblems(m)).toEqual([]);
          const open = openEdges(m).length;
          if (stitching === SCULPT_SPHERE) {
            expect(m.vertexCount).toBe(samples - 2);
            expect(open).toBe(0);
          } else if (stitching === SCULPT_TORUS) {
            expect(m.vertexCount).toBe(samples);
            expect(open).toBe(0);
          } else if (stitching === SCULPT_CYLINDER) {
            expect(m.vertexCount).toBe(samples);
            expect(open).toBe(2 * columns);
          } else {
            expect(m.vertexCount).toBe(samples);
            expect(open).toBe(2 * (columns + rows));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('random input never throws anything but AssetError', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -2, max: 40 }),
        fc.integer({ min: -2, max: 40 }),
        fc.integer({ min: 0, max: 1 }),
        fc.integer({ min: -1, max: 300 }),
        fc.integer({ min: -1, max: 3 }),
        fc.integer(),
        (width, height, extra, type, lod, seed) => {
          const n = Math.max(0, width * height * 4 + extra * 4);
          const rgba = new Uint8Array(n);
          let s = seed;
          for (let i = 0; i < n; i++) {
            s = (Math.imul(s, 1103515245) + 12345) | 0;
            rgba[i] = (s >>> 16) & 0xff;
          }
          try {
            const m = generateSculptMesh({ width, height, rgba }, type, lod);
            for (const i of m.indices) expect(i).toBeLessThan(m.vertexCount);
          } catch (e) {
            expect(e).toBeInstanceOf(AssetError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
