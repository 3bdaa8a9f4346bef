/** Quaternion helpers shared by the edge (movement) and the viewer (linkset poses); [x, y, z, w], unit length. */

export type Vec3Like = readonly [number, number, number];
export type QuatLike = readonly [number, number, number, number];

/** q ⊗ r (Hamilton product): the rotation r followed by q. */
export function quatMultiply(q: QuatLike, r: QuatLike): [number, number, number, number] {
  const [qx, qy, qz, qw] = q;
  const [rx, ry, rz, rw] = r;
  return [
    qw * rx + qx * rw + qy * rz - qz * ry,
    qw * ry - qx * rz + qy * rw + qz * rx,
    qw * rz + qx * ry - qy * rx + qz * rw,
    qw * rw - qx * rx - qy * ry - qz * rz,
  ];
}

/** Rotates v by the unit quaternion q. */
export function quatRotate(q: QuatLike, v: Vec3Like): [number, number, number] {
  const [x, y, z, w] = q;
  const tx = 2 * (y * v[2] - z * v[1]);
  const ty = 2 * (z * v[0] - x * v[2]);
  const tz = 2 * (x * v[1] - y * v[0]);
  return [v[0] + w * tx + (y * tz - z * ty), v[1] + w * ty + (z * tx - x * tz), v[2] + w * tz + (x * ty - y * tx)];
}
