/** Compares two cull + LOD results (GPU read-back vs CPU reference), allowing only decisions within f32 rounding. */
import { CULLED, DRAW_ARGS_WORDS } from './cull-schema';
import type { CullInstances, CullParams, CullResult, DrawLayout } from './cull-types';

/** What a comparison found. */
export interface CullComparison {
  /** Instances whose decisions both sides must agree on. */
  compared: number;
  /** Instances within `tolerance` of a plane or LOD threshold, where f32 rounding may legitimately differ. */
  borderline: number;
  /** Human-readable differences (at most 20). */
  mismatches: string[];
  /** Number of differences (all of them). */
  mismatchCount: number;
}

/** True when instance i sits within a relative `tolerance` of a frustum plane or a LOD/detail threshold. */
export function isBorderline(instances: CullInstances, params: CullParams, i: number, tolerance: number): boolean {
  const s = instances.spheres;
  const x = s[i * 4] ?? 0;
  const y = s[i * 4 + 1] ?? 0;
  const z = s[i * 4 + 2] ?? 0;
  const r = s[i * 4 + 3] ?? 0;
  const pl = params.planes;
  for (let p = 0; p < 6; p++) {
    const a = (pl[p * 4] ?? 0) * x;
    const b = (pl[p * 4 + 1] ?? 0) * y;
    const c = (pl[p * 4 + 2] ?? 0) * z;
    const w = pl[p * 4 + 3] ?? 0;
    const scale = Math.abs(a) + Math.abs(b) + Math.abs(c) + Math.abs(w) + Math.abs(r);
    if (Math.abs(a + b + c + w + r) <= tolerance * scale) return true;
  }
  const dx = x - (params.camera[0] ?? 0);
  const dy = y - (params.camera[1] ?? 0);
  const dz = z - (params.camera[2] ?? 0);
  const d2 = dx * dx + dy * dy + dz * dz;
  const r2 = r * r;
  const ks = [params.detailK, ...Array.from(params.lodK.subarray(0, Math.max(0, params.lodCount - 1)))];
  for (const k of ks) {
    const kd = k * d2;
    if (Math.abs(r2 - kd) <= tolerance * Math.max(r2, kd)) return true;
  }
  return false;
}

/**
 * Checks that `actual` (e.g. the GPU read-back) matches `expected` (the CPU reference): the same LOD per instance
 * except at borderline instances, each slot's region holding exactly the instances with that mesh and LOD, and the
 * same draw arguments. `tolerance` is relative (1e-5 covers f32 rounding and fused multiply-adds).
 */
export function compareCullResults(
  instances: CullInstances,
  layout: DrawLayout,
  params: CullParams,
  expected: CullResult,
  actual: CullResult,
  tolerance = 1e-5,
): CullComparison {
  const mismatches: string[] = [];
  let mismatchCount = 0;
  const report = (m: string): void => {
    mismatchCount++;
    if (mismatches.length < 20) mismatches.push(m);
  };
  let compared = 0;
  let borderline = 0;
  const lodCount = layout.lodCount;
  for (let i = 0; i < instances.count; i++) {
    const e = expected.instanceLod[i];
    const a = actual.instanceLod[i];
    if (e === a) {
      compared++;
      continue;
    }
    if (isBorderline(instances, params, i, tolerance)) {
      borderline++;
      continue;
    }
    compared++;
    report(`instance ${i}: LOD ${e === CULLED ? 'culled' : e} expected, ${a === CULLED ? 'culled' : a} found`);
  }
  // Each slot's region must hold exactly the instances the same side assigned to it.
  for (const [name, result] of [
    ['expected', expected],
    ['actual', actual],
  ] as const) {
    const seen = new Uint8Array(instances.count);
    let total = 0;
    for (let s = 0; s < layout.slotCount; s++) {
      const n = result.drawArgs[s * DRAW_ARGS_WORDS + 1] ?? 0;
      const base = layout.slotBase[s] ?? 0;
      const mesh = Math.floor(s / lodCount);
      const lod = s % lodCount;
      for (let k = 0; k < n; k++) {
        const i = result.visible[base + k] ?? 0;
        if (i >= instances.count || seen[i]) {
          report(`${name}: slot ${s} lists instance ${i} twice or out of range`);
          continue;
        }
        seen[i] = 1;
        if ((instances.meshIds[i] ?? 0) !== mesh || result.instanceLod[i] !== lod) {
          report(`${name}: slot ${s} (mesh ${mesh}, LOD ${lod}) lists instance ${i} with LOD ${result.instanceLod[i]}`);
        }
      }
      total += n;
      for (const w of [0, 2, 3, 4]) {
        if (result.drawArgs[s * DRAW_ARGS_WORDS + w] !== layout.drawTemplate[s * DRAW_ARGS_WORDS + w]) {
          report(`${name}: slot ${s} draw argument ${w} differs from the layout`);
        }
      }
    }
    for (let i = 0; i < instances.count; i++) {
      if (!seen[i] && result.instanceLod[i] !== CULLED) report(`${name}: visible instance ${i} is in no slot`);
    }
    if (total !== result.visibleCount) report(`${name}: visibleCount ${result.visibleCount} but slots hold ${total}`);
  }
  return { compared, borderline, mismatches, mismatchCount };
}
