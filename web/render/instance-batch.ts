/** Packed instance records (the Instance schema), their cull spheres, mesh ids and face records (the Face schema). */
import { FACE_FLAGS, FACE_FLOATS, FACE_OFFSETS, INSTANCE_FLOATS, INSTANCE_OFFSETS } from './schemas';

const { position: POSITION, faceBase: FACE_BASE, scale: SCALE, faceCount: FACE_COUNT, rotation: ROTATION } = INSTANCE_OFFSETS;

/** RGBA, 0..1. */
export type Rgba = readonly [number, number, number, number];

/** How a face is drawn beyond its colour (the face's material with its texture resolved to a layer). */
export interface FaceLook {
  /** Texture array layer, or -1 for none. */
  layer: number;
  repeats: readonly [number, number];
  offset: readonly [number, number];
  /** Radians. */
  rotation: number;
  glow: number;
  fullbright: boolean;
  /** 0 blend, 1 mask, 2 none, 3 emissive (shared/protocol ALPHA_MODES order). */
  alphaMode: number;
  alphaCutoff: number;
  /** The texture has texels below opaque (known once it is resident). */
  textureAlpha?: boolean;
  /** Planar TexGen: UVs projected from the position on the face's plane (absent: the mesh's UVs). */
  planar?: boolean;
}

/** An untextured, lit, alpha-blended face. */
export const PLAIN_FACE: FaceLook = {
  layer: -1,
  repeats: [1, 1],
  offset: [0, 0],
  rotation: 0,
  glow: 0,
  fullbright: false,
  alphaMode: 0,
  alphaCutoff: 0,
};

/** One drawable thing in world space. */
export interface InstanceSpec {
  mesh: number;
  position: readonly [number, number, number];
  rotation: readonly [number, number, number, number];
  scale: readonly [number, number, number];
  /** Face colours by face index; the last one repeats for higher faces. */
  faceColors: readonly Rgba[];
  /** Face looks by face index (the last one repeats); absent: every face PLAIN_FACE. */
  faceLooks?: readonly FaceLook[];
}

/** Struct-of-arrays instance data, ready for upload and for the cull pass. */
export interface InstanceBatch {
  count: number;
  /** INSTANCE_FLOATS per instance, laid out as InstanceSchema (u32 fields written through `words`). */
  records: Float32Array;
  words: Uint32Array;
  /** (x, y, z, radius) per instance. */
  spheres: Float32Array;
  meshIds: Uint32Array;
  /** FACE_FLOATS per face record (i32/u32 fields through `faceWords`); an instance's faces start at its faceBase. */
  faces: Float32Array;
  faceWords: Uint32Array;
  faceCount: number;
  /** Per instance, 1 when one of its faces is see-through (alpha blended with a colour or texture alpha below 1, or masked). */
  seeThrough: Uint8Array;
  /** How many instances are see-through (the blend pass draws only those, farthest first). */
  seeThroughCount: number;
}

/** Creates an empty batch with room for `capacity` instances and `faceCapacity` face records. */
export function createInstanceBatch(capacity: number, faceCapacity = capacity * 8): InstanceBatch {
  const records = new Float32Array(capacity * INSTANCE_FLOATS);
  const faces = new Float32Array(Math.max(1, faceCapacity) * FACE_FLOATS);
  return {
    count: 0,
    records,
    words: new Uint32Array(records.buffer),
    spheres: new Float32Array(capacity * 4),
    meshIds: new Uint32Array(capacity),
    faces,
    faceWords: new Uint32Array(faces.buffer),
    faceCount: 0,
    seeThrough: new Uint8Array(capacity),
    seeThroughCount: 0,
  };
}

function growFaces(batch: InstanceBatch, need: number): void {
  if (need * FACE_FLOATS <= batch.faces.length) return;
  const faces = new Float32Array(Math.max(need, (batch.faces.length / FACE_FLOATS) * 2) * FACE_FLOATS);
  faces.set(batch.faces);
  batch.faces = faces;
  batch.faceWords = new Uint32Array(faces.buffer);
}

const F = FACE_OFFSETS;

/** Writes face record `k`; returns whether the face is see-through. */
function writeFace(batch: InstanceBatch, k: number, color: Rgba, look: FaceLook): boolean {
  const o = k * FACE_FLOATS;
  const f = batch.faces;
  f.set(color, o + F.color);
  f[o + F.uvTransform] = look.repeats[0];
  f[o + F.uvTransform + 1] = look.repeats[1];
  f[o + F.uvTransform + 2] = look.offset[0];
  f[o + F.uvTransform + 3] = look.offset[1];
  f[o + F.rotation] = look.rotation;
  f[o + F.glow] = look.glow;
  f[o + F.alphaCutoff] = look.alphaCutoff;
  // Alpha-blended with some alpha below 1, or alpha-masked: the blend pass draws it, farthest first.
  const seeThrough =
    (look.alphaMode === 0 && (color[3] < 1 || (look.layer >= 0 && look.textureAlpha === true))) || look.alphaMode === 1;
  // i32 through the u32 view: -1 is 0xffffffff.
  batch.faceWords[o + F.layer] = look.layer >>> 0;
  batch.faceWords[o + F.flags] =
    (look.fullbright ? FACE_FLAGS.fullbright : 0) |
    ((look.alphaMode & 3) << FACE_FLAGS.alphaShift) |
    (seeThrough ? FACE_FLAGS.seeThrough : 0) |
    (look.planar === true ? FACE_FLAGS.planar : 0);
  return seeThrough;
}

/** Appends one instance; throws when the batch is full (callers size batches from their entity counts). */
export function pushInstance(batch: InstanceBatch, spec: InstanceSpec): number {
  const i = batch.count;
  if (i >= batch.meshIds.length) throw new Error(`render: instance batch is full (${batch.meshIds.length})`);
  const colors = spec.faceColors.length > 0 ? spec.faceColors : [[1, 1, 1, 1] as const];
  const looks = spec.faceLooks && spec.faceLooks.length > 0 ? spec.faceLooks : [PLAIN_FACE];
  const n = Math.max(colors.length, looks.length);
  growFaces(batch, batch.faceCount + n);
  const o = i * INSTANCE_FLOATS;
  const r = batch.records;
  const [px, py, pz] = spec.position;
  const [sx, sy, sz] = spec.scale;
  r[o + POSITION] = px;
  r[o + POSITION + 1] = py;
  r[o + POSITION + 2] = pz;
  batch.words[o + FACE_BASE] = batch.faceCount;
  r[o + SCALE] = sx;
  r[o + SCALE + 1] = sy;
  r[o + SCALE + 2] = sz;
  batch.words[o + FACE_COUNT] = n;
  r.set(spec.rotation, o + ROTATION);
  let seeThrough = false;
  for (let f = 0; f < n; f++) {
    const color = colors[Math.min(f, colors.length - 1)] ?? [1, 1, 1, 1];
    const look = looks[Math.min(f, looks.length - 1)] ?? PLAIN_FACE;
    if (writeFace(batch, batch.faceCount + f, color, look)) seeThrough = true;
  }
  batch.seeThrough[i] = seeThrough ? 1 : 0;
  if (seeThrough) batch.seeThroughCount += 1;
  batch.faceCount += n;
  batch.spheres[i * 4] = px;
  batch.spheres[i * 4 + 1] = py;
  batch.spheres[i * 4 + 2] = pz;
  // A unit mesh spans -0.5..0.5, so the bounding sphere radius is half the scaled diagonal.
  batch.spheres[i * 4 + 3] = 0.5 * Math.hypot(sx, sy, sz);
  batch.meshIds[i] = spec.mesh;
  batch.count = i + 1;
  return i;
}
