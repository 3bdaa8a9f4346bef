/** The TextureAnim block decoder (llSetTextureAnim's 16 bytes): known blocks, round trips, and any bytes. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeTextureAnim, encodeTextureAnim, LludpError, TEXTURE_ANIM_BYTES } from '../../../../shared/lludp';
import { TEXTURE_ANIM_FLAGS } from '../../../../shared/protocol';

describe('lludp TextureAnim', () => {
  it('reads a flipbook block as llSetTextureAnim(ANIM_ON | LOOP, ALL_SIDES, 4, 2, 0, 8, 10) makes it', () => {
    const bytes = new Uint8Array(TEXTURE_ANIM_BYTES);
    const view = new DataView(bytes.buffer);
    view.setUint8(0, TEXTURE_ANIM_FLAGS.on | TEXTURE_ANIM_FLAGS.loop);
    view.setInt8(1, -1);
    view.setUint8(2, 4);
    view.setUint8(3, 2);
    view.setFloat32(4, 0, true);
    view.setFloat32(8, 8, true);
    view.setFloat32(12, 10, true);
    expect(decodeTextureAnim(bytes)).toEqual({ mode: 3, face: -1, sizeX: 4, sizeY: 2, start: 0, length: 8, rate: 10 });
  });

  it('empty bytes are no animation; any other length than 16 is refused by name', () => {
    expect(decodeTextureAnim(new Uint8Array(0))).toBeNull();
    for (const n of [1, 15, 17, 40])
      expect(() => decodeTextureAnim(new Uint8Array(n))).toThrow(/TextureAnim: \d+ bytes, a block is 16/);
  });

  it('encode then decode gives the block back (floats as f32)', () => {
    fc.assert(
      fc.property(
        fc.record({
          mode: fc.nat(255),
          face: fc.integer({ min: -128, max: 127 }),
          sizeX: fc.nat(255),
          sizeY: fc.nat(255),
          start: fc.float({ noNaN: true }),
          length: fc.float({ noNaN: true }),
          rate: fc.float({ noNaN: true }),
        }),
        (block) => {
          expect(decodeTextureAnim(encodeTextureAnim(block))).toEqual(block);
        },
      ),
    );
  });

  it('any bytes decode to a block or null, or throw LludpError only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        try {
          const b = decodeTextureAnim(bytes);
          if (bytes.length === 0) expect(b).toBeNull();
          else expect(b?.sizeX).toBe(bytes[2]);
        } catch (err) {
          expect(err).toBeInstanceOf(LludpError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
