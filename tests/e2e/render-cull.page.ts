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

async function device(): Promise<{ device: GPUDevice; adapter: string }> {
  if (!navigator.gpu) throw new Error('e2e: navigator.gpu is missing: this Chromium offers no WebGPU');
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('e2e: requestAdapter() returned null: no WebGPU adapter');
  const dev = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
    },
  });
  const errors: string[] = [];
  dev.addEventListener('uncapturederror', (e) => errors.push((e as GPUUncapturedErrorEvent).error.message));
  (dev as GPUDevice & { errors?: string[] }).errors = errors;
  return { device: dev, adapter: `${adapter.info.vendor} ${adapter.info.architecture}` };
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

/** Median wall times (ms) of the CPU reference and the GPU pass (submit → onSubmittedWorkDone) for `count` instances. */
export async function cullTiming(count: number, samples: number) {
  const { device: dev, adapter } = await device();
  const inst = createRandomInstances(count, count, MESHES, 4096);
  const layout = createDrawLayout(inst.meshIds, inst.count, meshTable());
  const params = createCullParams(createRandomView(1, 4096), DEFAULT_LOD_POLICY, 1, LODS);
  const gpu = createGpuCullLod(dev, count, layout);
  gpu.writeInstances(inst);
  gpu.setParams(params, count);
  await gpu.run(); // warm-up: pipeline creation, first upload
  const gpuMs: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    await gpu.run();
    gpuMs.push(performance.now() - t);
  }
  const res = createCullResult(layout, count);
  cullLodCpu(inst, layout, params, res);
  const cpuMs: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    cullLodCpu(inst, layout, params, res);
    cpuMs.push(performance.now() - t);
  }
  gpu.destroy();
  const errors = (dev as GPUDevice & { errors?: string[] }).errors ?? [];
  dev.destroy();
  return { adapter, errors, count, visible: res.visibleCount, cpuMs: median(cpuMs), gpuMs: median(gpuMs) };
}
