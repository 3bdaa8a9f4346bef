/** A glTF model's base colour image: the header check (limits, formats) and what Node does without a browser decoder. */
import fc from 'fast-check';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { TextureError } from '../../../../web/assets/errors';
import { decodeModelImage, fitImageSize, inspectModelImage, MODEL_IMAGE_LIMITS } from '../../../../web/assets/model-image';

/** A PNG whose IHDR says `width` x `height` (no pixel data: the check reads only the header). */
function pngHeader(width: number, height: number): Uint8Array {
  const out = new Uint8Array(33);
  out.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(out.buffer);
  view.setUint32(8, 13);
  out.set([0x49, 0x48, 0x44, 0x52], 12);
  view.setUint32(16, width);
  view.setUint32(20, height);
  out.set([8, 6, 0, 0, 0], 24);
  return out;
}

/** A baseline JPEG's first segments: SOI, then SOF0 with `width` x `height`, 3 components. */
function jpegHeader(width: number, height: number): Uint8Array {
  const sof = [
    0xff,
    0xc0,
    0x00,
    0x11,
    8,
    height >> 8,
    height & 255,
    width >> 8,
    width & 255,
    3,
    1,
    0x22,
    0,
    2,
    0x11,
    1,
    3,
    0x11,
    1,
  ];
  return Uint8Array.from([0xff, 0xd8, ...sof, 0xff, 0xd9]);
}

function realPng(width: number, height: number): Uint8Array {
  const png = new PNG({ width, height });
  png.data.fill(200);
  return new Uint8Array(PNG.sync.write(png));
}

describe('inspectModelImage', () => {
  it('reads the size of a real PNG and of a JPEG header, whatever the glTF said', () => {
    expect(inspectModelImage(realPng(40, 24))).toEqual({ format: 'png', width: 40, height: 24 });
    expect(inspectModelImage(jpegHeader(320, 200))).toEqual({ format: 'jpeg', width: 320, height: 200 });
  });

  it('refuses an image larger than 2048 a side, or over 4 MiB, as texture_too_large', () => {
    expect(inspectModelImage(pngHeader(2048, 16))).toMatchObject({ width: 2048 });
    expect(() => inspectModelImage(pngHeader(4096, 4096))).toThrow(/4096x4096; the limit is 2048/);
    expect(() => inspectModelImage(jpegHeader(64, 3000))).toThrow(TextureError);
    const big = new Uint8Array(MODEL_IMAGE_LIMITS.bytes + 1);
    big.set(realPng(4, 4));
    expect(() => inspectModelImage(big)).toThrow(expect.objectContaining({ code: 'texture_too_large' }));
  });

  it('refuses other formats as texture_unsupported and an unreadable header as texture_corrupt', () => {
    expect(() => inspectModelImage(new TextEncoder().encode('GIF89a....'))).toThrow(
      expect.objectContaining({ code: 'texture_unsupported' }),
    );
    expect(() => inspectModelImage(pngHeader(0, 0))).toThrow(expect.objectContaining({ code: 'texture_corrupt' }));
    expect(() => inspectModelImage(Uint8Array.from([0xff, 0xd8, 0xff, 0x00]))).toThrow(
      expect.objectContaining({ code: 'texture_corrupt' }),
    );
  });

  it('answers any bytes with a size within the limits or a TextureError, never anything else', () => {
    const prefixes = fc.constantFrom(
      new Uint8Array(0),
      pngHeader(16, 16).slice(0, 8),
      pngHeader(16, 16).slice(0, 16),
      Uint8Array.from([0xff, 0xd8, 0xff]),
    );
    fc.assert(
      fc.property(prefixes, fc.uint8Array({ maxLength: 200 }), (prefix, tail) => {
        const bytes = new Uint8Array(prefix.length + tail.length);
        bytes.set(prefix);
        bytes.set(tail, prefix.length);
        try {
          const info = inspectModelImage(bytes);
          expect(Math.max(info.width, info.height)).toBeLessThanOrEqual(MODEL_IMAGE_LIMITS.side);
          expect(Math.min(info.width, info.height)).toBeGreaterThanOrEqual(1);
        } catch (err) {
          expect(err).toBeInstanceOf(TextureError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('answers a PNG header with any size: its size when within the limits, texture_too_large past them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 100_000 }), (w, h) => {
        const within = Math.max(w, h) <= MODEL_IMAGE_LIMITS.side;
        if (within) expect(inspectModelImage(pngHeader(w, h))).toEqual({ format: 'png', width: w, height: h });
        else expect(() => inspectModelImage(pngHeader(w, h))).toThrow(expect.objectContaining({ code: 'texture_too_large' }));
      }),
    );
  });
});

describe('fitImageSize', () => {
  it('scales down to the larger side wanted, keeps the aspect, never enlarges', () => {
    expect(fitImageSize(1024, 512, 128)).toEqual({ width: 128, height: 64 });
    expect(fitImageSize(32, 32, 128)).toEqual({ width: 32, height: 32 });
    expect(fitImageSize(300, 1, 100)).toEqual({ width: 100, height: 1 });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4096 }),
        fc.integer({ min: 1, max: 4096 }),
        fc.integer({ min: 1, max: 4096 }),
        (w, h, m) => {
          const out = fitImageSize(w, h, m);
          expect(Math.max(out.width, out.height)).toBeLessThanOrEqual(Math.max(m, 1));
          expect(out.width).toBeLessThanOrEqual(w);
          expect(out.height).toBeLessThanOrEqual(h);
          expect(Math.min(out.width, out.height)).toBeGreaterThanOrEqual(1);
        },
      ),
    );
  });
});

describe('decodeModelImage in Node', () => {
  it('says Node has no PNG/JPEG decoder (texture_unsupported), after the same header check', async () => {
    await expect(decodeModelImage(realPng(8, 8))).rejects.toMatchObject({ code: 'texture_unsupported' });
    await expect(decodeModelImage(pngHeader(9000, 8))).rejects.toMatchObject({ code: 'texture_too_large' });
  });
});
