/** Main-thread side of the render worker: hands it the canvas, forwards resizes and input, relays its events. */
import type { LocalSceneName, RenderCommand, RenderEvent } from '../render/render-protocol';

/** Controls a running render worker. */
export interface RenderHostHandle {
  send(command: Exclude<RenderCommand, { type: 'init' }>): void;
  stop(): void;
}

/** Starts the render worker on `canvas`. Never throws: problems arrive as events. */
export function startRenderWorker(
  canvas: HTMLCanvasElement,
  scene: LocalSceneName,
  onEvent: (event: RenderEvent) => void,
): RenderHostHandle {
  if (typeof canvas.transferControlToOffscreen !== 'function') {
    onEvent({
      type: 'unavailable',
      reason: 'This browser cannot hand a canvas to a worker (no OffscreenCanvas).',
      crossOriginIsolated: self.crossOriginIsolated,
    });
    return { send: () => {}, stop: () => {} };
  }
  const worker = new Worker(new URL('../workers/render.worker.ts', import.meta.url), { type: 'module', name: 'render' });
  const post = (command: RenderCommand, transfer: Transferable[] = []): void => worker.postMessage(command, transfer);
  worker.onmessage = (message: MessageEvent<RenderEvent>) => onEvent(message.data);
  worker.onerror = (event) => onEvent({ type: 'error', message: event.message || 'render worker failed to start' });
  const offscreen = canvas.transferControlToOffscreen();
  const size = () => ({
    width: canvas.clientWidth,
    height: canvas.clientHeight,
    devicePixelRatio: Math.min(2, devicePixelRatio),
  });
  post({ type: 'init', canvas: offscreen, scene, ...size() }, [offscreen]);
  const observer = new ResizeObserver(() => post({ type: 'resize', ...size() }));
  observer.observe(canvas);
  return {
    send: (command) => post(command),
    stop: () => {
      observer.disconnect();
      worker.terminate();
    },
  };
}
