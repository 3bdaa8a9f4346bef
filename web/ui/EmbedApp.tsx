/**
 * The embedded viewer (/embed): the live world of the link (as in the full viewer, when the frame is
 * cross-origin isolated) on the canvas, a compact overlay, and the host-message bridge.
 */

import { createEffect, createSignal, onCleanup, onMount, Show } from 'solid-js';
import { formatLink, type Place } from '../../shared/links/place-link';
import { createAudioHost } from '../audio/audio-host';
import { createAiMethods } from '../embed/ai-methods';
import { type BridgeStatus, createHostBridge, type HostBridge, type ReplyTarget } from '../embed/bridge';
import { createWorldEngineLink, createWorldlessEngineLink } from '../embed/engine-link';
import { parseAllowParam } from '../embed/schemas';
import type { PeerStats } from '../net/peer-transport';
import type { RenderEvent } from '../render/render-protocol';
import type { PeerMotionStats } from '../world/world-protocol';
import { EMPTY_WORLD_VIEW, type WorldView, withWorldError } from '../world/world-snapshot';
import { EmbedOverlay } from './components/EmbedOverlay';
import { GridLoginForm } from './components/GridLoginForm';
import { HoverTexts } from './components/HoverTexts';
import { PeerToggle } from './components/PeerToggle';
import type { GpuStatus } from './components/StatusLine';
import { ACTION_TIMEOUT_MS, createLiveApi, type LiveApi } from './embed-live';
import { type GridCredentials, loginToGrid } from './grid-login';
import { captureInput } from './input';
import { type LiveWorld, startLiveWorld, steerCamera } from './live-world';
import { startPageAi } from './page-ai';
import { listenForClicks } from './pick-ray';
import { createRoute, shareUrl } from './place-route';
import { startRenderWorker } from './render-host';
import { startViewerPlugins } from './viewer-plugins';

function shortTitle(place: Place): string {
  if (place.kind === 'fv') return place.world;
  return place.kind === 'os' ? `${place.region} · ${place.grid}` : place.region;
}

/**
 * The link of the world a view is of: a Finalverse world by name; an OpenSim region with the grid of the
 * frame's link (connectProtocol shows the place it joins there), when that link names the region.
 */
function placeOf(world: WorldView['world'], route: ReturnType<ReturnType<typeof createRoute>>): string | null {
  if (world?.kind === 'fv') return formatLink({ kind: 'fv', world: world.name, position: null });
  if (world?.kind === 'os' && route.ok && route.place.kind === 'os' && route.place.region === world.name)
    return formatLink({ ...route.place, position: null });
  return null;
}

export function EmbedApp(props: { canvas: HTMLCanvasElement }) {
  const route = createRoute();
  // Sound is off until the host's configure({audio: {enabled: true}}); it plays from the frame's next click or key.
  const audio = createAudioHost();
  onCleanup(() => audio.stop());
  const [gpu, setGpu] = createSignal<GpuStatus>({ state: 'starting' });
  const [frames, setFrames] = createSignal(0);
  const [view, setView] = createSignal<WorldView>(EMPTY_WORLD_VIEW);
  const [viewProj, setViewProj] = createSignal<number[] | null>(null);
  /** Why the live world is not shown (no isolation, or the place needs the full viewer), else null. */
  const [offline, setOffline] = createSignal<string | null>(null);
  /** An OpenSim place waiting for its login (the frame's own form), and that form's state. */
  const [gridPlace, setGridPlace] = createSignal<Extract<Place, { kind: 'os' }> | null>(null);
  const [login, setLogin] = createSignal<{ busy: boolean; error: string }>({ busy: false, error: '' });
  // Peer-to-peer: off until the visitor turns it on; the host may forbid it (configure({p2p: {allowed: false}})).
  const [worldRef, setWorldRef] = createSignal<LiveWorld | null>(null);
  const [p2pOn, setP2pOn] = createSignal(false);
  const [p2pAllowed, setP2pAllowed] = createSignal(true);
  const [peerStats, setPeerStats] = createSignal<PeerStats | null>(null);
  const [peerMotion, setPeerMotion] = createSignal<PeerMotionStats | null>(null);
  /** The embed API methods the live viewer carries out (null when it could not start). */
  let live: LiveApi | null = null;
  const allow = parseAllowParam(new URLSearchParams(location.search).get('allow'));
  const [bridgeStatus, setBridgeStatus] = createSignal<BridgeStatus>({
    engine: 'starting',
    allowed: [location.origin, ...allow.origins],
    answered: 0,
    refused: 0,
  });

  const onRenderEvent = (event: RenderEvent): void => {
    if (event.type === 'ready') setGpu({ state: 'ready', adapter: event.adapter });
    else if (event.type === 'unavailable') setGpu({ state: 'unavailable', reason: event.reason });
    else if (event.type === 'device-lost') setGpu({ state: 'lost', reason: event.reason });
    else if (event.type === 'error') setGpu({ state: 'unavailable', reason: event.message });
    else if (event.type === 'frame') setFrames(event.frames);
    else if (event.type === 'camera') setViewProj(event.viewProj);
    // What the renderer draws, for tests (a host-made entity is one more instance).
    else if (event.type === 'stats') props.canvas.dataset.instances = String(event.stats.instances);
  };

  onMount(() => {
    const render = startRenderWorker(props.canvas, 'preview', onRenderEvent, true);
    let bridge: HostBridge | null = null;
    /** What the host was last told about the live world (state and place). */
    let told = '';
    // The host's entity API acts on the live world (its embed plugin); set up before the world's first event.
    const engine = createWorldEngineLink((command) => world?.send(command));
    // Plugins the host loads (loadPlugin), each in its own sandbox; their state changes become `plugin` events.
    const plugins = startViewerPlugins({
      view,
      sendChat: (text) => world?.send({ type: 'chat', text }),
      // camera:control: a plugin's shot goes to the render worker (web/render/camera.ts clamps it), as the host's do.
      setCamera: (shot) => render.send({ type: 'camera-shot', shot }),
      worldSend: (command) => world?.send(command),
      onEvent: (e) => bridge?.plugin({ name: e.name, state: e.state, reason: e.reason, ...(e.code ? { code: e.code } : {}) }),
    });
    // aiDispatch / aiEnhance: the tier cascade over the AI worker's forecasts, anomaly scores and the edge's model.
    const ai = startPageAi({ view: () => view(), send: (c) => world?.send(c) });
    ai.anomalies.register(plugins.anomalyDetector);
    // The world the link names, live; the preview scene stays when the frame cannot host it.
    const world: LiveWorld | null = startLiveWorld(render, (event) => {
      engine.deliver(event);
      live?.onWorldEvent(event);
      ai.deliver(event);
      if (event.type === 'audio') audio.receive(event.frame);
      else if (event.type === 'metrics') ai.metrics(event.snapshot);
      else if (event.type === 'trusted-plugin') plugins.trustedEvent(event);
      else if (event.type === 'picked') {
        // A click in the world: plugins with world:select, and hosts that subscribed to `select`, hear what it met.
        plugins.select(event.object);
        bridge?.select({ object: event.object });
      } else if (event.type === 'chat') plugins.chatLine({ from: event.line.from, text: event.line.text, at: event.line.at });
      else if (event.type === 'p2p-stats') {
        setPeerMotion(event.stats);
        setPeerStats(world?.peerStats() ?? null);
      } else if (event.type === 'view') {
        setView(event.view);
        const c = event.view.connection;
        const place = placeOf(event.view.world, route());
        const reason = c.state === 'reconnecting' || c.state === 'failed' ? c.reason : undefined;
        const key = `${c.state}|${place}|${reason}`;
        if (key !== told) {
          told = key;
          bridge?.world({ state: c.state, place, ...(reason ? { reason } : {}) });
        }
      } else if (event.type === 'error' && event.code === 'world_not_isolated')
        setOffline('live world needs cross-origin isolation: preview only');
      else if (event.type === 'error') setView((v) => withWorldError(v, event.message));
    });
    // The place the world worker was last sent to (by a link or by connectProtocol), so that showing it
    // in the address does not join it again.
    let joined = '';
    createEffect(() => {
      const r = route();
      if (!world || !r.ok || formatLink(r.place) === joined) return;
      joined = formatLink(r.place);
      if (r.place.kind === 'fv') {
        setOffline(null);
        setGridPlace(null);
        world.visit(r.place);
      } else if (r.place.kind === 'os') {
        setOffline('OpenSim: log in to enter the region');
        setGridPlace(r.place);
      } else setOffline('this link names no grid: open it in StormCore to pick one');
    });
    setWorldRef(world);
    live = world
      ? createLiveApi({
          // A grid session's sounds come through its asset route, with its token.
          world: {
            ...world,
            send: (command) => {
              if (command.type === 'connect-grid')
                audio.setGridSession({ origin: location.origin, socket: command.socket, token: command.token });
              world.send(command);
            },
          },
          show: (place) => {
            joined = formatLink(place);
            setOffline(null);
            setGridPlace(null);
            location.hash = joined;
          },
          // Both bounded in time, so a hung edge cannot hold a host's call (or the one join at a time) forever.
          login: (credentials) =>
            loginToGrid(credentials, (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(25_000) })),
          post: (path, body) =>
            fetch(path, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(body),
              signal: AbortSignal.timeout(ACTION_TIMEOUT_MS),
            }),
        })
      : null;
    bridge = createHostBridge({
      selfOrigin: location.origin,
      allow: allow.origins,
      engine: world ? engine : createWorldlessEngineLink(self.crossOriginIsolated ? 'shared-memory' : 'single-worker'),
      parent: window.parent === window ? null : (window.parent as ReplyTarget),
      place: location.hash || '#/fv/plaza',
      ...(live ? { live } : {}),
      ai: createAiMethods(ai.cascade),
      // setCamera / resetCamera: the same shots as a plugin's camera:control, applied by the render worker.
      view: {
        setCamera: async ({ shot }) => {
          render.send({ type: 'camera-shot', shot });
          return {};
        },
        resetCamera: async () => {
          render.send({ type: 'camera-shot', shot: null });
          return {};
        },
      },
      plugins: {
        loadPlugin: async ({ url, consent, trusted }) => {
          const r = await (await plugins.ready).load(new URL(url, location.href).href, {
            consent: consent === true,
            trusted: trusted === true,
          });
          return { ...r, reasons: [...r.reasons] };
        },
        unloadPlugin: async ({ name }) => ({ unloaded: await (await plugins.ready).unload(name) }),
        plugins: async () => ({
          plugins: (await plugins.ready).list().map((p) => ({
            name: p.name,
            version: p.version,
            state: p.state,
            reason: p.reason,
            risk: p.risk,
            update_ms_p50: p.update_ms_p50,
            events_per_s: p.events_per_s,
          })),
        }),
      },
      onStatus: setBridgeStatus,
      onAudio: (a) => {
        audio.setVolume(a.volume);
        if (a.enabled !== audio.settings().enabled) audio.setEnabled(a.enabled);
      },
      onP2p: (p) => {
        world?.setP2pAllowed(p.allowed);
        setP2pAllowed(p.allowed);
        if (!p.allowed) setP2pOn(false);
      },
    });
    const onMessage = (e: MessageEvent<unknown>): void =>
      bridge?.receive({ data: e.data, origin: e.origin, source: e.source as ReplyTarget | null });
    window.addEventListener('message', onMessage);
    const stopInput = captureInput(props.canvas, (intent) => (world ? world.steer(intent) : steerCamera(render, intent)));
    // A click (not a drag) on the world: the ray through it goes to the world worker's pick (as in the full viewer).
    let nextPick = 1;
    const stopClicks = listenForClicks(props.canvas, viewProj, (ray) =>
      world?.send({ type: 'pick', id: nextPick++, origin: ray.origin, dir: ray.dir }),
    );
    onCleanup(stopClicks);
    onCleanup(() => {
      window.removeEventListener('message', onMessage);
      stopInput();
      world?.stop();
      render.stop();
      bridge?.stop();
      plugins.stop();
      ai.stop();
    });
  });

  const submitLogin = async (credentials: GridCredentials): Promise<void> => {
    if (!live) return;
    setLogin({ busy: true, error: '' });
    try {
      await live.logIn(credentials);
      setLogin({ busy: false, error: '' });
    } catch (err) {
      setLogin({ busy: false, error: err instanceof Error ? err.message.replace(/^embed: connectProtocol: /, '') : String(err) });
    }
  };

  const r = () => route();
  return (
    <>
      <Show when={gridPlace()}>
        {(place) => (
          <div class="sc-hud">
            <GridLoginForm
              grid={place().grid}
              region={place().region}
              position={place().position}
              busy={login().busy}
              error={login().error}
              onSubmit={(c) => void submitLogin(c)}
            />
          </div>
        )}
      </Show>
      <div class="sc-hud">
        <Show when={view().connection.state === 'in-world' && worldRef()}>
          {(w) => (
            <div class="sc-embed-p2p">
              <PeerToggle
                on={p2pOn()}
                allowed={p2pAllowed()}
                transport={peerStats()}
                world={peerMotion()}
                onToggle={(on) => {
                  if (w().setP2p(on)) setP2pOn(on);
                  if (!on) setPeerStats(null);
                }}
              />
            </div>
          )}
        </Show>
        <HoverTexts
          texts={view().hoverTexts}
          viewProj={gpu().state === 'ready' ? viewProj() : null}
          width={props.canvas.clientWidth}
          height={props.canvas.clientHeight}
        />
      </div>
      <EmbedOverlay
        title={(() => {
          const x = r();
          return x.ok ? shortTitle(x.place) : null;
        })()}
        fullViewerUrl={(() => {
          const x = r();
          return x.ok ? shareUrl(x.place, location.origin) : `${location.origin}/`;
        })()}
        isolated={self.crossOriginIsolated}
        gpu={gpu()}
        frames={frames()}
        world={view()}
        offline={offline()}
        bridge={bridgeStatus()}
        badLink={(() => {
          const x = r();
          return x.ok ? null : { link: x.link, message: x.message };
        })()}
      />
    </>
  );
}
