/**
 * The language tier's routes: GET /api/ai says whether it is configured (no token); POST /api/ai turns a visitor's
 * sentence into a prepared World Tool Protocol plan in their world, which they preview and commit over their socket.
 */
import { Hono } from 'hono';
import { type AiPlanAnswer, AiPlanRequest, type AiStatus, EntityInfo, OperationResult } from '../../shared/protocol';
import { AI_PER_VISITOR_PER_MINUTE, AI_PER_WORLD_PER_MINUTE } from '../ai/ai-gate';
import { aiConfig, planFromSentence } from '../ai/language-tier';
import { EdgeError } from '../errors';
import { bearer, requireToken } from './access';
import { jsonBody } from './json-body';

export const aiRoutes = new Hono<{ Bindings: Env }>();

aiRoutes.get('/api/ai', (c) => c.json({ configured: aiConfig(c.env) !== null } satisfies AiStatus));

aiRoutes.post('/api/ai', async (c) => {
  const config = aiConfig(c.env);
  if (!config)
    throw new EdgeError(
      501,
      'ai_not_configured',
      'ai: no language model is configured on this edge (the operator sets AI_ENDPOINT, AI_MODEL and the secret AI_KEY)',
    );
  const token = bearer(c.req.header('authorization'));
  const request = await jsonBody(c.req.raw, AiPlanRequest, 'POST /api/ai');
  const claims = await requireToken(c.env, token, 'edit', request.world);
  const room = c.env.WORLD_ROOM.getByName(request.world);
  const begun = await room.aiBegin(request.world, claims.sub, request.center, {
    perVisitorPerMinute: AI_PER_VISITOR_PER_MINUTE,
    perWorldPerMinute: AI_PER_WORLD_PER_MINUTE,
    dailyTokens: config.dailyTokens,
  });
  if (!begun.ok) {
    if (begun.code === 'world_not_found') throw new EdgeError(404, 'world_not_found', `edge: no world named "${request.world}"`);
    throw new EdgeError(429, begun.code, begun.message);
  }
  let spent = 0;
  try {
    // RPC results lose their tuple types on the way; the schemas give them back (and check them).
    const nearby = EntityInfo.array().parse(begun.nearby);
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
