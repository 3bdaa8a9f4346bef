/** The viewer shell: the render worker on the page canvas, the HUD over it, the place from the address bar. */
import { createSignal, onCleanup, onMount, Show } from 'solid-js';
import type { RenderEvent } from '../render/render-protocol';
import { BadLinkNotice } from './components/BadLinkNotice';
import { CopyLinkButton } from './components/CopyLinkButton';
import { HelpPanel } from './components/HelpPanel';
import { type GpuStatus, StatusLine } from './components/StatusLine';
import { checkEdgeHealth, type EdgeHealth } from './edge-health';
import { captureInput } from './input';
import { createRoute, shareUrl } from './place-route';
import { startRenderWorker } from './render-host';
import './hud.css';

function placeTitle(route: ReturnType<ReturnType<typeof createRoute>>): string {
  if (!route.ok) return 'No place';
  const p = route.place;
  const where = p.kind === 'fv' ? `Finalverse world “${p.world}”` : p.kind === 'os' ? `${p.region} on ${p.grid}` : p.region;
  return p.position ? `${where} at ${p.position.map((n) => Math.round(n)).join(', ')}` : where;
}

export function App(props: { canvas: HTMLCanvasElement }) {
  const [gpu, setGpu] = createSignal<GpuStatus>({ state: 'starting' });
  const [edge, setEdge] = createSignal<EdgeHealth>({ state: 'checking' });
  const [workerIsolated, setWorkerIsolated] = createSignal<boolean | null>(null);
  const [frames, setFrames] = createSignal(0);
  const [help, setHelp] = createSignal(false);
  const route = createRoute();

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
      case 'stats':
        break;
    }
  };

  onMount(() => {
    const scene = new URLSearchParams(location.search).get('scene') === 'test' ? 'test' : 'preview';
    const render = startRenderWorker(props.canvas, scene, onRenderEvent);
    const stopInput = captureInput(props.canvas, (intent) =>
      render.send({
        type: 'input',
        intent: { move: intent.move, yaw: intent.yaw, pitch: intent.pitch, run: intent.run },
        toggleCamera: intent.toggleCamera,
      }),
    );
    onCleanup(() => {
      stopInput();
      render.stop();
    });
    void checkEdgeHealth().then(setEdge);
  });

  const link = (): string => {
    const r = route();
    return r.ok ? shareUrl(r.place, location.origin, location.pathname) : `${location.origin}/`;
  };

  return (
    <div class="sc-hud" data-frames={frames()} data-testid="viewer">
      <div class="sc-topbar">
        <div class="sc-place" data-testid="place-title">
          {placeTitle(route())}
        </div>
        <div class="sc-spacer" />
        <CopyLinkButton url={link} />
        <button type="button" data-testid="help-button" onClick={() => setHelp(!help())} aria-expanded={help()}>
          Help
        </button>
      </div>
      <Show when={help()}>
        <HelpPanel onClose={() => setHelp(false)} />
      </Show>
      <Show when={route()} keyed>
        {(r) => (r.ok ? null : <BadLinkNotice link={r.link} message={r.message} />)}
      </Show>
      <StatusLine pageIsolated={self.crossOriginIsolated} workerIsolated={workerIsolated()} gpu={gpu()} edge={edge()} />
    </div>
  );
}
