/** Texture animation frames as SL viewers compute them (LLViewerTextureAnim::animateTextures). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { animatesFace, type TextureAnimParams, textureAnimFrame } from '../../../../web/render/texture-anim';
import { arbTextureAnimNumbers } from '../../../support/texture-anims';

const ON = 0x01;
const LOOP = 0x02;
const REVERSE = 0x04;
const PING_PONG = 0x08;
const SMOOTH = 0x10;
const ROTATE = 0x20;
const SCALE = 0x40;

const anim = (p: Partial<TextureAnimParams>): TextureAnimParams => ({
  mode: ON | LOOP,
  face: -1,
  sizeX: 0,
  sizeY: 0,
  start: 0,
  length: 0,
  rate: 1,
  ...p,
});

describe('texture animation frames', () => {
  it('a 4x2 flipbook at 2 frames a second shows cell (x, y) with repeats 1/4 by 1/2, row by row, and loops', () => {
    const a = anim({ sizeX: 4, sizeY: 2, rate: 2 });
    const cell = (x: number, y: number) => ({
      repeats: [0.25, 0.5],
      offset: [-0.5 + 0.125 + x * 0.25, 0.5 - 0.25 - y * 0.5],
    });
    expect(textureAnimFrame(a, 0)).toEqual(cell(0, 0));
    expect(textureAnimFrame(a, 0.6)).toEqual(cell(1, 0));
    expect(textureAnimFrame(a, 2.1)).toEqual(cell(0, 1));
    expect(textureAnimFrame(a, 3.6)).toEqual(cell(3, 1));
    // 8 frames at 2 a second: 4 s later it starts over.
    expect(textureAnimFrame(a, 4.1)).toEqual(cell(0, 0));
  });

  it('without LOOP the last frame holds', () => {
    const a = anim({ mode: ON, sizeX: 2, sizeY: 1, rate: 1 });
    expect(textureAnimFrame(a, 100).offset?.[0]).toBeCloseTo(0.25, 6);
  });

  it('SMOOTH without a grid scrolls u by rate x time, wrapping after `length`', () => {
    const a = anim({ mode: ON | LOOP | SMOOTH, length: 1, rate: 0.25 });
    expect(textureAnimFrame(a, 1).offset?.[0]).toBeCloseTo(0.25, 6);
    expect(textureAnimFrame(a, 2).offset?.[0]).toBeCloseTo(0.5, 6);
    expect(textureAnimFrame(a, 5).offset?.[0]).toBeCloseTo(0.25, 6);
    // The face keeps its own repeats and rotation.
    expect(textureAnimFrame(a, 1).repeats).toBeUndefined();
    expect(textureAnimFrame(a, 1).rotation).toBeUndefined();
  });

  it('ROTATE turns by the frame count in radians; SCALE sets both repeats to it', () => {
    const r = anim({ mode: ON | LOOP | SMOOTH | ROTATE, length: 2 * Math.PI, rate: 1 });
    expect(textureAnimFrame(r, 1)).toEqual({ rotation: 1 });
    const s = anim({ mode: ON | LOOP | SMOOTH | SCALE, start: 1, length: 3, rate: 0.5 });
    expect(textureAnimFrame(s, 2)).toEqual({ repeats: [2, 2] });
  });

  it('PING_PONG runs back down; REVERSE counts from the end', () => {
    const p = anim({ mode: ON | LOOP | PING_PONG, sizeX: 4, sizeY: 1, rate: 1 });
    const x = (t: number) => Math.round(((textureAnimFrame(p, t).offset?.[0] ?? 0) + 0.375) / 0.25);
    expect([0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5].map(x)).toEqual([0, 1, 2, 3, 2, 1, 0]);
    const r = anim({ mode: ON | LOOP | REVERSE, sizeX: 4, sizeY: 1, rate: 1 });
    const xr = (t: number) => Math.round(((textureAnimFrame(r, t).offset?.[0] ?? 0) + 0.375) / 0.25);
    expect([0.5, 1.5, 2.5, 3.5].map(xr)).toEqual([3, 2, 1, 0]);
  });

  it('an animation that is off changes nothing; the face -1 (or past the last) is every face', () => {
    expect(textureAnimFrame(anim({ mode: LOOP }), 3)).toEqual({});
    expect(animatesFace(anim({ face: -1 }), 3, 6)).toBe(true);
    expect(animatesFace(anim({ face: 2 }), 3, 6)).toBe(false);
    expect(animatesFace(anim({ face: 2 }), 2, 6)).toBe(true);
    expect(animatesFace(anim({ face: 9 }), 0, 6)).toBe(true);
  });

  it('any numbers give finite values or nothing', () => {
    fc.assert(
      fc.property(
        fc.record({
          mode: fc.nat(127),
          ...arbTextureAnimNumbers,
        }),
        fc.double({ min: 0, max: 1e5, noNaN: true }),
        (a, t) => {
          const f = textureAnimFrame(a, t);
          for (const v of [...(f.offset ?? []), ...(f.repeats ?? []), f.rotation ?? 0]) expect(Number.isFinite(v)).toBe(true);
        },
      ),
    );
  });
});
