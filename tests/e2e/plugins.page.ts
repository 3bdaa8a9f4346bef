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
export async function start(options: { budgets?: Partial<PluginBudgets>; ratePerSecond?: number } = {}): Promise<boolean> {
  const trace = new TraceRecorder(4096, () => performance.now());
  const page: Partial<PluginPage> = {
    events: [],
    chatSent: [],
    engineEvents: [],
    world: {},
    ticks: 0,
    rafs: 0,
    trace,
    forgers: {},
  };
  page.host = await createPluginHost({
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
    onEvent: (e) => page.events?.push(e),
    onEngineEvent: (event, _payload, from) => page.engineEvents?.push({ event, from }),
    ...(canMeasureSandboxMemory() ? { measureMemory: measureSandboxMemory, memoryPollMs: 300 } : {}),
    ...(options.budgets ? { budgets: options.budgets } : {}),
    ...(options.ratePerSecond ? { bus: { ratePerSecond: options.ratePerSecond } } : {}),
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
