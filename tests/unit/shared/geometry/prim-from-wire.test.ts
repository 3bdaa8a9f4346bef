import { describe, expect, it } from 'vitest';
import { primParamsFromWire, type WireShape } from '../../../../shared/geometry/prim-from-wire';
import { primParams } from '../../../../shared/geometry/prim-params';
import { SHAPE_PRESETS } from '../../../../shared/protocol';

const BOX: WireShape = SHAPE_PRESETS.box;

describe('prim parameters from the wire', () => {
  it('map the default box, cylinder, sphere and torus onto the basic shapes', () => {
    expect(primParamsFromWire(BOX)).toEqual(primParams('box'));
    expect(primParamsFromWire({ ...BOX, profileCurve: 0 })).toEqual(primParams('cylinder'));
    expect(primParamsFromWire({ ...BOX, pathCurve: 32, profileCurve: 5 })).toEqual(primParams('sphere'));
    expect(primParamsFromWire({ ...BOX, pathCurve: 32, profileCurve: 0, pathScaleY: 175 })).toEqual(primParams('torus'));
  });

  it('dequantize cuts, hollow, twist, shear and taper as the simulator packs them', () => {
    const p = primParamsFromWire({
      ...BOX,
      profileCurve: 0x11, // square with a circular hole (hole type 0x10)
      pathBegin: 12500, // 0.25
      pathEnd: 12500, // end 0.75
      profileHollow: 25000, // 0.5
      pathTwist: 50, // 90°
      pathTwistBegin: 256 - 50, // -90° (a signed byte)
      pathShearX: 256 - 25, // -0.25
      pathScaleX: 150, // scale 0.5: taper 0.5
    });
    expect(p.hollowShape).toBe('circle');
    expect(p.pathBegin).toBeCloseTo(0.25);
    expect(p.pathEnd).toBeCloseTo(0.75);
    expect(p.hollow).toBeCloseTo(0.5);
    expect(p.twistEnd).toBeCloseTo(Math.PI / 2);
    expect(p.twistBegin).toBeCloseTo(-Math.PI / 2);
    expect(p.shearX).toBeCloseTo(-0.25);
    expect(p.taperX).toBeCloseTo(0.5);
  });

  it('clamp out-of-range values instead of producing broken meshes', () => {
    const p = primParamsFromWire({ ...BOX, profileHollow: 50000, pathBegin: 49999, pathEnd: 49999, pathRevolutions: 255 });
    expect(p.hollow).toBe(0.95);
    expect(p.pathEnd).toBeGreaterThan(p.pathBegin);
    expect(p.revolutions).toBe(4);
  });
});
