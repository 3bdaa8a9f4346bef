/**
 * The language tier's HTTP API (POST /api/ai, GET /api/ai) and the answer it asks a model for: a sentence in, a
 * prepared World Tool Protocol plan out, which the visitor previews and commits over their own socket.
 */
import { z } from 'zod';
import { Vec3 } from './entity';
import { MAX_PLAN_ACTIONS, OperationResult, WorldAction } from './world-tool';

/** Longest sentence a visitor may send (characters). */
export const MAX_AI_PROMPT_CHARS = 1000;
/** Seed bounds on what a model may ask for: the inspection radius (m) around the visitor and the entities shown. */
export const AI_RADIUS_M = 64;
export const AI_MAX_ENTITIES = 64;
/** Most prims one plan may create (a structure counts its blocks). */
export const AI_MAX_CREATIONS = 24;
/** Largest plan, as JSON (bytes). */
export const AI_MAX_PLAN_BYTES = 32 * 1024;

/** GET /api/ai: whether the operator configured a language model (no token needed). */
export const AiStatus = z.object({ configured: z.boolean() });
export type AiStatus = z.infer<typeof AiStatus>;

/** POST /api/ai (with the visitor's token): build what the sentence says, near `center` (where the visitor stands). */
export const AiPlanRequest = z.object({
  world: z.string().regex(/^[a-z0-9-]{1,32}$/),
  prompt: z.string().trim().min(1).max(MAX_AI_PROMPT_CHARS),
  center: Vec3,
});
export type AiPlanRequest = z.infer<typeof AiPlanRequest>;

/** What the model must answer (its structured output), checked with the protocol's own action schema. */
export const AiModelPlan = z.object({
  actions: z.array(WorldAction).min(1).max(MAX_PLAN_ACTIONS),
});
export type AiModelPlan = z.infer<typeof AiModelPlan>;

/** The answer: the prepared plan (commit it by planId over the world socket), and what the model cost. */
export const AiPlanAnswer = z.object({
  plan: OperationResult,
  attempts: z.number().int().min(1).max(2),
  tokens: z.number().int().nonnegative(),
});
export type AiPlanAnswer = z.infer<typeof AiPlanAnswer>;
