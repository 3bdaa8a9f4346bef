/** Picking: which entity a ray from the camera meets first (ray against each entity's oriented box; pure). */
import { type QuatLike, quatRotate } from '../../shared/math/quat';

/** What a click in the world selected (the `picked` event; plugins with world:select get it as is). */
export interface PickedObject {
  /** The server's id of the entity. */
  id: number;
  kind: 'prim' | 'avatar';
  /** Its name ('' while the world has not said). */
  name: string;
  /** Its owner's id where the world tells the viewer one (an OpenSim owner's UUID), else null (docs/plugins.md). */
  owner: string | null;
  /**
   * Its owner's name where known, else null: a Finalverse creator's display name; for OpenSim the name the grid gave
   * (UUIDNameRequest, asked by the gateway), else that of the owner's avatar when it is in view.
   */
  ownerName: string | null;
  /** box, cylinder, prism, sphere, torus, tube, ring, half-cylinder, sculpt, mesh, model, or avatar. */
  shape: string;
  /** The source world's own id (an OpenSim object's UUID), where it has one. */
  uuid: string | null;
  position: [number, number, number];
  /** Size in metres along its own axes. */
  scale: [number, number, number];
  /** Metres from the ray's origin to where it meets the object. */
  distance: number;
}

/**
 * Where the ray `origin + t·dir` (dir need not be unit length; t in its units) first meets the box of size `scale`
 * centred at `position`, turned by the quaternion `rotation` (x, y, z, w): the smallest t ≥ 0, or null for a miss.
 * A ray starting inside the box meets it at 0.
 */
export function rayBoxDistance(
  origin: ArrayLike<number>,
  dir: ArrayLike<number>,
  position: ArrayLike<number>,
  rotation: ArrayLike<number>,
  scale: ArrayLike<number>,
): number | null {
  // Into the box's frame: rotate by the conjugate quaternion.
  const inverse: QuatLike = [-(rotation[0] ?? 0), -(rotation[1] ?? 0), -(rotation[2] ?? 0), rotation[3] ?? 1];
  const o = quatRotate(inverse, [
    (origin[0] ?? 0) - (position[0] ?? 0),
    (origin[1] ?? 0) - (position[1] ?? 0),
    (origin[2] ?? 0) - (position[2] ?? 0),
  ]);
  const d = quatRotate(inverse, [dir[0] ?? 0, dir[1] ?? 0, dir[2] ?? 0]);
  let near = 0;
  let far = Number.POSITIVE_INFINITY;
  for (let k = 0; k < 3; k++) {
    const half = Math.abs(scale[k] ?? 0) / 2;
    const ok = o[k] as number;
    const dk = d[k] as number;
    if (Math.abs(dk) < 1e-12) {
      if (ok < -half || ok > half) return null;
      continue;
    }
    let t1 = (-half - ok) / dk;
    let t2 = (half - ok) / dk;
    if (t1 > t2) [t1, t2] = [t2, t1];
    near = Math.max(near, t1);
    far = Math.min(far, t2);
    if (near > far) return null;
  }
  return Number.isFinite(near) ? near : null;
}

/** The nearest of `boxes` the ray meets within `maxDistance` (its index and distance), or null. */
export function nearestHit(
  origin: ArrayLike<number>,
  dir: ArrayLike<number>,
  count: number,
  box: (i: number) => { position: ArrayLike<number>; rotation: ArrayLike<number>; scale: ArrayLike<number> } | null,
  maxDistance = Number.POSITIVE_INFINITY,
): { index: number; distance: number } | null {
  let best: { index: number; distance: number } | null = null;
  for (let i = 0; i < count; i++) {
    const b = box(i);
    if (!b) continue;
    const t = rayBoxDistance(origin, dir, b.position, b.rotation, b.scale);
    if (t === null || t > maxDistance) continue;
    if (!best || t < best.distance) best = { index: i, distance: t };
  }
  return best;
}
