/** Main-thread side of the render worker: hands it the canvas, forwards resizes and input, relays its events. */
import type { LocalSceneName, RenderCommand, RenderEvent } from '../render/render-protocol';
import type { RenderWorldCommand, RenderWorldEvent } from '../workers/render-world-protocol';
import type { WorldCommand, WorldEvent } from '../world/world-protocol';

/** The world inside the render worker (the single-worker viewer): commands in, events out. */
export interface HostedWorld {
  send(command: WorldCommand): void;
  listen(onEvent: (event: WorldEvent) => void): void;
  stop(): void;
}

/** Controls a running render worker. */
export interface RenderHostHandle {
  send(command: Exclude<RenderCommand, { type: 'init' }>): void;
  stop(): void;
  /** The world this worker runs too, when the page has no SharedArrayBuffer (else null: see web/ui/live-world.ts). */
  readonly world: HostedWorld | null;
}

/**
 * Starts the render worker on `canvas`. Never throws: problems arrive as events. With `withWorld` on a
 * page that is not cross-origin isolated, the worker also runs the world (one worker, no shared memory).
 */
export function startRenderWorker(
  canvas: HTMLCanvasElement,
  scene: LocalSceneName,
  onEvent: (event: RenderEvent) => void,
  withWorld = false,
): RenderHostHandle {
  if (typeof canvas.transferControlToOffscreen !== 'function') {
    onEvent({
      type: 'unavailable',
      reason: 'This browser cannot hand a canvas to a worker (no OffscreenCanvas).',
      crossOriginIsolated: self.crossOriginIsolated,
    });
    return { send: () => {}, stop: () => {}, world: null };
  }
  const single = withWorld && !self.crossOriginIsolated;
  const worker = single
    ? new Worker(new URL('../workers/render-world.worker.ts', import.meta.url), { type: 'module', name: 'render+world' })
    : new Worker(new URL('../workers/render.worker.ts', import.meta.url), { type: 'module', name: 'render' });
  const post = (command: RenderWorldCommand, transfer: Transferable[] = []): void => worker.postMessage(command, transfer);
  let onWorld: (event: WorldEvent) => void = () => {};
  worker.onmessage = (message: MessageEvent<RenderWorldEvent>) => {
    const event = message.data;
    if (event.type === 'world') onWorld(event.event);
    else onEvent(event);
  };
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
  const stop = (): void => {
    observer.disconnect();
    worker.terminate();
  };
  return {
    send: (command) => post(command),
    stop,
    world: single
      ? {
          send: (command) => post({ type: 'world', command }),
          listen: (fn) => {
            onWorld = fn;
          },
          stop,
        }
      : null,
  };
}
