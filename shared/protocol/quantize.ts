/** Quantized transforms: positions as u16 within world bounds, rotations as smallest-three in 32 bits. */
import type { Bounds, Quat, Vec3 } from './entity';

const POS_STEPS = 65535;
const ROT_BITS = 10;
const ROT_BASE = 1 << ROT_BITS;
// An even number of steps so that 0 (the common case: yaw-only and identity rotations) is exact.
const ROT_STEPS = ROT_BASE - 2;
const ROT_RANGE = Math.SQRT1_2;
/** Velocity unit on the wire: 1 cm/s in an i16. */
export const VELOCITY_UNIT = 0.01;
/** Largest speed a velocity component can carry (m/s). */
export const MAX_VELOCITY = 32767 * VELOCITY_UNIT;

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** One axis of a position as u16 steps within [min, max] (clamped). */
export function quantizeAxis(v: number, min: number, max: number): number {
  const span = max - min;
  if (!(span > 0)) return 0;
  return Math.round(clamp((v - min) / span, 0, 1) * POS_STEPS);
}

/** The inverse of quantizeAxis. */
export function dequantizeAxis(q: number, min: number, max: number): number {
  return min + (q / POS_STEPS) * (max - min);
}

/** The largest position error quantization can introduce on each axis of `bounds` (metres). */
export function positionStep(bounds: Bounds): Vec3 {
  return [
    (bounds.max[0] - bounds.min[0]) / POS_STEPS,
    (bounds.max[1] - bounds.min[1]) / POS_STEPS,
    (bounds.max[2] - bounds.min[2]) / POS_STEPS,
  ];
}

/** A position quantized and restored: what the other side will see. */
export function roundTripPosition(p: Vec3, bounds: Bounds): Vec3 {
  return [
    dequantizeAxis(quantizeAxis(p[0], bounds.min[0], bounds.max[0]), bounds.min[0], bounds.max[0]),
    dequantizeAxis(quantizeAxis(p[1], bounds.min[1], bounds.max[1]), bounds.min[1], bounds.max[1]),
    dequantizeAxis(quantizeAxis(p[2], bounds.min[2], bounds.max[2]), bounds.min[2], bounds.max[2]),
  ];
}

/**
 * Packs a rotation (x, y, z, w) as smallest-three: 2 bits name the largest component, which is made
 * positive and dropped; the other three take 10 bits each in [-1/√2, 1/√2]. A zero quaternion packs
 * as identity.
 */
export function packRotation(q: Quat): number {
  let [x, y, z, w] = q;
  const len = Math.hypot(x, y, z, w);
  if (!(len > 1e-9) || !Number.isFinite(len)) {
    x = 0;
    y = 0;
    z = 0;
    w = 1;
  } else {
    x /= len;
    y /= len;
    z /= len;
    w /= len;
  }
  const c = [x, y, z, w];
  let largest = 0;
  for (let i = 1; i < 4; i++) if (Math.abs(c[i] ?? 0) > Math.abs(c[largest] ?? 0)) largest = i;
  const sign = (c[largest] ?? 0) < 0 ? -1 : 1;
  let packed = largest;
  for (let i = 0; i < 4; i++) {
    if (i === largest) continue;
    const v = clamp((c[i] ?? 0) * sign, -ROT_RANGE, ROT_RANGE);
    packed = packed * ROT_BASE + Math.round(((v + ROT_RANGE) / (2 * ROT_RANGE)) * ROT_STEPS);
  }
  return packed >>> 0;
}

/** Unpacks a smallest-three rotation into a unit quaternion (x, y, z, w) with the largest part positive. */
export function unpackRotation(packed: number): Quat {
  // Scalar arithmetic, no arrays: the room decodes one of these per visitor input (20 Hz each).
  let p = packed >>> 0;
  const part = (): number => {
    const v = ((p % ROT_BASE) / ROT_STEPS) * 2 * ROT_RANGE - ROT_RANGE;
    p = Math.floor(p / ROT_BASE);
    return v;
  };
  const c = part();
  const b = part();
  const a = part();
  const largest = p & 3;
  const big = Math.sqrt(Math.max(0, 1 - (a * a + b * b + c * c)));
  // The three small parts fill the other slots in order.
  const x = largest === 0 ? big : a;
  const y = largest === 1 ? big : largest === 0 ? a : b;
  const z = largest === 2 ? big : largest === 3 ? c : b;
  const w = largest === 3 ? big : c;
  const len = Math.hypot(x, y, z, w) || 1;
  return [x / len, y / len, z / len, w / len];
}

/** A rotation quantized and restored: what the other side will see. */
export function roundTripRotation(q: Quat): Quat {
  return unpackRotation(packRotation(q));
}

/** The angle between two rotations, in radians (q and -q are the same rotation). */
export function rotationAngle(a: Quat, b: Quat): number {
  const dot = Math.abs(a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3]);
  return 2 * Math.acos(Math.min(1, dot));
}

/** One velocity component as an i16 in cm/s (clamped). */
export function quantizeVelocity(v: number): number {
  return Math.round(clamp(v, -MAX_VELOCITY, MAX_VELOCITY) / VELOCITY_UNIT);
}

/** One movement-intent axis in [-1, 1] as an i8. */
export function quantizeIntent(v: number): number {
  return Math.round(clamp(v, -1, 1) * 127);
}
