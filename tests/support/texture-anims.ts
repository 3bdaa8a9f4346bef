/** Texture animations for tests: a protocol animation from a few fields, and the numbers fast-check varies. */
import fc from 'fast-check';
import type { TextureAnim } from '../../shared/protocol';

/** A protocol TextureAnim: SL's usual smooth looping scroll over the whole texture, with `over` changed. */
export function textureAnim(over: Partial<TextureAnim> = {}): TextureAnim {
  return {
    loop: true,
    reverse: false,
    pingPong: false,
    smooth: true,
    rotate: false,
    scale: false,
    face: -1,
    sizeX: 1,
    sizeY: 1,
    start: 0,
    length: 1,
    rate: 0.25,
    ...over,
  };
}

/** The numbers of an animation within the protocol's limits (f32 values, faces -1..31). */
export const arbTextureAnimNumbers = {
  face: fc.integer({ min: -1, max: 31 }),
  sizeX: fc.nat(255),
  sizeY: fc.nat(255),
  start: fc.float({ min: -1e6, max: 1e6, noNaN: true }),
  length: fc.float({ min: -1e6, max: 1e6, noNaN: true }),
  rate: fc.float({ min: -1e6, max: 1e6, noNaN: true }),
};
