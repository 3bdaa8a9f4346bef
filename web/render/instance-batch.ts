/** Packed instance records (the Instance schema), their cull spheres, mesh ids and face colours. */
import { INSTANCE_FLOATS, INSTANCE_OFFSETS } from './schemas';

const { position: POSITION, faceBase: FACE_BASE, scale: SCALE, faceCount: FACE_COUNT, rotation: ROTATION } = INSTANCE_OFFSETS;

/** RGBA, 0..1. */
export type Rgba = readonly [number, number, number, number];

/** One drawable thing in world space. */
export interface InstanceSpec {
  mesh: number;
  position: readonly [number, number, number];
  rotation: readonly [number, number, number, number];
  scale: readonly [number, number, number];
  /** Face colours by face index; the last one repeats for higher faces. */
  faceColors: readonly Rgba[];
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
  /** RGBA floats; an instance's colours start at its faceBase. */
  faceColors: Float32Array;
  faceColorCount: number;
}

/** Creates an empty batch with room for `capacity` instances and `faceCapacity` face colours. */
export function createInstanceBatch(capacity: number, faceCapacity = capacity * 8): InstanceBatch {
  const records = new Float32Array(capacity * INSTANCE_FLOATS);
  return {
    count: 0,
    records,
    words: new Uint32Array(records.buffer),
    spheres: new Float32Array(capacity * 4),
    meshIds: new Uint32Array(capacity),
    faceColors: new Float32Array(faceCapacity * 4),
    faceColorCount: 0,
  };
}

/** Appends one instance; throws when the batch is full (callers size batches from their entity counts). */
export function pushInstance(batch: InstanceBatch, spec: InstanceSpec): number {
  const i = batch.count;
  if (i >= batch.meshIds.length) throw new Error(`render: instance batch is full (${batch.meshIds.length})`);
  const faces = spec.faceColors.length > 0 ? spec.faceColors : [[1, 1, 1, 1] as const];
  if ((batch.faceColorCount + faces.length) * 4 > batch.faceColors.length) throw new Error('render: face colour table is full');
  const o = i * INSTANCE_FLOATS;
  const r = batch.records;
  const [px, py, pz] = spec.position;
  const [sx, sy, sz] = spec.scale;
  r[o + POSITION] = px;
  r[o + POSITION + 1] = py;
  r[o + POSITION + 2] = pz;
  batch.words[o + FACE_BASE] = batch.faceColorCount;
  r[o + SCALE] = sx;
  r[o + SCALE + 1] = sy;
  r[o + SCALE + 2] = sz;
  batch.words[o + FACE_COUNT] = faces.length;
  r.set(spec.rotation, o + ROTATION);
  for (const c of faces) {
    batch.faceColors.set(c, batch.faceColorCount * 4);
    batch.faceColorCount += 1;
  }
  batch.spheres[i * 4] = px;
  batch.spheres[i * 4 + 1] = py;
  batch.spheres[i * 4 + 2] = pz;
  // A unit mesh spans -0.5..0.5, so the bounding sphere radius is half the scaled diagonal.
  batch.spheres[i * 4 + 3] = 0.5 * Math.hypot(sx, sy, sz);
  batch.meshIds[i] = spec.mesh;
  batch.count = i + 1;
  return i;
}
