import { describe, expect, it } from 'vitest';
import { createInstanceBatch, pushInstance } from '../../../../web/render/instance-batch';
import { INSTANCE_BYTES, INSTANCE_FLOATS, INSTANCE_OFFSETS } from '../../../../web/render/schemas';

describe('instance records', () => {
  it('the offsets follow the WGSL layout of the Instance struct (vec3 + u32 pairs, then a vec4)', () => {
    expect(INSTANCE_BYTES).toBe(48);
    expect(INSTANCE_FLOATS).toBe(12);
    expect(INSTANCE_OFFSETS).toEqual({ position: 0, faceBase: 3, scale: 4, faceCount: 7, rotation: 8 });
  });

  it('pushInstance writes each field at its schema offset', () => {
    const batch = createInstanceBatch(2);
    pushInstance(batch, { mesh: 1, position: [0, 0, 0], rotation: [0, 0, 0, 1], scale: [1, 1, 1], faceColors: [] });
    pushInstance(batch, {
      mesh: 2,
      position: [1, 2, 3],
      rotation: [0.5, 0.5, 0.5, 0.5],
      scale: [4, 5, 6],
      faceColors: [
        [1, 0, 0, 1],
        [0, 1, 0, 1],
      ],
    });
    const o = INSTANCE_FLOATS;
    const at = (field: keyof typeof INSTANCE_OFFSETS, n: number) =>
      Array.from(batch.records.subarray(o + INSTANCE_OFFSETS[field], o + INSTANCE_OFFSETS[field] + n));
    expect(at('position', 3)).toEqual([1, 2, 3]);
    expect(at('scale', 3)).toEqual([4, 5, 6]);
    expect(at('rotation', 4)).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(batch.words[o + INSTANCE_OFFSETS.faceBase]).toBe(1);
    expect(batch.words[o + INSTANCE_OFFSETS.faceCount]).toBe(2);
  });
});
