/** The J2K main-header reader (web/assets/j2k-header.ts): sizes, levels and the discard level a distance needs. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TextureError } from '../../../../web/assets/errors';
import { chooseDiscardLevel, readJ2kHeader, sizeAtLevel } from '../../../../web/assets/j2k-header';
import { ART_TEXTURES, artTexture } from './stormart-textures';

describe('readJ2kHeader', () => {
  it('reads size, components, tiles, levels and layers of every StormArt texture', () => {
    for (const t of ART_TEXTURES) {
      const h = readJ2kHeader(artTexture(t.uuid));
      expect([h.width, h.height, h.components, h.precision, h.tiles], t.name).toEqual([t.width, t.height, t.components, 8, 1]);
      // OpenSim's textures: up to 6 resolution levels (5 decompositions), 1-2 quality layers.
      expect(h.levels, t.name).toBe(5);
      expect(h.layers, t.name).toBeGreaterThanOrEqual(1);
      expect(h.layers, t.name).toBeLessThanOrEqual(2);
    }
  });

  it('says where a header ends too early', () => {
    const bytes = artTexture(ART_TEXTURES[0]?.uuid ?? '');
    expect(() => readJ2kHeader(bytes.subarray(0, 50))).toThrowError(/ends inside its main header/);
  });

  it('only ever throws TextureError, whatever the bytes after SOC and SIZ (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (tail) => {
        try {
          readJ2kHeader(Uint8Array.from([0xff, 0x4f, 0xff, 0x51, ...tail]));
        } catch (err) {
          expect(err).toBeInstanceOf(TextureError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('discard levels', () => {
  const header = readJ2kHeader(artTexture('feba5b8e-5704-4b07-be8a-0803a8f223a4'));

  it('halves each side per level, rounding up (512x128: 256x64, 128x32 … 16x4)', () => {
    expect([0, 1, 2, 5].map((l) => sizeAtLevel(header, l))).toEqual([
      { width: 512, height: 128 },
      { width: 256, height: 64 },
      { width: 128, height: 32 },
      { width: 16, height: 4 },
    ]);
    expect(sizeAtLevel({ ...header, x0: 0, x1: 5, y0: 0, y1: 3 }, 1)).toEqual({ width: 3, height: 2 });
  });

  it('chooses the lowest level whose larger side fits, full size without a limit, the smallest when nothing fits', () => {
    expect(chooseDiscardLevel(header)).toBe(0);
    expect(chooseDiscardLevel(header, Number.POSITIVE_INFINITY)).toBe(0);
    expect(chooseDiscardLevel(header, 512)).toBe(0);
    expect(chooseDiscardLevel(header, 511)).toBe(1);
    expect(chooseDiscardLevel(header, 128)).toBe(2);
    expect(chooseDiscardLevel(header, 2)).toBe(5);
  });
});
