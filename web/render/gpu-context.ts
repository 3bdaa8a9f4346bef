/** Acquires a WebGPU adapter and device for an OffscreenCanvas, with the optional features the renderer uses. */
import type { AdapterSummary } from './render-protocol';
import { MAX_TEXTURE_LAYERS } from './texture-layers';

/** Result of trying to get a GPU: either a usable context or a plain reason why not. */
export type GpuAcquisition =
  | { ok: true; device: GPUDevice; context: GPUCanvasContext; format: GPUTextureFormat; adapter: AdapterSummary }
  | { ok: false; reason: string };

/** Asks the browser for a WebGPU adapter and device and configures the canvas for them. */
export async function acquireGpu(gpu: GPU | undefined, canvas: OffscreenCanvas): Promise<GpuAcquisition> {
  if (!gpu) return { ok: false, reason: 'This browser does not offer WebGPU.' };
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (err) {
    return { ok: false, reason: `The browser refused a WebGPU adapter: ${String(err)}` };
  }
  if (!adapter) return { ok: false, reason: 'No WebGPU adapter is available on this device.' };
  // Optional features: GPU-driven indirect draws need firstInstance; timestamps time the cull pass.
  const requiredFeatures = (['indirect-first-instance', 'timestamp-query'] as const).filter((f) => adapter.features.has(f));
  // Texture layers: every texture drawn is a layer of one array texture (texture-layers.ts). WebGPU's default limit
  // is 256 layers, and a region names more textures than that; the adapter's own limit (2048 on most GPUs and on
  // SwiftShader) is asked for, up to what the memory budget can use.
  const requiredLimits = { maxTextureArrayLayers: Math.min(adapter.limits.maxTextureArrayLayers, MAX_TEXTURE_LAYERS) };
  const device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
  const context = canvas.getContext('webgpu');
  if (!context) return { ok: false, reason: 'The canvas could not create a WebGPU context.' };
  const format = gpu.getPreferredCanvasFormat();
  context.configure({ device, format, alphaMode: 'opaque' });
  const info = adapter.info;
  return {
    ok: true,
    device,
    context,
    format,
    adapter: {
      vendor: info.vendor || 'unknown',
      architecture: info.architecture || 'unknown',
      description: info.description,
      isFallback: (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false,
    },
  };
}
