import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareCullResults } from '../../../../../web/render/cull/compare-cull';
import { cullLodCpu } from '../../../../../web/render/cull/cpu-cull-lod';
import { CULLED, DRAW_ARGS_WORDS } from '../../../../../web/render/cull/cull-schema';
import {
  type CullInstances,
  type CullParams,
  createCullParams,
  createDrawLayout,
  DEFAULT_LOD_POLICY,
  type MeshLodRange,
} from '../../../../../web/render/cull/cull-types';
import { lookAt, multiplyMat4, perspective, projectionScale } from '../../../../../web/render/cull/frustum';
import { createRandomInstances, createRandomView } from '../../../../../web/render/cull/random-scene';

const meshLods = (meshes: number, lods = 3): MeshLodRange[][] =>
  Array.from({ length: meshes }, (_, m) =>
    Array.from({ length: lods }, (_, l) => ({ indexCount: 36 * (lods - l), firstIndex: 1000 * m + 100 * l, baseVertex: 10 * m })),
  );

/** Camera at the origin looking down +X, Z up, 90° FOV, 1000 px high. */
function axisView(): CullParams {
  const fovY = Math.PI / 2;
  const viewProj = multiplyMat4(perspective(fovY, 1, 1, 1000), lookAt([0, 0, 0], [1, 0, 0], [0, 0, 1]));
  return createCullParams({ viewProj, eye: [0, 0, 0], projScale: projectionScale(fovY, 1000) }, DEFAULT_LOD_POLICY, 1, 3);
}

function scene(spheres: number[][], meshIds?: number[]): CullInstances {
  return {
    count: spheres.length,
    spheres: Float32Array.from(spheres.flat()),
    meshIds: Uint32Array.from(meshIds ?? spheres.map(() => 0)),
  };
}

/** Plain f64 reference without f32 rounding, for property tests. */
function lodF64(instances: CullInstances, p: CullParams, i: number): number {
  const s = instances.spheres;
  const [x, y, z, r] = [s[i * 4] ?? 0, s[i * 4 + 1] ?? 0, s[i * 4 + 2] ?? 0, s[i * 4 + 3] ?? 0];
  for (let k = 0; k < 6; k++) {
    const pl = p.planes;
    if ((pl[k * 4] ?? 0) * x + (pl[k * 4 + 1] ?? 0) * y + (pl[k * 4 + 2] ?? 0) * z + (pl[k * 4 + 3] ?? 0) < -r) return CULLED;
  }
  const d2 = (x - (p.camera[0] ?? 0)) ** 2 + (y - (p.camera[1] ?? 0)) ** 2 + (z - (p.camera[2] ?? 0)) ** 2;
  if (r * r < p.detailK * d2) return CULLED;
  for (let l = 0; l < p.lodCount - 1; l++) if (r * r >= (p.lodK[l] ?? 0) * d2) return l;
  return p.lodCount - 1;
}

describe('cullLodCpu', () => {
  it('keeps spheres in front of the camera and culls those behind, beside and beyond the far plane', () => {
    const inst = scene([
      [10, 0, 0, 1], // in front
      [-10, 0, 0, 1], // behind
      [10, 30, 0, 1], // far to the side (90° FOV: |y| <= x)
      [2000, 0, 0, 1], // beyond far
      [10, 10.5, 0, 1], // straddles the right plane: visible
      [0.2, 0, 0, 1], // straddles the near plane: visible
    ]);
    const layout = createDrawLayout(inst.meshIds, inst.count, meshLods(1));
    const out = cullLodCpu(inst, layout, axisView());
    expect(Array.from(out.instanceLod).map((l) => l !== CULLED)).toEqual([true, false, false, false, true, true]);
    expect(out.visibleCount).toBe(3);
  });

  it('picks finer LODs for nearer spheres from their projected radius in pixels', () => {
    // projScale = 500 px/m at 1 m; thresholds 120 px and 30 px; detail cull below 0.5 px.
    const inst = scene([
      [10, 0, 0, 3], // 150 px: LOD 0
      [50, 0, 0, 3], // 30 px: LOD 1 (on the threshold counts as passing)
      [100, 0, 0, 3], // 15 px: LOD 2
      [900, 0, 0, 0.5], // 0.28 px: detail-culled
    ]);
    const layout = createDrawLayout(inst.meshIds, inst.count, meshLods(1));
    const out = cullLodCpu(inst, layout, axisView());
    expect(Array.from(out.instanceLod)).toEqual([0, 1, 2, CULLED]);
  });

  it('compacts visible instances per (mesh, LOD) slot in ascending order and counts them in the draw args', () => {
    const inst = scene(
      [
        [10, 0, 0, 3],
        [100, 0, 0, 3],
        [10, 1, 0, 3],
        [-5, 0, 0, 1],
        [11, 0, 0, 3],
      ],
      [1, 0, 1, 0, 0],
    );
    const layout = createDrawLayout(inst.meshIds, inst.count, meshLods(2));
    expect(Array.from(layout.slotBase)).toEqual([0, 3, 6, 9, 11, 13]);
    const out = cullLodCpu(inst, layout, axisView());
    const count = (s: number) => out.drawArgs[s * DRAW_ARGS_WORDS + 1];
    expect([0, 1, 2, 3, 4, 5].map(count)).toEqual([1, 0, 1, 2, 0, 0]);
    expect(out.visible[layout.slotBase[0] ?? 0]).toBe(4);
    expect(out.visible[layout.slotBase[2] ?? 0]).toBe(1);
    expect(Array.from(out.visible.subarray(layout.slotBase[3], (layout.slotBase[3] ?? 0) + 2))).toEqual([0, 2]);
    expect(out.drawArgs[3 * DRAW_ARGS_WORDS]).toBe(108);
    expect(out.drawArgs[3 * DRAW_ARGS_WORDS + 2]).toBe(1000);
    expect(out.drawArgs[3 * DRAW_ARGS_WORDS + 3]).toBe(10);
  });

  it('coarsens LODs as the adaptive bias grows', () => {
    const inst = createRandomInstances(7, 2000, 3);
    const layout = createDrawLayout(inst.meshIds, inst.count, meshLods(3));
    const view = createRandomView(7);
    const mean = (bias: number) => {
      const out = cullLodCpu(inst, layout, createCullParams(view, { thresholdsPx: [120, 30], detailPx: 0 }, bias, 3));
      let sum = 0;
      let n = 0;
      for (const l of out.instanceLod) {
        if (l === CULLED) continue;
        sum += l;
        n++;
      }
      return sum / n;
    };
    expect(mean(0.5)).toBeLessThan(mean(1));
    expect(mean(1)).toBeLessThan(mean(4));
  });

  it('agrees with an f64 reference on random scenes except within rounding of a boundary (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e9 }),
        fc.integer({ min: 1, max: 600 }),
        fc.double({ min: 0.3, max: 6 }),
        (seed, n, bias) => {
          const inst = createRandomInstances(seed, n, 4, 512);
          const layout = createDrawLayout(inst.meshIds, inst.count, meshLods(4));
          const params = createCullParams(createRandomView(seed, 512), DEFAULT_LOD_POLICY, bias, 3);
          const out = cullLodCpu(inst, layout, params);
          const ref = { ...out, instanceLod: Uint32Array.from({ length: n }, (_, i) => lodF64(inst, params, i)) };
          // Only per-instance LODs are compared against ref; slots are checked for self-consistency on both.
          const cmp = compareCullResults(inst, layout, params, ref, { ...out, drawArgs: out.drawArgs });
          const lodOnly = cmp.mismatches.filter((m) => m.startsWith('instance'));
          expect(lodOnly).toEqual([]);
          const self = compareCullResults(inst, layout, params, out, out);
          expect(self.mismatches).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reuses an output buffer across frames without stale counts', () => {
    const inst = createRandomInstances(3, 500, 2);
    const layout = createDrawLayout(inst.meshIds, inst.count, meshLods(2));
    const a = cullLodCpu(inst, layout, createCullParams(createRandomView(1), DEFAULT_LOD_POLICY, 1, 3));
    const again = cullLodCpu(inst, layout, createCullParams(createRandomView(2), DEFAULT_LOD_POLICY, 1, 3), a);
    const fresh = cullLodCpu(inst, layout, createCullParams(createRandomView(2), DEFAULT_LOD_POLICY, 1, 3));
    expect(Array.from(again.drawArgs)).toEqual(Array.from(fresh.drawArgs));
    expect(again.visibleCount).toBe(fresh.visibleCount);
  });
});

describe('createDrawLayout', () => {
  it('refuses mesh ids beyond the mesh table and meshes with different LOD counts', () => {
    expect(() => createDrawLayout(Uint32Array.of(2), 1, meshLods(2))).toThrow(/mesh 2/);
    expect(() => createDrawLayout(Uint32Array.of(0), 1, [meshLods(1, 3)[0] ?? [], meshLods(1, 2)[0] ?? []])).toThrow(
      /same number/,
    );
  });

  it('puts the region start in firstInstance only when asked (indirect-first-instance)', () => {
    const ids = Uint32Array.of(0, 1, 1);
    expect(createDrawLayout(ids, 3, meshLods(2)).drawTemplate[3 * 5 + 4]).toBe(0);
    expect(createDrawLayout(ids, 3, meshLods(2), { firstInstanceIsBase: true }).drawTemplate[3 * 5 + 4]).toBe(3);
  });
});

describe('createDrawLayout with aligned regions', () => {
  it('starts every region on a multiple of regionAlign (for dynamic storage offsets) and culls the same', () => {
    const inst = createRandomInstances(5, 3000, 4, 256);
    const plain = createDrawLayout(inst.meshIds, inst.count, meshLods(4));
    const aligned = createDrawLayout(inst.meshIds, inst.count, meshLods(4), { regionAlign: 64 });
    for (const b of aligned.slotBase) expect(b % 64).toBe(0);
    expect(aligned.visibleCapacity).toBeGreaterThanOrEqual(plain.visibleCapacity);
    const params = createCullParams(createRandomView(5, 256), DEFAULT_LOD_POLICY, 1, 3);
    const a = cullLodCpu(inst, plain, params);
    const b = cullLodCpu(inst, aligned, params);
    expect(Array.from(b.instanceLod)).toEqual(Array.from(a.instanceLod));
    expect(compareCullResults(inst, aligned, params, b, b).mismatches).toEqual([]);
  });
});
