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
 * plugins (echo, flood, sink, idle, small).
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
  // sandbox for the next load started: host.warm()).
  const median = (xs: number[]) =>
    pct(
      xs.sort((a, b) => a - b),
      50,
    );
  for (const mode of ['back_to_back', 'warm'] as const) {
    const loads: number[] = [];
    const parts: { fetch: number[]; manifest: number[]; sandbox: number[]; module: number[]; init: number[]; warm: number[] } = {
      fetch: [],
      module: [],
      manifest: [],
      sandbox: [],
      init: [],
      warm: [],
    };
    for (let i = 0; i < Math.max(5, Math.floor(samples / 10)); i++) {
      if (mode === 'warm') await host.warm();
      const t = performance.now();
      const r = await host.load(`${base}/small/storm-plugin.json`);
      loads.push(performance.now() - t);
      if (!r.ok) throw new Error(r.message);
      parts.fetch.push(host.lastLoadMs.fetch);
      parts.manifest.push(host.lastLoadMs.manifest);
      parts.module.push(host.lastLoadMs.module);
      parts.sandbox.push(host.lastLoadMs.sandbox);
      parts.init.push(host.lastLoadMs.init);
      parts.warm.push(host.lastLoadMs.warm);
      await host.unload('small');
    }
    const key = mode === 'warm' ? 'load_small_warm' : 'load_small';
    out[`${key}_p50_ms`] = median(loads);
    out[`${key}_mad_ms`] = mad(loads);
    out[`${key}_fetch_check_p50_ms`] = median(parts.fetch);
    out[`${key}_manifest_p50_ms`] = median(parts.manifest);
    out[`${key}_module_import_p50_ms`] = median(parts.module);
    out[`${key}_sandbox_p50_ms`] = median(parts.sandbox);
    out[`${key}_init_p50_ms`] = median(parts.init);
    out[`${key}_sandbox_was_started_share`] = parts.warm.reduce((a, b) => a + b, 0) / parts.warm.length;
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
