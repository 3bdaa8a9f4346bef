/** Render worker entry: owns the OffscreenCanvas and the GPUDevice; the frame loop lives in web/render/render-loop. */
import { createRenderLoop, type RenderLoop } from '../render/render-loop';
import type { RenderCommand, RenderEvent } from '../render/render-protocol';

declare const self: DedicatedWorkerGlobalScope;

let loop: RenderLoop | null = null;
const post = (event: RenderEvent): void => self.postMessage(event);

self.onmessage = (message: MessageEvent<RenderCommand>) => {
  const command = message.data;
  if (command.type === 'init') {
    loop = createRenderLoop(command, {
      gpu: self.navigator.gpu,
      crossOriginIsolated: self.crossOriginIsolated,
      post,
      requestFrame: (cb) => self.requestAnimationFrame(cb),
    });
    return;
  }
  loop?.handle(command);
};
