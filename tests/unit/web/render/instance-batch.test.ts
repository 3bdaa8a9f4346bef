import { describe, expect, it } from 'vitest';
import { createInstanceBatch, PLAIN_FACE, pushInstance } from '../../../../web/render/instance-batch';
import {
  FACE_FLAGS,
  FACE_FLOATS,
  FACE_OFFSETS,
  INSTANCE_BYTES,
  INSTANCE_FLOATS,
  INSTANCE_OFFSETS,
} from '../../../../web/render/schemas';

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

  it('face records follow the Face struct: colour, repeats and offset, rotation, glow, cutoff, layer (-1 none), flags', () => {
    expect(FACE_FLOATS).toBe(16);
    expect(FACE_OFFSETS).toEqual({ color: 0, uvTransform: 4, rotation: 8, glow: 9, alphaCutoff: 10, layer: 11, flags: 12 });
    const batch = createInstanceBatch(1, 1);
    pushInstance(batch, {
      mesh: 0,
      position: [0, 0, 0],
      rotation: [0, 0, 0, 1],
      scale: [1, 1, 1],
      faceColors: [[1, 1, 1, 1]],
      faceLooks: [
        { layer: -1, repeats: [1, 1], offset: [0, 0], rotation: 0, glow: 0, fullbright: false, alphaMode: 2, alphaCutoff: 0 },
        {
          layer: 7,
          repeats: [-1, 4],
          offset: [0.25, 0.5],
          rotation: 1.5,
          glow: 0.4,
          fullbright: true,
          alphaMode: 1,
          alphaCutoff: 0.5,
        },
      ],
    });
    // Two looks, one colour: two records (the colour repeats); the table grew past its initial room.
    expect(batch.faceCount).toBe(2);
    const o = FACE_FLOATS;
    expect(batch.faceWords[FACE_OFFSETS.layer]).toBe(0xffffffff);
    expect(Array.from(batch.faces.subarray(o + FACE_OFFSETS.uvTransform, o + FACE_OFFSETS.uvTransform + 4))).toEqual([
      -1, 4, 0.25, 0.5,
    ]);
    expect(batch.faceWords[o + FACE_OFFSETS.layer]).toBe(7);
    // Fullbright, alpha mode 1 (mask), and so see-through (the blend pass draws it).
    expect(batch.faceWords[o + FACE_OFFSETS.flags]).toBe(1 | (1 << 1) | 8);
    expect(batch.seeThroughCount).toBe(1);
  });

  it('flags a planar face (16) and only that one', () => {
    const batch = createInstanceBatch(1, 2);
    pushInstance(batch, {
      mesh: 0,
      position: [0, 0, 0],
      rotation: [0, 0, 0, 1],
      scale: [4, 1, 1],
      faceColors: [[1, 1, 1, 1]],
      faceLooks: [
        { ...PLAIN_FACE, alphaMode: 2 },
        { ...PLAIN_FACE, alphaMode: 2, planar: true },
      ],
    });
    expect(batch.faceWords[FACE_OFFSETS.flags]).toBe(2 << 1);
    expect(batch.faceWords[FACE_FLOATS + FACE_OFFSETS.flags]).toBe((2 << 1) | FACE_FLAGS.planar);
    expect(FACE_FLAGS.planar).toBe(16);
  });

  it('marks an instance see-through when a blended face has a colour alpha below 1 or a texture with alpha, or a face is masked', () => {
    const batch = createInstanceBatch(5);
    const at = { mesh: 0, position: [0, 0, 0], rotation: [0, 0, 0, 1], scale: [1, 1, 1] } as const;
    pushInstance(batch, { ...at, faceColors: [[1, 1, 1, 0.5]] });
    pushInstance(batch, { ...at, faceColors: [[1, 1, 1, 1]], faceLooks: [{ ...PLAIN_FACE, layer: 3, textureAlpha: true }] });
    pushInstance(batch, { ...at, faceColors: [[1, 1, 1, 1]], faceLooks: [{ ...PLAIN_FACE, layer: 3, textureAlpha: false }] });
    pushInstance(batch, { ...at, faceColors: [[1, 1, 1, 0.5]], faceLooks: [{ ...PLAIN_FACE, alphaMode: 2 }] });
    pushInstance(batch, { ...at, faceColors: [[1, 1, 1, 1]], faceLooks: [{ ...PLAIN_FACE, alphaMode: 1 }] });
    expect(Array.from(batch.seeThrough)).toEqual([1, 1, 0, 0, 1]);
    expect(batch.seeThroughCount).toBe(3);
  });
});
