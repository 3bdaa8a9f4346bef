/** GPU cull + LOD: runs shaders/cull-lod.wgsl over every instance and leaves indirect draw args on the GPU. */
import tgpu, { type TgpuRoot } from 'typegpu';
import * as d from 'typegpu/data';
import shaderTemplate from '../../../shaders/cull-lod.wgsl?raw';
import { CULL_WORKGROUP_SIZE, CullParamsSchema, cullLayout, DRAW_ARGS_WORDS, DrawIndexedArgsSchema } from './cull-schema';
import type { CullInstances, CullParams, CullResult, DrawLayout } from './cull-types';
import { CullCode, cullError } from './errors';

/** Most workgroups per dispatch dimension WebGPU guarantees. */
const MAX_GROUPS_PER_DIM = 65535;

/** The WGSL of the cull pass with its structs and bindings injected from the TypeScript schema. */
export function cullLodShaderCode(): string {
  return tgpu.resolve({
    template: shaderTemplate,
    externals: { layout: cullLayout, CullParams: CullParamsSchema, DrawIndexedArgs: DrawIndexedArgsSchema },
  });
}

/** Workgroups in x and y for `count` instances, and the threads per row the shader needs to rebuild the index. */
export function cullDispatchSize(count: number): { x: number; y: number; width: number } {
  const groups = Math.max(1, Math.ceil(count / CULL_WORKGROUP_SIZE));
  const x = Math.min(groups, MAX_GROUPS_PER_DIM);
  const y = Math.ceil(groups / x);
  return { x, y, width: x * CULL_WORKGROUP_SIZE };
}

/** The GPU buffers the render pass needs after the cull pass. */
export interface GpuCullBuffers {
  /** DrawIndexedArgs per slot (usage INDIRECT): drawIndexedIndirect(draws, slot * 20). Re-read after setLayout. */
  draws: GPUBuffer;
  /** Visible instance indices (usage STORAGE | VERTEX), slot s from layout.slotBase[s]. Re-read after setLayout. */
  visible: GPUBuffer;
  /** LOD per instance or CULLED (STORAGE). */
  instanceLod: GPUBuffer;
  /** Instance spheres (STORAGE), (x, y, z, r) per instance. */
  spheres: GPUBuffer;
}

/** A cull + LOD pass bound to one device. */
export interface GpuCullLod {
  readonly capacity: number;
  readonly buffers: GpuCullBuffers;
  readonly layout: DrawLayout;
  /** Uploads instance spheres and mesh ids [from, from + n) (defaults: all of them). */
  writeInstances(instances: CullInstances, from?: number, n?: number): void;
  /** Replaces the draw layout (when instances change mesh or meshes are added). */
  setLayout(layout: DrawLayout): void;
  /** Sets this frame's parameters for `count` instances. */
  setParams(params: CullParams, count: number): void;
  /** Records the reset of the draw args and the compute pass into `encoder` (with timestamps when given). */
  encode(encoder: GPUCommandEncoder, timestampWrites?: GPUComputePassTimestampWrites): void;
  /** Encodes, submits and waits for the GPU (tests, benchmarks). */
  run(timestampWrites?: GPUComputePassTimestampWrites): Promise<void>;
  /** Reads the outputs back (tests). */
  readBack(): Promise<CullResult>;
  destroy(): void;
}

/** Creates the cull + LOD pass for up to `capacity` instances on `device`. */
export function createGpuCullLod(device: GPUDevice, capacity: number, layout: DrawLayout): GpuCullLod {
  const root: TgpuRoot = tgpu.initFromDevice({ device });
  const n = Math.max(1, capacity);
  const params = root.createBuffer(CullParamsSchema).$usage('uniform');
  const spheres = root.createBuffer(d.arrayOf(d.vec4f, n)).$usage('storage');
  const meshIds = root.createBuffer(d.arrayOf(d.u32, n)).$usage('storage');
  const instanceLod = root.createBuffer(d.arrayOf(d.u32, n)).$usage('storage');
  const createVisible = (words: number) =>
    root
      .createBuffer(d.arrayOf(d.u32, Math.max(1, words)))
      .$usage('storage')
      .$addFlags(GPUBufferUsage.VERTEX);
  // Room for every instance at every LOD, or what the layout asks (aligned regions need a little more).
  let visibleWords = Math.max(n * Math.max(1, layout.lodCount), layout.visibleCapacity);
  let visible = createVisible(visibleWords);
  let slots = createSlotBuffers(layout);
  let currentLayout = layout;
  let count = 0;
  let bindGroup = makeBindGroup();

  const module = device.createShaderModule({ label: 'cull-lod', code: cullLodShaderCode() });
  const pipeline = device.createComputePipeline({
    label: 'cull-lod',
    layout: device.createPipelineLayout({ bindGroupLayouts: [root.unwrap(cullLayout)] }),
    compute: { module, entryPoint: 'main' },
  });

  /** Writes `words` 4-byte elements of `src` from element `at`; works for views on SharedArrayBuffer (ECS columns). */
  function writeWords(dst: GPUBuffer, dstOffset: number, src: Float32Array | Uint32Array, at: number, words: number): void {
    if (words <= 0) return;
    device.queue.writeBuffer(dst, dstOffset, src.buffer, src.byteOffset + at * 4, words * 4);
  }

  function createSlotBuffers(l: DrawLayout) {
    const slotCount = Math.max(1, l.slotCount);
    const slotBase = root.createBuffer(d.arrayOf(d.u32, slotCount)).$usage('storage');
    const draws = root.createBuffer(d.arrayOf(DrawIndexedArgsSchema, slotCount)).$usage('storage', 'indirect');
    const template = root.createBuffer(d.arrayOf(d.u32, slotCount * DRAW_ARGS_WORDS));
    writeWords(root.unwrap(slotBase), 0, l.slotBase, 0, l.slotBase.length);
    writeWords(root.unwrap(template), 0, l.drawTemplate, 0, l.drawTemplate.length);
    return { slotBase, draws, template };
  }

  function makeBindGroup(): GPUBindGroup {
    return root.unwrap(
      root.createBindGroup(cullLayout, {
        params,
        spheres,
        meshIds,
        slotBase: slots.slotBase,
        draws: slots.draws,
        visible,
        instanceLod,
      }),
    );
  }

  const buffers: GpuCullBuffers = {
    get draws() {
      return root.unwrap(slots.draws);
    },
    get visible() {
      return root.unwrap(visible);
    },
    instanceLod: root.unwrap(instanceLod),
    spheres: root.unwrap(spheres),
  };

  async function readU32(buffer: GPUBuffer, words: number): Promise<Uint32Array> {
    const bytes = Math.max(4, words * 4);
    const staging = device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const encoder = device.createCommandEncoder({ label: 'cull-lod read-back' });
    encoder.copyBufferToBuffer(buffer, 0, staging, 0, bytes);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const out = new Uint32Array(staging.getMappedRange().slice(0, words * 4));
    staging.unmap();
    staging.destroy();
    return out;
  }

  const pass: GpuCullLod = {
    capacity: n,
    buffers,
    get layout() {
      return currentLayout;
    },
    writeInstances(instances, from = 0, len = instances.count - from) {
      if (from + len > n)
        throw cullError(CullCode.Capacity, `${from + len} instances exceed the capacity ${n}; create a larger pass`);
      if (len <= 0) return;
      writeWords(root.unwrap(spheres), from * 16, instances.spheres, from * 4, len * 4);
      writeWords(root.unwrap(meshIds), from * 4, instances.meshIds, from, len);
    },
    setLayout(l) {
      if (l.visibleCapacity > visibleWords) {
        visible.destroy();
        visibleWords = l.visibleCapacity;
        visible = createVisible(visibleWords);
      }
      slots.slotBase.destroy();
      slots.draws.destroy();
      slots.template.destroy();
      slots = createSlotBuffers(l);
      currentLayout = l;
      bindGroup = makeBindGroup();
    },
    setParams(p, c) {
      if (c > n) throw cullError(CullCode.Capacity, `${c} instances exceed the capacity ${n}; create a larger pass`);
      count = c;
      const planes = [];
      for (let i = 0; i < 6; i++) {
        planes.push(d.vec4f(p.planes[i * 4] ?? 0, p.planes[i * 4 + 1] ?? 0, p.planes[i * 4 + 2] ?? 0, p.planes[i * 4 + 3] ?? 0));
      }
      params.write({
        planes,
        camera: d.vec4f(p.camera[0] ?? 0, p.camera[1] ?? 0, p.camera[2] ?? 0, 0),
        lodK: d.vec4f(p.lodK[0] ?? 0, p.lodK[1] ?? 0, p.lodK[2] ?? 0, p.lodK[3] ?? 0),
        detailK: p.detailK,
        instanceCount: c,
        lodCount: p.lodCount,
        dispatchWidth: cullDispatchSize(c).width,
      });
    },
    encode(encoder, timestampWrites) {
      const argsBytes = Math.max(1, currentLayout.slotCount) * DRAW_ARGS_WORDS * 4;
      encoder.copyBufferToBuffer(root.unwrap(slots.template), 0, root.unwrap(slots.draws), 0, argsBytes);
      if (count === 0) return;
      const size = cullDispatchSize(count);
      const compute = encoder.beginComputePass(timestampWrites ? { label: 'cull-lod', timestampWrites } : { label: 'cull-lod' });
      compute.setPipeline(pipeline);
      compute.setBindGroup(0, bindGroup);
      compute.dispatchWorkgroups(size.x, size.y);
      compute.end();
    },
    async run(timestampWrites) {
      const encoder = device.createCommandEncoder({ label: 'cull-lod' });
      pass.encode(encoder, timestampWrites);
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
    },
    async readBack() {
      const [lods, vis, args] = await Promise.all([
        readU32(root.unwrap(instanceLod), count),
        readU32(root.unwrap(visible), currentLayout.visibleCapacity),
        readU32(root.unwrap(slots.draws), currentLayout.slotCount * DRAW_ARGS_WORDS),
      ]);
      let visibleCount = 0;
      for (let s = 0; s < currentLayout.slotCount; s++) visibleCount += args[s * DRAW_ARGS_WORDS + 1] ?? 0;
      return { instanceLod: lods, visible: vis, drawArgs: args, visibleCount };
    },
    destroy() {
      root.destroy();
    },
  };
  return pass;
}
