import { describe, expect, it } from 'vitest';
import { writeInstanceSpheres } from '../../../../../web/render/cull/instance-spheres';

describe('writeInstanceSpheres', () => {
  it('moves, rotates and scales the local sphere, taking the largest scale for the radius', () => {
    const s = Math.SQRT1_2;
    const out = new Float32Array(8);
    writeInstanceSpheres(
      Float32Array.of(10, 20, 30, 0, 0, 0),
      Float32Array.of(0, 0, s, s, 0, 0, 0, 1), // 90° about Z, identity
      Float32Array.of(2, 1, 1, 1, 3, -4),
      Uint32Array.of(0, 0),
      Float32Array.of(0.5, 0, 0, 0.75), // local sphere centred at +0.5 x
      out,
      0,
      2,
    );
    // (0.5·2, 0, 0) rotated 90° about Z → (0, 1, 0).
    expect(Array.from(out.subarray(0, 4)).map((v) => Math.round(v * 1e5) / 1e5)).toEqual([10, 21, 30, 1.5]);
    expect(Array.from(out.subarray(4, 8))).toEqual([0.5, 0, 0, 3]);
  });
});
