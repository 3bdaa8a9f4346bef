/**
 * The page's AI (full viewer and embed alike): the AI worker fed with the world's metric snapshots (its forecasts are
 * the local tier's), the anomaly scores source, the language tier over the edge, and the tier cascade over them.
 */
import { AiStatus } from '../../shared/protocol';
import { type AnomalyScores, createAnomalyScores } from '../ai/anomaly-scores';
import { type AiCascade, createAiCascade } from '../ai/cascade';
import { createLanguageTier, createLocalTier, LANGUAGE_TIMEOUT_MS, type WorldSession } from '../ai/tiers';
import type { LoadForecast, MetricSnapshot } from '../engine/metrics';
import type { WorldCommand, WorldEvent } from '../world/world-protocol';
import type { WorldView } from '../world/world-snapshot';
import { type AiClient, startAiWorker } from './ai-client';

/** The metric snapshot (one a second) at which the AI worker starts: after a visit's first textures. */
export const AI_START_SNAPSHOTS = 5;

export interface PageAi {
  readonly cascade: AiCascade;
  /** Where an anomaly detector registers (its scores are the `anomaly` task's answer). */
  readonly anomalies: AnomalyScores;
  /** Hands the world's `metrics` snapshots over (the AI worker starts a few snapshots into a visit). */
  metrics(snapshot: MetricSnapshot): void;
  /** Whether the edge has a language model (GET /api/ai; false until it answered). */
  configured(): boolean;
  /**
   * The Finalverse world you are in and the token its socket holds (asked of the world worker), or null: the Build
   * panel uploads models with it, so the plan that places them is that visitor's; the plugin review pays with it.
   */
  session(): Promise<WorldSession | null>;
  /** Feed the world's events here (the answers to the session-token asks). */
  deliver(event: WorldEvent): void;
  stop(): void;
}

export interface PageAiOptions {
  /** The world view now (where you stand, for the language tier). */
  view(): WorldView;
  /** Sends a command to the world worker (the session-token asks), or nothing without a world. */
  send(command: WorldCommand): void;
  onForecast?(forecast: LoadForecast): void;
  /** Called once GET /api/ai answered. */
  onConfigured?(configured: boolean): void;
  /** Fetch (same origin); default the page's. */
  fetch?: typeof fetch;
}

/** Where the visitor stands, when that is a Finalverse world (the language tier builds only there). */
function centerOf(view: WorldView): [number, number, number] | null {
  if (view.world?.kind !== 'fv' || view.connection.state !== 'in-world' || !view.self) return null;
  return [...view.self.position];
}

/** How long the world worker may take to say which token it holds. */
const TOKEN_ASK_MS = 5000;

export function startPageAi(options: PageAiOptions): PageAi {
  const fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
  let worker: AiClient | null = null;
  /** Metric snapshots that came before the AI worker started. */
  const early: MetricSnapshot[] = [];
  let forecast: LoadForecast | null = null;
  let stopped = false;
  const anomalies = createAnomalyScores();
  let nextAsk = 1;
  const asks = new Map<number, (session: WorldSession | null) => void>();
  /** The world socket's token: plans are prepared for the visitor it names, so that socket can commit them. */
  const session = (): Promise<WorldSession | null> =>
    new Promise((resolve) => {
      const id = nextAsk++;
      const timer = setTimeout(() => {
        asks.delete(id);
        resolve(null);
      }, TOKEN_ASK_MS);
      asks.set(id, (s) => {
        clearTimeout(timer);
        resolve(s);
      });
      options.send({ type: 'session-token', id });
    });

  let configured: boolean | null = null;
  const whenConfigured: Promise<boolean> = fetchFn('/api/ai', { signal: AbortSignal.timeout(10_000) })
    .then(async (res) => AiStatus.safeParse(res.ok ? await res.json() : null))
    .then(
      (status) => status.success && status.data.configured,
      () => false,
    )
    .then((c) => {
      configured = c;
      if (!stopped) options.onConfigured?.(c);
      return c;
    });

  const cascade = createAiCascade([
    createLocalTier({ forecast: () => forecast, anomalies }),
    createLanguageTier({
      configured: () => configured,
      whenConfigured: () => whenConfigured,
      center: () => centerOf(options.view()),
      session,
      post: (path, body, headers) =>
        fetchFn(path, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(LANGUAGE_TIMEOUT_MS),
        }),
    }),
  ]);

  return {
    cascade,
    anomalies,
    configured: () => configured === true,
    session,
    deliver(event) {
      if (event.type !== 'session-token') return;
      const settle = asks.get(event.id);
      asks.delete(event.id);
      settle?.(event.world !== null && event.token !== null ? { world: event.world, token: event.token } : null);
    },
    metrics(snapshot) {
      if (stopped) return;
      // It starts a few snapshots into a visit, so that compiling onnxruntime's wasm does not compete with the first
      // textures (the model needs a 60 s window anyway); the snapshots before it are kept and handed over in order.
      if (!worker && early.length < AI_START_SNAPSHOTS - 1) {
        early.push(snapshot);
        return;
      }
      if (!worker) {
        const started = startAiWorker((e) => {
          if (e.type === 'forecast') {
            forecast = e.forecast;
            options.onForecast?.(e.forecast);
          } else if (e.type === 'error') console.warn(e.message);
        });
        for (const s of early.splice(0)) started.send({ type: 'snapshot', snapshot: s });
        worker = started;
      }
      worker.send({ type: 'snapshot', snapshot });
    },
    stop() {
      stopped = true;
      worker?.stop();
    },
  };
}
