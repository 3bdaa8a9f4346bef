/**
 * How an OpenSim object looks beyond its shape, translated to the Storm protocol: TextureEntry → per-face
 * materials, ExtraParams' sculpt block (0x30) → sculpt or mesh geometry, Text/TextColor → hover text, and
 * RegionHandshake → region_info (terrain textures, their height bands, water).
 */

import { primFaceCount } from '../../shared/geometry/prim-faces';
import {
  decodeTextureAnim,
  LludpError,
  type MessageOf,
  type TextureEntry,
  type TextureFace,
  textureFace,
} from '../../shared/lludp';
import {
  type EntitySculpt,
  type FaceMaterial,
  type HoverText,
  MAX_FACES,
  MAX_HOVER_TEXT_BYTES,
  MAX_TEXTURE_ANIM_VALUE,
  MAX_TEXTURE_REPEATS,
  NO_TEXTURE,
  type PrimShape,
  type RegionInfo,
  sculptFromByte,
  TEXTURE_ANIM_FLAGS,
  type TextureAnim,
  textureAnimFlags,
  utf8Length,
} from '../../shared/protocol';

/** ExtraParams type of the sculpt block (16-byte map or mesh asset, then the SculptType byte). */
export const EXTRA_PARAM_SCULPT = 0x30;
/** Bytes of the sculpt block. */
const SCULPT_BLOCK_BYTES = 17;
/** Most ExtraParams entries read from one object (SL defines 7 types). */
const MAX_EXTRA_PARAMS = 16;
/** TE `material` byte: bump map (bits 0-4), fullbright (bit 5), shininess (bits 6-7). */
const TE_BUMP = 0x1f;
const TE_FULLBRIGHT = 0x20;
const TE_SHINY_SHIFT = 6;
/** TE `media` byte: media flag (bit 0), TexGen mode (bits 1-2: 0 default, 1 planar, 2 spherical, 3 cylindrical). */
const TE_TEXGEN_MASK = 0x06;
const TE_TEXGEN_PLANAR = 0x02;

/** One ExtraParams entry (type and its raw bytes). */
export interface ExtraParamBlock {
  type: number;
  data: Uint8Array;
}

/**
 * ObjectUpdate.ExtraParams: a u8 count, then per entry a u16 type, u32 size (little-endian) and the bytes.
 * Throws `lludp_bad_payload` when an entry does not fit.
 */
export function parseExtraParams(bytes: Uint8Array): ExtraParamBlock[] {
  if (bytes.length === 0) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = bytes[0] ?? 0;
  if (count > MAX_EXTRA_PARAMS)
    throw new LludpError('lludp_bad_payload', `ExtraParams: ${count} entries, at most ${MAX_EXTRA_PARAMS} are read`);
  const out: ExtraParamBlock[] = [];
  let at = 1;
  for (let i = 0; i < count; i++) {
    if (at + 6 > bytes.length)
      throw new LludpError('lludp_bad_payload', `ExtraParams: entry ${i} header runs past the ${bytes.length} bytes`);
    const type = view.getUint16(at, true);
    const size = view.getUint32(at + 2, true);
    at += 6;
    if (size > bytes.length - at)
      throw new LludpError(
        'lludp_bad_payload',
        `ExtraParams: entry ${i} (type 0x${type.toString(16)}) says ${size} bytes, ${bytes.length - at} are left`,
      );
    out.push({ type, data: bytes.subarray(at, at + size) });
    at += size;
  }
  return out;
}

function uuidText(b: Uint8Array): string {
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * The sculpt (or mesh) of an object from its ExtraParams, or null when it has none (no 0x30 entry, or a
 * SculptType that is none/unknown). Throws `lludp_bad_payload` for a sculpt block of the wrong size.
 */
export function sculptFromExtraParams(params: readonly ExtraParamBlock[]): EntitySculpt | null {
  const block = params.find((p) => p.type === EXTRA_PARAM_SCULPT);
  if (!block) return null;
  if (block.data.length < SCULPT_BLOCK_BYTES)
    throw new LludpError(
      'lludp_bad_payload',
      `ExtraParams: the sculpt block has ${block.data.length} bytes, not ${SCULPT_BLOCK_BYTES}`,
    );
  return sculptFromByte(block.data[16] ?? 0, uuidText(block.data.subarray(0, 16)));
}

/**
 * What an update says about an object's sculpt: its sculpt; or null when it had one and lost it (a delta's
 * "removed"); or undefined when it never had one (the field is left out).
 */
export function sculptChange(now: EntitySculpt | null, had: EntitySculpt | null | undefined): EntitySculpt | null | undefined {
  if (now) return now;
  return had ? null : undefined;
}

const finite = (v: number, limit: number, fallback: number): number =>
  Number.isFinite(v) ? Math.min(limit, Math.max(-limit, v)) : fallback;
const unit = (v: number): number => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0);

/** One TextureEntry face as a Storm face material (colour stays in the entity's colours). */
export function faceMaterialOf(f: TextureFace): FaceMaterial {
  return {
    texture: /^[0-9a-fA-F-]{36}$/.test(f.textureId) ? f.textureId.toLowerCase() : NO_TEXTURE,
    repeats: [finite(f.repeatU, MAX_TEXTURE_REPEATS, 1), finite(f.repeatV, MAX_TEXTURE_REPEATS, 1)],
    offset: [finite(f.offsetU, 1, 0), finite(f.offsetV, 1, 0)],
    rotation: finite(f.rotation, 2 * Math.PI, 0),
    glow: unit(f.glow),
    fullbright: (f.material & TE_FULLBRIGHT) !== 0,
    // SL draws a legacy face blended where its texture or colour has alpha; the viewer decides per texture.
    alphaMode: 'blend',
    alphaCutoff: 0,
    shiny: (f.material >> TE_SHINY_SHIFT) & 3,
    bump: f.material & TE_BUMP,
    // SL viewers draw only planar specially; spherical and cylindrical fall back to the default UVs.
    texgen: (f.media & TE_TEXGEN_MASK) === TE_TEXGEN_PLANAR ? 'planar' : 'default',
  };
}

/**
 * An object's texture animation from its TextureAnim bytes: the animation when ANIM_ON is set, else null (empty
 * bytes or the mode off). Values are clamped to the protocol's limits; a face past MAX_FACES becomes every face.
 * Throws `lludp_bad_payload` for a block of the wrong size.
 */
export function textureAnimOf(bytes: Uint8Array | undefined): TextureAnim | null {
  const block = bytes ? decodeTextureAnim(bytes) : null;
  if (!block || (block.mode & TEXTURE_ANIM_FLAGS.on) === 0) return null;
  const value = (v: number): number => finite(v, MAX_TEXTURE_ANIM_VALUE, 0);
  return {
    ...textureAnimFlags(block.mode),
    face: block.face >= 0 && block.face < MAX_FACES ? block.face : -1,
    sizeX: block.sizeX,
    sizeY: block.sizeY,
    start: value(block.start),
    length: value(block.length),
    rate: value(block.rate),
  };
}

/** What an update says about an object's texture animation: as sculptChange (null: it had one and it stopped). */
export function textureAnimChange(now: TextureAnim | null, had: TextureAnim | null | undefined): TextureAnim | null | undefined {
  if (now) return now;
  return had ? null : undefined;
}

function sameMaterial(a: FaceMaterial, b: FaceMaterial): boolean {
  return (
    a.texture === b.texture &&
    a.repeats[0] === b.repeats[0] &&
    a.repeats[1] === b.repeats[1] &&
    a.offset[0] === b.offset[0] &&
    a.offset[1] === b.offset[1] &&
    a.rotation === b.rotation &&
    a.glow === b.glow &&
    a.fullbright === b.fullbright &&
    a.alphaMode === b.alphaMode &&
    a.alphaCutoff === b.alphaCutoff &&
    a.shiny === b.shiny &&
    a.bump === b.bump &&
    a.texgen === b.texgen
  );
}

/**
 * Materials of faces 0..faces-1 from a TextureEntry, compact: trailing entries equal to the one before them are
 * left out (the protocol repeats the last entry for higher faces).
 */
export function faceMaterials(entry: TextureEntry, faces: number): FaceMaterial[] {
  const n = Math.max(1, Math.min(MAX_FACES, Math.floor(faces)));
  const out: FaceMaterial[] = [];
  for (let i = 0; i < n; i++) out.push(faceMaterialOf(textureFace(entry, i)));
  while (out.length > 1) {
    const last = out[out.length - 1];
    const before = out[out.length - 2];
    if (!last || !before || !sameMaterial(last, before)) break;
    out.pop();
  }
  return out;
}

/** Faces the TextureEntry names: one past the highest overridden face (at least 1). */
export function textureEntryFaces(entry: TextureEntry): number {
  let faces = 1;
  for (const f of entry.overrides.keys()) if (f < MAX_FACES) faces = Math.max(faces, f + 1);
  return faces;
}

/**
 * How many faces an object has, numbered as the viewer's prim generator (shared/geometry) numbers them: a
 * sculpty has one; a mesh as many as its TextureEntry names (its asset decides, which the edge does not read);
 * a prim as many as its generated shape has.
 */
export function objectFaceCount(shape: PrimShape, sculpt: EntitySculpt | null, entry: TextureEntry): number {
  if (sculpt) return sculpt.type === 'mesh' ? textureEntryFaces(entry) : 1;
  let faces: number;
  try {
    faces = primFaceCount(shape);
  } catch {
    faces = textureEntryFaces(entry);
  }
  return Math.max(1, Math.min(MAX_FACES, faces));
}

/** Truncates to `max` UTF-8 bytes. */
function clipText(text: string, max: number): string {
  let s = text;
  while (utf8Length(s) > max) s = s.slice(0, -1);
  return s;
}

/**
 * Hover text from Text and TextColor (RGBA bytes; the alpha travels inverted, 255 - a, so opaque zero-codes
 * well, as the LL viewer reads it). Undefined when there is none and there was none; empty text when it was removed.
 */
export function hoverText(text: string, color: Uint8Array | undefined, had: HoverText | undefined): HoverText | undefined {
  const clipped = clipText(text.replace(/\0+$/, ''), MAX_HOVER_TEXT_BYTES);
  if (clipped === '') return had && had.text !== '' ? { text: '', color: [0, 0, 0, 0] } : had;
  const c = color ?? new Uint8Array(4);
  return { text: clipped, color: [c[0] ?? 0, c[1] ?? 0, c[2] ?? 0, 255 - (c[3] ?? 0)] };
}

const height = (v: number): number => (Number.isFinite(v) ? Math.min(10000, Math.max(-10000, v)) : 0);
const lowerUuid = (s: string): string => (/^[0-9a-fA-F-]{36}$/.test(s) ? s.toLowerCase() : NO_TEXTURE);

/**
 * RegionHandshake's ground and water as region_info: TerrainDetail0..3, start heights and height ranges per corner
 * (00 SW, 01 NW, 10 SE, 11 NE, as the wire names them), water height.
 */
export function regionInfoFromHandshake(r: MessageOf<'RegionHandshake'>['blocks']['RegionInfo']): RegionInfo {
  return {
    type: 'region_info',
    terrainTextures: [
      lowerUuid(r.TerrainDetail0),
      lowerUuid(r.TerrainDetail1),
      lowerUuid(r.TerrainDetail2),
      lowerUuid(r.TerrainDetail3),
    ],
    terrainStartHeights: [
      height(r.TerrainStartHeight00),
      height(r.TerrainStartHeight01),
      height(r.TerrainStartHeight10),
      height(r.TerrainStartHeight11),
    ],
    terrainHeightRanges: [
      height(r.TerrainHeightRange00),
      height(r.TerrainHeightRange01),
      height(r.TerrainHeightRange10),
      height(r.TerrainHeightRange11),
    ],
    waterHeight: Number.isFinite(r.WaterHeight) ? height(r.WaterHeight) : null,
  };
}
