/**
 * The main header of a JPEG 2000 codestream (ISO/IEC 15444-1 annex A), read and checked before any byte reaches the
 * decoder: image size, components, tiles and resolution levels. Bounded reads only; bad bytes give TextureError.
 */
import { TextureError } from './errors';

/** Largest texture accepted, per side (full resolution). */
export const MAX_TEXTURE_SIDE = 4096;
/** Most tiles accepted (OpenSim and Second Life textures are one tile). */
export const MAX_TEXTURE_TILES = 1024;

/** What the decoder needs to know before decoding. */
export interface J2kHeader {
  /** Full-resolution size in pixels. */
  readonly width: number;
  readonly height: number;
  /** The image area on the reference grid (x1, y1 exclusive): sizes at reduced levels are computed from it. */
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
  /** Image components (1-4 are decoded). */
  readonly components: number;
  /** Bit depth of the first component. */
  readonly precision: number;
  readonly tiles: number;
  /** Wavelet decomposition levels (the fewest of any component): discard levels 0..levels exist. */
  readonly levels: number;
  /** Quality layers (from COD). */
  readonly layers: number;
}

const SOC = 0xff4f;
const SIZ = 0xff51;
const COD = 0xff52;
const COC = 0xff53;
const SOT = 0xff90;
/** The JP2 file format's signature box starts with these bytes. */
const JP2_SIGNATURE = [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20];

/** Reads and checks the main header (SOC, SIZ, then markers up to the first tile-part). Throws TextureError. */
export function readJ2kHeader(bytes: Uint8Array): J2kHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (at: number, n: number, what: string): void => {
    if (at + n > bytes.length)
      throw new TextureError(
        'texture_corrupt',
        `the J2K codestream ends inside its main header (${what}, ${bytes.length} bytes)`,
      );
  };
  if (bytes.length === 0) throw new TextureError('texture_corrupt', 'the texture is empty (0 bytes)');
  if (JP2_SIGNATURE.every((b, i) => bytes[i] === b))
    throw new TextureError('texture_unsupported', 'JP2 files are not decoded; textures are raw J2K codestreams (FF4F FF51)');
  need(0, 4, 'SOC');
  if (view.getUint16(0) !== SOC || view.getUint16(2) !== SIZ)
    throw new TextureError('texture_corrupt', 'not a J2K codestream: it must start with SOC and SIZ (FF4F FF51)');

  // SIZ: Lsiz Rsiz Xsiz Ysiz XOsiz YOsiz XTsiz YTsiz XTOsiz YTOsiz Csiz, then Ssiz XRsiz YRsiz per component.
  need(4, 38, 'SIZ');
  const lsiz = view.getUint16(4);
  const [x1, y1, x0, y0, tw, th, tx0, ty0] = [8, 12, 16, 20, 24, 28, 32, 36].map((o) => view.getUint32(o)) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const components = view.getUint16(40);
  if (components === 0 || lsiz !== 38 + 3 * components)
    throw new TextureError('texture_corrupt', `the SIZ marker is malformed (length ${lsiz}, ${components} components)`);
  if (x1 <= x0 || y1 <= y0 || tw === 0 || th === 0 || tx0 > x0 || ty0 > y0 || tx0 + tw <= x0 || ty0 + th <= y0)
    throw new TextureError('texture_corrupt', 'the SIZ marker describes an empty or inconsistent image area');
  const width = x1 - x0;
  const height = y1 - y0;
  if (width > MAX_TEXTURE_SIDE || height > MAX_TEXTURE_SIDE)
    throw new TextureError('texture_too_large', `the texture is ${width}x${height}; at most ${MAX_TEXTURE_SIDE} per side`);
  if (components > 4)
    throw new TextureError('texture_unsupported', `the texture has ${components} components; 1 to 4 are decoded`);
  need(42, 3 * components, 'SIZ components');
  let precision = 8;
  for (let c = 0; c < components; c++) {
    const ssiz = bytes[42 + 3 * c] ?? 0;
    const dx = bytes[43 + 3 * c] ?? 0;
    const dy = bytes[44 + 3 * c] ?? 0;
    if (dx === 0 || dy === 0) throw new TextureError('texture_corrupt', `component ${c} has a zero sampling step`);
    if (dx !== 1 || dy !== 1)
      throw new TextureError('texture_unsupported', `component ${c} is subsampled (${dx}x${dy}); textures sample every pixel`);
    if (c === 0) precision = (ssiz & 0x7f) + 1;
  }
  if (precision > 16) throw new TextureError('texture_unsupported', `the texture has ${precision}-bit samples; at most 16`);
  const tiles = Math.ceil((x1 - tx0) / tw) * Math.ceil((y1 - ty0) / th);
  if (tiles > MAX_TEXTURE_TILES)
    throw new TextureError('texture_unsupported', `the texture has ${tiles} tiles; at most ${MAX_TEXTURE_TILES}`);

  // The other main-header markers, up to the first tile-part (SOT): COD and COC give the decomposition levels.
  let at = 4 + lsiz;
  let levels = -1;
  let cocLevels = Number.POSITIVE_INFINITY;
  let layers = 1;
  for (;;) {
    need(at, 2, 'marker');
    const marker = view.getUint16(at);
    if (marker === SOT) break;
    if (marker >>> 8 !== 0xff || marker < 0xff30)
      throw new TextureError('texture_corrupt', `expected a marker at byte ${at}, found ${marker.toString(16).padStart(4, '0')}`);
    need(at + 2, 2, 'marker length');
    const length = view.getUint16(at + 2);
    if (length < 2) throw new TextureError('texture_corrupt', `the marker at byte ${at} has length ${length}`);
    need(at + 2, length, `marker ${marker.toString(16)}`);
    const body = at + 4;
    if (marker === COD) {
      // Scod, SGcod (progression, layers u16, MCT), SPcod (decomposition levels, …).
      if (length < 12) throw new TextureError('texture_corrupt', `the COD marker is too short (${length})`);
      layers = view.getUint16(body + 2);
      levels = bytes[body + 5] ?? 0;
    } else if (marker === COC) {
      // Ccoc (one byte, two when there are 257 or more components), Scoc, SPcoc (decomposition levels, …).
      const index = components < 257 ? 1 : 2;
      if (length < 2 + index + 2) throw new TextureError('texture_corrupt', `the COC marker is too short (${length})`);
      cocLevels = Math.min(cocLevels, bytes[body + index + 1] ?? 0);
    }
    at += 2 + length;
  }
  if (levels < 0) throw new TextureError('texture_corrupt', 'the J2K main header has no COD marker');
  levels = Math.min(levels, cocLevels);
  if (levels > 32) throw new TextureError('texture_corrupt', `the codestream claims ${levels} decomposition levels (at most 32)`);
  if (layers === 0) throw new TextureError('texture_corrupt', 'the COD marker claims zero quality layers');
  return { width, height, x0, y0, x1, y1, components, precision, tiles, levels, layers };
}

/** The image size at discard level `level` (0 = full resolution; each level halves, rounding up on the grid). */
export function sizeAtLevel(header: J2kHeader, level: number): { width: number; height: number } {
  const scale = 2 ** level;
  return {
    width: Math.ceil(header.x1 / scale) - Math.ceil(header.x0 / scale),
    height: Math.ceil(header.y1 / scale) - Math.ceil(header.y0 / scale),
  };
}

/**
 * The discard level to decode so that the larger side is at most `maxDimension`: the lowest such level, or the
 * smallest level the codestream has when even that is larger. No limit (undefined, Infinity) gives level 0.
 */
export function chooseDiscardLevel(header: J2kHeader, maxDimension?: number): number {
  if (maxDimension === undefined || !(maxDimension < Number.POSITIVE_INFINITY)) return 0;
  for (let level = 0; level < header.levels; level++) {
    const size = sizeAtLevel(header, level);
    if (Math.max(size.width, size.height) <= maxDimension) return level;
  }
  return header.levels;
}
