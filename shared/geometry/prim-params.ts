/** Prim shape parameters after the Second Life / OpenSim prim model, the seven basic shapes, and clamping. */

/** Path: straight extrusion along +Z (box, cylinder, prism) or revolution around the X axis (sphere, torus, tube, ring). */
export type PathCurve = 'line' | 'circle';

/** Cross-section curve. The triangles and square fill the unit square; circles have radius 0.5. */
export type ProfileCurve = 'circle' | 'square' | 'isoTriangle' | 'equilateralTriangle' | 'halfCircle';

/** Shape of the hole; 'same' follows the profile. */
export type HollowShape = 'same' | 'circle' | 'square' | 'triangle';

/**
 * One prim's shape, in unit size (the instance scale stretches it). Cuts are fractions 0..1 with begin < end.
 * Twist is in radians. For LLUDP ObjectUpdate fields: profile/path begin/end, hollow and the scales map
 * directly once dequantised; taper = 1 - pathScale (line paths); holeSize = pathScale (circular paths).
 */
export interface PrimParams {
  pathCurve: PathCurve;
  profileCurve: ProfileCurve;
  hollowShape: HollowShape;
  profileBegin: number;
  profileEnd: number;
  /** 0..0.95: size of the hole relative to the profile. */
  hollow: number;
  pathBegin: number;
  pathEnd: number;
  twistBegin: number;
  twistEnd: number;
  /** -1..1: > 0 narrows the top (path end), < 0 the bottom. */
  taperX: number;
  taperY: number;
  /** -0.5..0.5: top shifted by +shear/2, bottom by -shear/2 (line paths). */
  shearX: number;
  shearY: number;
  /** Circular paths: profile size along the axis (X) and across (0.05..1; Y = 1 makes a sphere of a half-circle). */
  holeSizeX: number;
  holeSizeY: number;
  /** Circular paths: -1..1, moves the path radius, most at the path begin. */
  radiusOffset: number;
  /** Circular paths: 1..4 turns, advancing along X like a coil. */
  revolutions: number;
  /** Circular paths: -1..1, shifts the path along X from begin to end. */
  skew: number;
}

const BASE: PrimParams = {
  pathCurve: 'line',
  profileCurve: 'square',
  hollowShape: 'same',
  profileBegin: 0,
  profileEnd: 1,
  hollow: 0,
  pathBegin: 0,
  pathEnd: 1,
  twistBegin: 0,
  twistEnd: 0,
  taperX: 0,
  taperY: 0,
  shearX: 0,
  shearY: 0,
  holeSizeX: 1,
  holeSizeY: 0.25,
  radiusOffset: 0,
  revolutions: 1,
  skew: 0,
};

/** The basic prim types of the SL build tool. */
export type PrimType = 'box' | 'cylinder' | 'prism' | 'sphere' | 'torus' | 'tube' | 'ring';

/** The parameters of a basic prim type, with `overrides` applied (then clamped). */
export function primParams(type: PrimType, overrides: Partial<PrimParams> = {}): PrimParams {
  const shape: Record<PrimType, Partial<PrimParams>> = {
    box: { pathCurve: 'line', profileCurve: 'square' },
    cylinder: { pathCurve: 'line', profileCurve: 'circle' },
    prism: { pathCurve: 'line', profileCurve: 'isoTriangle' },
    sphere: { pathCurve: 'circle', profileCurve: 'halfCircle', holeSizeX: 1, holeSizeY: 1 },
    torus: { pathCurve: 'circle', profileCurve: 'circle', holeSizeX: 1, holeSizeY: 0.25 },
    tube: { pathCurve: 'circle', profileCurve: 'square', holeSizeX: 1, holeSizeY: 0.25 },
    ring: { pathCurve: 'circle', profileCurve: 'isoTriangle', holeSizeX: 1, holeSizeY: 0.25 },
  };
  return clampPrimParams({ ...BASE, ...shape[type], ...overrides });
}

const clamp = (v: number, lo: number, hi: number): number => (Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : lo);

/** Brings every field into its valid range (as the simulator does); begin/end cuts keep at least 2 % between them. */
export function clampPrimParams(p: PrimParams): PrimParams {
  const profileBegin = clamp(p.profileBegin, 0, 0.98);
  const pathBegin = clamp(p.pathBegin, 0, 0.98);
  return {
    ...p,
    profileBegin,
    profileEnd: clamp(p.profileEnd, profileBegin + 0.02, 1),
    hollow: clamp(p.hollow, 0, 0.95),
    pathBegin,
    pathEnd: clamp(p.pathEnd, pathBegin + 0.02, 1),
    twistBegin: clamp(p.twistBegin, -4 * Math.PI, 4 * Math.PI),
    twistEnd: clamp(p.twistEnd, -4 * Math.PI, 4 * Math.PI),
    taperX: clamp(p.taperX, -1, 1),
    taperY: clamp(p.taperY, -1, 1),
    shearX: clamp(p.shearX, -0.5, 0.5),
    shearY: clamp(p.shearY, -0.5, 0.5),
    holeSizeX: clamp(p.holeSizeX, 0.05, 1),
    holeSizeY: clamp(p.holeSizeY, 0.05, 1),
    radiusOffset: clamp(p.radiusOffset, -1, 1),
    revolutions: clamp(p.revolutions, 1, 4),
    skew: clamp(p.skew, -1, 1),
  };
}

/** A stable key for caching generated meshes per distinct shape. */
export function primParamsKey(p: PrimParams): string {
  const q = (v: number): string => (Math.round(v * 1e4) / 1e4).toString();
  return [
    p.pathCurve,
    p.profileCurve,
    p.hollowShape,
    q(p.profileBegin),
    q(p.profileEnd),
    q(p.hollow),
    q(p.pathBegin),
    q(p.pathEnd),
    q(p.twistBegin),
    q(p.twistEnd),
    q(p.taperX),
    q(p.taperY),
    q(p.shearX),
    q(p.shearY),
    q(p.holeSizeX),
    q(p.holeSizeY),
    q(p.radiusOffset),
    q(p.revolutions),
    q(p.skew),
  ].join('|');
}
