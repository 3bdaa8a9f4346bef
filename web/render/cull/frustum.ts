/** Camera matrices (column-major, WebGPU 0..1 depth) and frustum planes for culling. */

/** A 4×4 matrix, column-major (as WGSL's mat4x4f expects). */
export type Mat4 = Float32Array;

/** A perspective projection with depth mapped to 0..1 (WebGPU clip space). `fovY` in radians. */
export function perspective(fovY: number, aspect: number, near: number, far: number): Mat4 {
  const f = 1 / Math.tan(fovY / 2);
  const m = new Float32Array(16);
  m[0] = f / aspect;
  m[5] = f;
  m[10] = far / (near - far);
  m[11] = -1;
  m[14] = (near * far) / (near - far);
  return m;
}

/** A right-handed view matrix looking from `eye` at `target` with `up` (use [0, 0, 1] for Z-up worlds). */
export function lookAt(eye: ArrayLike<number>, target: ArrayLike<number>, up: ArrayLike<number>): Mat4 {
  const ex = eye[0] ?? 0;
  const ey = eye[1] ?? 0;
  const ez = eye[2] ?? 0;
  let zx = ex - (target[0] ?? 0);
  let zy = ey - (target[1] ?? 0);
  let zz = ez - (target[2] ?? 0);
  const zl = Math.hypot(zx, zy, zz) || 1;
  zx /= zl;
  zy /= zl;
  zz /= zl;
  const ux = up[0] ?? 0;
  const uy = up[1] ?? 0;
  const uz = up[2] ?? 0;
  let xx = uy * zz - uz * zy;
  let xy = uz * zx - ux * zz;
  let xz = ux * zy - uy * zx;
  const xl = Math.hypot(xx, xy, xz) || 1;
  xx /= xl;
  xy /= xl;
  xz /= xl;
  const yx = zy * xz - zz * xy;
  const yy = zz * xx - zx * xz;
  const yz = zx * xy - zy * xx;
  const m = new Float32Array(16);
  m[0] = xx;
  m[1] = yx;
  m[2] = zx;
  m[4] = xy;
  m[5] = yy;
  m[6] = zy;
  m[8] = xz;
  m[9] = yz;
  m[10] = zz;
  m[12] = -(xx * ex + xy * ey + xz * ez);
  m[13] = -(yx * ex + yy * ey + yz * ez);
  m[14] = -(zx * ex + zy * ey + zz * ez);
  m[15] = 1;
  return m;
}

/** a × b for column-major 4×4 matrices (applies b first, then a). */
export function multiplyMat4(a: Mat4, b: Mat4): Mat4 {
  const out = new Float32Array(16);
  for (let c = 0; c < 4; c++) {
    for (let r = 0; r < 4; r++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += (a[k * 4 + r] ?? 0) * (b[c * 4 + k] ?? 0);
      out[c * 4 + r] = s;
    }
  }
  return out;
}

/**
 * The six frustum planes of a view-projection matrix (0..1 depth), as (nx, ny, nz, d) with unit normals
 * pointing inside: a point p is inside a plane when n·p + d >= 0. Order: left, right, bottom, top, near, far.
 */
export function frustumPlanes(viewProj: Mat4): Float32Array {
  const m = (c: number, r: number): number => viewProj[c * 4 + r] ?? 0;
  const row = (r: number): number[] => [m(0, r), m(1, r), m(2, r), m(3, r)];
  const r0 = row(0);
  const r1 = row(1);
  const r2 = row(2);
  const r3 = row(3);
  const combos: Array<(i: number) => number> = [
    (i) => (r3[i] ?? 0) + (r0[i] ?? 0),
    (i) => (r3[i] ?? 0) - (r0[i] ?? 0),
    (i) => (r3[i] ?? 0) + (r1[i] ?? 0),
    (i) => (r3[i] ?? 0) - (r1[i] ?? 0),
    (i) => r2[i] ?? 0,
    (i) => (r3[i] ?? 0) - (r2[i] ?? 0),
  ];
  const planes = new Float32Array(24);
  combos.forEach((f, p) => {
    const nx = f(0);
    const ny = f(1);
    const nz = f(2);
    const len = Math.hypot(nx, ny, nz) || 1;
    planes[p * 4] = nx / len;
    planes[p * 4 + 1] = ny / len;
    planes[p * 4 + 2] = nz / len;
    planes[p * 4 + 3] = f(3) / len;
  });
  return planes;
}

/** Pixels per metre at one metre's distance: the factor that turns radius/distance into a projected radius in pixels. */
export function projectionScale(fovY: number, viewportHeightPx: number): number {
  return viewportHeightPx / (2 * Math.tan(fovY / 2));
}
