/**
 * The language tier's routes: GET /api/ai says whether it is configured (no token); POST /api/ai turns a visitor's
 * sentence into a prepared World Tool Protocol plan in their world, which they preview and commit over their socket.
 */
import { Hono } from 'hono';
import {
  type AiPlanAnswer,
  AiPlanRequest,
  type AiStatus,
  EntityInfo,
  OperationResult,
  type PluginReviewAnswer,
  PluginReviewRequest,
} from '../../shared/protocol';
import { AI_PER_VISITOR_PER_MINUTE, AI_PER_WORLD_PER_MINUTE } from '../ai/ai-gate';
import { type AiConfig, aiConfig, planFromSentence } from '../ai/language-tier';
import { reviewPlugin } from '../ai/plugin-review';
import { EdgeError } from '../errors';
import { bearer, requireToken } from './access';
import { jsonBody } from './json-body';

export const aiRoutes = new Hono<{ Bindings: Env }>();

aiRoutes.get('/api/ai', (c) => c.json({ configured: aiConfig(c.env) !== null } satisfies AiStatus));

/** The operator's configuration, or 501 ai_not_configured. */
function configured(env: Env): AiConfig {
  const config = aiConfig(env);
  if (!config)
    throw new EdgeError(
      501,
      'ai_not_configured',
      'ai: no language model is configured on this edge (the operator sets AI_ENDPOINT, AI_MODEL and the secret AI_KEY)',
    );
  return config;
}

/**
 * Opens one language-tier call in `world`'s room under its limits (per visitor and per world each minute, tokens per
 * day): the room, and the entities near `center` (checked: RPC results lose their tuple types on the way). Throws
 * 404 world_not_found, or 429 with the limit's code.
 */
async function beginAi(
  env: Env,
  config: AiConfig,
  world: string,
  visitor: string,
  center: [number, number, number],
): Promise<{ room: ReturnType<Env['WORLD_ROOM']['getByName']>; nearby: EntityInfo[] }> {
  const room = env.WORLD_ROOM.getByName(world);
  const begun = await room.aiBegin(world, visitor, center, {
    perVisitorPerMinute: AI_PER_VISITOR_PER_MINUTE,
    perWorldPerMinute: AI_PER_WORLD_PER_MINUTE,
    dailyTokens: config.dailyTokens,
  });
  if (!begun.ok) {
    if (begun.code === 'world_not_found') throw new EdgeError(404, 'world_not_found', `edge: no world named "${world}"`);
    throw new EdgeError(429, begun.code, begun.message);
  }
  return { room, nearby: EntityInfo.array().parse(begun.nearby) };
}

aiRoutes.post('/api/ai', async (c) => {
  const config = configured(c.env);
  const token = bearer(c.req.header('authorization'));
  const request = await jsonBody(c.req.raw, AiPlanRequest, 'POST /api/ai');
  const claims = await requireToken(c.env, token, 'edit', request.world);
  const { room, nearby } = await beginAi(c.env, config, request.world, claims.sub, request.center);
  let spent = 0;
  try {
    const plan = await planFromSentence(config, request.prompt, request.center, nearby, (n) => {
      spent += n;
    });
    const prepared = OperationResult.parse(await room.aiPrepare(request.world, claims.sub, claims.perm, plan.actions));
    if (prepared.op !== 'prepare')
      throw new EdgeError(
        409,
        'ai_plan_refused',
        `ai: the world refused the model's plan: ${prepared.op === 'failed' ? prepared.message : prepared.op}`,
      );
    return c.json({ plan: prepared, attempts: plan.attempts, tokens: plan.tokens } satisfies AiPlanAnswer);
  } finally {
    if (spent > 0) await room.aiSpend(spent);
  }
});

/**
 * POST /api/ai/plugin-review: the model's list of risks and suggested changes for a plugin's manifest and code, for
 * the person to read (docs/plugins.md). Any visitor of `world` may ask; the world's language-tier limits and daily
 * tokens apply as to plans. Nothing is patched or applied.
 */
aiRoutes.post('/api/ai/plugin-review', async (c) => {
  const config = configured(c.env);
  const token = bearer(c.req.header('authorization'));
  // Up to 64 Ki characters of manifest and code, which JSON escaping and UTF-8 may make up to a few times as many bytes.
  const request = await jsonBody(c.req.raw, PluginReviewRequest, 'POST /api/ai/plugin-review', 256 * 1024);
  const claims = await requireToken(c.env, token, 'join', request.world);
  // The same gate as plans; the entities it finds are unused.
  const { room } = await beginAi(c.env, config, request.world, claims.sub, [0, 0, 0]);
  let spent = 0;
  try {
    const { review, tokens } = await reviewPlugin(config, request, (n) => {
      spent += n;
    });
    return c.json({ review, tokens } satisfies PluginReviewAnswer);
  } finally {
    if (spent > 0) await room.aiSpend(spent);
  }
});
