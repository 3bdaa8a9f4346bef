/**
 * The page's plugin host as the viewer and the embedded viewer run it (docs/plugins.md): plugins see the HUD's
 * world snapshot as their world copy, chat through the world worker, a frame loop at 30 Hz, and memory measured
 * per sandbox where the page is cross-origin isolated.
 */
import type { AnomalyScore as BusScore } from '../../shared/anomaly/detector';
import { type AnomalyDetector, type AnomalyScore, MAX_ANOMALY_SCORES } from '../ai/anomaly-scores';
import { createPluginHost, type PluginEvent, type PluginHost } from '../plugins/host';
import { canMeasureSandboxMemory, measureSandboxMemory } from '../plugins/memory';
import type { CameraShot } from '../plugins/sandbox-protocol';
import { createWorldTrustedRuntime } from '../plugins/trusted';
import type { PickedObject } from '../world/pick';
import type { WorldCommand } from '../world/world-protocol';
import type { WorldView } from '../world/world-snapshot';
import { pluginWorldCopy } from './plugin-world';

export interface ViewerPlugins {
  /** The host once its bus key is made. */
  readonly ready: Promise<PluginHost>;
  /** The host, or null before it is ready. */
  host(): PluginHost | null;
  /** A chat line for the plugins with chat:read. */
  chatLine(line: { from: string; text: string; at: number }): void;
  /** What a click in the world picked (null: nothing), for the plugins with world:select. */
  select(object: PickedObject | null): void;
  /** A world worker's `trusted-plugin` event (a trusted plugin's message for the host). */
  trustedEvent(event: { name: string; message: unknown }): void;
  /** The plugin bus's anomaly scores as the AI cascade's `anomaly` task reads them (register it with the page's AI). */
  readonly anomalyDetector: AnomalyDetector;
  stop(): void;
}

/**
 * The plugin bus's detector scores as the cascade's `anomaly` answer: one per plugin (highest first, at most
 * MAX_ANOMALY_SCORES), its CUSUM over the alarm threshold capped to [0, 1], so 1 means throttled now.
 */
export function pluginAnomalyScores(scores: readonly BusScore[]): AnomalyScore[] {
  return scores.slice(0, MAX_ANOMALY_SCORES).map((s) => ({
    subject: `plugin:${s.source}`.slice(0, 64),
    score: s.threshold > 0 && Number.isFinite(s.score) ? Math.min(1, Math.max(0, s.score / s.threshold)) : 0,
  }));
}

/** Starts the host and its frame loop. */
export function startViewerPlugins(options: {
  view: () => WorldView;
  sendChat: (text: string) => void;
  /** Sets the camera for a plugin with camera:control (null: as it was). */
  setCamera?: (shot: CameraShot | null) => void;
  onEvent?: (event: PluginEvent) => void;
  onChange?: () => void;
  /** Posts a command to the world worker, where operator-listed trusted plugins run. */
  worldSend?: (command: WorldCommand) => void;
}): ViewerPlugins {
  let host: PluginHost | null = null;
  const worldSend = options.worldSend;
  const trusted = worldSend ? createWorldTrustedRuntime({ send: worldSend }) : null;
  let timer: ReturnType<typeof setInterval> | null = null;
  let stopped = false;
  const ready = createPluginHost({
    world: () => pluginWorldCopy(options.view()),
    sendChat: options.sendChat,
    ...(options.setCamera ? { setCamera: options.setCamera } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options.onChange ? { onChange: options.onChange } : {}),
    ...(canMeasureSandboxMemory() ? { measureMemory: measureSandboxMemory } : {}),
    ...(trusted ? { trusted } : {}),
  }).then((h) => {
    host = h;
    if (stopped) h.close();
    let last = performance.now();
    timer = setInterval(() => {
      const now = performance.now();
      h.frame((now - last) / 1000);
      last = now;
    }, 33);
    return h;
  });
  // Hot reload under `npm start` (scripts/vite-plugin-reload.ts): a changed plugin folder reloads the plugins
  // loaded from it, and only those. The production build has no import.meta.hot.
  const onPluginChanged = (data: unknown) => {
    const folder = (data as { folder?: unknown } | null)?.folder;
    if (typeof folder !== 'string' || !/^\/(dev-)?plugins\/[a-z][a-z0-9-]*\/$/.test(folder)) return;
    void ready.then((h) => h.reloadChanged(new URL(folder, location.href).href)).then(() => options.onChange?.());
  };
  if (import.meta.hot) import.meta.hot.on('storm:plugin-changed', onPluginChanged);
  return {
    ready,
    host: () => host,
    chatLine: (line) => host?.chatLine(line),
    select: (object) => host?.select(object),
    trustedEvent: (event) => trusted?.deliver(event),
    anomalyDetector: {
      name: 'plugin-bus',
      // One score per plugin, highest first: its CUSUM over the alarm threshold, so 1 means throttled now.
      scores: () => pluginAnomalyScores(host?.anomalyScores() ?? []),
    },
    stop: () => {
      stopped = true;
      if (import.meta.hot) import.meta.hot.off('storm:plugin-changed', onPluginChanged);
      if (timer) clearInterval(timer);
      host?.close();
    },
  };
}
