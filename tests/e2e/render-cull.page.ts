/** Runs in Chromium (served by Vite through /@fs): GPU cull + LOD vs the CPU reference, and their timings. */
import { compareCullResults } from '../../web/render/cull/compare-cull';
import { createCullResult, cullLodCpu } from '../../web/render/cull/cpu-cull-lod';
import { createCullParams, createDrawLayout, DEFAULT_LOD_POLICY, type MeshLodRange } from '../../web/render/cull/cull-types';
import { createGpuCullLod } from '../../web/render/cull/gpu-cull-lod';
import { createRandomInstances, createRandomView } from '../../web/render/cull/random-scene';

const MESHES = 8;
const LODS = 3;

function meshTable(): MeshLodRange[][] {
  return Array.from({ length: MESHES }, (_, m) =>
    Array.from({ length: LODS }, (_, l) => ({ indexCount: 3 * (64 >> l), firstIndex: m * 512 + l * 192, baseVertex: m * 100 })),
  );
}

async function device(): Promise<{ device: GPUDevice; adapter: string; timestamps: boolean }> {
  if (!navigator.gpu) throw new Error('e2e: navigator.gpu is missing: this Chromium offers no WebGPU');
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('e2e: requestAdapter() returned null: no WebGPU adapter');
  const timestamps = adapter.features.has('timestamp-query');
  const dev = await adapter.requestDevice({
    requiredFeatures: timestamps ? ['timestamp-query'] : [],
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
    },
  });
  const errors: string[] = [];
  dev.addEventListener('uncapturederror', (e) => errors.push((e as GPUUncapturedErrorEvent).error.message));
  (dev as GPUDevice & { errors?: string[] }).errors = errors;
  const info = adapter.info;
  return { device: dev, adapter: `${info.vendor} ${info.architecture} ${info.description}`.trim(), timestamps };
}

/** One scene per seed: GPU and CPU results compared; returns a summary (no big arrays cross to Node). */
export async function cullParity(seeds: number[], count: number) {
  const { device: dev, adapter } = await device();
  const out = [];
  for (const seed of seeds) {
    const inst = createRandomInstances(seed, count, MESHES, 256);
    const layout = createDrawLayout(inst.meshIds, inst.count, meshTable());
    const bias = 0.5 + (seed % 7) * 0.5;
    const params = createCullParams(createRandomView(seed, 256), DEFAULT_LOD_POLICY, bias, LODS);
    const gpu = createGpuCullLod(dev, count, layout);
    gpu.writeInstances(inst);
    gpu.setParams(params, inst.count);
    await gpu.run();
    const got = await gpu.readBack();
    gpu.destroy();
    const want = cullLodCpu(inst, layout, params);
    const cmp = compareCullResults(inst, layout, params, want, got);
    const lods = [0, 0, 0];
    for (const l of want.instanceLod) if (l < LODS) lods[l] = (lods[l] ?? 0) + 1;
    out.push({ seed, visibleCpu: want.visibleCount, visibleGpu: got.visibleCount, lods, ...cmp });
  }
  const errors = (dev as GPUDevice & { errors?: string[] }).errors ?? [];
  dev.destroy();
  return { adapter, errors, scenes: out };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

/** Timings of one instance count: medians in ms. */
export interface CullTiming {
  count: number;
  visible: number;
  cpuMs: number;
  /** submit → onSubmittedWorkDone, including the draw-args reset. */
  gpuWallMs: number;
  /** The compute pass alone from GPU timestamps, or null where the adapter has no timestamp-query. */
  gpuPassMs: number | null;
  /** Every sample's range, ms: [min, max] of the CPU, wall and pass times (pass: null without timestamps). */
  range: { cpu: [number, number]; wall: [number, number]; pass: [number, number] | null };
}

const range = (xs: number[]): [number, number] => [Math.min(...xs), Math.max(...xs)];

/** Times the CPU reference and the GPU pass on the same random scene for each count. */
export async function cullTiming(counts: number[], samples: number) {
  const { device: dev, adapter, timestamps } = await device();
  const results: CullTiming[] = [];
  const querySet = timestamps ? dev.createQuerySet({ type: 'timestamp', count: 2 }) : null;
  const resolve = dev.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  const readBack = dev.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  for (const count of counts) {
    const inst = createRandomInstances(count, count, MESHES, 4096);
    const layout = createDrawLayout(inst.meshIds, inst.count, meshTable());
    const params = createCullParams(createRandomView(1, 4096), DEFAULT_LOD_POLICY, 1, LODS);
    const gpu = createGpuCullLod(dev, count, layout);
    gpu.writeInstances(inst);
    gpu.setParams(params, count);
    await gpu.run(); // warm-up: pipeline creation, first upload
    const wall: number[] = [];
    const pass: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t = performance.now();
      await gpu.run();
      wall.push(performance.now() - t);
      if (querySet) {
        const encoder = dev.createCommandEncoder();
        gpu.encode(encoder, { querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 });
        encoder.resolveQuerySet(querySet, 0, 2, resolve, 0);
        encoder.copyBufferToBuffer(resolve, 0, readBack, 0, 16);
        dev.queue.submit([encoder.finish()]);
        await readBack.mapAsync(GPUMapMode.READ);
        const [a, b] = new BigUint64Array(readBack.getMappedRange());
        pass.push(Number((b ?? 0n) - (a ?? 0n)) / 1e6);
        readBack.unmap();
      }
    }
    const res = createCullResult(layout, count);
    cullLodCpu(inst, layout, params, res);
    const cpu: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t = performance.now();
      cullLodCpu(inst, layout, params, res);
      cpu.push(performance.now() - t);
    }
    gpu.destroy();
    results.push({
      count,
      visible: res.visibleCount,
      cpuMs: median(cpu),
      gpuWallMs: median(wall),
      gpuPassMs: pass.length ? median(pass) : null,
      range: { cpu: range(cpu), wall: range(wall), pass: pass.length ? range(pass) : null },
    });
  }
  const errors = (dev as GPUDevice & { errors?: string[] }).errors ?? [];
  dev.destroy();
  return { adapter, timestamps, errors, results };
}

/** Draws every visible instance as one fragment of a 1×1 target; the fragment shader counts them and sums their ids. */
const DRAW_CHECK_WGSL = /* wgsl */ `
struct Totals { fragments: atomic<u32>, idSum: atomic<u32> }
@group(0) @binding(0) var<storage, read_write> totals: Totals;
struct VOut { @builtin(position) pos: vec4f, @location(0) @interpolate(flat) id: u32 }
@vertex fn vs(@builtin(vertex_index) v: u32, @location(0) id: u32) -> VOut {
  let p = array(vec2f(-1.0, -1.0), vec2f(3.0, -1.0), vec2f(-1.0, 3.0));
  return VOut(vec4f(p[v], 0.0, 1.0), id);
}
@fragment fn fs(in: VOut) -> @location(0) vec4f {
  atomicAdd(&totals.fragments, 1u);
  atomicAdd(&totals.idSum, in.id);
  return vec4f(1.0);
}`;

/** The same count, reading the visible index from a storage binding placed per draw with a dynamic offset. */
const DRAW_CHECK_STORAGE_WGSL = /* wgsl */ `
struct Totals { fragments: atomic<u32>, idSum: atomic<u32> }
@group(0) @binding(0) var<storage, read_write> totals: Totals;
@group(1) @binding(0) var<storage, read> visible: array<u32>;
struct VOut { @builtin(position) pos: vec4f, @location(0) @interpolate(flat) id: u32 }
@vertex fn vs(@builtin(vertex_index) v: u32, @builtin(instance_index) k: u32) -> VOut {
  let p = array(vec2f(-1.0, -1.0), vec2f(3.0, -1.0), vec2f(-1.0, 3.0));
  return VOut(vec4f(p[v], 0.0, 1.0), visible[k]);
}
@fragment fn fs(in: VOut) -> @location(0) vec4f {
  atomicAdd(&totals.fragments, 1u);
  atomicAdd(&totals.idSum, in.id);
  return vec4f(1.0);
}`;

/**
 * Culls a random scene on the GPU, then draws each (mesh, LOD) slot with drawIndexedIndirect from the pass's draw
 * buffer, the visible-index buffer bound as an instance-rate vertex buffer at the slot's region: the way the renderer
 * is meant to use them. Returns what the fragment shader counted and what the CPU reference expects.
 */
export async function indirectDrawCheck(seed: number, count: number, mode: 'vertex' | 'storage-offset' = 'vertex') {
  const { device: dev } = await device();
  const inst = createRandomInstances(seed, count, MESHES, 256);
  const tri = Array.from({ length: MESHES }, () =>
    Array.from({ length: LODS }, () => ({ indexCount: 3, firstIndex: 0, baseVertex: 0 })),
  );
  const storage = mode === 'storage-offset';
  const layout = createDrawLayout(inst.meshIds, inst.count, tri, storage ? { regionAlign: 64 } : {});
  const params = createCullParams(createRandomView(seed, 256), DEFAULT_LOD_POLICY, 1, LODS);
  const gpu = createGpuCullLod(dev, count, layout);
  gpu.writeInstances(inst);
  gpu.setParams(params, count);

  const module = dev.createShaderModule({ code: storage ? DRAW_CHECK_STORAGE_WGSL : DRAW_CHECK_WGSL });
  const totalsLayout = dev.createBindGroupLayout({
    entries: [{ binding: 0, visibility: GPUShaderStage.FRAGMENT, buffer: { type: 'storage' } }],
  });
  const visibleLayout = dev.createBindGroupLayout({
    entries: [{ binding: 0, visibility: GPUShaderStage.VERTEX, buffer: { type: 'read-only-storage', hasDynamicOffset: true } }],
  });
  const pipeline = dev.createRenderPipeline({
    layout: dev.createPipelineLayout({ bindGroupLayouts: storage ? [totalsLayout, visibleLayout] : [totalsLayout] }),
    vertex: {
      module,
      entryPoint: 'vs',
      buffers: storage
        ? []
        : [{ arrayStride: 4, stepMode: 'instance', attributes: [{ shaderLocation: 0, offset: 0, format: 'uint32' }] }],
    },
    fragment: { module, entryPoint: 'fs', targets: [{ format: 'rgba8unorm' }] },
    primitive: { topology: 'triangle-list' },
  });
  const totals = dev.createBuffer({ size: 8, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const readBack = dev.createBuffer({ size: 8, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const index = dev.createBuffer({ size: 8, usage: GPUBufferUsage.INDEX, mappedAtCreation: true });
  new Uint16Array(index.getMappedRange()).set([0, 1, 2]);
  index.unmap();
  const target = dev.createTexture({ size: [1, 1], format: 'rgba8unorm', usage: GPUTextureUsage.RENDER_ATTACHMENT });
  const bind = dev.createBindGroup({ layout: totalsLayout, entries: [{ binding: 0, resource: { buffer: totals } }] });
  const visibleBind = dev.createBindGroup({
    layout: visibleLayout,
    entries: [{ binding: 0, resource: { buffer: gpu.buffers.visible, size: Math.max(4, layout.maxRegion * 4) } }],
  });

  const encoder = dev.createCommandEncoder();
  gpu.encode(encoder);
  const pass = encoder.beginRenderPass({
    colorAttachments: [{ view: target.createView(), loadOp: 'clear', storeOp: 'store', clearValue: [0, 0, 0, 0] }],
  });
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bind);
  pass.setIndexBuffer(index, 'uint16');
  for (let s = 0; s < layout.slotCount; s++) {
    if (storage) pass.setBindGroup(1, visibleBind, [(layout.slotBase[s] ?? 0) * 4]);
    else pass.setVertexBuffer(0, gpu.buffers.visible, (layout.slotBase[s] ?? 0) * 4);
    pass.drawIndexedIndirect(gpu.buffers.draws, s * 20);
  }
  pass.end();
  encoder.copyBufferToBuffer(totals, 0, readBack, 0, 8);
  dev.queue.submit([encoder.finish()]);
  await readBack.mapAsync(GPUMapMode.READ);
  const [fragments, idSum] = new Uint32Array(readBack.getMappedRange());
  readBack.unmap();

  const want = cullLodCpu(inst, layout, params);
  let wantSum = 0;
  for (let i = 0; i < count; i++) if (want.instanceLod[i] !== 0xffffffff) wantSum = (wantSum + i) >>> 0;
  gpu.destroy();
  const errors = (dev as GPUDevice & { errors?: string[] }).errors ?? [];
  dev.destroy();
  return { fragments, idSum, wantVisible: want.visibleCount, wantSum, errors };
}
