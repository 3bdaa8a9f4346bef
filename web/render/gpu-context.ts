/** Acquires a WebGPU adapter and device for an OffscreenCanvas and clears frames; device loss handled here. */
import { type AdapterSummary, CLEAR_COLOR } from './render-protocol';

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
  const device = await adapter.requestDevice();
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

/** Records and submits one frame that clears the canvas to CLEAR_COLOR. */
export function clearFrame(device: GPUDevice, context: GPUCanvasContext): void {
  const encoder = device.createCommandEncoder({ label: 'clear-frame' });
  const pass = encoder.beginRenderPass({
    colorAttachments: [
      { view: context.getCurrentTexture().createView(), clearValue: CLEAR_COLOR, loadOp: 'clear', storeOp: 'store' },
    ],
  });
  pass.end();
  device.queue.submit([encoder.finish()]);
}
