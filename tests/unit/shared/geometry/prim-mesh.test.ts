import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packMeshes } from '../../../../shared/geometry/mesh-data';
import { generatePrimLods, generatePrimMesh, PRIM_LOD_COUNT } from '../../../../shared/geometry/prim-mesh';
import {
  clampPrimParams,
  type PrimParams,
  type PrimType,
  primParams,
  primParamsKey,
} from '../../../../shared/geometry/prim-params';
import { basicProblems, openEdges, signedVolume } from './mesh-checks';

const TYPES: PrimType[] = ['box', 'cylinder', 'prism', 'sphere', 'torus', 'tube', 'ring'];

/** [vertices, indices] per LOD 0..2 for the plain shapes. */
const COUNTS: Record<PrimType, [number, number][]> = {
  box: [
    [24, 36],
    [24, 36],
    [24, 36],
  ],
  cylinder: [
    [130, 372],
    [66, 180],
    [34, 84],
  ],
  prism: [
    [18, 24],
    [18, 24],
    [18, 24],
  ],
  sphere: [
    [559, 2880],
    [151, 672],
    [43, 144],
  ],
  torus: [
    [1089, 6144],
    [289, 1536],
    [81, 384],
  ],
  tube: [
    [264, 768],
    [136, 384],
    [72, 192],
  ],
  ring: [
    [198, 576],
    [102, 288],
    [54, 144],
  ],
};

/** Variants SL closes with cap/cut faces, per shape. */
const CLOSED_VARIANTS: Partial<PrimParams>[] = [
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
  // Circular-path parameters (no effect on line paths).
  { revolutions: 2 },
  { radiusOffset: 0.5, hollow: 0.3 },
  { revolutions: 3, radiusOffset: -0.3, skew: 0.2, pathEnd: 0.8 },
  { holeSizeX: 0.5, holeSizeY: 0.1 },
];

describe('prim meshes', () => {
  it('have the expected vertex and index counts per shape and LOD, finer LODs never cheaper', () => {
    for (const type of TYPES) {
      const lods = generatePrimLods(primParams(type));
      expect(lods).toHaveLength(PRIM_LOD_COUNT);
      expect(
        lods.map((m) => [m.vertexCount, m.indexCount]),
        type,
      ).toEqual(COUNTS[type]);
      for (let l = 1; l < lods.length; l++) expect(lods[l]?.indexCount ?? 0).toBeLessThanOrEqual(lods[l - 1]?.indexCount ?? 0);
    }
  });

  it('are closed, outward-facing surfaces with unit normals, valid indices and no degenerate triangles, in every variant', () => {
    for (const type of TYPES) {
      for (const variant of CLOSED_VARIANTS) {
        for (let lod = 0; lod < PRIM_LOD_COUNT; lod++) {
          const m = generatePrimMesh(primParams(type, variant), lod);
          const what = `${type} ${JSON.stringify(variant)} LOD ${lod}`;
          expect(basicProblems(m), what).toEqual([]);
          // A tapered, skewed or coiled sphere spirals: its poles sweep lines along the axis that the path caps meet
          // in T-junctions (closed, but not welded).
          const tJunctions =
            type === 'sphere' && ((variant.taperX ?? 0) !== 0 || (variant.revolutions ?? 1) !== 1 || (variant.skew ?? 0) !== 0);
          if (!tJunctions) expect(openEdges(m).slice(0, 3), what).toEqual([]);
          expect(signedVolume(m), what).toBeGreaterThan(0);
        }
      }
    }
  });

  it('number faces as SL does for boxes, cylinders and spheres (caps, sides, hollow, cuts)', () => {
    expect(generatePrimMesh(primParams('box'), 0).faceCount).toBe(6);
    expect(generatePrimMesh(primParams('box', { hollow: 0.5 }), 0).faceCount).toBe(7);
    expect(generatePrimMesh(primParams('box', { profileBegin: 0.2, profileEnd: 0.7 }), 0).faceCount).toBe(7);
    expect(generatePrimMesh(primParams('cylinder'), 0).faceCount).toBe(3);
    expect(generatePrimMesh(primParams('sphere'), 0).faceCount).toBe(1);
    expect(generatePrimMesh(primParams('sphere', { hollow: 0.5 }), 0).faceCount).toBe(2);
    expect(generatePrimMesh(primParams('torus'), 0).faceCount).toBe(1);
    // Box: face 0 is the top (+Z), 5 the bottom, 1-4 the sides starting at -Y.
    const box = generatePrimMesh(primParams('box'), 0);
    const normalOfFace = (f: number): number[] => {
      const v = box.faces.indexOf(f);
      return [0, 1, 2].map((k) => Math.round(box.normals[v * 3 + k] ?? 0));
    };
    expect([0, 1, 2, 3, 4, 5].map(normalOfFace)).toEqual([
      [0, 0, 1],
      [0, -1, 0],
      [1, 0, 0],
      [0, 1, 0],
      [-1, 0, 0],
      [0, 0, -1],
    ]);
  });

  it('fit the unit box and have smooth outward normals on curved faces', () => {
    for (const type of TYPES) {
      const m = generatePrimMesh(primParams(type), 0);
      for (const c of m.positions) expect(Math.abs(c)).toBeLessThanOrEqual(0.5 + 1e-6);
      expect(m.bounds.radius).toBeLessThanOrEqual(Math.sqrt(0.75) + 1e-6);
    }
    const sphere = generatePrimMesh(primParams('sphere'), 0);
    for (let v = 0; v < sphere.vertexCount; v++) {
      const p = [0, 1, 2].map((k) => sphere.positions[v * 3 + k] ?? 0);
      const len = Math.hypot(...p);
      expect(len).toBeCloseTo(0.5, 5);
      const dot = p.reduce((s, c, k) => s + (c / len) * (sphere.normals[v * 3 + k] ?? 0), 0);
      expect(dot).toBeGreaterThan(0.98);
    }
  });

  it('shrink with hollow and cuts: a half-cut box has half the volume, a 50 % square hollow removes a quarter', () => {
    expect(signedVolume(generatePrimMesh(primParams('box', { profileBegin: 0.25, profileEnd: 0.75 }), 0))).toBeCloseTo(0.5, 6);
    expect(signedVolume(generatePrimMesh(primParams('box', { hollow: 0.5 }), 0))).toBeCloseTo(0.75, 6);
    expect(signedVolume(generatePrimMesh(primParams('box', { pathBegin: 0.5 }), 0))).toBeCloseTo(0.5, 6);
    expect(signedVolume(generatePrimMesh(primParams('sphere', { pathEnd: 0.5 }), 0))).toBeCloseTo(
      signedVolume(generatePrimMesh(primParams('sphere'), 0)) / 2,
      6,
    );
    // Taper to a point: a pyramid (1/3 of the box); shear keeps the volume.
    expect(signedVolume(generatePrimMesh(primParams('box', { taperX: 1, taperY: 1 }), 0))).toBeCloseTo(1 / 3, 6);
    expect(signedVolume(generatePrimMesh(primParams('box', { shearX: 0.5 }), 0))).toBeCloseTo(1, 6);
  });

  it('stay valid for random parameters (property): indices, normals, faces, no degenerate triangles', () => {
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
        // Degenerate shapes (taper to a point) may leave a face empty; everything else must hold.
        const problems = basicProblems(m).filter((s) => !/has no vertices/.test(s));
        expect(problems).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('clamps parameters into range and keys equal shapes equally', () => {
    const p = clampPrimParams({ ...primParams('box'), hollow: 3, profileBegin: 0.9, profileEnd: 0.1, revolutions: 9 });
    expect(p.hollow).toBe(0.95);
    expect(p.profileEnd).toBeGreaterThan(p.profileBegin);
    expect(p.revolutions).toBe(4);
    expect(primParamsKey(primParams('box'))).toBe(primParamsKey(primParams('box', { hollow: 0 })));
    expect(primParamsKey(primParams('box'))).not.toBe(primParamsKey(primParams('box', { hollow: 0.1 })));
  });

  it('pack into one vertex and index buffer with a range per mesh and LOD', () => {
    const packed = packMeshes([generatePrimLods(primParams('box')), generatePrimLods(primParams('sphere'))]);
    expect(packed.ranges).toHaveLength(2);
    expect(packed.ranges[1]?.[0]).toEqual({ indexCount: 2880, firstIndex: 108, baseVertex: 72 });
    expect(packed.indices.length).toBe(108 + 2880 + 672 + 144);
    expect(packed.positions.length).toBe(3 * (72 + 559 + 151 + 43));
  });
});
