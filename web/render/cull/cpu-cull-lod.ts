/** CPU reference of the cull + LOD pass (shaders/cull-lod.wgsl): same arithmetic in f32, same output layout. */
import { CULLED, DRAW_ARGS_WORDS } from './cull-schema';
import type { CullInstances, CullParams, CullResult, DrawLayout } from './cull-types';

const f = Math.fround;

/** Allocates an output for cullLodCpu that can be reused frame after frame. */
export function createCullResult(layout: DrawLayout, capacity: number): CullResult {
  return {
    instanceLod: new Uint32Array(capacity),
    visible: new Uint32Array(Math.max(1, layout.visibleCapacity)),
    drawArgs: new Uint32Array(layout.slotCount * DRAW_ARGS_WORDS),
    visibleCount: 0,
  };
}

/**
 * Tests every instance's bounding sphere against the frustum, picks its LOD from the projected size, and compacts
 * visible indices per (mesh, LOD) slot in ascending order, writing DrawIndexedArgs per slot. Pure but for `out`.
 */
export function cullLodCpu(instances: CullInstances, layout: DrawLayout, params: CullParams, out?: CullResult): CullResult {
  const result = out ?? createCullResult(layout, instances.count);
  const { spheres, meshIds, count } = instances;
  const { planes, camera, lodK } = params;
  const lodCount = params.lodCount;
  const { instanceLod, visible, drawArgs } = result;
  drawArgs.set(layout.drawTemplate);
  const slotBase = layout.slotBase;
  const p0x = planes[0] ?? 0,
    p0y = planes[1] ?? 0,
    p0z = planes[2] ?? 0,
    p0w = planes[3] ?? 0;
  const p1x = planes[4] ?? 0,
    p1y = planes[5] ?? 0,
    p1z = planes[6] ?? 0,
    p1w = planes[7] ?? 0;
  const p2x = planes[8] ?? 0,
    p2y = planes[9] ?? 0,
    p2z = planes[10] ?? 0,
    p2w = planes[11] ?? 0;
  const p3x = planes[12] ?? 0,
    p3y = planes[13] ?? 0,
    p3z = planes[14] ?? 0,
    p3w = planes[15] ?? 0;
  const p4x = planes[16] ?? 0,
    p4y = planes[17] ?? 0,
    p4z = planes[18] ?? 0,
    p4w = planes[19] ?? 0;
  const p5x = planes[20] ?? 0,
    p5y = planes[21] ?? 0,
    p5z = planes[22] ?? 0,
    p5w = planes[23] ?? 0;
  const cx = camera[0] ?? 0;
  const cy = camera[1] ?? 0;
  const cz = camera[2] ?? 0;
  const detailK = params.detailK;
  const k0 = lodK[0] ?? 0;
  const k1 = lodK[1] ?? 0;
  const k2 = lodK[2] ?? 0;
  const k3 = lodK[3] ?? 0;
  const last = lodCount - 1;
  let visibleCount = 0;
  for (let i = 0; i < count; i++) {
    const x = spheres[i * 4] ?? 0;
    const y = spheres[i * 4 + 1] ?? 0;
    const z = spheres[i * 4 + 2] ?? 0;
    const r = spheres[i * 4 + 3] ?? 0;
    const nr = -r;
    // dot(plane.xyz, c) + plane.w < -r for any plane: outside.
    if (
      f(f(f(f(p0x * x) + f(p0y * y)) + f(p0z * z)) + p0w) < nr ||
      f(f(f(f(p1x * x) + f(p1y * y)) + f(p1z * z)) + p1w) < nr ||
      f(f(f(f(p2x * x) + f(p2y * y)) + f(p2z * z)) + p2w) < nr ||
      f(f(f(f(p3x * x) + f(p3y * y)) + f(p3z * z)) + p3w) < nr ||
      f(f(f(f(p4x * x) + f(p4y * y)) + f(p4z * z)) + p4w) < nr ||
      f(f(f(f(p5x * x) + f(p5y * y)) + f(p5z * z)) + p5w) < nr
    ) {
      instanceLod[i] = CULLED;
      continue;
    }
    const dx = f(x - cx);
    const dy = f(y - cy);
    const dz = f(z - cz);
    const d2 = f(f(f(dx * dx) + f(dy * dy)) + f(dz * dz));
    const r2 = f(r * r);
    if (r2 < f(detailK * d2)) {
      instanceLod[i] = CULLED;
      continue;
    }
    let lod = last;
    if (last > 0 && r2 >= f(k0 * d2)) lod = 0;
    else if (last > 1 && r2 >= f(k1 * d2)) lod = 1;
    else if (last > 2 && r2 >= f(k2 * d2)) lod = 2;
    else if (last > 3 && r2 >= f(k3 * d2)) lod = 3;
    instanceLod[i] = lod;
    const slot = (meshIds[i] ?? 0) * lodCount + lod;
    const at = slot * DRAW_ARGS_WORDS + 1;
    const k = drawArgs[at] ?? 0;
    drawArgs[at] = k + 1;
    visible[(slotBase[slot] ?? 0) + k] = i;
    visibleCount++;
  }
  result.visibleCount = visibleCount;
  return result;
}
