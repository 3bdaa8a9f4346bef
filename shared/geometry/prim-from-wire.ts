/** Second Life / OpenSim wire prim parameters (ObjectUpdate units, as the Storm protocol carries them) → PrimParams. */
import type { PrimShape } from '../protocol';
import { clampPrimParams, type HollowShape, type PrimParams, type ProfileCurve } from './prim-params';

/** The shape fields as they travel (shared/protocol PrimShape): quantized integers in OpenSim wire units. */
export type WireShape = PrimShape;

// The simulator's quanta (LLVolumeParams): cuts and hollow in 1/50000, scale/shear/taper/twist in 1/100,
// revolutions in 0.015 steps above 1.
const CUT_QUANTUM = 0.00002;
const HOLLOW_QUANTUM = 0.00002;
const SCALE_QUANTUM = 0.01;
const REV_QUANTUM = 0.015;

const PROFILES: Record<number, ProfileCurve> = {
  0: 'circle',
  1: 'square',
  2: 'isoTriangle',
  3: 'equilateralTriangle',
  // A right triangle has no generator of its own yet; the isometric triangle is the closest outline.
  4: 'isoTriangle',
  5: 'halfCircle',
};
const HOLLOWS: Record<number, HollowShape> = { 0: 'same', 1: 'circle', 2: 'square', 3: 'triangle' };

/** Interprets a byte the wire calls unsigned as the signed value the simulator meant (shear is stored so). */
const signed8 = (v: number): number => ((v & 0xff) << 24) >> 24;

/** Converts wire units to the mesh generator's parameters (then clamped as the simulator would). */
export function primParamsFromWire(w: WireShape): PrimParams {
  const circular = (w.pathCurve & 0xf0) !== 0x10;
  const scaleX = (200 - w.pathScaleX) * SCALE_QUANTUM;
  const scaleY = (200 - w.pathScaleY) * SCALE_QUANTUM;
  return clampPrimParams({
    pathCurve: circular ? 'circle' : 'line',
    profileCurve: PROFILES[w.profileCurve & 0x0f] ?? 'square',
    hollowShape: HOLLOWS[(w.profileCurve >> 4) & 0x0f] ?? 'same',
    profileBegin: w.profileBegin * CUT_QUANTUM,
    profileEnd: 1 - w.profileEnd * CUT_QUANTUM,
    hollow: w.profileHollow * HOLLOW_QUANTUM,
    pathBegin: w.pathBegin * CUT_QUANTUM,
    pathEnd: 1 - w.pathEnd * CUT_QUANTUM,
    // Twist is stored in 1/100 of a half turn (-180°..180° for ±100).
    twistBegin: signed8(w.pathTwistBegin) * SCALE_QUANTUM * Math.PI,
    twistEnd: signed8(w.pathTwist) * SCALE_QUANTUM * Math.PI,
    // Straight paths taper through the path scale (1 = none); circular paths have taper fields of their own.
    taperX: circular ? signed8(w.pathTaperX) * SCALE_QUANTUM : 1 - scaleX,
    taperY: circular ? signed8(w.pathTaperY) * SCALE_QUANTUM : 1 - scaleY,
    shearX: signed8(w.pathShearX) * SCALE_QUANTUM,
    shearY: signed8(w.pathShearY) * SCALE_QUANTUM,
    holeSizeX: circular ? scaleX : 1,
    holeSizeY: circular ? scaleY : 0.25,
    radiusOffset: signed8(w.pathRadiusOffset) * SCALE_QUANTUM,
    revolutions: 1 + w.pathRevolutions * REV_QUANTUM,
    skew: signed8(w.pathSkew) * SCALE_QUANTUM,
  });
}
