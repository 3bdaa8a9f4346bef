/** Render worker entry: owns the OffscreenCanvas and the GPUDevice. Logic lives in web/render. */
import { acquireGpu, clearFrame } from '../render/gpu-context';
import type { RenderCommand, RenderEvent } from '../render/render-protocol';

declare const self: DedicatedWorkerGlobalScope;

const post = (event: RenderEvent): void => self.postMessage(event);
let canvas: OffscreenCanvas | null = null;
let frames = 0;

function resize(width: number, height: number, dpr: number): void {
  if (!canvas) return;
  canvas.width = Math.max(1, Math.round(width * dpr));
  canvas.height = Math.max(1, Math.round(height * dpr));
}

async function start(target: OffscreenCanvas): Promise<void> {
  const gpu = await acquireGpu(self.navigator.gpu, target);
  if (!gpu.ok) {
    post({ type: 'unavailable', reason: gpu.reason, crossOriginIsolated: self.crossOriginIsolated });
    return;
  }
  post({ type: 'ready', adapter: gpu.adapter, crossOriginIsolated: self.crossOriginIsolated });
  let lost = false;
  gpu.device.lost.then((info) => {
    lost = true;
    post({ type: 'device-lost', reason: info.message || info.reason || 'unknown' });
    // Recreate everything from the same canvas: the frame comes back.
    void start(target);
  });
  const tick = (): void => {
    if (lost) return;
    clearFrame(gpu.device, gpu.context);
    frames += 1;
    if (frames === 1 || frames % 120 === 0) post({ type: 'frame', frames });
    self.requestAnimationFrame(tick);
  };
  self.requestAnimationFrame(tick);
}

self.onmessage = (message: MessageEvent<RenderCommand>) => {
  const command = message.data;
  switch (command.type) {
    case 'init':
      canvas = command.canvas;
      resize(command.width, command.height, command.devicePixelRatio);
      start(command.canvas).catch((err: unknown) => post({ type: 'error', message: String(err) }));
      break;
    case 'resize':
      resize(command.width, command.height, command.devicePixelRatio);
      break;
  }
};
