/** GPU structs of the draw passes: one typegpu schema gives the TS type and the WGSL struct (injected into shaders/). */
import tgpu from 'typegpu';
import * as d from 'typegpu/data';

/** Per-frame uniforms shared by the sky, terrain and prim passes. */
export const FrameSchema = d
  .struct({
    viewProj: d.mat4x4f,
    invViewProj: d.mat4x4f,
    /** Eye position (xyz) and fog density per metre (w). */
    eyeFog: d.vec4f,
    /** Unit vector towards the sun (xyz), w unused. */
    sunDir: d.vec4f,
    sunColor: d.vec4f,
    ambient: d.vec4f,
    skyZenith: d.vec4f,
    skyHorizon: d.vec4f,
    /** Water level in metres (x); y: 1 when a water plane is drawn. */
    water: d.vec4f,
  })
  .$name('Frame');
export type Frame = d.Infer<typeof FrameSchema>;

/** One drawn prim or avatar: transform plus where its face records start in the face table. */
export const InstanceSchema = d
  .struct({
    position: d.vec3f,
    faceBase: d.u32,
    scale: d.vec3f,
    faceCount: d.u32,
    rotation: d.vec4f,
  })
  .$name('Instance');
export type Instance = d.Infer<typeof InstanceSchema>;

/**
 * One face as drawn: its colour, how its texture lies (SL's repeats, offset, rotation), glow, the alpha cutoff,
 * the texture array layer (-1: untextured) and FACE_FLAGS.
 */
export const FaceSchema = d
  .struct({
    color: d.vec4f,
    /** Repeats (xy) and offset (zw). */
    uvTransform: d.vec4f,
    rotation: d.f32,
    glow: d.f32,
    alphaCutoff: d.f32,
    layer: d.i32,
    flags: d.u32,
  })
  .$name('Face');
export type Face = d.Infer<typeof FaceSchema>;

/**
 * Bits of a face record's flags: fullbright, the alpha mode (2 bits from bit 1: blend, mask, none, emissive),
 * see-through (drawn in the blend pass, not the opaque one) and planar TexGen (UVs from the position on the face's
 * plane, scaled by the instance's size, as SL viewers' planarProjection).
 */
export const FACE_FLAGS = { fullbright: 1, alphaShift: 1, seeThrough: 8, planar: 16 } as const;

/** The stride of one face record in 4-byte words, and each field's offset (from the schema). */
export const FACE_FLOATS = d.sizeOf(FaceSchema) / 4;
export const FACE_OFFSETS: Readonly<Record<keyof Face, number>> = Object.freeze({
  color: d.memoryLayoutOf(FaceSchema, (f) => f.color).offset / 4,
  uvTransform: d.memoryLayoutOf(FaceSchema, (f) => f.uvTransform).offset / 4,
  rotation: d.memoryLayoutOf(FaceSchema, (f) => f.rotation).offset / 4,
  glow: d.memoryLayoutOf(FaceSchema, (f) => f.glow).offset / 4,
  alphaCutoff: d.memoryLayoutOf(FaceSchema, (f) => f.alphaCutoff).offset / 4,
  layer: d.memoryLayoutOf(FaceSchema, (f) => f.layer).offset / 4,
  flags: d.memoryLayoutOf(FaceSchema, (f) => f.flags).offset / 4,
});

/**
 * How the terrain is textured: the texture layer of each of the region's four terrain textures (-1: none, then
 * the terrain keeps its own colours), where their height blend starts and its range at the corners (SW, NW, SE,
 * NE), and the region's size (xy) and the metres one texture repeat covers (z); w is 1 when textured.
 */
export const TerrainParamsSchema = d
  .struct({
    layers: d.vec4i,
    startHeights: d.vec4f,
    heightRanges: d.vec4f,
    region: d.vec4f,
  })
  .$name('TerrainParams');
export const TERRAIN_PARAMS_BYTES = d.sizeOf(TerrainParamsSchema);

/** Bytes per instance record and its float offsets, derived from the schema (no hand-kept numbers). */
export const INSTANCE_BYTES = d.sizeOf(InstanceSchema);
/** The stride of one instance record in 4-byte words (floats of `records`, u32s of `words`). */
export const INSTANCE_FLOATS = INSTANCE_BYTES / 4;

/** A field's offset within one instance record, in 4-byte words. */
function wordOffset(field: (i: Instance) => unknown): number {
  return d.memoryLayoutOf(InstanceSchema, field).offset / 4;
}

/**
 * Where each Instance field starts within a record, in 4-byte words from the record's start: write
 * `records[i * INSTANCE_FLOATS + INSTANCE_OFFSETS.scale + 1]` for scale.y, and the u32 fields
 * (faceBase, faceCount) through a Uint32Array view of the same buffer.
 */
export const INSTANCE_OFFSETS: Readonly<Record<keyof Instance, number>> = Object.freeze({
  position: wordOffset((i) => i.position),
  faceBase: wordOffset((i) => i.faceBase),
  scale: wordOffset((i) => i.scale),
  faceCount: wordOffset((i) => i.faceCount),
  rotation: wordOffset((i) => i.rotation),
});
export const FRAME_BYTES = d.sizeOf(FrameSchema);

/** WGSL text of a shader file with the schema structs it references declared in front. */
export function withStructs(source: string): string {
  return tgpu.resolve({
    template: source,
    externals: { Frame: FrameSchema, Instance: InstanceSchema, Face: FaceSchema, TerrainParams: TerrainParamsSchema },
  });
}
