/**
 * Texture animation (SL's llSetTextureAnim) as SL viewers draw it (LLViewerTextureAnim::animateTextures, applied by
 * LLVOVolume::animateTextures): the frame at a time, and the face transform that frame gives.
 */
import type { TextureAnimBlock } from '../../shared/lludp';
import { TEXTURE_ANIM_FLAGS } from '../../shared/protocol';

/** The animation's numbers as the TextureAnimation component holds them: SL's block (mode byte with ANIM_ON). */
export type TextureAnimParams = TextureAnimBlock;

/** What the animation sets at a moment; a field left out keeps the face's own value. */
export interface TextureAnimFrame {
  offset?: [number, number];
  repeats?: [number, number];
  rotation?: number;
}

/**
 * The animation's effect `seconds` after it started. A flipbook (sizeX and sizeY set) shows one cell of the grid,
 * its repeats 1/sizeX by 1/sizeY and its offset the cell's; a smooth one without a grid scrolls u by the frame count;
 * ROTATE turns the texture by the frame count in radians; SCALE sets both repeats to it. LOOP wraps, else the last
 * frame holds; PING_PONG runs back again; REVERSE counts down; without SMOOTH frames step whole.
 */
export function textureAnimFrame(a: TextureAnimParams, seconds: number): TextureAnimFrame {
  if ((a.mode & TEXTURE_ANIM_FLAGS.on) === 0) return {};
  const F = TEXTURE_ANIM_FLAGS;
  const smooth = (a.mode & F.smooth) !== 0;
  const frames = a.length !== 0 ? a.length : Math.max(1, a.sizeX * a.sizeY);
  let full = frames;
  if (a.mode & F.pingPong) {
    if (smooth) full = 2 * frames;
    else if (a.mode & F.loop) full = Math.max(1, 2 * frames - 2);
    else full = Math.max(1, 2 * frames - 1);
  }
  let t = Math.max(0, seconds) * a.rate;
  if (a.mode & F.loop) t = full !== 0 ? t % full : 0;
  else t = Math.min(full - 1, t);
  if (!smooth) t = Math.floor(t + 0.01);
  if (a.mode & F.pingPong && t >= frames) t = smooth ? frames - (t - frames) : frames - 1.99 - (t - frames);
  if (a.mode & F.reverse) t = smooth ? frames - t : frames - 0.99 - t;
  t += a.start;
  if (!smooth) t = Math.round(t);
  if (!Number.isFinite(t)) return {};
  if (a.mode & F.rotate) return { rotation: t };
  if (a.mode & F.scale) return { repeats: [t, t] };
  if (a.sizeX > 0 && a.sizeY > 0) {
    const su = 1 / a.sizeX;
    const sv = 1 / a.sizeY;
    const x = t % a.sizeX;
    const y = Math.trunc(t / a.sizeX);
    return { repeats: [su, sv], offset: [-0.5 + 0.5 * su + x * su, 0.5 - 0.5 * sv - y * sv] };
  }
  // No grid: a scroll along u with the face's own repeats (SL flags only TRANSLATE here).
  return { offset: [t, 0] };
}

/** Whether the animation applies to face `face` of an object with `faces` faces (-1 or out of range: every face). */
export function animatesFace(a: TextureAnimParams, face: number, faces: number): boolean {
  return a.face < 0 || a.face >= faces || a.face === face;
}
