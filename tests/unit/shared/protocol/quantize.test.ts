import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packRotation, rotationAngle, unpackRotation } from '../../../../shared/protocol';

describe('smallest-three rotation', () => {
  it('any unit quaternion survives packing within 0.25°', () => {
    const c = fc.double({ min: -1, max: 1, noNaN: true });
    fc.assert(
      fc.property(fc.tuple(c, c, c, c), (q) => {
        const l = Math.hypot(...q);
        fc.pre(l > 0.05);
        const unit: [number, number, number, number] = [q[0] / l, q[1] / l, q[2] / l, q[3] / l];
        expect(rotationAngle(unpackRotation(packRotation(unit)), unit)).toBeLessThan((0.25 * Math.PI) / 180);
      }),
      { numRuns: 2000 },
    );
  });

  it('packs a zero quaternion as identity and q and -q alike', () => {
    expect(rotationAngle(unpackRotation(packRotation([0, 0, 0, 0])), [0, 0, 0, 1])).toBeLessThan(1e-3);
    expect(packRotation([0.1, 0.2, 0.3, -0.927])).toBe(packRotation([-0.1, -0.2, -0.3, 0.927]));
  });

  it('unpacks every 32-bit value to a unit quaternion', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (p) => {
        expect(Math.hypot(...unpackRotation(p))).toBeCloseTo(1, 9);
      }),
    );
  });
});
