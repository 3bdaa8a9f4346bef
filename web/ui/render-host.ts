/** Main-thread side of the render worker: hands it the canvas, forwards resizes, relays its events. */
import type { RenderCommand, RenderEvent } from '../render/render-protocol';

/** Starts the render worker on `canvas`; returns a stop function. Never throws. */
export function startRenderWorker(canvas: HTMLCanvasElement, onEvent: (event: RenderEvent) => void): () => void {
  if (typeof canvas.transferControlToOffscreen !== 'function') {
    onEvent({
      type: 'unavailable',
      reason: 'This browser cannot hand a canvas to a worker (no OffscreenCanvas).',
      crossOriginIsolated: self.crossOriginIsolated,
    });
    return () => {};
  }
  const worker = new Worker(new URL('../workers/render.worker.ts', import.meta.url), { type: 'module', name: 'render' });
  const send = (command: RenderCommand, transfer: Transferable[] = []): void => worker.postMessage(command, transfer);
  worker.onmessage = (message: MessageEvent<RenderEvent>) => onEvent(message.data);
  worker.onerror = (event) => onEvent({ type: 'error', message: event.message || 'render worker failed to start' });
  const offscreen = canvas.transferControlToOffscreen();
  send(
    {
      type: 'init',
      canvas: offscreen,
      width: canvas.clientWidth,
      height: canvas.clientHeight,
      devicePixelRatio: devicePixelRatio,
    },
    [offscreen],
  );
  const observer = new ResizeObserver(() =>
    send({ type: 'resize', width: canvas.clientWidth, height: canvas.clientHeight, devicePixelRatio: devicePixelRatio }),
  );
  observer.observe(canvas);
  return () => {
    observer.disconnect();
    worker.terminate();
  };
}
