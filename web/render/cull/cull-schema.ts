/** GPU layouts of the cull + LOD pass: one typegpu schema per struct gives the TS type and the WGSL layout. */
import tgpu from 'typegpu';
import * as d from 'typegpu/data';

/** Most LODs a mesh may have (lodK is a vec4f of thresholds between them). */
export const MAX_LODS = 5;

/** The value `instanceLod` holds for an instance that was culled. */
export const CULLED = 0xffffffff;

/** Threads per workgroup of the cull pass (keep in step with @workgroup_size in shaders/cull-lod.wgsl). */
export const CULL_WORKGROUP_SIZE = 64;

/** Per-frame inputs of the cull pass. */
export const CullParamsSchema = d
  .struct({
    /** Six frustum planes (n.xyz, d), unit normals pointing inside. */
    planes: d.arrayOf(d.vec4f, 6),
    /** Eye position in xyz; w unused. */
    camera: d.vec4f,
    /** LOD l is chosen when r² >= lodK[l]·dist² (first l that passes, l < lodCount-1); else the last LOD. */
    lodK: d.vec4f,
    /** Detail cull: an instance with r² < detailK·dist² is dropped (0 keeps everything in the frustum). */
    detailK: d.f32,
    instanceCount: d.u32,
    lodCount: d.u32,
    /** Threads per row of the (possibly 2D) dispatch. */
    dispatchWidth: d.u32,
  })
  .$name('CullParams');

/** The arguments of one drawIndexedIndirect call (20 bytes, as WebGPU reads them); instanceCount is counted atomically. */
export const DrawIndexedArgsSchema = d
  .struct({
    indexCount: d.u32,
    instanceCount: d.atomic(d.u32),
    firstIndex: d.u32,
    baseVertex: d.i32,
    firstInstance: d.u32,
  })
  .$name('DrawIndexedArgs');

/** u32 words per DrawIndexedArgs. */
export const DRAW_ARGS_WORDS = 5;

/** Bindings of the cull pass, group 0 (listed again at the top of shaders/cull-lod.wgsl). */
export const cullLayout = tgpu
  .bindGroupLayout({
    params: { uniform: CullParamsSchema, visibility: ['compute'] },
    spheres: { storage: d.arrayOf(d.vec4f), access: 'readonly', visibility: ['compute'] },
    meshIds: { storage: d.arrayOf(d.u32), access: 'readonly', visibility: ['compute'] },
    slotBase: { storage: d.arrayOf(d.u32), access: 'readonly', visibility: ['compute'] },
    draws: { storage: d.arrayOf(DrawIndexedArgsSchema), access: 'mutable', visibility: ['compute'] },
    visible: { storage: d.arrayOf(d.u32), access: 'mutable', visibility: ['compute'] },
    instanceLod: { storage: d.arrayOf(d.u32), access: 'mutable', visibility: ['compute'] },
  })
  .$idx(0)
  .$name('cullLayout');
