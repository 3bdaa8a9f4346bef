/** The viewer shell: the render worker on the page canvas, the HUD over it, the place from the address bar. */

import { createEffect, createMemo, createSignal, onCleanup, onMount, Show } from 'solid-js';
import { createStore, reconcile } from 'solid-js/store';
import { AiPlanAnswer, type MapRegion, type PeerMotion, type WorldAction } from '../../shared/protocol';
import { AiError } from '../ai/errors';
import { createTelemetry, type TelemetryConsent } from '../ai/telemetry';
import { createAudioHost } from '../audio/audio-host';
import type { LoadForecast, OptimPlan } from '../engine/metrics';
import type { PeerStats } from '../net/peer-transport';
import type { LoadResult, PluginInfo } from '../plugins/host';
import type { RenderEvent, RenderStats } from '../render/render-protocol';
import type { PeerMotionStats, WorldCommand } from '../world/world-protocol';
import { type ChatLine, connectionLabel, EMPTY_WORLD_VIEW, type WorldView, withWorldError } from '../world/world-snapshot';
import { buildAccess, createOperator, modelPlacement, uploadModel } from './build';
import { BadLinkNotice } from './components/BadLinkNotice';
import { BuildPanel, type Prepared } from './components/BuildPanel';
import { ChatPanel } from './components/ChatPanel';
import { CopyLinkButton } from './components/CopyLinkButton';
import { GridLoginForm } from './components/GridLoginForm';
import { HelpPanel } from './components/HelpPanel';
import { HoverTexts } from './components/HoverTexts';
import { Minimap } from './components/Minimap';
import { NameTags } from './components/NameTags';
import { PeerToggle } from './components/PeerToggle';
import { PeopleList } from './components/PeopleList';
import { PerfOverlay } from './components/PerfOverlay';
import { PluginsPanel } from './components/PluginsPanel';
import { SoundControls } from './components/SoundControls';
import { type GpuStatus, StatusLine } from './components/StatusLine';
import { TelemetryPrompt, TelemetryToggle } from './components/TelemetryConsent';
import { WorldMap } from './components/WorldMap';
import { checkEdgeHealth, type EdgeHealth } from './edge-health';
import { type GridCredentials, loginToGrid } from './grid-login';
import { captureInput } from './input';
import { createLivePlan, type LivePlan } from './live-plan';
import { type LiveWorld, startLiveWorld, steerCamera } from './live-world';
import { gridMapTiles, type MapTiles } from './map-tiles';
import { startPageAi } from './page-ai';
import { listenForClicks } from './pick-ray';
import { createRoute, shareUrl } from './place-route';
import { type ReviewOutcome, requestPluginReview } from './plugin-review';
import { type RenderHostHandle, startRenderWorker } from './render-host';
import { cryptoUniform, readConsent, writeConsent } from './telemetry-consent';
import { placeKey, travelNotice } from './travel';
import type { Remember } from './vault/remember';
import { startViewerPlugins } from './viewer-plugins';
import './hud.css';

function placeTitle(route: ReturnType<ReturnType<typeof createRoute>>): string {
  if (!route.ok) return 'No place';
  const p = route.place;
  const where = p.kind === 'fv' ? `Finalverse world “${p.world}”` : p.kind === 'os' ? `${p.region} on ${p.grid}` : p.region;
  return p.position ? `${where} at ${p.position.map((n) => Math.round(n)).join(', ')}` : where;
}

/** Offers a JSON document as a download (a trace opens in Perfetto as it is). */
function saveJson(name: string, value: unknown): void {
  saveText(name, JSON.stringify(value), 'application/json');
}

/** Offers text as a download. */
function saveText(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function App(props: { canvas: HTMLCanvasElement }) {
  const [gpu, setGpu] = createSignal<GpuStatus>({ state: 'starting' });
  const [edge, setEdge] = createSignal<EdgeHealth>({ state: 'checking' });
  const [workerIsolated, setWorkerIsolated] = createSignal<boolean | null>(null);
  const [frames, setFrames] = createSignal(0);
  const [help, setHelp] = createSignal(false);
  const [view, setView] = createSignal<WorldView>(EMPTY_WORLD_VIEW);
  const [chat, setChat] = createSignal<ChatLine[]>([]);
  const [notice, setNotice] = createSignal('');
  const [viewProj, setViewProj] = createSignal<number[] | null>(null);
  const [login, setLogin] = createSignal<{ busy: boolean; error: string; done: boolean }>({
    busy: false,
    error: '',
    done: false,
  });
  createEffect(() => {
    if (!notice()) return;
    const timer = setTimeout(() => setNotice(''), 4000);
    onCleanup(() => clearTimeout(timer));
  });
  const [renderPerf, setRenderPerf] = createSignal({
    fps: 0,
    frameMsP50: 0,
    frameMsP95: 0,
    renderWorkMsP50: 0,
    renderScale: 1,
    renderScaleMode: 'auto' as 'auto' | 'full',
  });
  const [forecast, setForecast] = createSignal<LoadForecast | null>(null);
  // The AI worker (load forecast), the anomaly scores source and the language tier, behind the tier cascade.
  const [optimPlan, setOptimPlan] = createSignal<OptimPlan | null>(null);
  /** The live optimisation plan (made with the render worker it drives). */
  let livePlan: LivePlan | null = null;
  // Whether the edge has a language model (GET /api/ai): the Plugins panel then offers a Review per plugin.
  const [aiConfigured, setAiConfigured] = createSignal(false);
  const ai = startPageAi({
    view: () => view(),
    send: (c) => worldSend(c),
    onConfigured: setAiConfigured,
    onForecast: (f) => {
      setForecast(f);
      // Each forecast updates the live plan (web/ui/live-plan.ts); a changed plan goes to the render worker.
      const step = livePlan?.forecast(f);
      if (step && (step.changed || !optimPlan())) setOptimPlan(step.plan);
    },
  });
  onCleanup(() => ai.stop());
  // Telemetry: off until the visitor says yes (asked once, in world); noise is added here before a batch leaves.
  const [consent, setConsent] = createSignal<TelemetryConsent>(readConsent());
  const telemetry = createTelemetry({
    consent,
    send: async (batch) => {
      await fetch('/api/telemetry', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(batch),
        signal: AbortSignal.timeout(15_000),
      });
    },
    uniform: cryptoUniform,
    bytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
    now: () => Date.now(),
  });
  /** The question comes a minute into a visit (the page's clock from the moment you stand in the world). */
  const TELEMETRY_ASK_AFTER_MS = 60_000;
  const [askTelemetry, setAskTelemetry] = createSignal(false);
  const inWorld = createMemo(() => view().connection.state === 'in-world');
  createEffect(() => {
    if (consent() !== 'unasked' || !inWorld() || askTelemetry()) return;
    const timer = setTimeout(() => setAskTelemetry(true), TELEMETRY_ASK_AFTER_MS);
    onCleanup(() => clearTimeout(timer));
  });
  const answerTelemetry = (on: boolean): void => {
    writeConsent(on ? 'on' : 'off');
    setConsent(on ? 'on' : 'off');
    telemetry.consentChanged();
  };
  // Sound starts off: switching it on is the user gesture browsers require before audio plays.
  const audio = createAudioHost({ onChange: (s) => setSound(s) });
  const [sound, setSound] = createSignal(audio.settings());
  // Peer-to-peer: off until the visitor turns it on (web/ui/components/PeerToggle.tsx says what it reveals).
  const [p2pOn, setP2pOn] = createSignal(false);
  const [peerStats, setPeerStats] = createSignal<PeerStats | null>(null);
  const [peerMotion, setPeerMotion] = createSignal<PeerMotionStats | null>(null);
  onCleanup(() => audio.stop());
  // The world map (OpenSim): every region heard of, by grid position; the tile images of the grid session.
  const [mapOpen, setMapOpen] = createSignal(false);
  const [mapRegions, setMapRegions] = createSignal<MapRegion[]>([]);
  const [mapTiles, setMapTiles] = createSignal<MapTiles | null>(null);
  const useGridSession = (socket: string, token: string): void => {
    mapTiles()?.close();
    setMapTiles(gridMapTiles({ origin: location.origin, session: socket.slice('/ws/grid/'.length), token }));
    setMapRegions([]);
  };
  const heardRegions = (regions: MapRegion[]): void => {
    if (regions.length === 0) return;
    const byCell = new Map(mapRegions().map((r) => [`${r.x},${r.y}`, r]));
    for (const r of regions) byCell.set(`${r.x},${r.y}`, r);
    setMapRegions([...byCell.values()]);
  };
  const mapAvailable = () => view().world?.kind === 'os' && view().connection.state === 'in-world';
  const onMapKey = (e: KeyboardEvent): void => {
    const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement;
    if (typing || e.code !== 'KeyM' || e.repeat || e.ctrlKey || e.metaKey || e.altKey || !mapAvailable()) return;
    setMapOpen(!mapOpen());
  };
  window.addEventListener('keydown', onMapKey);
  onCleanup(() => {
    window.removeEventListener('keydown', onMapKey);
    mapTiles()?.close();
  });
  const route = createRoute();
  let world: LiveWorld | null = null;
  let renderHandle: RenderHostHandle | null = null;
  // Clicks in the world are picked by the world worker; its answers go to the plugins with world:select.
  let nextPick = 1;
  const worldSend = (command: WorldCommand): void => world?.send(command);

  // The Build panel (Finalverse, a token with edit or create): plans previewed as ghosts, committed when approved.
  const [buildOpen, setBuildOpen] = createSignal(false);
  const [ghosts, setGhosts] = createSignal(0);
  /** Which way you face (radians from +x; the world worker starts you facing north, +y). */
  let facing = Math.PI / 2;
  const operator = createOperator(worldSend);
  const access = () => buildAccess(view().permissions);
  const buildAvailable = () => view().world?.kind === 'fv' && inWorld() && (access().edit || access().create);
  const failure = (err: unknown): Prepared =>
    err instanceof AiError
      ? { ok: false, code: err.code, message: err.message }
      : { ok: false, code: 'ai_unavailable', message: 'ai: the plan could not be made' };
  const describeBuild = async (prompt: string): Promise<Prepared> => {
    try {
      const answer = await ai.cascade.dispatch({ task: 'build', input: { prompt } });
      const parsed = AiPlanAnswer.safeParse(answer.result);
      if (!parsed.success || parsed.data.plan.op !== 'prepare')
        return { ok: false, code: 'ai_unavailable', message: 'ai: the language tier answered something that is not a plan' };
      return { ok: true, plan: parsed.data.plan, what: `“${prompt}”:` };
    } catch (err) {
      return failure(err);
    }
  };
  const uploadAndPrepare = async (file: File): Promise<Prepared> => {
    const self = view().self;
    const session = self ? await ai.session() : null;
    if (!self || !session)
      return { ok: false, code: 'build_not_in_world', message: 'build: a model is placed in the Finalverse world you stand in' };
    const up = await uploadModel(await file.arrayBuffer(), file.name, session.token);
    if (!up.ok) return up;
    const { model } = up;
    const action: WorldAction = {
      tool: 'create_model',
      model: model.hash,
      position: modelPlacement(self.position, facing, model.size),
      name: file.name.replace(/\.(glb|gltf)$/i, '').slice(0, 60) || 'Model',
    };
    const prepared = await operator.operate({ op: 'prepare', actions: [action] });
    if (prepared.op === 'prepare')
      return {
        ok: true,
        plan: prepared,
        what: `${file.name} (${model.triangles} triangles${model.created ? '' : ', uploaded before'}):`,
      };
    if (prepared.op === 'failed') return { ok: false, code: prepared.code, message: prepared.message };
    return { ok: false, code: 'build_upload_failed', message: `build: the world answered ${prepared.op} to a prepare` };
  };

  // Plugins (docs/plugins.md): each untrusted plugin in a sandbox Worker of its own, hosted by this page.
  // A store reconciled by plugin name: a refresh (twice a second) updates each entry's values in place, so the
  // panel's elements (a button under the pointer) stay the same nodes instead of being drawn again.
  const [pluginStore, setPluginStore] = createStore<{ list: PluginInfo[] }>({ list: [] });
  const pluginList = () => pluginStore.list;
  const [pluginsOpen, setPluginsOpen] = createSignal(false);
  // A copy: reconcile keeps the first objects it is given and edits them later, and these are the host's answer.
  const refreshPlugins = () =>
    setPluginStore('list', reconcile(structuredClone(viewerPlugins.host()?.list() ?? []), { key: 'name' }));
  const viewerPlugins = startViewerPlugins({
    view,
    sendChat: (text) => worldSend({ type: 'chat', text }),
    // camera:control: a plugin's shot goes to the render worker (web/render/camera.ts clamps it).
    setCamera: (shot) => renderHandle?.send({ type: 'camera-shot', shot }),
    worldSend,
    onEvent: refreshPlugins,
    onChange: refreshPlugins,
  });
  ai.anomalies.register(viewerPlugins.anomalyDetector);
  const refreshTimer = setInterval(refreshPlugins, 500);
  onCleanup(() => {
    clearInterval(refreshTimer);
    viewerPlugins.stop();
  });
  const plugins = () => viewerPlugins.host();
  const loadPlugin = async (url: string, consent: boolean): Promise<LoadResult> => {
    const result = await (await viewerPlugins.ready).load(url, { consent });
    refreshPlugins();
    return result;
  };

  // The renderer's last per-second figures (for ?debug's stormDebug.render()).
  let lastRenderStats: RenderStats | null = null;
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
      case 'camera':
        setViewProj(event.viewProj);
        break;
      case 'stats':
        lastRenderStats = event.stats;
        // The render worker's own frame time goes into the world's metric snapshots (render_frame_ms): the forecast
        // the plan's render detail acts on.
        world?.send({ type: 'render-stats', frameMs: Math.min(10_000, Math.max(0, event.stats.workMsP50)) });
        setRenderPerf({
          fps: event.stats.fps,
          frameMsP50: event.stats.frameMsP50,
          frameMsP95: event.stats.frameMsP95,
          renderWorkMsP50: event.stats.workMsP50,
          renderScale: event.stats.renderScale,
          renderScaleMode: event.stats.renderScaleMode,
        });
        {
          // The bandit scores the detail variant in force by the frames it gave.
          const step = livePlan?.frame(event.stats.frameMsP95);
          if (step?.changed) setOptimPlan(step.plan);
        }
        break;
    }
  };

  onMount(() => {
    const testScene = new URLSearchParams(location.search).get('scene') === 'test';
    const render = startRenderWorker(props.canvas, testScene ? 'test' : 'preview', onRenderEvent, !testScene);
    renderHandle = render;
    // Each forecast updates the live plan; a changed plan goes to the render worker (web/ui/live-plan.ts).
    const plan = createLivePlan({
      hardwareConcurrency: navigator.hardwareConcurrency,
      send: (settings) => render.send({ type: 'plan', plan: settings }),
    });
    livePlan = plan;
    // ?debug exposes a hook for end-to-end tests (device-loss recovery); nothing else reads it.
    if (new URLSearchParams(location.search).has('debug')) {
      Object.assign(window, {
        stormDebug: {
          loseDevice: () => render.send({ type: 'lose-device' }),
          audio: () => audio.debug(),
          peers: () => world?.peerStats() ?? null,
          dropPeer: (entity: number) => world?.dropPeer(entity) ?? false,
          sendPeerMotion: (motion: PeerMotion) => world?.sendPeerMotion(motion) ?? 0,
          probe: (entity: number) => world?.send({ type: 'p2p-probe', entity }),
          render: () => lastRenderStats,
          camera: () => viewProj(),
          plugins: () => plugins(),
          aiDispatch: (request: unknown) => ai.cascade.dispatch(request),
          telemetry: () => ({ consent: consent(), sent: telemetry.sent, pending: telemetry.pending }),
        },
      });
    }
    // The fixed test scene stays local; every other visit joins the world its link names.
    world = testScene
      ? null
      : startLiveWorld(render, (event) => {
          ai.deliver(event);
          operator.deliver(event);
          switch (event.type) {
            case 'view':
              setView(event.view);
              break;
            case 'chat':
              setChat((lines) => [...lines.slice(-49), event.line]);
              viewerPlugins.chatLine({ from: event.line.from, text: event.line.text, at: event.line.at });
              break;
            case 'error':
              setView((v) => withWorldError(v, event.message));
              break;
            case 'map':
              heardRegions(event.regions);
              break;
            case 'picked':
              viewerPlugins.select(event.object);
              break;
            case 'trusted-plugin':
              viewerPlugins.trustedEvent(event);
              break;
            case 'travel': {
              const said = travelNotice(event.travel);
              if (said) setNotice(said);
              break;
            }
            case 'trace': {
              const stamp = new Date().toISOString().replace(/[:.]/g, '-');
              // The plugins' update spans join the engine's, as a process of their own (the page's clock).
              const pluginTrace = plugins()?.exportTrace();
              const trace = pluginTrace
                ? { ...event.trace, traceEvents: [...event.trace.traceEvents, ...pluginTrace.traceEvents] }
                : event.trace;
              saveJson(`stormcore-trace-${stamp}.json`, trace);
              // The metric snapshots (one a second, web/engine/metrics.ts) beside it, when there are any yet.
              if (event.metrics) saveText(`stormcore-metrics-${stamp}.jsonl`, event.metrics, 'application/x-ndjson');
              break;
            }
            case 'audio':
              audio.receive(event.frame);
              break;
            case 'p2p-stats':
              setPeerMotion(event.stats);
              setPeerStats(world?.peerStats() ?? null);
              break;
            case 'metrics':
              // The AI worker answers each snapshot with a load forecast (web/ui/page-ai.ts).
              ai.metrics(event.snapshot);
              telemetry.push(event.snapshot);
              break;
            case 'preview':
              setGhosts(event.ghosts);
              break;
          }
        });
    const stopInput = captureInput(props.canvas, (intent) => {
      // An intent's yaw is a turn; you face the sum of them (as the world worker does, web/ui/live-world.ts).
      facing += intent.yaw;
      if (world) world.steer(intent);
      else steerCamera(render, intent);
    });
    // A click (not a drag) on the world: the ray through it goes to the world worker's pick.
    const stopClicks = listenForClicks(props.canvas, viewProj, (ray) =>
      world?.send({ type: 'pick', id: nextPick++, origin: ray.origin, dir: ray.dir }),
    );
    createEffect(() => {
      const r = route();
      if (world && r.ok) world.visit(r.place);
    });
    onCleanup(() => {
      stopInput();
      stopClicks();
      render.stop();
      world?.stop();
    });
    void checkEdgeHealth().then(setEdge);
  });

  // The credentials of the current OpenSim visit, in memory only, so a restarted region can be rejoined.
  let visit: GridCredentials | null = null;
  let rejoin: { timer: ReturnType<typeof setTimeout>; attempt: number } | null = null;
  const submitLogin = async (credentials: GridCredentials, keep: boolean): Promise<void> => {
    setLogin({ busy: true, error: '', done: false });
    const result = await loginToGrid(credentials);
    if (!result.ok) {
      setLogin({ busy: false, error: result.message, done: false });
      return;
    }
    visit = credentials;
    const r = route();
    travelledTo = r.ok ? placeKey(r.place) : '';
    // Kept only when the visitor ticked "Remember me on this device" and the grid took the password.
    if (keep) void remember()?.save(credentials);
    const { socket, token, region, size } = result.login;
    audio.setGridSession({ origin: location.origin, socket, token });
    useGridSession(socket, token);
    worldSend({ type: 'connect-grid', origin: location.origin, socket, token, region, size });
    setLogin({ busy: false, error: '', done: true });
  };
  // A grid session ends when its region restarts or its circuit is lost: say so, then log in again with backoff.
  createEffect(() => {
    const c = view().connection;
    if (!visit || !login().done || view().world?.kind !== 'os') return;
    if (c.state === 'in-world') {
      if (rejoin) clearTimeout(rejoin.timer);
      rejoin = null;
      return;
    }
    if ((c.state !== 'failed' && c.state !== 'reconnecting') || rejoin) return;
    const attempt = 1;
    // Come back where you stood (the region you are in now), not at the link's place.
    const me = view().self?.position;
    const w = view().world;
    const inRegion = (v: number): number => Math.min(8192, Math.max(0, v));
    const credentials: GridCredentials =
      me && w?.name
        ? {
            ...visit,
            region: w.name,
            position: [inRegion(me[0] - w.origin[0]), inRegion(me[1] - w.origin[1]), inRegion(me[2])],
          }
        : visit;
    const again = (n: number): void => {
      rejoin = {
        attempt: n,
        timer: setTimeout(
          async () => {
            if (!visit) return;
            const result = await loginToGrid(credentials);
            if (result.ok) {
              const { socket, token, region, size } = result.login;
              audio.setGridSession({ origin: location.origin, socket, token });
              useGridSession(socket, token);
              worldSend({ type: 'connect-grid', origin: location.origin, socket, token, region, size });
              rejoin = null;
            } else {
              setNotice(`The region is not back yet (${result.message}); trying again.`);
              again(n + 1);
            }
          },
          Math.min(30_000, 1000 * 2 ** n),
        ),
      };
    };
    setNotice('The region went away; logging in again when it is back.');
    again(attempt);
  });
  const osPlace = () => {
    const r = route();
    return r.ok && r.place.kind !== 'fv' ? r.place : null;
  };
  // "Remember me on this device" (web/ui/vault): loaded when a login form first shows. Only this shell loads it;
  // the embed never does (scripts/check-boundaries.mjs).
  const [remember, setRemember] = createSignal<Remember | null>(null);
  let rememberLoading = false;
  createEffect(() => {
    if (!osPlace() || rememberLoading) return;
    rememberLoading = true;
    import('./vault/remember').then(
      (m) => setRemember(m.createRemember()),
      (err: unknown) => console.warn('vault: the login vault could not be loaded', err),
    );
  });

  // What both minimaps show: the place you are in (on a grid, the regions shown), prims and people.
  const minimap = () => ({
    size: view().world?.size ?? ([256, 256] as [number, number]),
    points: view().mapPoints,
    people: view().people,
    self: view().self,
    origin: view().world?.origin ?? ([0, 0] as [number, number]),
    regions: view().world?.regions ?? [],
    current: view().world?.name ?? '',
  });

  // A link to another place on the grid you are on teleports you there (no second login).
  let travelledTo = '';
  createEffect(() => {
    const r = route();
    if (!r.ok || r.place.kind !== 'os' || !visit || !login().done) return;
    const key = placeKey(r.place);
    if (key === travelledTo || new URL(visit.loginUri).host !== r.place.grid) return;
    travelledTo = key;
    const p = r.place.position;
    worldSend({ type: 'teleport', region: r.place.region, position: p ? [p[0], p[1], p[2]] : [128, 128, 25] });
  });

  // The link to where you stand now (a viewer's "copy location"): on a grid, the region you are in now and your
  // place in it; before you are in, the link you came by.
  const link = (): string => {
    const r = route();
    if (!r.ok) return `${location.origin}/`;
    const me = view().self?.position;
    if (!me) return shareUrl(r.place, location.origin, location.pathname);
    const w = view().world;
    const [ox, oy] = w?.origin ?? [0, 0];
    const position = [Math.round(me[0] - ox), Math.round(me[1] - oy), Math.round(me[2])] as const;
    const here = r.place.kind === 'os' && w?.name ? { ...r.place, region: w.name, position } : { ...r.place, position };
    return shareUrl(here, location.origin, location.pathname);
  };

  // Panels below the top bar start where it ends: it wraps to a second row on narrow pages or with a question in it.
  let hudEl: HTMLDivElement | undefined;
  let topbarEl: HTMLDivElement | undefined;
  onMount(() => {
    const bar = topbarEl;
    const hud = hudEl;
    if (!bar || !hud || typeof ResizeObserver === 'undefined') return;
    const place = (): void => hud.style.setProperty('--sc-top', `${bar.offsetTop + bar.offsetHeight + 8}px`);
    const observer = new ResizeObserver(place);
    observer.observe(bar);
    place();
    onCleanup(() => observer.disconnect());
  });

  return (
    <div
      ref={hudEl}
      class="sc-hud"
      data-frames={frames()}
      data-entities={view().perf.entities}
      data-prims={view().mapPoints.length / 2}
      data-testid="viewer"
    >
      <div class="sc-topbar" ref={topbarEl}>
        <div class="sc-place" data-testid="place-title">
          {placeTitle(route())}
        </div>
        <div class="sc-connection" data-testid="connection" data-state={view().connection.state}>
          {connectionLabel(view().connection)}
        </div>
        <div class="sc-spacer" />
        <Show when={view().connection.state === 'in-world'}>
          <button
            type="button"
            data-testid="build-box"
            onClick={() => worldSend({ type: 'build', shape: 'box' })}
            title="Build a box in front of you"
          >
            + Box
          </button>
        </Show>
        <Show when={buildAvailable()}>
          <button
            type="button"
            data-testid="build-button"
            onClick={() => setBuildOpen(!buildOpen())}
            aria-expanded={buildOpen()}
            title="Build with a sentence or a glTF model"
          >
            Build
          </button>
        </Show>
        <SoundControls settings={sound()} onToggle={(on) => audio.setEnabled(on)} onVolume={(v) => audio.setVolume(v)} />
        <Show when={view().connection.state === 'in-world'}>
          <PeerToggle
            on={p2pOn()}
            allowed={true}
            transport={peerStats()}
            world={peerMotion()}
            onToggle={(on) => {
              if (world?.setP2p(on)) setP2pOn(on);
              if (!on) setPeerStats(null);
            }}
          />
        </Show>
        <Show when={mapAvailable()}>
          <button
            type="button"
            data-testid="map-button"
            onClick={() => setMapOpen(!mapOpen())}
            aria-expanded={mapOpen()}
            aria-keyshortcuts="M"
            title="World map (M)"
          >
            Map
          </button>
        </Show>
        <Show when={consent() === 'unasked' && askTelemetry()}>
          <TelemetryPrompt onAnswer={answerTelemetry} />
        </Show>
        <TelemetryToggle consent={consent()} onToggle={answerTelemetry} />
        <CopyLinkButton url={link} />
        <button
          type="button"
          data-testid="plugins-button"
          onClick={() => setPluginsOpen(!pluginsOpen())}
          aria-expanded={pluginsOpen()}
        >
          Plugins
        </button>
        <button type="button" data-testid="help-button" onClick={() => setHelp(!help())} aria-expanded={help()}>
          Help
        </button>
      </div>
      <HoverTexts
        texts={view().hoverTexts}
        viewProj={gpu().state === 'ready' ? viewProj() : null}
        width={props.canvas.clientWidth}
        height={props.canvas.clientHeight}
      />
      <NameTags
        people={view().people}
        viewProj={gpu().state === 'ready' ? viewProj() : null}
        width={props.canvas.clientWidth}
        height={props.canvas.clientHeight}
      />
      <Minimap {...minimap()} />
      <Show when={gpu().state === 'unavailable'}>
        <Minimap
          {...minimap()}
          pixels={Math.min(512, Math.floor(Math.min(props.canvas.clientWidth * 0.9, props.canvas.clientHeight * 0.7)))}
          class="sc-map2d"
        />
      </Show>
      <PeopleList people={view().people} self={view().self} />
      <PerfOverlay
        perf={{ ...view().perf, ...renderPerf() }}
        forecast={forecast()}
        optimPlan={optimPlan()}
        plugins={pluginList()}
        onSaveTrace={() => world?.send({ type: 'trace' })}
        onRenderScaleMode={(mode) => {
          renderHandle?.send({ type: 'render-scale', mode });
          setRenderPerf((p) => ({ ...p, renderScaleMode: mode, ...(mode === 'full' ? { renderScale: 1 } : {}) }));
        }}
      />
      <Show when={buildOpen() && buildAvailable()}>
        <BuildPanel
          ask={aiConfigured() && access().edit}
          upload={access().create}
          ghosts={ghosts()}
          describe={describeBuild}
          uploadModel={uploadAndPrepare}
          preview={(actions) => worldSend({ type: 'preview', actions })}
          clearPreview={() => worldSend({ type: 'preview-clear' })}
          commit={(planId) => operator.operate({ op: 'commit', planId })}
          onClose={() => setBuildOpen(false)}
        />
      </Show>
      <Show when={pluginsOpen()}>
        <PluginsPanel
          plugins={pluginList()}
          onLoad={loadPlugin}
          onUnload={(name) => void plugins()?.unload(name).then(refreshPlugins)}
          onAction={(name, id) => plugins()?.panelAction(name, id)}
          {...(aiConfigured()
            ? {
                onReview: async (name: string): Promise<ReviewOutcome> => {
                  const source = plugins()?.source(name);
                  if (!source) return { ok: false, code: 'plugin_failed', message: `plugins: ${name} is not loaded` };
                  return requestPluginReview({ source, session: () => ai.session() });
                },
              }
            : {})}
          onClose={() => setPluginsOpen(false)}
        />
      </Show>
      <ChatPanel
        lines={chat()}
        disabled={view().connection.state !== 'in-world'}
        onSend={(text) => worldSend({ type: 'chat', text })}
      />
      <Show when={notice()}>
        <div class="sc-panel sc-notice" role="status" data-testid="notice">
          {notice()}
        </div>
      </Show>
      <Show when={help()}>
        <HelpPanel onClose={() => setHelp(false)} />
      </Show>
      <Show when={mapOpen() && mapAvailable()}>
        <WorldMap
          regions={mapRegions()}
          here={(() => {
            const w = view().world;
            const me = view().self;
            return w && me
              ? { region: w.name, position: [me.position[0] - w.origin[0], me.position[1] - w.origin[1], me.position[2]] }
              : null;
          })()}
          tiles={mapTiles()}
          onRequest={(ask) => worldSend({ type: 'map-request', ...ask })}
          onTeleport={(region, position) => {
            worldSend({ type: 'teleport', region, position });
            setMapOpen(false);
            setNotice(`Teleporting to ${region || 'another spot here'}…`);
          }}
          onClose={() => setMapOpen(false)}
        />
      </Show>
      <Show when={osPlace() && !login().done ? osPlace() : null} keyed>
        {(place) => (
          <GridLoginForm
            grid={place.kind === 'os' ? place.grid : ''}
            region={place.region}
            position={place.position}
            busy={login().busy}
            error={login().error}
            onSubmit={(c, keep) => void submitLogin(c, keep)}
            remember={remember()?.offer()}
          />
        )}
      </Show>
      <Show when={route()} keyed>
        {(r) => (r.ok ? null : <BadLinkNotice link={r.link} message={r.message} />)}
      </Show>
      <StatusLine pageIsolated={self.crossOriginIsolated} workerIsolated={workerIsolated()} gpu={gpu()} edge={edge()} />
    </div>
  );
}
