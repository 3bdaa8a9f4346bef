/**
 * The metrics plugin (seed 12.6): once a second, a MetricSnapshot of what the world worker knows (its frame
 * times and busy share, every system's mean time, entities, the render list's length, query rate, the
 * connection's traffic, shared memory, the JS heap where the runtime says) into the recorder's ring of the
 * last hour. GPU memory and the texture queue live in the render worker, so the world leaves them out; the render
 * worker's own frame time comes from the page (`render-stats`, once a second) and is kept while it is fresh.
 */
import { createMetricRecorder, defineResource, METRIC_KEY, type MetricRecorder, type Plugin } from '../../engine';
import { Clock, Commands, Outbox } from '../keys';
import { NetLinkKey } from './net';

/** The world's metric recorder (visit's --metrics and the overlay's "Save trace" read it). */
export const MetricsKey = defineResource<MetricRecorder>('world/metrics');

/** A render frame time older than this is left out of the snapshot (the renderer stopped telling: hidden, lost). */
const RENDER_STALE_MS = 3000;

/** Most systems a snapshot lists (the schema's bound). */
const MAX_SYSTEMS = 256;

export interface MetricsPluginOptions {
  /** The shared memory the world worker holds besides the world's own (sync header, render list). */
  readonly buffers: readonly ArrayBufferLike[];
  /** The render list (word 0 is its length). */
  readonly renderList: ArrayBufferLike;
  /** JS heap in use, or undefined where the runtime does not say (default: Chromium's performance.memory). */
  readonly heapBytes?: () => number | undefined;
  /** Snapshots kept (default 3,600: an hour). */
  readonly capacity?: number;
}

/** Chromium's non-standard performance.memory (absent in Firefox, Safari and Node). */
function chromiumHeap(): number | undefined {
  const memory = (globalThis.performance as { memory?: { usedJSHeapSize?: number } } | undefined)?.memory;
  return typeof memory?.usedJSHeapSize === 'number' ? memory.usedJSHeapSize : undefined;
}

export function metricsPlugin(options: MetricsPluginOptions): Plugin {
  return {
    name: 'metrics',
    after: ['net'],
    build(app) {
      const clock = app.resource(Clock);
      const recorder = createMetricRecorder({ now: clock.now, ...(options.capacity ? { capacity: options.capacity } : {}) });
      app.insertResource(MetricsKey, recorder);
      const heapBytes = options.heapBytes ?? chromiumHeap;
      const renderCount = new Uint32Array(options.renderList, 0, 1);
      // What the last snapshot saw, to turn counters into rates.
      let since = clock.now();
      let busyMs = 0;
      let framesSeen = app.frameStats().frames;
      let queries = app.world.queryCalls;
      let conn: unknown = null;
      let bytesIn = 0;
      let bytesOut = 0;
      const commands = app.reader(Commands);
      let render: { ms: number; at: number } | null = null;
      app.addSystem({
        name: 'metrics-snapshot',
        phase: 'postUpdate',
        run: () => {
          for (const c of commands.read()) if (c.type === 'render-stats') render = { ms: c.frameMs, at: clock.now() };
          // The frame before this one is finished: add its time to the busy share.
          const frames = app.frameStats();
          if (frames.frames !== framesSeen) {
            busyMs += frames.lastMs;
            framesSeen = frames.frames;
          }
          if (!recorder.due()) return;
          const now = clock.now();
          const seconds = Math.max(1e-3, (now - since) / 1000);
          const link = app.resource(NetLinkKey).conn;
          const traffic = link?.traffic ?? { bytesIn: 0, bytesOut: 0 };
          // A new connection counts from zero.
          if (link !== conn) [conn, bytesIn, bytesOut] = [link, 0, 0];
          const systemMs: Record<string, number> = {};
          for (const s of app.systems().slice(0, MAX_SYSTEMS))
            systemMs[METRIC_KEY.test(s.system) ? s.system : s.system.replace(/[^\w.:-]/g, '_').slice(0, 64)] = s.meanMs;
          const memory = app.world.memory;
          const sab =
            memory.header.byteLength +
            memory.columns.reduce((n, c) => n + c.byteLength, 0) +
            memory.commands.header.byteLength +
            memory.commands.data.byteLength +
            options.buffers.reduce((n, b) => n + b.byteLength, 0);
          const heap = heapBytes();
          const snapshot = recorder.record({
            timestamp_ms: now,
            frame_p50_ms: frames.p50Ms,
            frame_p99_ms: Math.max(frames.p50Ms, frames.p99Ms),
            worker_busy: [Math.min(1, busyMs / (seconds * 1000))],
            system_ms: systemMs,
            entities: app.world.size,
            visible_instances: Atomics.load(renderCount, 0),
            query_rate_per_s: (app.world.queryCalls - queries) / seconds,
            net_in_bytes_per_s: Math.max(0, traffic.bytesIn - bytesIn) / seconds,
            net_out_bytes_per_s: Math.max(0, traffic.bytesOut - bytesOut) / seconds,
            sab_bytes: sab,
            ...(heap !== undefined ? { js_heap_bytes: Math.round(heap) } : {}),
            ...(render && now - render.at <= RENDER_STALE_MS ? { render_frame_ms: render.ms } : {}),
          });
          // The page hands it to the AI worker (the load forecast); a headless visitor's outbox drops it.
          app.resource(Outbox).post({ type: 'metrics', snapshot });
          since = now;
          busyMs = 0;
          queries = app.world.queryCalls;
          bytesIn = traffic.bytesIn;
          bytesOut = traffic.bytesOut;
        },
      });
    },
  };
}
