/**
 * The cascade's tiers as built: the local tier (the load forecast of the AI worker, the anomaly scores source) and
 * the language tier (POST /api/ai on the edge, which turns a description into a prepared World Tool Protocol plan).
 */
import { AiPlanAnswer, ApiError } from '../../shared/protocol';
import type { LoadForecast } from '../engine/metrics';
import type { AnomalyScores } from './anomaly-scores';
import type { AiTask, AiTier, TierAnswer } from './cascade';
import { AiError, type AiErrorCode } from './errors';

/** Requests each tier holds at once (running and waiting). */
export const TIER_CAPACITY = { local: 16, language: 2 } as const;
/** How long one language-tier request may take (the edge gives the model 30 s and one retry). */
export const LANGUAGE_TIMEOUT_MS = 75_000;

export interface LocalTierOptions {
  /** The newest LoadForecast, or null before the AI worker made one. */
  forecast(): LoadForecast | null;
  anomalies: AnomalyScores;
}

/** The mean of a forecast's per-quantity confidences. */
export function forecastConfidence(f: LoadForecast): number {
  return f.predictions.reduce((s, p) => s + p.confidence, 0) / f.predictions.length;
}

/** The local tier: answers `forecast` and `anomaly` from what the page already holds (no I/O). */
export function createLocalTier(options: LocalTierOptions): AiTier {
  return {
    name: 'local',
    capacity: TIER_CAPACITY.local,
    concurrency: TIER_CAPACITY.local,
    accepts: (task: AiTask) => task === 'forecast' || task === 'anomaly',
    answer: async (request): Promise<TierAnswer> => {
      if (request.task === 'anomaly') {
        const { report, confidence } = options.anomalies.current();
        return { confidence, result: report };
      }
      const forecast = options.forecast();
      if (!forecast)
        throw new AiError(
          'ai_not_ready',
          'no load forecast yet: the AI worker starts after the first 5 metric snapshots (one a second) of a visit; ask again in a few seconds',
        );
      return { confidence: forecastConfidence(forecast), result: forecast };
    },
  };
}

/** The visitor's session in a Finalverse world: its name and the access token the world socket holds. */
export interface WorldSession {
  world: string;
  token: string;
}

export interface LanguageTierOptions {
  /** Whether the edge has a model (GET /api/ai), null while it has not answered; the tier takes no task without one. */
  configured(): boolean | null;
  /** Resolves once GET /api/ai answered: whether the edge has a model. */
  whenConfigured(): Promise<boolean>;
  /** Where the visitor stands now (in the world's frame), or null when not in a Finalverse world. */
  center(): [number, number, number] | null;
  /** The world socket's session (plans are prepared for its visitor, so that socket can commit them), or null. */
  session(): Promise<WorldSession | null>;
  /** POSTs JSON to the edge (same origin) with these headers. */
  post(path: string, body: unknown, headers: Record<string, string>): Promise<Response>;
}

/** The edge's language-tier codes, as the cascade's (docs/errors.md). */
const EDGE_CODES: Record<string, AiErrorCode> = {
  ai_not_configured: 'ai_not_configured',
  ai_rate_limited: 'ai_rate_limited',
  ai_budget_exhausted: 'ai_rate_limited',
  ai_unavailable: 'ai_unavailable',
  ai_invalid_answer: 'ai_refused',
  ai_plan_refused: 'ai_refused',
  permission_denied: 'ai_refused',
};

async function readJson(res: Response): Promise<unknown> {
  try {
    return await res.json();
  } catch {
    return null;
  }
}

/** An AiError for an edge answer that is not 2xx (its code and message quoted). */
async function edgeRefusal(res: Response, what: string): Promise<AiError> {
  const body = ApiError.safeParse(await readJson(res));
  if (!body.success) return new AiError('ai_unavailable', `${what}: the edge answered HTTP ${res.status}`);
  const { code, message } = body.data.error;
  return new AiError(EDGE_CODES[code] ?? 'ai_unavailable', `${what}: ${code}: ${message.replace(/^ai: /, '')}`);
}

/**
 * The language tier: `build` asks POST /api/ai with the world socket's token (so the plan is that visitor's, and the
 * socket can commit it) and answers the prepared plan (AiPlanAnswer). Confidence 1: the edge checked every action as a visitor's and the world prepared it.
 */
export function createLanguageTier(options: LanguageTierOptions): AiTier {
  const post = async (path: string, body: unknown, what: string, headers: Record<string, string>): Promise<Response> => {
    try {
      return await options.post(path, body, headers);
    } catch {
      throw new AiError('ai_unavailable', `${what}: the edge did not answer`);
    }
  };
  return {
    name: 'language',
    capacity: TIER_CAPACITY.language,
    concurrency: TIER_CAPACITY.language,
    accepts: (task) => task === 'build' && options.configured() !== false,
    answer: async (request): Promise<TierAnswer> => {
      if (request.task !== 'build') throw new AiError('ai_no_tier', `the language tier does not answer "${request.task}"`);
      if (!(await options.whenConfigured()))
        throw new AiError('ai_not_configured', 'build: the edge has no language model (GET /api/ai says {"configured": false})');
      const center = options.center();
      const session = center ? await options.session() : null;
      if (!center || !session)
        throw new AiError('ai_not_in_world', 'build: a plan is made in the Finalverse world you stand in, and you stand in none');
      const res = await post('/api/ai', { world: session.world, prompt: request.input.prompt, center }, 'build', {
        authorization: `Bearer ${session.token}`,
      });
      if (!res.ok) throw await edgeRefusal(res, 'build');
      const answer = AiPlanAnswer.safeParse(await readJson(res));
      if (!answer.success) throw new AiError('ai_unavailable', 'build: POST /api/ai answered something that is not a plan');
      return { confidence: 1, result: answer.data };
    },
  };
}
