/** Plain data shared by the CPU reference and the GPU pass: instances, draw layout, per-frame parameters. */
import { DRAW_ARGS_WORDS, MAX_LODS } from './cull-schema';
import { CullCode, cullError } from './errors';
import { frustumPlanes, type Mat4 } from './frustum';

/** Instances to cull, struct-of-arrays: spheres = (x, y, z, radius) per instance in world space; meshIds = which mesh. */
export interface CullInstances {
  count: number;
  /** 4 floats per instance. */
  spheres: Float32Array;
  /** One mesh id per instance, < layout.meshCount. */
  meshIds: Uint32Array;
}

/** Where a mesh's LOD lives in the packed index/vertex buffers. */
export interface MeshLodRange {
  indexCount: number;
  firstIndex: number;
  baseVertex: number;
}

/**
 * How visible instances are grouped into draws. Slot s = meshId·lodCount + lod owns a region of the visible-index
 * buffer starting at slotBase[s], as large as the number of instances of that mesh; drawTemplate holds the
 * DrawIndexedArgs of every slot with instanceCount 0.
 */
export interface DrawLayout {
  meshCount: number;
  lodCount: number;
  slotCount: number;
  /** Start of each slot's region in the visible-index buffer. */
  slotBase: Uint32Array;
  /** DRAW_ARGS_WORDS u32 per slot (instanceCount = 0). */
  drawTemplate: Uint32Array;
  /** Length of the visible-index buffer: lodCount × instances (plus padding for aligned regions). */
  visibleCapacity: number;
  /** The largest region (instances of the most used mesh); with regionAlign, slotBase + maxRegion always fits. */
  maxRegion: number;
}

/**
 * Builds the draw layout for `instances` over meshes whose LOD ranges are `meshLods[mesh][lod]` (every mesh must
 * have the same number of LODs). How a draw finds its region of visible indices, pick one:
 * - `firstInstanceIsBase` (device feature 'indirect-first-instance'): firstInstance = region start, so
 *   instance_index indexes the visible buffer directly;
 * - `regionAlign: 64`: regions start on 256-byte boundaries, so the visible buffer can be bound per draw with a
 *   dynamic storage offset slotBase·4 (minStorageBufferOffsetAlignment is at most 256);
 * - neither: bind the visible buffer as an instance-rate vertex buffer at offset slotBase·4 (firstInstance 0).
 */
export function createDrawLayout(
  meshIds: Uint32Array,
  count: number,
  meshLods: readonly (readonly MeshLodRange[])[],
  options: { firstInstanceIsBase?: boolean; regionAlign?: number } = {},
): DrawLayout {
  const meshCount = meshLods.length;
  const lodCount = meshLods[0]?.length ?? 1;
  if (lodCount < 1 || lodCount > MAX_LODS) throw cullError(CullCode.BadInput, `${lodCount} LODs per mesh; use 1 to ${MAX_LODS}`);
  for (const lods of meshLods) {
    if (lods.length !== lodCount)
      throw cullError(CullCode.BadInput, 'every mesh needs the same number of LODs; repeat the last LOD to pad');
  }
  const align = Math.max(1, Math.trunc(options.regionAlign ?? 1));
  const perMesh = new Uint32Array(meshCount);
  for (let i = 0; i < count; i++) {
    const m = meshIds[i] ?? 0;
    if (m >= meshCount)
      throw cullError(CullCode.BadInput, `instance ${i} uses mesh ${m}, but only ${meshCount} meshes are known`);
    perMesh[m] = (perMesh[m] ?? 0) + 1;
  }
  const slotCount = meshCount * lodCount;
  const slotBase = new Uint32Array(slotCount);
  const drawTemplate = new Uint32Array(slotCount * DRAW_ARGS_WORDS);
  let base = 0;
  for (let m = 0; m < meshCount; m++) {
    const lods = meshLods[m] ?? [];
    for (let l = 0; l < lodCount; l++) {
      const s = m * lodCount + l;
      const range = lods[l] ?? { indexCount: 0, firstIndex: 0, baseVertex: 0 };
      slotBase[s] = base;
      drawTemplate[s * DRAW_ARGS_WORDS] = range.indexCount;
      drawTemplate[s * DRAW_ARGS_WORDS + 1] = 0;
      drawTemplate[s * DRAW_ARGS_WORDS + 2] = range.firstIndex;
      drawTemplate[s * DRAW_ARGS_WORDS + 3] = range.baseVertex >>> 0;
      drawTemplate[s * DRAW_ARGS_WORDS + 4] = options.firstInstanceIsBase ? base : 0;
      base += perMesh[m] ?? 0;
      base = Math.ceil(base / align) * align;
    }
  }
  let maxRegion = 0;
  for (const c of perMesh) maxRegion = Math.max(maxRegion, c);
  // With aligned regions a binding of maxRegion words at any region start must stay inside the buffer.
  const lastBase = slotCount > 0 ? (slotBase[slotCount - 1] ?? 0) : 0;
  const visibleCapacity = align > 1 ? Math.max(base, lastBase + maxRegion) : base;
  return { meshCount, lodCount, slotCount, slotBase, drawTemplate, visibleCapacity, maxRegion };
}

/** Per-frame parameters, already rounded to f32 exactly as the GPU sees them. */
export interface CullParams {
  /** 24 floats: six planes (nx, ny, nz, d). */
  planes: Float32Array;
  /** 3 floats: eye position. */
  camera: Float32Array;
  /** 4 floats: squared LOD thresholds (see CullParamsSchema). */
  lodK: Float32Array;
  detailK: number;
  lodCount: number;
}

/** What the camera sees this frame. */
export interface CullView {
  viewProj: Mat4;
  eye: ArrayLike<number>;
  /** Pixels per metre at 1 m (projectionScale(fovY, viewportHeightPx)). */
  projScale: number;
}

/** LOD policy: projected radius thresholds in pixels, highest detail first. */
export interface LodPolicy {
  /** lodCount-1 descending thresholds: LOD l when the projected radius >= thresholdsPx[l]·bias. */
  thresholdsPx: readonly number[];
  /** Instances whose projected radius is below detailPx·bias are culled (0: never). */
  detailPx: number;
}

/** A reasonable default for 3 LODs on a 1080p-class view. */
export const DEFAULT_LOD_POLICY: LodPolicy = { thresholdsPx: [120, 30], detailPx: 0.5 };

/** Turns a view, a LOD policy and the adaptive bias (>1 coarser, <1 finer) into the pass's parameters. */
export function createCullParams(view: CullView, policy: LodPolicy, bias: number, lodCount: number): CullParams {
  if (policy.thresholdsPx.length < lodCount - 1) {
    throw cullError(
      CullCode.BadInput,
      `the LOD policy has ${policy.thresholdsPx.length} thresholds; ${lodCount} LODs need ${lodCount - 1}`,
    );
  }
  const lodK = new Float32Array(4);
  for (let l = 0; l < Math.min(lodCount - 1, 4); l++) {
    const t = ((policy.thresholdsPx[l] ?? 0) * bias) / view.projScale;
    lodK[l] = t * t;
  }
  const dt = (policy.detailPx * bias) / view.projScale;
  return {
    planes: frustumPlanes(view.viewProj),
    camera: Float32Array.from([view.eye[0] ?? 0, view.eye[1] ?? 0, view.eye[2] ?? 0]),
    lodK,
    detailK: Math.fround(dt * dt),
    lodCount,
  };
}

/** The output of a cull + LOD pass (the GPU read-back has the same shape). */
export interface CullResult {
  /** LOD per instance, or CULLED. */
  instanceLod: Uint32Array;
  /** Visible instance indices grouped by slot; slot s holds drawArgs[s·5+1] entries from layout.slotBase[s]. */
  visible: Uint32Array;
  /** DrawIndexedArgs per slot. */
  drawArgs: Uint32Array;
  visibleCount: number;
}
