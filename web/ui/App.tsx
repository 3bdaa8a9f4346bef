/** The viewer shell: starts the render worker on the page canvas and shows the status line. */
import { createSignal, onCleanup, onMount } from 'solid-js';
import type { RenderEvent } from '../render/render-protocol';
import { type GpuStatus, StatusLine } from './components/StatusLine';
import { checkEdgeHealth, type EdgeHealth } from './edge-health';
import { startRenderWorker } from './render-host';

export function App(props: { canvas: HTMLCanvasElement }) {
  const [gpu, setGpu] = createSignal<GpuStatus>({ state: 'starting' });
  const [edge, setEdge] = createSignal<EdgeHealth>({ state: 'checking' });
  const [workerIsolated, setWorkerIsolated] = createSignal<boolean | null>(null);
  const [frames, setFrames] = createSignal(0);

  const onRenderEvent = (event: RenderEvent): void => {
    switch (event.type) {
      case 'ready':
        setWorkerIsolated(event.crossOriginIsolated);
        setGpu({ state: 'ready', adapter: event.adapter });
        break;
      case 'unavailable':
        setWorkerIsolated(event.crossOriginIsolated);
        setGpu({ state: 'unavailable', reason: event.reason });
        break;
      case 'device-lost':
        setGpu({ state: 'lost', reason: event.reason });
        break;
      case 'frame':
        setFrames(event.frames);
        break;
      case 'error':
        setGpu({ state: 'unavailable', reason: event.message });
        break;
    }
  };

  onMount(() => {
    const stop = startRenderWorker(props.canvas, onRenderEvent);
    onCleanup(stop);
    void checkEdgeHealth().then(setEdge);
  });

  return (
    <div data-frames={frames()} data-testid="viewer">
      <StatusLine pageIsolated={self.crossOriginIsolated} workerIsolated={workerIsolated()} gpu={gpu()} edge={edge()} />
    </div>
  );
}
