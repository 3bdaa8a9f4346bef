/** World-space bounding spheres of instances from their transforms and their mesh's local bounding sphere. */

/**
 * Writes (x, y, z, r) for instances [from, to) into `out`: centre = position + rotation · (scale ⊙ local centre),
 * radius = local radius · largest |scale|. Columns are struct-of-arrays as the ECS stores them: positions and scales
 * 3 floats, rotations 4 (quaternion x, y, z, w), meshSpheres 4 per mesh (in the mesh's unit space).
 */
export function writeInstanceSpheres(
  positions: Float32Array,
  rotations: Float32Array,
  scales: Float32Array,
  meshIds: Uint32Array,
  meshSpheres: Float32Array,
  out: Float32Array,
  from: number,
  to: number,
): void {
  for (let i = from; i < to; i++) {
    const m = meshIds[i] ?? 0;
    const sx = scales[i * 3] ?? 1;
    const sy = scales[i * 3 + 1] ?? 1;
    const sz = scales[i * 3 + 2] ?? 1;
    const lx = (meshSpheres[m * 4] ?? 0) * sx;
    const ly = (meshSpheres[m * 4 + 1] ?? 0) * sy;
    const lz = (meshSpheres[m * 4 + 2] ?? 0) * sz;
    const qx = rotations[i * 4] ?? 0;
    const qy = rotations[i * 4 + 1] ?? 0;
    const qz = rotations[i * 4 + 2] ?? 0;
    const qw = rotations[i * 4 + 3] ?? 1;
    // v' = v + 2w(q × v) + 2 q × (q × v)
    const tx = 2 * (qy * lz - qz * ly);
    const ty = 2 * (qz * lx - qx * lz);
    const tz = 2 * (qx * ly - qy * lx);
    out[i * 4] = (positions[i * 3] ?? 0) + lx + qw * tx + (qy * tz - qz * ty);
    out[i * 4 + 1] = (positions[i * 3 + 1] ?? 0) + ly + qw * ty + (qz * tx - qx * tz);
    out[i * 4 + 2] = (positions[i * 3 + 2] ?? 0) + lz + qw * tz + (qx * ty - qy * tx);
    out[i * 4 + 3] = (meshSpheres[m * 4 + 3] ?? 0) * Math.max(Math.abs(sx), Math.abs(sy), Math.abs(sz));
  }
}
