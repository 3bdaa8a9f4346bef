/** The basic shape a prim's wire parameters make, in one word (the object inspector and `visit` print it). */
import type { PrimShape } from '../protocol';
import { primParamsFromWire } from './prim-from-wire';

/**
 * The basic shape a prim's wire parameters make, read through the viewer's own conversion
 * (primParamsFromWire): straight paths are box / cylinder / prism, circular ones sphere / torus / tube / ring.
 */
export function shapeName(shape: PrimShape): string {
  const p = primParamsFromWire(shape);
  const triangle = p.profileCurve === 'isoTriangle' || p.profileCurve === 'equilateralTriangle';
  if (p.pathCurve === 'line') {
    if (p.profileCurve === 'square') return 'box';
    if (p.profileCurve === 'circle') return 'cylinder';
    if (triangle) return 'prism';
    return 'half-cylinder';
  }
  if (p.profileCurve === 'halfCircle') return 'sphere';
  if (p.profileCurve === 'circle') return 'torus';
  if (p.profileCurve === 'square') return 'tube';
  return 'ring';
}
