/**
 * Page-side module of plugins.test.ts: the viewer's plugin host (web/plugins/host.ts) on this page, as the HUD runs
 * it, with a frame loop, a world copy the test sets, chat in and out, and counters that show the page kept running.
 */
import { TraceRecorder } from '../../web/engine/trace';
import { createPluginHost, type PluginBudgets, type PluginEvent, type PluginHost } from '../../web/plugins/host';
import { canMeasureSandboxMemory, measureSandboxMemory } from '../../web/plugins/memory';

export interface PluginPage {
  host: PluginHost;
  events: PluginEvent[];
  chatSent: { text: string; plugin: string }[];
  engineEvents: { event: string; from: string }[];
  /** What plugins with camera:control asked of the camera (null: put back). */
  cameraShots: { shot: unknown; plugin: string }[];
  world: unknown;
  /** Frames the host loop ran and animation frames the page drew. */
  ticks: number;
  rafs: number;
  trace: TraceRecorder;
  /** Sandboxes replaced by a script of the test's (a compromised sandbox), by plugin name. */
  forgers: Record<string, string>;
}

declare global {
  interface Window {
    pluginPage?: PluginPage;
  }
}

/** Starts a host on this page with a 60 Hz frame loop. */
export async function start(
  options: { budgets?: Partial<PluginBudgets>; ratePerSecond?: number; profileEveryMs?: number } = {},
): Promise<boolean> {
  const trace = new TraceRecorder(4096, () => performance.now());
  const page: Partial<PluginPage> = {
    events: [],
    chatSent: [],
    engineEvents: [],
    cameraShots: [],
    world: {},
    ticks: 0,
    rafs: 0,
    trace,
    forgers: {},
  };
  page.host = await createPluginHost({
    // Sandboxes are started per plugin here, so that a test can replace one by name (forgers); the viewer's
    // default (one started ahead) is covered by viewer-plugins.test.ts and the bench.
    prewarm: false,
    spawn: (url, name) => {
      const forger = page.forgers?.[new URL(url, location.href).searchParams.get('plugin') ?? ''];
      if (!forger) return new Worker(url, { name });
      return new Worker(URL.createObjectURL(new Blob([forger], { type: 'text/javascript' })), { name });
    },
    world: () => page.world,
    sendChat: (text, plugin) => {
      page.chatSent?.push({ text, plugin });
      // The viewer's chat echoes your own line back, as the world does.
      page.host?.chatLine({ from: 'You', text, at: Date.now() });
    },
    setCamera: (shot, plugin) => page.cameraShots?.push({ shot, plugin }),
    onEvent: (e) => page.events?.push(e),
    onEngineEvent: (event, _payload, from) => page.engineEvents?.push({ event, from }),
    ...(canMeasureSandboxMemory() ? { measureMemory: measureSandboxMemory, memoryPollMs: 300 } : {}),
    ...(options.budgets ? { budgets: options.budgets } : {}),
    ...(options.ratePerSecond ? { bus: { ratePerSecond: options.ratePerSecond } } : {}),
    ...(options.profileEveryMs ? { profileEveryMs: options.profileEveryMs } : {}),
    trace,
  });
  const full = page as PluginPage;
  window.pluginPage = full;
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    full.host.frame((now - last) / 1000);
    last = now;
    full.ticks++;
  }, 16);
  const raf = () => {
    full.rafs++;
    requestAnimationFrame(raf);
  };
  requestAnimationFrame(raf);
  return canMeasureSandboxMemory();
}

/** Sorted-sample percentile. */
function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Median absolute deviation of sorted samples (the regression flag's noise). */
function mad(sorted: number[]): number {
  const m = pct(sorted, 50);
  return pct(
    sorted.map((v) => Math.abs(v - m)).sort((a, b) => a - b),
    50,
  );
}

/**
 * The browser half of `npm run bench -- plugins`, on a host of its own (no frame loop): round trips across the sandbox
 * boundary (host → echo plugin → host, over the signed bus), sustained events/s from one plugin to 10 subscribers, the
 * load time of a small plugin, and the host's per-frame cost with 0 and 10 idle plugins. `base` serves the bench
 * plugins (echo, flood, sink, idle, small, small-b<i> and small-w<i> for i < samples / 10).
 */
export async function benchmark(base: string, samples: number) {
  const out: Record<string, number> = {};
  let pong: ((at: number) => void) | null = null;
  const host = await createPluginHost({
    onEngineEvent: (_event, payload) => pong?.((payload as { at: number }).at),
    bus: { ratePerSecond: 1_000_000 },
  });
  // Round trip: engine/ping to the echo plugin, which publishes engine/pong with the same stamp.
  const echo = await host.load(`${base}/echo/storm-plugin.json`);
  if (!echo.ok) throw new Error(echo.message);
  const rtt: number[] = [];
  for (let i = 0; i < samples + 20; i++) {
    const at = performance.now();
    const back = await new Promise<number>((resolve) => {
      pong = resolve;
      host.engineEvent('engine/ping', { at });
    });
    if (i >= 20) rtt.push(performance.now() - back);
  }
  rtt.sort((a, b) => a - b);
  out.sandbox_round_trip_p50_ms = pct(rtt, 50);
  out.sandbox_round_trip_p99_ms = pct(rtt, 99);
  out.sandbox_round_trip_mad_ms = mad(rtt);
  await host.unload('echo');
  // Sustained throughput: one plugin publishes N events, 10 subscriber plugins count them.
  for (let i = 0; i < 10; i++) {
    const r = await host.load(`${base}/sink-${i}/storm-plugin.json`);
    if (!r.ok) throw new Error(r.message);
  }
  const events = 20_000;
  const start = performance.now();
  const flood = await host.load(`${base}/flood/storm-plugin.json`);
  if (!flood.ok) throw new Error(flood.message);
  const delivered = () =>
    host
      .list()
      .filter((p) => p.name.startsWith('sink-'))
      .reduce((s, p) => s + p.events_in, 0);
  while (delivered() < events * 10 && performance.now() - start < 60_000) await new Promise((r) => setTimeout(r, 5));
  const seconds = (performance.now() - start) / 1000;
  out.events_published_per_s_10_subscribers = events / seconds;
  out.deliveries_per_s_10_subscribers = delivered() / seconds;
  for (const p of host.list()) await host.unload(p.name);
  // Load time of a small plugin (fetch manifest and entry, SRI, risk, sandbox, init): back to back (the sandbox
  // started ahead for the next load is usually still starting), then as a person loads one (the host idle, its
  // sandbox for the next load started: host.warm()). Both load a plugin not loaded before each time (small-b<i>,
  // small-w<i>: its entry is fetched); `kept` loads one plugin again and again as `warm` does (small: its entry is
  // kept by integrity, so only the manifest is fetched).
  const median = (xs: number[]) =>
    pct(
      xs.sort((a, b) => a - b),
      50,
    );
  const loadSamples = Math.max(5, Math.floor(samples / 10));
  for (const mode of ['back_to_back', 'warm', 'kept'] as const) {
    const loads: number[] = [];
    const peer: number[] = [];
    /** `kept`: the one fetch such a load cannot skip, alone (its manifest, read whole, with the host's options). */
    const fetchFloor: number[] = [];
    const parts: Record<string, number[]> = {};
    for (let i = 0; i < loadSamples; i++) {
      if (mode !== 'back_to_back') await host.warm();
      const name = mode === 'kept' ? 'small' : `small-${mode === 'warm' ? 'w' : 'b'}${i}`;
      const t = performance.now();
      const r = await host.load(`${base}/${name}/storm-plugin.json`);
      loads.push(performance.now() - t);
      if (!r.ok) throw new Error(r.message);
      for (const [k, v] of Object.entries(host.lastLoadMs)) parts[k] = [...(parts[k] ?? []), v];
      await host.unload(name);
      // The peer, alternating with the host's loads: the same module in a bare worker, no checks (below).
      peer.push(await bareWorkerLoad(base, mode !== 'back_to_back'));
      if (mode === 'kept') {
        const f = performance.now();
        await (
          await fetch(`${base}/${name}/storm-plugin.json`, { credentials: 'omit', redirect: 'error', cache: 'no-store' })
        ).arrayBuffer();
        fetchFloor.push(performance.now() - f);
      }
    }
    const key = mode === 'kept' ? 'load_small_kept' : mode === 'warm' ? 'load_small_warm' : 'load_small';
    out[`${key}_p50_ms`] = median(loads);
    out[`${key}_mad_ms`] = mad(loads);
    out[`${key}_samples`] = loads.length;
    out[`${key}_peer_bare_worker_p50_ms`] = median(peer);
    out[`${key}_over_peer_p50`] = median(loads) / median(peer);
    out[`${key}_fetch_check_p50_ms`] = median(parts.fetch ?? []);
    for (const part of ['manifest', 'entry', 'integrity', 'risk', 'sandbox', 'startWait', 'module', 'init'])
      out[`${key}_${part === 'module' ? 'module_import' : part === 'startWait' ? 'start_wait' : part}_p50_ms`] = median(
        parts[part] ?? [],
      );
    out[`${key}_sandbox_was_started_share`] = (parts.warm ?? []).reduce((a, b) => a + b, 0) / loadSamples;
    out[`${key}_entry_kept_share`] = (parts.kept ?? []).reduce((a, b) => a + b, 0) / loadSamples;
    out[`${key}_early_import_share`] = (parts.early ?? []).reduce((a, b) => a + b, 0) / loadSamples;
    if (fetchFloor.length > 0) {
      out[`${key}_manifest_fetch_alone_p50_ms`] = median(fetchFloor);
      out[`${key}_over_manifest_fetch_alone_p50`] = median(loads) / median(fetchFloor);
    }
  }
  // The host's per-frame cost (its own thread): no plugins, then 10 idle ones (each with an empty update).
  const frameCost = async (): Promise<{ p50: number; mad: number }> => {
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      host.frame(1 / 60);
      times.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 4));
    }
    times.sort((a, b) => a - b);
    return { p50: pct(times, 50), mad: mad(times) };
  };
  out.frame_0_plugins_p50_ms = (await frameCost()).p50;
  for (let i = 0; i < 10; i++) {
    const r = await host.load(`${base}/idle-${i}/storm-plugin.json`);
    if (!r.ok) throw new Error(r.message);
  }
  const ten = await frameCost();
  out.frame_10_idle_plugins_p50_ms = ten.p50;
  out.frame_10_idle_plugins_mad_ms = ten.mad;
  out.idle_update_p50_ms = Math.max(...host.list().map((p) => p.update_ms_p50));
  host.close();
  return out;
}

/**
 * The peer of a plugin load: what running the same small module in a Worker costs with none of the contract — its
 * entry fetched, a bare worker (a blob, no policy; started for this load, or already started when `started`), the
 * code posted, imported from a blob, its init run with a log, the answer back. No manifest, integrity, risk, token,
 * port or schema. Answers the milliseconds from the fetch to the answer.
 */
export async function bareWorkerLoad(base: string, started: boolean): Promise<number> {
  const boot = `onmessage = async (e) => {
  const u = URL.createObjectURL(new Blob([e.data], { type: 'text/javascript' }));
  const m = await import(u);
  URL.revokeObjectURL(u);
  if (typeof m.init === 'function') await m.init({ log: { info() {}, warn() {}, error() {} } });
  postMessage('done');
};
postMessage('ready');`;
  const url = URL.createObjectURL(new Blob([boot], { type: 'text/javascript' }));
  const spawn = () => {
    const w = new Worker(url, { type: 'module' });
    return { w, ready: new Promise<void>((r) => w.addEventListener('message', () => r(), { once: true })) };
  };
  let worker = started ? spawn() : null;
  if (worker) await worker.ready;
  const t = performance.now();
  worker ??= spawn(); // cold: started beside the fetch
  const code = await (await fetch(`${base}/small/index.js`, { credentials: 'omit' })).text();
  const done = new Promise<void>((resolve) =>
    worker?.w.addEventListener('message', (e) => {
      if (e.data === 'done') resolve();
    }),
  );
  worker.w.postMessage(code);
  await done;
  const ms = performance.now() - t;
  worker.w.terminate();
  URL.revokeObjectURL(url);
  return ms;
}

/**
 * A cold load, as the first plugin after the page started: a host made now (its spare sandbox starting), the small
 * plugin loaded at once; or (`peer`) the bare-worker peer, cold. One per page: the bench opens a fresh page for each.
 */
export async function coldLoad(base: string, peer: boolean): Promise<Record<string, number>> {
  if (peer) return { total: await bareWorkerLoad(base, false) };
  const host = await createPluginHost({});
  const t = performance.now();
  const r = await host.load(`${base}/small/storm-plugin.json`);
  const total = performance.now() - t;
  if (!r.ok) throw new Error(r.message);
  const parts = { ...host.lastLoadMs, total };
  host.close();
  return parts;
}
