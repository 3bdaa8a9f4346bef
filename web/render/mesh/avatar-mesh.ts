/** A simple low-poly avatar figure (head, torso, arms, legs as capsules), unit height, facing +X, Z up. */
import { MeshBuilder, type MeshData } from '../../../shared/geometry/mesh-data';

/** Face indices of the avatar parts, for per-part colours. */
export const AVATAR_FACES = { head: 0, torso: 1, arms: 2, legs: 3 } as const;
export const AVATAR_LOD_COUNT = 3;

const SEGMENTS = [12, 8, 5] as const;
const RINGS = [4, 3, 2] as const;

/** A vertical capsule: hemispheres of radius r joined by a cylinder of length 2·half, centred at (cx, cy, cz). */
function capsule(b: MeshBuilder, cx: number, cy: number, cz: number, r: number, half: number, lod: number, face: number): void {
  const seg = SEGMENTS[lod] ?? 5;
  const rings = RINGS[lod] ?? 2;
  // Latitudes: bottom pole → equator (twice when there is a cylinder) → top pole.
  const lats: { a: number; z: number }[] = [];
  for (let k = 0; k <= rings; k++) lats.push({ a: -Math.PI / 2 + (k / rings) * (Math.PI / 2), z: -half });
  for (let k = half > 0 ? 0 : 1; k <= rings; k++) lats.push({ a: (k / rings) * (Math.PI / 2), z: half });
  const base = b.vertexCount;
  for (const { a, z } of lats) {
    for (let s = 0; s <= seg; s++) {
      const phi = ((s % seg) / seg) * Math.PI * 2;
      const ring = Math.cos(a) * r;
      b.vertex(cx + ring * Math.cos(phi), cy + ring * Math.sin(phi), cz + z + Math.sin(a) * r, face);
    }
  }
  const row = seg + 1;
  for (let k = 0; k + 1 < lats.length; k++) {
    for (let s = 0; s < seg; s++) {
      const v = base + k * row + s;
      b.quad(v, v + 1, v + row + 1, v + row);
    }
  }
  b.endGroup();
}

/** One LOD (0 finest .. 2) of the avatar figure; scale it uniformly by the avatar's height. */
export function generateAvatarMesh(lod: number): MeshData {
  const l = Math.min(Math.max(Math.trunc(lod), 0), AVATAR_LOD_COUNT - 1);
  const b = new MeshBuilder();
  capsule(b, 0, 0, 0.41, 0.07, 0, l, AVATAR_FACES.head);
  capsule(b, 0, 0, 0.135, 0.095, 0.1, l, AVATAR_FACES.torso);
  for (const y of [-0.14, 0.14]) capsule(b, 0, y, 0.145, 0.035, 0.13, l, AVATAR_FACES.arms);
  for (const y of [-0.055, 0.055]) capsule(b, 0, y, -0.265, 0.045, 0.19, l, AVATAR_FACES.legs);
  return b.finish(4);
}
