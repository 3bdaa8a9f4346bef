/**
 * The AI tier cascade (seed 5.1 / 16.1): an AiRequest {task, tier, input} goes to the cheapest tier that takes its
 * task; an answer with confidence above 0.8 is final, anything less is escalated to the next tier that takes the task
 * (local -> language), which sees the lower tier's answer. Each tier has a bounded queue: past it the request is
 * refused at once with `ai_busy`, never left waiting. Pure: the tiers are injected (web/ai/tiers.ts makes them).
 */
import { z } from 'zod';
import { MAX_AI_PROMPT_CHARS } from '../../shared/protocol';
import { AiError } from './errors';

/** The tiers, cheapest first. The seed's high tier (the self-tuning bandit) is not built yet. */
export const AI_TIERS = ['local', 'language'] as const;
export type AiTierName = (typeof AI_TIERS)[number];

/** An answer above this confidence is final (seed 5.1: `r.conf > 0.8`). */
export const CONFIDENCE_THRESHOLD = 0.8;

/** `auto` lets the cascade pick and escalate; a tier's name asks that tier only. */
const TierChoice = z.enum(['auto', ...AI_TIERS]).default('auto');

/** What a host or the viewer may ask (the seed's AIRequest; its `task_type` is `task`). */
export const AiRequest = z.discriminatedUnion('task', [
  /** The current LoadForecast (web/ai/load-forecaster.ts). */
  z.strictObject({ task: z.literal('forecast'), tier: TierChoice }),
  /** The current anomaly scores (web/ai/anomaly-scores.ts). */
  z.strictObject({ task: z.literal('anomaly'), tier: TierChoice }),
  /** A description turned into a prepared World Tool Protocol plan in the world you stand in (POST /api/ai). */
  z.strictObject({
    task: z.literal('build'),
    tier: TierChoice,
    input: z.strictObject({ prompt: z.string().trim().min(1).max(MAX_AI_PROMPT_CHARS) }),
  }),
]);
export type AiRequest = z.infer<typeof AiRequest>;
export type AiTask = AiRequest['task'];

/** What one tier answers: how sure it is (0..1) and its result (JSON-safe). */
export interface TierAnswer {
  readonly confidence: number;
  readonly result: unknown;
}

/** One tier of the cascade. */
export interface AiTier {
  readonly name: AiTierName;
  /** Requests this tier holds at once, running and waiting; one more is refused with `ai_busy`. */
  readonly capacity: number;
  /** Requests it runs at the same time (default 1). */
  readonly concurrency?: number;
  /** Whether it can answer this task at all (the language tier only when the edge has a model). */
  accepts(task: AiTask): boolean;
  /** Answers, or throws an AiError. `below` is a lower tier's answer when this one is an escalation. */
  answer(request: AiRequest, below: TierAnswer | null): Promise<TierAnswer>;
}

/** The cascade's answer: the final tier's, and every tier asked on the way with its confidence. */
export interface AiAnswer {
  readonly task: AiTask;
  readonly tier: AiTierName;
  readonly confidence: number;
  readonly result: unknown;
  readonly path: readonly { tier: AiTierName; confidence: number }[];
}

export interface AiCascade {
  /** Parses `request` (an AiRequest) and answers it through the tiers. Rejects with an AiError. */
  dispatch(request: unknown): Promise<AiAnswer>;
  /** Requests each tier holds now (running and waiting). */
  load(): Record<AiTierName, number>;
}

/** Parses an AiRequest; `ai_bad_request` names the first field that failed. */
export function parseAiRequest(input: unknown): AiRequest {
  const parsed = AiRequest.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(request)';
  throw new AiError(
    'ai_bad_request',
    `${where}: ${issue?.message ?? 'invalid'}; a request is {task: "forecast" | "anomaly" | "build", tier?: "auto" | "local" | "language", input?} (docs/embedding.md)`,
  );
}

interface Lane {
  running: number;
  readonly waiting: (() => void)[];
}

/** Makes the cascade over `tiers`, cheapest first. */
export function createAiCascade(tiers: readonly AiTier[]): AiCascade {
  const lanes = new Map<AiTier, Lane>(tiers.map((t) => [t, { running: 0, waiting: [] }]));

  /** Runs `fn` in the tier's lane, or refuses at once when the lane is full. */
  const enqueue = async <T>(tier: AiTier, fn: () => Promise<T>): Promise<T> => {
    const lane = lanes.get(tier) as Lane;
    if (lane.running + lane.waiting.length >= tier.capacity) {
      throw new AiError(
        'ai_busy',
        `the ${tier.name} tier already holds ${tier.capacity} requests; wait for an answer before asking again`,
      );
    }
    if (lane.running >= (tier.concurrency ?? 1)) await new Promise<void>((resolve) => lane.waiting.push(resolve));
    lane.running++;
    try {
      return await fn();
    } finally {
      lane.running--;
      lane.waiting.shift()?.();
    }
  };

  const dispatch = async (input: unknown): Promise<AiAnswer> => {
    const request = parseAiRequest(input);
    const asked = request.tier === 'auto' ? tiers : tiers.filter((t) => t.name === request.tier);
    const capable = asked.filter((t) => t.accepts(request.task));
    if (capable.length === 0) {
      const which = request.tier === 'auto' ? 'no tier here' : `the ${request.tier} tier`;
      const why =
        request.task === 'build'
          ? ' (the language tier needs a model configured on the edge: GET /api/ai says {"configured": false})'
          : '';
      throw new AiError(
        request.task === 'build' ? 'ai_not_configured' : 'ai_no_tier',
        `${which} answers the task "${request.task}"${why}`,
      );
    }
    const path: { tier: AiTierName; confidence: number }[] = [];
    let below: TierAnswer | null = null;
    for (const [i, tier] of capable.entries()) {
      const answer = await enqueue(tier, () => tier.answer(request, below));
      const confidence = Math.min(1, Math.max(0, Number.isFinite(answer.confidence) ? answer.confidence : 0));
      path.push({ tier: tier.name, confidence });
      // Sure enough, or nobody above takes this task: this is the answer.
      if (confidence > CONFIDENCE_THRESHOLD || i === capable.length - 1) {
        return { task: request.task, tier: tier.name, confidence, result: answer.result, path };
      }
      below = { confidence, result: answer.result };
    }
    throw new AiError('ai_no_tier', `no tier answered the task "${request.task}"`);
  };

  return {
    dispatch,
    load: () => {
      const out = { local: 0, language: 0 } as Record<AiTierName, number>;
      for (const [tier, lane] of lanes) out[tier.name] += lane.running + lane.waiting.length;
      return out;
    },
  };
}
