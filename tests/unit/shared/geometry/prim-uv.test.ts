import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MeshData } from '../../../../shared/geometry/mesh-data';
import { generatePrimMesh, PRIM_LOD_COUNT } from '../../../../shared/geometry/prim-mesh';
import { clampPrimParams, type PrimParams, type PrimType, primParams } from '../../../../shared/geometry/prim-params';

const TYPES: PrimType[] = ['box', 'cylinder', 'prism', 'sphere', 'torus', 'tube', 'ring'];
const TOL = 1e-5;

/** The hollow face of each shape when its profile keeps all its sides (see prim-mesh.ts). */
const HOLLOW_FACE: Record<PrimType, number> = { box: 5, cylinder: 2, prism: 4, sphere: 1, torus: 1, tube: 4, ring: 3 };

const VARIANTS: Partial<PrimParams>[] = [
  {},
  { hollow: 0.5 },
  { hollow: 0.7, hollowShape: 'circle' },
  { hollow: 0.7, hollowShape: 'square' },
  { hollow: 0.7, hollowShape: 'triangle' },
  { profileBegin: 0.2, profileEnd: 0.7 },
  { profileBegin: 0.125, profileEnd: 0.875, hollow: 0.3 },
  { pathBegin: 0.25, pathEnd: 0.9 },
  { hollow: 0.4, profileBegin: 0.1, pathBegin: 0.2, pathEnd: 0.8 },
  { twistBegin: -0.5, twistEnd: 1.5 },
  { taperX: 0.5, taperY: -0.3, shearX: 0.2, shearY: -0.1 },
  { twistEnd: 1, taperX: 0.5, shearY: 0.2, hollow: 0.3 },
  { revolutions: 2 },
  { radiusOffset: 0.5, hollow: 0.3 },
  { revolutions: 3, radiusOffset: -0.3, skew: 0.2, pathEnd: 0.8 },
  { holeSizeX: 0.5, holeSizeY: 0.1 },
];

interface Vert {
  x: number;
  y: number;
  z: number;
  u: number;
  v: number;
}

function faceVerts(m: MeshData, face: number): Vert[] {
  const out: Vert[] = [];
  for (let i = 0; i < m.vertexCount; i++) {
    if (m.faces[i] !== face) continue;
    const [x, y, z] = [m.positions[i * 3] ?? 0, m.positions[i * 3 + 1] ?? 0, m.positions[i * 3 + 2] ?? 0];
    out.push({ x, y, z, u: m.uvs[i * 2] ?? 0, v: m.uvs[i * 2 + 1] ?? 0 });
  }
  return out;
}

function range(values: number[]): [number, number] {
  return [Math.min(...values), Math.max(...values)];
}

function expectRange(values: number[], lo: number, hi: number): void {
  const [min, max] = range(values);
  expect(min).toBeCloseTo(lo, 5);
  expect(max).toBeCloseTo(hi, 5);
}

/** Per face: how many triangles show the texture upright (+) and mirrored (-) seen from their front. */
function handedness(m: MeshData): Map<number, { upright: number; mirrored: number }> {
  const out = new Map<number, { upright: number; mirrored: number }>();
  for (let t = 0; t < m.indexCount / 3; t++) {
    const [a, b, c] = [m.indices[t * 3] ?? 0, m.indices[t * 3 + 1] ?? 0, m.indices[t * 3 + 2] ?? 0];
    const du1 = (m.uvs[b * 2] ?? 0) - (m.uvs[a * 2] ?? 0);
    const dv1 = (m.uvs[b * 2 + 1] ?? 0) - (m.uvs[a * 2 + 1] ?? 0);
    const du2 = (m.uvs[c * 2] ?? 0) - (m.uvs[a * 2] ?? 0);
    const dv2 = (m.uvs[c * 2 + 1] ?? 0) - (m.uvs[a * 2 + 1] ?? 0);
    // Triangles wind counter-clockwise seen from the front: an unmirrored mapping keeps that winding in (u, v).
    const area = du1 * dv2 - dv1 * du2;
    const face = m.faces[a] ?? 0;
    const entry = out.get(face) ?? { upright: 0, mirrored: 0 };
    if (area > 1e-12) entry.upright++;
    else if (area < -1e-12) entry.mirrored++;
    out.set(face, entry);
  }
  return out;
}

describe('prim texture coordinates (SL default mapping)', () => {
  it('map each of a default box’s six faces onto the whole texture, corner to corner, as SL does', () => {
    // SL: sides u left → right seen from outside, v up the path; top (x+.5, y+.5); bottom (x+.5, .5-y).
    const expected: ((p: Vert) => [number, number])[] = [
      (p) => [p.x + 0.5, p.y + 0.5], // 0 top: u along +x
      (p) => [p.x + 0.5, p.z + 0.5], // 1 the -y side: u along +x
      (p) => [p.y + 0.5, p.z + 0.5], // 2 the +x side: u along +y
      (p) => [0.5 - p.x, p.z + 0.5], // 3 the +y side: u along -x
      (p) => [0.5 - p.y, p.z + 0.5], // 4 the -x side: u along -y
      (p) => [p.x + 0.5, 0.5 - p.y], // 5 bottom: u along +x, v along -y
    ];
    for (let lod = 0; lod < PRIM_LOD_COUNT; lod++) {
      const m = generatePrimMesh(primParams('box'), lod);
      expected.forEach((uvOf, face) => {
        const verts = faceVerts(m, face);
        expect(verts).toHaveLength(4);
        const corners = verts.map((p) => `${Math.round(p.u)},${Math.round(p.v)}`).sort();
        expect(corners).toEqual(['0,0', '0,1', '1,0', '1,1']);
        for (const p of verts) {
          const [u, v] = uvOf(p);
          expect(p.u).toBeCloseTo(u, 5);
          expect(p.v).toBeCloseTo(v, 5);
        }
      });
    }
  });

  it('show the texture upright seen from outside on every face but the hollow, which SL mirrors', () => {
    for (const type of TYPES) {
      for (const v of [
        {},
        { hollow: 0.5 },
        { profileBegin: 0.2, profileEnd: 0.7 },
        { hollow: 0.4, profileBegin: 0.1, pathBegin: 0.2, pathEnd: 0.8 },
      ]) {
        const m = generatePrimMesh(primParams(type, v), 1);
        const hollowFace = 'hollow' in v ? HOLLOW_FACE[type] : -1;
        for (const [face, { upright, mirrored }] of handedness(m)) {
          const label = `${type} ${JSON.stringify(v)} face ${face}`;
          if (face === hollowFace) expect({ label, upright }).toEqual({ label, upright: 0 });
          else expect({ label, mirrored }).toEqual({ label, mirrored: 0 });
        }
      }
    }
  });

  it('wrap a cylinder’s side once around (u 0 → 1 from where the profile starts) with a seam where the ends meet', () => {
    for (let lod = 0; lod < PRIM_LOD_COUNT; lod++) {
      const side = faceVerts(generatePrimMesh(primParams('cylinder'), lod), 1);
      expectRange(
        side.map((p) => p.u),
        0,
        1,
      );
      expectRange(
        side.map((p) => p.v),
        0,
        1,
      );
      for (const p of side) {
        // The circle profile starts at 225° and runs counter-clockwise seen from above.
        const turn = (((Math.atan2(p.y, p.x) - 1.25 * Math.PI) / (2 * Math.PI)) % 1) + 1;
        const expected = turn % 1;
        if (expected < TOL || expected > 1 - TOL) expect(p.u < TOL || p.u > 1 - TOL).toBe(true);
        else expect(p.u).toBeCloseTo(expected, 5);
      }
      // The seam: every vertex at u = 0 has a twin at the same place with u = 1.
      const seam0 = side.filter((p) => p.u < TOL);
      const seam1 = side.filter((p) => p.u > 1 - TOL);
      expect(seam0.length).toBeGreaterThan(0);
      expect(seam0).toHaveLength(seam1.length);
      for (const p of seam0) {
        const twin = seam1.find((q) => Math.hypot(q.x - p.x, q.y - p.y, q.z - p.z) < TOL && Math.abs(q.v - p.v) < TOL);
        expect(twin).toBeDefined();
      }
    }
  });

  it('keep SL’s profile parameter as u on cut round sides, and restart u at 0 on each cut flat side', () => {
    const cyl = generatePrimMesh(primParams('cylinder', { profileBegin: 0.25, profileEnd: 0.75 }), 0);
    expectRange(
      faceVerts(cyl, 1).map((p) => p.u),
      0.25,
      0.75,
    );
    // Box cut 0.3 → 0.8: SL's sides 1 (from 0.2 of the way), 2 (whole) and 3 (up to 0.2 of the way).
    const box = generatePrimMesh(primParams('box', { profileBegin: 0.3, profileEnd: 0.8 }), 0);
    for (const [face, lo, hi] of [
      [1, 0.2, 1],
      [2, 0, 1],
      [3, 0, 0.2],
    ] as const) {
      expectRange(
        faceVerts(box, face).map((p) => p.u),
        lo,
        hi,
      );
    }
    // A sphere's half circle runs 0 → 1 from pole to pole; so does the path around it.
    const sphere = faceVerts(generatePrimMesh(primParams('sphere'), 0), 0);
    expectRange(
      sphere.map((p) => p.u),
      0,
      1,
    );
    expectRange(
      sphere.map((p) => p.v),
      0,
      1,
    );
  });

  it('take v on the sides from the path parameter: a path cut crops the texture and a closed path has a seam', () => {
    const box = generatePrimMesh(primParams('box', { pathBegin: 0.25, pathEnd: 0.9 }), 0);
    for (const face of [1, 2, 3, 4]) {
      const side = faceVerts(box, face);
      expectRange(
        side.map((p) => p.v),
        0.25,
        0.9,
      );
      expectRange(
        side.map((p) => p.u),
        0,
        1,
      );
    }
    expectRange(
      faceVerts(box, 0).map((p) => p.v),
      0,
      1,
    );
    const torus = faceVerts(generatePrimMesh(primParams('torus'), 1), 0);
    expectRange(
      torus.map((p) => p.v),
      0,
      1,
    );
    for (const p of torus.filter((q) => q.v < TOL)) {
      const twin = torus.find((q) => q.v > 1 - TOL && Math.hypot(q.x - p.x, q.y - p.y, q.z - p.z) < TOL);
      expect(twin).toBeDefined();
    }
  });

  it('map caps planarly from the profile: (x + 0.5, y + 0.5) on top, v mirrored (0.5 - y) on the bottom', () => {
    for (const type of ['box', 'cylinder', 'prism'] as const) {
      for (const v of VARIANTS.slice(0, 9)) {
        const m = generatePrimMesh(primParams(type, v), 0);
        const top = faceVerts(m, 0);
        const bottom = faceVerts(m, m.faceCount - 1);
        expect(top.length).toBeGreaterThan(2);
        expect(bottom.length).toBeGreaterThan(2);
        for (const p of top) {
          expect(p.u).toBeCloseTo(p.x + 0.5, 5);
          expect(p.v).toBeCloseTo(p.y + 0.5, 5);
        }
        for (const p of bottom) {
          expect(p.u).toBeCloseTo(p.x + 0.5, 5);
          expect(p.v).toBeCloseTo(0.5 - p.y, 5);
        }
      }
    }
  });

  it('keep cap texture coordinates under twist, taper and shear: the texture turns and shrinks with the cap', () => {
    const key = (m: MeshData, face: number): string[] =>
      faceVerts(m, face)
        .map((p) => `${p.u.toFixed(5)},${p.v.toFixed(5)}`)
        .sort();
    for (const type of ['box', 'cylinder', 'prism'] as const) {
      const plain = generatePrimMesh(primParams(type, { hollow: 0.3 }), 0);
      const bent = generatePrimMesh(primParams(type, { hollow: 0.3, twistEnd: 1, taperX: 0.5, shearY: 0.2 }), 0);
      expect(key(bent, 0)).toEqual(key(plain, 0));
      expect(key(bent, bent.faceCount - 1)).toEqual(key(plain, plain.faceCount - 1));
    }
  });

  it('give the hollow SL’s hole parameter (u within [0, hollow], half that in triangles) and run cut faces 0 → 1', () => {
    expectRange(
      faceVerts(generatePrimMesh(primParams('box', { hollow: 0.5 }), 0), 5).map((p) => p.u),
      0,
      0.5,
    );
    expectRange(
      faceVerts(generatePrimMesh(primParams('cylinder', { hollow: 0.6 }), 0), 2).map((p) => p.u),
      0,
      0.6,
    );
    expectRange(
      faceVerts(generatePrimMesh(primParams('prism', { hollow: 0.5 }), 0), 4).map((p) => p.u),
      0,
      0.25,
    );
    // Cylinder cut 0.2 → 0.7 (faces 2, 3): the begin face runs centre → rim, the end face rim → centre.
    const cut = generatePrimMesh(primParams('cylinder', { profileBegin: 0.2, profileEnd: 0.7 }), 0);
    for (const [face, centreU] of [
      [2, 0],
      [3, 1],
    ] as const) {
      const verts = faceVerts(cut, face);
      expectRange(
        verts.map((p) => p.v),
        0,
        1,
      );
      for (const p of verts) expect(p.u).toBeCloseTo(Math.hypot(p.x, p.y) < TOL ? centreU : 1 - centreU, 5);
    }
  });

  it('stay within the texture ([0, 1]) on every face of every shape variant and LOD', () => {
    for (const type of TYPES) {
      for (const v of VARIANTS) {
        for (let lod = 0; lod < PRIM_LOD_COUNT; lod++) {
          const m = generatePrimMesh(primParams(type, v), lod);
          expect(m.uvs).toHaveLength(m.vertexCount * 2);
          const [lo, hi] = range([...m.uvs]);
          expect({ type, v, lod, lo: lo >= -TOL, hi: hi <= 1 + TOL }).toEqual({ type, v, lod, lo: true, hi: true });
        }
      }
    }
  });

  it('are finite and within [0, 1] for random parameters (property)', () => {
    const arb = fc.record({
      type: fc.constantFrom(...TYPES),
      profileCurve: fc.constantFrom('circle', 'square', 'isoTriangle', 'equilateralTriangle', 'halfCircle' as const),
      hollowShape: fc.constantFrom('same', 'circle', 'square', 'triangle' as const),
      profileBegin: fc.double({ min: 0, max: 1, noNaN: true }),
      profileEnd: fc.double({ min: 0, max: 1, noNaN: true }),
      hollow: fc.double({ min: 0, max: 0.95, noNaN: true }),
      pathBegin: fc.double({ min: 0, max: 1, noNaN: true }),
      pathEnd: fc.double({ min: 0, max: 1, noNaN: true }),
      twistBegin: fc.double({ min: -3.2, max: 3.2, noNaN: true }),
      twistEnd: fc.double({ min: -3.2, max: 3.2, noNaN: true }),
      taperX: fc.double({ min: -1, max: 1, noNaN: true }),
      taperY: fc.double({ min: -1, max: 1, noNaN: true }),
      shearX: fc.double({ min: -0.5, max: 0.5, noNaN: true }),
      holeSizeY: fc.double({ min: 0.05, max: 1, noNaN: true }),
      revolutions: fc.double({ min: 1, max: 4, noNaN: true }),
      radiusOffset: fc.double({ min: -1, max: 1, noNaN: true }),
      skew: fc.double({ min: -1, max: 1, noNaN: true }),
      lod: fc.integer({ min: 0, max: 2 }),
    });
    fc.assert(
      fc.property(arb, ({ type, lod, ...rest }) => {
        const p = clampPrimParams({ ...primParams(type), ...rest, profileEnd: Math.max(rest.profileEnd, rest.profileBegin) });
        const m = generatePrimMesh(p, lod);
        expect(m.uvs).toHaveLength(m.vertexCount * 2);
        for (const x of m.uvs) {
          expect(Number.isFinite(x)).toBe(true);
          expect(x).toBeGreaterThanOrEqual(-TOL);
          expect(x).toBeLessThanOrEqual(1 + TOL);
        }
      }),
      { numRuns: 150 },
    );
  });
});
