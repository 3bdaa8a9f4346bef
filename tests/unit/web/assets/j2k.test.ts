/** J2K texture decoding (web/assets/j2k.ts) on the real StormArt textures, reduced levels, bad bytes and limits. */
import fc from 'fast-check';
import { JpxImage } from 'jpeg2000';
import { describe, expect, it } from 'vitest';
import { TextureError } from '../../../../web/assets/errors';
import { decodeJ2k, MAX_TEXTURE_BYTES } from '../../../../web/assets/j2k';
import { ART_TEXTURES, artTexture, meanRgba } from './stormart-textures';

/** A 32x16 one-component (grey) codestream, lossless, made by OpenJPEG 2.5.4: grey = 8 * column. */
const GREY_32X16 = Uint8Array.from(
  Buffer.from(
    'ff4fff510029000000000020000000100000000000000000000000200000001000000000000000000001070101ff52000c00020001000304040001ff5c000d4040484850484850484850ff640025000143726561746564206279204f70656e4a5045472076657273696f6e20322e352e34ff90000a00000000002e0001ff93df80300919e8544a82c3ea030015868bc1f38400369df684c0f902005fa77e7bffd9',
    'hex',
  ),
);

const CHECKER = 'ada1326f-d5c7-414a-b86b-521f4d63498e';
const ALPHA = '8914a7ef-16d7-4be6-8f93-19199282c4b3';

async function textureError(p: Promise<unknown>): Promise<TextureError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof TextureError) return err;
    throw err;
  }
  throw new Error('expected a TextureError, but the decode succeeded');
}

describe('decodeJ2k on the StormArt textures', () => {
  it.each(ART_TEXTURES)('decodes $name to its real size, and to its mean colour', async (t) => {
    const d = await decodeJ2k(artTexture(t.uuid));
    expect([d.width, d.height, d.fullWidth, d.fullHeight]).toEqual([t.width, t.height, t.width, t.height]);
    expect(d.components).toBe(t.components);
    expect(d.discardLevel).toBe(0);
    expect(d.rgba.length).toBe(t.width * t.height * 4);
    if (t.mean) {
      const mean = meanRgba(d.rgba);
      for (let c = 0; c < 4; c++)
        expect(Math.abs((mean[c] ?? 0) - (t.mean[c] ?? 0)), `${t.name} channel ${c}`).toBeLessThanOrEqual(2);
    }
  });

  it('keeps the alpha channel of the RGBA texture (radial falloff: opaque middle, clear corners)', async () => {
    const d = await decodeJ2k(artTexture(ALPHA));
    const alphaAt = (x: number, y: number): number => d.rgba[(y * d.width + x) * 4 + 3] ?? -1;
    expect(alphaAt(64, 64)).toBeGreaterThan(200);
    expect(alphaAt(0, 0)).toBeLessThan(20);
  });

  it('matches the pure-JavaScript jpeg2000 decoder pixel for pixel on the checker and the lossless sculpt maps (row 0 on top)', async () => {
    // A vertical flip would show: the checker has 8 cells a side, so its top-left and bottom-left cells differ.
    for (const uuid of [CHECKER, '3d622eb0-11a3-42eb-a662-3eacf2d4ad8f', '1c0220b6-b6c5-4e99-aaae-d4f4954b7fa5']) {
      const bytes = artTexture(uuid);
      const ours = await decodeJ2k(bytes);
      const peer = new JpxImage();
      peer.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      const items = peer.tiles[0]?.items ?? new Uint8Array(0);
      const rgb = new Uint8Array(ours.width * ours.height * 3);
      for (let p = 0; p < ours.width * ours.height; p++) rgb.set(ours.rgba.subarray(p * 4, p * 4 + 3), p * 3);
      expect(Buffer.from(rgb).equals(Buffer.from(items)), uuid).toBe(true);
    }
  });

  it('widens a one-component (grey) codestream to RGBA with opaque alpha', async () => {
    const d = await decodeJ2k(GREY_32X16);
    expect([d.width, d.height, d.components]).toEqual([32, 16, 1]);
    expect(Array.from(d.rgba.subarray(0, 12))).toEqual([0, 0, 0, 255, 8, 8, 8, 255, 16, 16, 16, 255]);
    expect(meanRgba(d.rgba)).toEqual([124, 124, 124, 255]);
  });
});

describe('decodeJ2k at reduced resolution (discard levels)', () => {
  it('decodes only the level the distance needs: maxDimension 64 on 256x256 gives discard level 2, 64x64', async () => {
    const d = await decodeJ2k(artTexture(CHECKER), { maxDimension: 64 });
    expect([d.width, d.height, d.fullWidth, d.fullHeight, d.discardLevel]).toEqual([64, 64, 256, 256, 2]);
    expect(d.rgba.length).toBe(64 * 64 * 4);
    const mean = meanRgba(d.rgba);
    expect(Math.abs(mean[0] - 237)).toBeLessThanOrEqual(3);
  });

  it('sizes a non-square texture by its larger side (512x128 within 100 is 64x16)', async () => {
    const d = await decodeJ2k(artTexture('feba5b8e-5704-4b07-be8a-0803a8f223a4'), { maxDimension: 100 });
    expect([d.width, d.height, d.discardLevel]).toEqual([64, 16, 3]);
  });

  it('never goes below the smallest level the codestream has (5 decompositions: 256 -> 8)', async () => {
    const d = await decodeJ2k(artTexture(CHECKER), { maxDimension: 1 });
    expect([d.width, d.height, d.discardLevel]).toEqual([8, 8, 5]);
  });

  it('keeps alpha at a reduced level', async () => {
    const d = await decodeJ2k(artTexture(ALPHA), { maxDimension: 32 });
    expect([d.width, d.height, d.components]).toEqual([32, 32, 4]);
    expect(Math.abs(meanRgba(d.rgba)[3] - 66.8)).toBeLessThanOrEqual(3);
  });
});

describe('decodeJ2k on bad bytes', () => {
  it('gives texture_corrupt for a corrupt, a truncated and an empty codestream, and then still decodes a good one', async () => {
    const good = artTexture(CHECKER);
    const corrupt = good.slice();
    // Past the main header: a run of 0xFF in the packet data is a marker where none may be.
    corrupt.fill(0xff, 400, 480);
    const truncated = good.slice(0, Math.floor(good.length / 2));
    for (const [what, bytes] of [
      ['corrupt', corrupt],
      ['truncated', truncated],
      ['empty', new Uint8Array(0)],
      ['header only', good.slice(0, 20)],
      ['not J2K', new TextEncoder().encode('<html>not found</html>')],
    ] as const) {
      const err = await textureError(decodeJ2k(bytes));
      expect(err.code, what).toBe('texture_corrupt');
      expect(err.message).toMatch(/^texture: /);
    }
    const d = await decodeJ2k(good);
    expect(meanRgba(d.rgba)[0]).toBeCloseTo(237, 0);
  });

  it('refuses more than 16 MiB of input and more than 4096 pixels a side with texture_too_large, before decoding', async () => {
    expect((await textureError(decodeJ2k(new Uint8Array(MAX_TEXTURE_BYTES + 1)))).code).toBe('texture_too_large');
    const huge = artTexture(CHECKER).slice();
    // SIZ Xsiz (bytes 8-11): 8192 wide.
    new DataView(huge.buffer).setUint32(8, 8192);
    const err = await textureError(decodeJ2k(huge));
    expect(err.code).toBe('texture_too_large');
    expect(err.message).toContain('8192x256');
  });

  it('says texture_unsupported for a JP2 file (boxes) rather than a raw codestream', async () => {
    const jp2 = Uint8Array.of(0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a);
    expect((await textureError(decodeJ2k(jp2))).code).toBe('texture_unsupported');
  });

  it('only ever rejects random bytes with TextureError (fast-check, 200 runs)', async () => {
    const soc = Uint8Array.of(0xff, 0x4f, 0xff, 0x51);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), fc.boolean(), async (random, withSoc) => {
        const bytes = withSoc ? Uint8Array.from([...soc, ...random]) : random;
        try {
          await decodeJ2k(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(TextureError);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('survives damaged real codestreams: each decodes or rejects with TextureError (fast-check, 100 runs)', async () => {
    const good = artTexture(ALPHA);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: good.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.nat({ max: good.length }),
        async (edits, keep) => {
          const bytes = good.slice(0, Math.max(keep, 1));
          for (const [at, value] of edits) if (at < bytes.length) bytes[at] = value;
          try {
            const d = await decodeJ2k(bytes);
            expect(d.rgba.length).toBe(d.width * d.height * 4);
          } catch (err) {
            expect(err).toBeInstanceOf(TextureError);
          }
        },
      ),
      { numRuns: 100 },
    );
    expect(meanRgba((await decodeJ2k(good)).rgba)[3]).toBeCloseTo(66.8, 0);
  });
});
