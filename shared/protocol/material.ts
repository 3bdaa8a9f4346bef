/**
 * Appearance in the Storm protocol beyond shape and colour: per-face materials (texture and how it lies on the
 * face), sculpted and mesh geometry, hover text, and a region's terrain textures and water. Field meanings follow
 * Second Life's TextureEntry, ExtraParams (sculpt), ObjectUpdate.Text and RegionHandshake so the OpenSim source
 * maps 1:1; Finalverse uses the same fields.
 */
import { z } from 'zod';
import { utf8Length } from './byte-io';
import { MAX_FACES } from './limits';

const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a lower-case UUID');

/** The nil UUID: no texture (the face shows its colour only). */
export const NO_TEXTURE = '00000000-0000-0000-0000-000000000000';
/** Largest texture repeat count either way (SL's build floater allows ±100). */
export const MAX_TEXTURE_REPEATS = 100;
/** Longest hover text, in UTF-8 bytes (SL's limit is 254). */
export const MAX_HOVER_TEXT_BYTES = 254;

/**
 * How a face's alpha is used. `blend`: blended over what is behind it (SL's default for a texture with alpha or a
 * colour alpha below 1); `mask`: pixels below `cutoff` are discarded and the rest drawn opaque; `none`: opaque;
 * `emissive`: alpha is a glow mask (drawn opaque).
 */
export const ALPHA_MODES = ['blend', 'mask', 'none', 'emissive'] as const;
export const AlphaMode = z.enum(ALPHA_MODES);
export type AlphaMode = z.infer<typeof AlphaMode>;

/** SL TexGen modes the viewer draws (spherical and cylindrical, never drawn by SL viewers, arrive as `default`). */
export const TEXGEN_MODES = ['default', 'planar'] as const;
export type TexGen = (typeof TEXGEN_MODES)[number];

const finite = (limit: number) => z.number().min(-limit).max(limit);

/** One face's material: its texture and how it lies on the face (colour stays in Entity.colors). */
export const FaceMaterial = z.object({
  /** The texture asset, or NO_TEXTURE. */
  texture: uuid,
  /** Texture repeats across the face (u, v); negative mirrors. */
  repeats: z.tuple([finite(MAX_TEXTURE_REPEATS), finite(MAX_TEXTURE_REPEATS)]),
  /** Texture offset (u, v), in texture widths (-1..1 in SL). */
  offset: z.tuple([finite(1), finite(1)]),
  /** Texture rotation in radians (counter-clockwise). */
  rotation: finite(2 * Math.PI),
  /** Glow 0..1. */
  glow: z.number().min(0).max(1),
  /** Drawn without lighting. */
  fullbright: z.boolean(),
  alphaMode: AlphaMode,
  /** Alpha cutoff for `mask`, 0..1. */
  alphaCutoff: z.number().min(0).max(1),
  /** SL shininess 0..3 and bump map 0..31: carried, not drawn yet. */
  shiny: z.number().int().min(0).max(3),
  bump: z.number().int().min(0).max(31),
  /**
   * How texture coordinates are made (SL's TexGen, TextureEntry media byte bits 1-2): `default` uses the shape's
   * own UVs; `planar` projects the vertex position (in metres, scaled by the prim's size) onto the face's plane, so
   * a stretched prim keeps its texture density (repeats are then per half metre, as SL viewers draw them).
   */
  texgen: z.enum(TEXGEN_MODES),
});
export type FaceMaterial = z.infer<typeof FaceMaterial>;

/** An untextured face, as prims without a TextureEntry look. */
export const DEFAULT_FACE_MATERIAL: FaceMaterial = {
  texture: NO_TEXTURE,
  repeats: [1, 1],
  offset: [0, 0],
  rotation: 0,
  glow: 0,
  fullbright: false,
  alphaMode: 'blend',
  alphaCutoff: 0,
  shiny: 0,
  bump: 0,
  texgen: 'default',
};

/** Materials of an entity's faces: face i uses materials[i], or the last one when the list is shorter. */
export const FaceMaterials = z.array(FaceMaterial).min(1).max(MAX_FACES);
export type FaceMaterials = z.infer<typeof FaceMaterials>;

/** The material of face `face` (the last entry repeats for higher faces). */
export function faceMaterial(materials: readonly FaceMaterial[], face: number): FaceMaterial {
  return materials[Math.min(face, materials.length - 1)] ?? DEFAULT_FACE_MATERIAL;
}

/** SL SculptType values (low 3 bits) and flag bits. */
export const SCULPT_TYPES = { sphere: 1, torus: 2, plane: 3, cylinder: 4, mesh: 5 } as const;
export type SculptTypeName = keyof typeof SCULPT_TYPES;
export const SCULPT_FLAGS = { invert: 0x40, mirror: 0x80 } as const;

/**
 * Sculpted or mesh geometry (SL ExtraParams 0x30): `map` is the sculpt map texture, or for `mesh` the mesh asset.
 * Until it is decoded the viewer draws the prim's base shape.
 */
export const EntitySculpt = z.object({
  type: z.enum(['sphere', 'torus', 'plane', 'cylinder', 'mesh']),
  map: uuid,
  invert: z.boolean(),
  mirror: z.boolean(),
});
export type EntitySculpt = z.infer<typeof EntitySculpt>;

/** SL's SculptType byte of a sculpt (type in the low bits, invert 0x40, mirror 0x80). */
export function sculptTypeByte(s: EntitySculpt): number {
  return SCULPT_TYPES[s.type] | (s.invert ? SCULPT_FLAGS.invert : 0) | (s.mirror ? SCULPT_FLAGS.mirror : 0);
}

/** A sculpt from SL's SculptType byte and map, or null when the type is none/unknown (0, 6, 7). */
export function sculptFromByte(typeByte: number, map: string): EntitySculpt | null {
  const kind = typeByte & 0x07;
  const type = (Object.keys(SCULPT_TYPES) as SculptTypeName[]).find((k) => SCULPT_TYPES[k] === kind);
  if (type === undefined) return null;
  return { type, map, invert: (typeByte & SCULPT_FLAGS.invert) !== 0, mirror: (typeByte & SCULPT_FLAGS.mirror) !== 0 };
}

/** Hover text above an entity; empty text means none. */
export const HoverText = z.object({
  text: z
    .string()
    .refine((s) => utf8Length(s) <= MAX_HOVER_TEXT_BYTES, { message: `at most ${MAX_HOVER_TEXT_BYTES} UTF-8 bytes` }),
  /** sRGB with alpha, 0–255 each. */
  color: z.tuple([
    z.number().int().min(0).max(255),
    z.number().int().min(0).max(255),
    z.number().int().min(0).max(255),
    z.number().int().min(0).max(255),
  ]),
});
export type HoverText = z.infer<typeof HoverText>;

const height = z.number().min(-10000).max(10000);
const corners = z.tuple([height, height, height, height]);

/**
 * A region's ground and water (SL RegionHandshake): four terrain textures blended by height, the height where
 * the blend starts and its range at each corner (south-west, north-west, south-east, north-east: SL's 00, 01, 10,
 * 11), and the water height. Sent after welcome; a newer one replaces it.
 */
export const RegionInfo = z.object({
  type: z.literal('region_info'),
  /** Lowest to highest; NO_TEXTURE for a layer the viewer draws in its own colour. */
  terrainTextures: z.tuple([uuid, uuid, uuid, uuid]),
  terrainStartHeights: corners,
  terrainHeightRanges: corners,
  /** Metres, or null for no water. */
  waterHeight: height.nullable(),
});
export type RegionInfo = z.infer<typeof RegionInfo>;

/** Largest |start|, |length| and |rate| of a texture animation (llSetTextureAnim takes floats; beyond this is noise). */
export const MAX_TEXTURE_ANIM_VALUE = 1e6;
/** SL's texture animation mode bits (llSetTextureAnim: ANIM_ON, LOOP, REVERSE, PING_PONG, SMOOTH, ROTATE, SCALE). */
export const TEXTURE_ANIM_FLAGS = {
  on: 0x01,
  loop: 0x02,
  reverse: 0x04,
  pingPong: 0x08,
  smooth: 0x10,
  rotate: 0x20,
  scale: 0x40,
} as const;

/**
 * A texture animation (SL ObjectUpdate.TextureAnim, set by llSetTextureAnim): a flipbook over a sizeX × sizeY frame
 * grid, or with `smooth` a scroll; with `rotate` or `scale` the texture turns or grows instead. The viewer animates
 * the UVs of `face` (-1: every face) each frame as SL viewers do (LLViewerTextureAnim). Its presence means ANIM_ON.
 */
export const TextureAnim = z.object({
  loop: z.boolean(),
  reverse: z.boolean(),
  pingPong: z.boolean(),
  smooth: z.boolean(),
  rotate: z.boolean(),
  scale: z.boolean(),
  face: z
    .number()
    .int()
    .min(-1)
    .max(MAX_FACES - 1),
  sizeX: z.number().int().min(0).max(255),
  sizeY: z.number().int().min(0).max(255),
  start: finite(MAX_TEXTURE_ANIM_VALUE),
  length: finite(MAX_TEXTURE_ANIM_VALUE),
  rate: finite(MAX_TEXTURE_ANIM_VALUE),
});
export type TextureAnim = z.infer<typeof TextureAnim>;

/** SL's mode byte of an animation (ANIM_ON always set). */
export function textureAnimModeByte(a: TextureAnim): number {
  const F = TEXTURE_ANIM_FLAGS;
  return (
    F.on |
    (a.loop ? F.loop : 0) |
    (a.reverse ? F.reverse : 0) |
    (a.pingPong ? F.pingPong : 0) |
    (a.smooth ? F.smooth : 0) |
    (a.rotate ? F.rotate : 0) |
    (a.scale ? F.scale : 0)
  );
}

/** The flags of SL's mode byte (the caller checks ANIM_ON and unknown bits). */
export function textureAnimFlags(
  mode: number,
): Pick<TextureAnim, 'loop' | 'reverse' | 'pingPong' | 'smooth' | 'rotate' | 'scale'> {
  const F = TEXTURE_ANIM_FLAGS;
  return {
    loop: (mode & F.loop) !== 0,
    reverse: (mode & F.reverse) !== 0,
    pingPong: (mode & F.pingPong) !== 0,
    smooth: (mode & F.smooth) !== 0,
    rotate: (mode & F.rotate) !== 0,
    scale: (mode & F.scale) !== 0,
  };
}
